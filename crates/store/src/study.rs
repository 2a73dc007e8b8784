//! Study and training (migration 0031): group study with its roll, training classes with their
//! sessions, enrolment and attendance, and the credit ledger of 学时. A study or class keeps
//! to a scope by the org that holds it; a member's hours by the member's branch today.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use dangjian_core::org::OrgPath;
use dangjian_core::orglife::AbsenceReason;
use dangjian_core::role::Scope;
use dangjian_core::study::{HourSource, Hours, MediaKind, StudyKind};
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{
    self, Page, RowExt, Sql, date_text, push_offered, push_org_scope, push_within, timestamp_text,
};

/// A group study as stored, with the name and path of its org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub kind: StudyKind,
    pub meeting_id: Option<i64>,
    pub held_on: NaiveDate,
    pub minutes: i64,
    pub topic: String,
    pub materials: String,
    pub hours: Hours,
    pub recorded_by: String,
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub org_id: i64,
    pub kind: StudyKind,
    pub meeting_id: Option<i64>,
    pub held_on: NaiveDate,
    pub minutes: i64,
    pub topic: &'a str,
    pub materials: &'a str,
    pub hours: Hours,
    pub recorded_by: &'a str,
}

/// One on the roll of a study held on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendeeRow {
    pub member_id: i64,
    pub name: String,
    pub present: bool,
    pub absence_reason: Option<AbsenceReason>,
    pub makeup_on: Option<NaiveDate>,
    pub makeup_note: Option<String>,
}

const SESSION_COLUMNS: &str = "SELECT s.id, s.org_id, o.name AS org_name, o.path AS org_path, s.kind, \
     s.meeting_id, s.held_on, s.minutes, s.topic, s.materials, s.hours, s.recorded_by \
     FROM study_sessions s JOIN orgs o ON o.id = s.org_id WHERE 1 = 1";

fn session(row: &AnyRow) -> StoreResult<SessionRow> {
    Ok(SessionRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        kind: row.code("kind", StudyKind::from_code)?,
        meeting_id: row.opt_int("meeting_id")?,
        held_on: row.date("held_on")?,
        minutes: row.int("minutes")?,
        topic: row.text("topic")?,
        materials: row.text("materials")?,
        hours: Hours(row.int("hours")?),
        recorded_by: row.text("recorded_by")?,
    })
}

pub async fn insert_session(
    conn: &mut Conn,
    s: &NewSession<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO study_sessions (org_id, kind, meeting_id, held_on, minutes, topic, materials, hours, \
         recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(s.org_id)
    .bind(s.kind.code())
    .bind(s.meeting_id)
    .bind(date_text(s.held_on))
    .bind(s.minutes)
    .bind(s.topic)
    .bind(s.materials)
    .bind(s.hours.0)
    .bind(s.recorded_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// Moves a study inside a record to the record's day.
pub async fn set_session_day(conn: &mut Conn, id: i64, on: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE study_sessions SET held_on = $1 WHERE id = $2")
        .bind(date_text(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The roll of a study held on its own: (member, present, why absent).
pub async fn insert_attendees(
    conn: &mut Conn,
    session: i64,
    roll: &[(i64, bool, Option<AbsenceReason>)],
) -> StoreResult<()> {
    for (member, present, reason) in roll {
        sqlx::query(
            "INSERT INTO study_attendees (session_id, member_id, present, absence_reason) VALUES ($1, $2, $3, $4)",
        )
        .bind(session)
        .bind(*member)
        .bind(i64::from(*present))
        .bind(reason.map(|r| r.code()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn session_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<SessionRow>> {
    let mut q = Sql::new(SESSION_COLUMNS);
    q.push(" AND s.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(session)
        .transpose()
}

/// The study that was a part of an organisational-life record, if any.
pub async fn session_of_meeting(conn: &mut Conn, meeting: i64) -> StoreResult<Option<SessionRow>> {
    let mut q = Sql::new(SESSION_COLUMNS);
    q.push(" AND s.meeting_id = ").bind(meeting);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(session)
        .transpose()
}

/// One page of the group studies in scope held in `[from, to)`, newest first, and how many.
pub async fn sessions(
    conn: &mut Conn,
    scope: &Scope,
    org: Option<&OrgPath>,
    from: NaiveDate,
    to: NaiveDate,
    page: Page,
) -> StoreResult<(Vec<SessionRow>, i64)> {
    let conditions = |q: &mut Sql| {
        push_org_scope(q, scope, "o.path");
        if let Some(path) = org {
            push_within(q, path, "o.path");
        }
        q.push(" AND s.held_on >= ")
            .bind(date_text(from))
            .push(" AND s.held_on < ")
            .bind(date_text(to));
    };
    let mut count = Sql::new(
        "SELECT COUNT(*) AS n FROM study_sessions s JOIN orgs o ON o.id = s.org_id WHERE 1 = 1",
    );
    conditions(&mut count);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(SESSION_COLUMNS);
    conditions(&mut q);
    q.push(" ORDER BY s.held_on DESC, s.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((rows.iter().map(session).collect::<StoreResult<_>>()?, total))
}

pub async fn attendees(conn: &mut Conn, session: i64) -> StoreResult<Vec<AttendeeRow>> {
    sqlx::query(
        "SELECT a.member_id, m.name, a.present, a.absence_reason, a.makeup_on, a.makeup_note \
         FROM study_attendees a JOIN members m ON m.id = a.member_id WHERE a.session_id = $1 \
         ORDER BY a.present DESC, m.name, m.id",
    )
    .bind(session)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(AttendeeRow {
            member_id: row.int("member_id")?,
            name: row.text("name")?,
            present: row.flag("present")?,
            absence_reason: row.opt_code("absence_reason", AbsenceReason::from_code)?,
            makeup_on: row.opt_date("makeup_on")?,
            makeup_note: row.opt_text("makeup_note")?,
        })
    })
    .collect()
}

/// Records an absentee's make-up; false when they were not an absentee without one.
pub async fn set_makeup(
    conn: &mut Conn,
    session: i64,
    member: i64,
    on: NaiveDate,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE study_attendees SET makeup_on = $1, makeup_note = $2 \
         WHERE session_id = $3 AND member_id = $4 AND present = 0 AND makeup_on IS NULL",
    )
    .bind(date_text(on))
    .bind(note)
    .bind(session)
    .bind(member)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A member's hours earned by one record (or one part of it): who, on which day, how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credit {
    pub member_id: i64,
    pub credited_on: NaiveDate,
    pub hours: Hours,
}

/// Replaces what a record (or one part: a class's session) credits, so that the ledger is
/// always what the record says.
pub async fn replace_credits(
    conn: &mut Conn,
    source: HourSource,
    record: i64,
    part: i64,
    credits: &[Credit],
) -> StoreResult<()> {
    let mut touched: BTreeSet<(i64, i32)> = sqlx::query(
        "SELECT member_id, credited_on FROM study_credits \
         WHERE source = $1 AND record_id = $2 AND part_id = $3",
    )
    .bind(source.code())
    .bind(record)
    .bind(part)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| Ok((row.int("member_id")?, row.date("credited_on")?.year())))
    .collect::<StoreResult<_>>()?;
    sqlx::query("DELETE FROM study_credits WHERE source = $1 AND record_id = $2 AND part_id = $3")
        .bind(source.code())
        .bind(record)
        .bind(part)
        .execute(&mut *conn)
        .await?;
    for c in credits.iter().filter(|c| c.hours > Hours::ZERO) {
        sqlx::query(
            "INSERT INTO study_credits (member_id, source, record_id, part_id, credited_on, hours) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.member_id)
        .bind(source.code())
        .bind(record)
        .bind(part)
        .bind(date_text(c.credited_on))
        .bind(c.hours.0)
        .execute(&mut *conn)
        .await?;
        touched.insert((c.member_id, c.credited_on.year()));
    }
    refresh_year_hours(conn, &touched).await
}

/// Recomputes the year's sums of these members and years from the ledger.
async fn refresh_year_hours(conn: &mut Conn, touched: &BTreeSet<(i64, i32)>) -> StoreResult<()> {
    for &(member, year) in touched {
        sqlx::query("DELETE FROM study_year_hours WHERE year = $1 AND member_id = $2")
            .bind(i64::from(year))
            .bind(member)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO study_year_hours (year, member_id, source, hours) \
             SELECT $1, member_id, source, SUM(hours) FROM study_credits \
             WHERE member_id = $2 AND credited_on >= $3 AND credited_on < $4 \
             GROUP BY member_id, source",
        )
        .bind(i64::from(year))
        .bind(member)
        .bind(format!("{year:04}-01-01"))
        .bind(format!("{:04}-01-01", year + 1))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Recomputes every year's sums from the ledger (after credits were written in bulk).
pub async fn rebuild_year_hours(conn: &mut Conn) -> StoreResult<()> {
    sqlx::query("DELETE FROM study_year_hours")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO study_year_hours (year, member_id, source, hours) \
         SELECT CAST(SUBSTR(credited_on, 1, 4) AS BIGINT), member_id, source, SUM(hours) \
         FROM study_credits GROUP BY CAST(SUBSTR(credited_on, 1, 4) AS BIGINT), member_id, source",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One credit of a member's year, with the title of the record that earned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditRow {
    pub source: HourSource,
    pub record_id: i64,
    pub part_id: i64,
    pub credited_on: NaiveDate,
    pub hours: Hours,
    pub title: String,
}

/// A member's credits in `[from, to)`, in the order earned.
pub async fn credits_of(
    conn: &mut Conn,
    member: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<CreditRow>> {
    sqlx::query(
        "SELECT c.source, c.record_id, c.part_id, c.credited_on, c.hours, \
         COALESCE(s.topic, k.title || '：' || t.topic, u.title || '：' || h.title, x.title, '') AS title FROM study_credits c \
         LEFT JOIN exams x ON c.source = 'exam' AND x.id = c.record_id \
         LEFT JOIN study_sessions s ON c.source = 'group_study' AND s.id = c.record_id \
         LEFT JOIN courses u ON c.source = 'course' AND u.id = c.record_id \
         LEFT JOIN course_chapters h ON c.source = 'course' AND h.id = c.part_id \
         LEFT JOIN training_classes k ON c.source = 'class' AND k.id = c.record_id \
         LEFT JOIN training_sessions t ON c.source = 'class' AND t.id = c.part_id \
         WHERE c.member_id = $1 AND c.credited_on >= $2 AND c.credited_on < $3 \
         ORDER BY c.credited_on, c.source, c.record_id, c.part_id",
    )
    .bind(member)
    .bind(date_text(from))
    .bind(date_text(to))
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(CreditRow {
            source: row.code("source", HourSource::from_code)?,
            record_id: row.int("record_id")?,
            part_id: row.int("part_id")?,
            credited_on: row.date("credited_on")?,
            hours: Hours(row.int("hours")?),
            title: row.text("title")?,
        })
    })
    .collect()
}

/// A member on the roll under an org, as the year's hours see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollRow {
    pub member_id: i64,
    pub name: String,
    pub branch_id: i64,
    pub branch_name: String,
    pub joined_on: NaiveDate,
    /// Holds a committee post today (书记、副书记、委员): held to the leaders' target.
    pub leader: bool,
}

/// The posts whose holders are 基层党组织书记和班子成员 for the training rules.
const LEADER_POSTS: &str = "('secretary', 'deputy_secretary', 'organization_commissioner', \
     'publicity_commissioner', 'discipline_commissioner', 'committee_member')";

/// The members on the roll today at or below `root` (every one, or only one member), in
/// branch and name order.
pub async fn roll_under(
    conn: &mut Conn,
    root: &OrgPath,
    member: Option<i64>,
) -> StoreResult<Vec<RollRow>> {
    let mut q = Sql::new(
        "SELECT m.id, m.name, m.branch_id, b.name AS branch_name, m.joined_on, \
         CASE WHEN EXISTS (SELECT 1 FROM org_posts p WHERE p.member_id = m.id AND p.valid_to IS NULL AND p.post IN ",
    );
    q.push(LEADER_POSTS).push(
        ") THEN 1 ELSE 0 END AS leader FROM members m JOIN orgs b ON b.id = m.branch_id WHERE m.status = 'active'",
    );
    push_within(&mut q, root, "b.path");
    if let Some(id) = member {
        q.push(" AND m.id = ").bind(id);
    }
    q.push(" ORDER BY b.path, m.name, m.id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(RollRow {
                member_id: row.int("id")?,
                name: row.text("name")?,
                branch_id: row.int("branch_id")?,
                branch_name: row.text("branch_name")?,
                joined_on: row.date("joined_on")?,
                leader: row.flag("leader")?,
            })
        })
        .collect()
}

/// Each member's credited hours in `year`, for the members on the roll at or below `root`,
/// by source (from the year's sums kept with the ledger).
pub async fn hours_under(
    conn: &mut Conn,
    root: &OrgPath,
    year: i32,
) -> StoreResult<HashMap<i64, Vec<(HourSource, Hours)>>> {
    let mut q = Sql::new(
        "SELECT h.member_id, h.source, h.hours FROM study_year_hours h \
         JOIN members m ON m.id = h.member_id JOIN orgs b ON b.id = m.branch_id WHERE h.year = ",
    );
    q.bind(i64::from(year));
    push_within(&mut q, root, "b.path");
    let mut out: HashMap<i64, Vec<(HourSource, Hours)>> = HashMap::new();
    for row in sql::fetch_all(conn, q).await? {
        out.entry(row.int("member_id")?).or_default().push((
            row.code("source", HourSource::from_code)?,
            Hours(row.int("hours")?),
        ));
    }
    Ok(out)
}

/// Each member's completed concentrated trainings (集中培训) ending in `[from, to)`, for the
/// members on the roll at or below `root`.
pub async fn trainings_under(
    conn: &mut Conn,
    root: &OrgPath,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<HashMap<i64, u32>> {
    let mut q = Sql::new(
        "SELECT e.member_id, COUNT(*) AS n FROM training_enrolments e \
         JOIN training_classes k ON k.id = e.class_id JOIN members m ON m.id = e.member_id \
         JOIN orgs b ON b.id = m.branch_id WHERE e.completed = 1 AND k.concentrated = 1 AND k.ends_on >= ",
    );
    q.bind(date_text(from))
        .push(" AND k.ends_on < ")
        .bind(date_text(to));
    push_within(&mut q, root, "b.path");
    q.push(" GROUP BY e.member_id");
    let mut out = HashMap::new();
    for row in sql::fetch_all(conn, q).await? {
        out.insert(
            row.int("member_id")?,
            u32::try_from(row.int("n")?).unwrap_or(u32::MAX),
        );
    }
    Ok(out)
}

/// Whether anything at all was credited at or below `root` in `year`: a year without
/// a single record is "no data", not a year of failures.
pub async fn any_credit_under(conn: &mut Conn, root: &OrgPath, year: i32) -> StoreResult<bool> {
    let mut q = Sql::new(
        "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM study_year_hours h \
         JOIN members m ON m.id = h.member_id JOIN orgs b ON b.id = m.branch_id WHERE h.year = ",
    );
    q.bind(i64::from(year));
    push_within(&mut q, root, "b.path");
    q.push(" LIMIT 1) x");
    Ok(sql::fetch_one(conn, q).await?.int("n")? > 0)
}

// ---------------------------------------------------------------------------------------
// Training classes
// ---------------------------------------------------------------------------------------

/// A training class as stored, with the name and path of the org that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub title: String,
    pub organiser: String,
    pub place: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub concentrated: bool,
    pub closed_on: Option<NaiveDate>,
    pub version: i64,
    pub enrolled: i64,
    pub completed: i64,
}

#[derive(Debug, Clone)]
pub struct NewClass<'a> {
    pub org_id: i64,
    pub title: &'a str,
    pub organiser: &'a str,
    pub place: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub concentrated: bool,
    pub created_by: &'a str,
}

const CLASS_COLUMNS: &str = "SELECT k.id, k.org_id, o.name AS org_name, o.path AS org_path, k.title, \
     k.organiser, k.place, k.starts_on, k.ends_on, k.concentrated, k.closed_on, k.version, \
     (SELECT COUNT(*) FROM training_enrolments e WHERE e.class_id = k.id) AS enrolled, \
     (SELECT COUNT(*) FROM training_enrolments e WHERE e.class_id = k.id AND e.completed = 1) AS completed \
     FROM training_classes k JOIN orgs o ON o.id = k.org_id WHERE 1 = 1";

fn class(row: &AnyRow) -> StoreResult<ClassRow> {
    Ok(ClassRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        title: row.text("title")?,
        organiser: row.text("organiser")?,
        place: row.text("place")?,
        starts_on: row.date("starts_on")?,
        ends_on: row.date("ends_on")?,
        concentrated: row.flag("concentrated")?,
        closed_on: row.opt_date("closed_on")?,
        version: row.int("version")?,
        enrolled: row.int("enrolled")?,
        completed: row.int("completed")?,
    })
}

pub async fn insert_class(
    conn: &mut Conn,
    c: &NewClass<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO training_classes (org_id, title, organiser, place, starts_on, ends_on, concentrated, \
         version, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9) RETURNING id",
    )
    .bind(c.org_id)
    .bind(c.title)
    .bind(c.organiser)
    .bind(c.place)
    .bind(date_text(c.starts_on))
    .bind(date_text(c.ends_on))
    .bind(i64::from(c.concentrated))
    .bind(c.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn class_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<ClassRow>> {
    let mut q = Sql::new(CLASS_COLUMNS);
    q.push(" AND k.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(class)
        .transpose()
}

/// The classes in scope that run in `[from, to)` (any day of them), newest first.
pub async fn classes(
    conn: &mut Conn,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    page: Page,
) -> StoreResult<(Vec<ClassRow>, i64)> {
    let conditions = |q: &mut Sql| {
        push_org_scope(q, scope, "o.path");
        q.push(" AND k.ends_on >= ")
            .bind(date_text(from))
            .push(" AND k.starts_on < ")
            .bind(date_text(to));
    };
    let mut count = Sql::new(
        "SELECT COUNT(*) AS n FROM training_classes k JOIN orgs o ON o.id = k.org_id WHERE 1 = 1",
    );
    conditions(&mut count);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(CLASS_COLUMNS);
    conditions(&mut q);
    q.push(" ORDER BY k.starts_on DESC, k.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((rows.iter().map(class).collect::<StoreResult<_>>()?, total))
}

/// Raises a class's version if it is still `version` and open; false otherwise.
pub async fn touch_class(conn: &mut Conn, id: i64, version: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE training_classes SET version = version + 1 WHERE id = $1 AND version = $2 AND closed_on IS NULL",
    )
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes a class on `on`.
pub async fn close_class(conn: &mut Conn, id: i64, on: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE training_classes SET closed_on = $1 WHERE id = $2")
        .bind(date_text(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A session of a class, with how many attended it once attendance was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSessionRow {
    pub id: i64,
    pub held_on: NaiveDate,
    pub topic: String,
    pub lecturer: String,
    pub hours: Hours,
    pub attendance_taken: bool,
    pub present: i64,
}

pub async fn insert_class_session(
    conn: &mut Conn,
    class: i64,
    held_on: NaiveDate,
    topic: &str,
    lecturer: &str,
    hours: Hours,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO training_sessions (class_id, held_on, topic, lecturer, hours) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(class)
    .bind(date_text(held_on))
    .bind(topic)
    .bind(lecturer)
    .bind(hours.0)
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn class_sessions(conn: &mut Conn, class: i64) -> StoreResult<Vec<ClassSessionRow>> {
    sqlx::query(
        "SELECT t.id, t.held_on, t.topic, t.lecturer, t.hours, t.attendance_taken, \
         (SELECT COUNT(*) FROM training_attendance a WHERE a.session_id = t.id AND a.present = 1) AS present \
         FROM training_sessions t WHERE t.class_id = $1 ORDER BY t.held_on, t.id",
    )
    .bind(class)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(ClassSessionRow {
            id: row.int("id")?,
            held_on: row.date("held_on")?,
            topic: row.text("topic")?,
            lecturer: row.text("lecturer")?,
            hours: Hours(row.int("hours")?),
            attendance_taken: row.flag("attendance_taken")?,
            present: row.int("present")?,
        })
    })
    .collect()
}

/// Enrols members in a class; those already enrolled are left as they are. Returns how many
/// were added.
pub async fn enrol(conn: &mut Conn, class: i64, members: &[i64], by: &str) -> StoreResult<u64> {
    let mut added = 0;
    for member in members {
        added += sqlx::query(
            "INSERT INTO training_enrolments (class_id, member_id, enrolled_by) VALUES ($1, $2, $3) \
             ON CONFLICT (class_id, member_id) DO NOTHING",
        )
        .bind(class)
        .bind(*member)
        .bind(by)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(added)
}

/// One enrolled in a class, with the hours of the sessions they attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRow {
    pub member_id: i64,
    pub name: String,
    pub branch_name: String,
    pub attended: Hours,
    pub completed: Option<bool>,
    pub certificate: Option<String>,
}

pub async fn enrolments(conn: &mut Conn, class: i64) -> StoreResult<Vec<EnrolmentRow>> {
    sqlx::query(
        "SELECT e.member_id, m.name, b.name AS branch_name, e.completed, e.certificate, \
         (SELECT CAST(COALESCE(SUM(t.hours), 0) AS BIGINT) FROM training_attendance a JOIN training_sessions t ON t.id = a.session_id \
          WHERE t.class_id = e.class_id AND a.member_id = e.member_id AND a.present = 1) AS attended \
         FROM training_enrolments e JOIN members m ON m.id = e.member_id JOIN orgs b ON b.id = m.branch_id \
         WHERE e.class_id = $1 ORDER BY b.path, m.name, m.id",
    )
    .bind(class)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(EnrolmentRow {
            member_id: row.int("member_id")?,
            name: row.text("name")?,
            branch_name: row.text("branch_name")?,
            attended: Hours(row.int("attended")?),
            completed: row.opt_int("completed")?.map(|c| c == 1),
            certificate: row.opt_text("certificate")?,
        })
    })
    .collect()
}

/// Takes (or retakes) a session's attendance: the enrolled `present` attended, the rest not.
pub async fn set_attendance(
    conn: &mut Conn,
    session: i64,
    enrolled: &[i64],
    present: &[i64],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM training_attendance WHERE session_id = $1")
        .bind(session)
        .execute(&mut *conn)
        .await?;
    for member in enrolled {
        sqlx::query(
            "INSERT INTO training_attendance (session_id, member_id, present) VALUES ($1, $2, $3)",
        )
        .bind(session)
        .bind(*member)
        .bind(i64::from(present.contains(member)))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE training_sessions SET attendance_taken = 1 WHERE id = $1")
        .bind(session)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who attended a session.
pub async fn present_at(conn: &mut Conn, session: i64) -> StoreResult<Vec<i64>> {
    sqlx::query(
        "SELECT member_id FROM training_attendance WHERE session_id = $1 AND present = 1 ORDER BY member_id",
    )
    .bind(session)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| row.int("member_id"))
    .collect()
}

/// Records whether an enrolee completed the class, and their certificate number.
pub async fn set_completion(
    conn: &mut Conn,
    class: i64,
    member: i64,
    completed: bool,
    certificate: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE training_enrolments SET completed = $1, certificate = $2 WHERE class_id = $3 AND member_id = $4",
    )
    .bind(i64::from(completed))
    .bind(certificate)
    .bind(class)
    .bind(member)
    .execute(conn)
    .await?;
    Ok(())
}

/// A class in a member's training history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub class_id: i64,
    pub title: String,
    pub organiser: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub concentrated: bool,
    pub attended: Hours,
    pub completed: Option<bool>,
    pub certificate: Option<String>,
}

/// The classes of the given members (every year), newest first, by member.
pub async fn histories(
    conn: &mut Conn,
    members: &[i64],
) -> StoreResult<HashMap<i64, Vec<HistoryRow>>> {
    let mut out: HashMap<i64, Vec<HistoryRow>> = HashMap::new();
    for chunk in members.chunks(500) {
        let mut q = Sql::new(
            "SELECT e.member_id, k.id, k.title, k.organiser, k.starts_on, k.ends_on, k.concentrated, \
             e.completed, e.certificate, \
             (SELECT CAST(COALESCE(SUM(t.hours), 0) AS BIGINT) FROM training_attendance a JOIN training_sessions t ON t.id = a.session_id \
              WHERE t.class_id = k.id AND a.member_id = e.member_id AND a.present = 1) AS attended \
             FROM training_enrolments e JOIN training_classes k ON k.id = e.class_id WHERE e.member_id IN (",
        );
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(") ORDER BY k.starts_on DESC, k.id DESC");
        for row in sql::fetch_all(conn, q).await? {
            out.entry(row.int("member_id")?)
                .or_default()
                .push(HistoryRow {
                    class_id: row.int("id")?,
                    title: row.text("title")?,
                    organiser: row.text("organiser")?,
                    starts_on: row.date("starts_on")?,
                    ends_on: row.date("ends_on")?,
                    concentrated: row.flag("concentrated")?,
                    attended: Hours(row.int("attended")?),
                    completed: row.opt_int("completed")?.map(|c| c == 1),
                    certificate: row.opt_text("certificate")?,
                });
        }
    }
    Ok(out)
}

/// A committee post held today at or below `root`: the training ledger's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderRow {
    pub member_id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    pub post: String,
    pub held_from: NaiveDate,
    pub joined_on: NaiveDate,
}

pub async fn leaders_under(conn: &mut Conn, root: &OrgPath) -> StoreResult<Vec<LeaderRow>> {
    let mut q = Sql::new(
        "SELECT p.member_id, m.name, p.org_id, o.name AS org_name, p.post, p.valid_from, m.joined_on \
         FROM org_posts p JOIN members m ON m.id = p.member_id JOIN orgs o ON o.id = p.org_id \
         WHERE p.valid_to IS NULL AND m.status = 'active' AND o.dissolved_on IS NULL AND p.post IN ",
    );
    q.push(LEADER_POSTS);
    push_within(&mut q, root, "o.path");
    q.push(" ORDER BY o.path, CASE p.post WHEN 'secretary' THEN 0 WHEN 'deputy_secretary' THEN 1 ELSE 2 END, m.name, m.id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(LeaderRow {
                member_id: row.int("member_id")?,
                name: row.text("name")?,
                org_id: row.int("org_id")?,
                org_name: row.text("org_name")?,
                post: row.text("post")?,
                held_from: row.date("valid_from")?,
                joined_on: row.date("joined_on")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Courses
// ---------------------------------------------------------------------------------------

/// A course as stored, with the org that offers it and how many chapters it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub title: String,
    pub description: String,
    /// A micro-lecture (微党课) rather than a course of several chapters.
    pub micro: bool,
    pub published_on: Option<NaiveDate>,
    pub version: i64,
    pub chapters: i64,
}

#[derive(Debug, Clone)]
pub struct NewCourse<'a> {
    pub org_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub micro: bool,
    pub created_by: &'a str,
}

const COURSE_COLUMNS: &str = "SELECT c.id, c.org_id, o.name AS org_name, o.path AS org_path, c.title, \
     c.description, c.micro, c.published_on, c.version, \
     (SELECT COUNT(*) FROM course_chapters h WHERE h.course_id = c.id) AS chapters \
     FROM courses c JOIN orgs o ON o.id = c.org_id WHERE 1 = 1";

fn course(row: &AnyRow) -> StoreResult<CourseRow> {
    Ok(CourseRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        title: row.text("title")?,
        description: row.text("description")?,
        micro: row.flag("micro")?,
        published_on: row.opt_date("published_on")?,
        version: row.int("version")?,
        chapters: row.int("chapters")?,
    })
}

pub async fn insert_course(
    conn: &mut Conn,
    c: &NewCourse<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO courses (org_id, title, description, micro, version, created_by, created_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id",
    )
    .bind(c.org_id)
    .bind(c.title)
    .bind(c.description)
    .bind(i64::from(c.micro))
    .bind(c.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn course_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<CourseRow>> {
    let mut q = Sql::new(COURSE_COLUMNS);
    q.push(" AND c.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(course)
        .transpose()
}

/// The courses an account may open: those offered at or above `home` (the account's org or
/// the member's branch) once published, and — for those who keep courses — every course
/// offered in their scope, drafts included; newest first.
pub async fn courses(
    conn: &mut Conn,
    home: Option<&OrgPath>,
    scope: &Scope,
    page: Page,
) -> StoreResult<(Vec<CourseRow>, i64)> {
    let conditions = |q: &mut Sql| push_offered(q, "c.published_on", home, scope);
    let mut count =
        Sql::new("SELECT COUNT(*) AS n FROM courses c JOIN orgs o ON o.id = c.org_id WHERE 1 = 1");
    conditions(&mut count);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(COURSE_COLUMNS);
    conditions(&mut q);
    q.push(" ORDER BY c.published_on IS NULL DESC, c.published_on DESC, c.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((rows.iter().map(course).collect::<StoreResult<_>>()?, total))
}

/// Publishes a course still at `version`; false when it changed or was published.
pub async fn publish_course(
    conn: &mut Conn,
    id: i64,
    version: i64,
    on: NaiveDate,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE courses SET published_on = $1, version = version + 1 \
         WHERE id = $2 AND version = $3 AND published_on IS NULL",
    )
    .bind(date_text(on))
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Raises a draft course's version if it is still `version`; false otherwise.
pub async fn touch_course(conn: &mut Conn, id: i64, version: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE courses SET version = version + 1 WHERE id = $1 AND version = $2 AND published_on IS NULL",
    )
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A chapter of a course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterRow {
    pub id: i64,
    pub course_id: i64,
    pub position: i64,
    pub title: String,
    pub media: MediaKind,
    pub body: Option<String>,
    pub file_digest: Option<String>,
    pub file_name: Option<String>,
    pub minutes: i64,
    pub hours: Hours,
}

#[derive(Debug, Clone)]
pub struct NewChapter<'a> {
    pub course_id: i64,
    pub title: &'a str,
    pub media: MediaKind,
    pub body: Option<&'a str>,
    pub file_digest: Option<&'a str>,
    pub file_name: Option<&'a str>,
    /// The text taken from a PDF, by which the chapter is found.
    pub file_text: Option<&'a str>,
    pub minutes: i64,
    pub hours: Hours,
}

fn chapter(row: &AnyRow) -> StoreResult<ChapterRow> {
    Ok(ChapterRow {
        id: row.int("id")?,
        course_id: row.int("course_id")?,
        position: row.int("position")?,
        title: row.text("title")?,
        media: row.code("media", MediaKind::from_code)?,
        body: row.opt_text("body")?,
        file_digest: row.opt_text("file_digest")?,
        file_name: row.opt_text("file_name")?,
        minutes: row.int("minutes")?,
        hours: Hours(row.int("hours")?),
    })
}

const CHAPTER_COLUMNS: &str = "SELECT id, course_id, position, title, media, body, file_digest, file_name, \
     minutes, hours FROM course_chapters";

pub async fn insert_chapter(conn: &mut Conn, c: &NewChapter<'_>) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO course_chapters (course_id, position, title, media, body, file_digest, file_name, \
         file_text, minutes, hours) \
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM course_chapters WHERE course_id = $1), \
         $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(c.course_id)
    .bind(c.title)
    .bind(c.media.code())
    .bind(c.body)
    .bind(c.file_digest)
    .bind(c.file_name)
    .bind(c.file_text)
    .bind(c.minutes)
    .bind(c.hours.0)
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn chapters(conn: &mut Conn, course: i64) -> StoreResult<Vec<ChapterRow>> {
    let mut q = Sql::new(CHAPTER_COLUMNS);
    q.push(" WHERE course_id = ")
        .bind(course)
        .push(" ORDER BY position");
    sql::fetch_all(conn, q).await?.iter().map(chapter).collect()
}

pub async fn chapter_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<ChapterRow>> {
    let mut q = Sql::new(CHAPTER_COLUMNS);
    q.push(" WHERE id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(chapter)
        .transpose()
}

/// Records that a member finished a chapter; false when they had already.
pub async fn complete_chapter(
    conn: &mut Conn,
    chapter: i64,
    member: i64,
    on: NaiveDate,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO chapter_completions (chapter_id, member_id, completed_on) VALUES ($1, $2, $3) \
         ON CONFLICT (chapter_id, member_id) DO NOTHING",
    )
    .bind(chapter)
    .bind(member)
    .bind(date_text(on))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The chapters of a course a member finished, with the day.
pub async fn completions(
    conn: &mut Conn,
    course: i64,
    member: i64,
) -> StoreResult<Vec<(i64, NaiveDate)>> {
    sqlx::query(
        "SELECT k.chapter_id, k.completed_on FROM chapter_completions k JOIN course_chapters h ON h.id = k.chapter_id \
         WHERE h.course_id = $1 AND k.member_id = $2 ORDER BY h.position",
    )
    .bind(course)
    .bind(member)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| Ok((row.int("chapter_id")?, row.date("completed_on")?)))
    .collect()
}

/// How many members finished each chapter of a course.
pub async fn completion_counts(conn: &mut Conn, course: i64) -> StoreResult<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    for row in sqlx::query(
        "SELECT k.chapter_id, COUNT(*) AS n FROM chapter_completions k JOIN course_chapters h ON h.id = k.chapter_id \
         WHERE h.course_id = $1 GROUP BY k.chapter_id",
    )
    .bind(course)
    .fetch_all(conn)
    .await?
    {
        out.insert(row.int("chapter_id")?, row.int("n")?);
    }
    Ok(out)
}

/// Credits one member for one part of a record (a course chapter finished).
pub async fn insert_credit(
    conn: &mut Conn,
    source: HourSource,
    record: i64,
    part: i64,
    credit: &Credit,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO study_credits (member_id, source, record_id, part_id, credited_on, hours) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(credit.member_id)
    .bind(source.code())
    .bind(record)
    .bind(part)
    .bind(date_text(credit.credited_on))
    .bind(credit.hours.0)
    .execute(&mut *conn)
    .await?;
    let touched = BTreeSet::from([(credit.member_id, credit.credited_on.year())]);
    refresh_year_hours(conn, &touched).await
}

// ---------------------------------------------------------------------------------------
// Study plans
// ---------------------------------------------------------------------------------------

/// An org's study plan of a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub adopted_from: Option<i64>,
    pub issued_on: Option<NaiveDate>,
    pub version: i64,
}

/// A topic of a plan, in its month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItemRow {
    pub id: i64,
    pub month: u32,
    pub topic: String,
    pub materials: String,
}

const PLAN_COLUMNS: &str = "SELECT p.id, p.org_id, o.name AS org_name, p.year, p.adopted_from, \
     p.issued_on, p.version FROM study_plans p JOIN orgs o ON o.id = p.org_id WHERE 1 = 1";

fn plan(row: &AnyRow) -> StoreResult<PlanRow> {
    Ok(PlanRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        year: i32::try_from(row.int("year")?).unwrap_or_default(),
        adopted_from: row.opt_int("adopted_from")?,
        issued_on: row.opt_date("issued_on")?,
        version: row.int("version")?,
    })
}

pub async fn plan_of(conn: &mut Conn, org: i64, year: i32) -> StoreResult<Option<PlanRow>> {
    let mut q = Sql::new(PLAN_COLUMNS);
    q.push(" AND p.org_id = ")
        .bind(org)
        .push(" AND p.year = ")
        .bind(i64::from(year));
    sql::fetch_all(conn, q).await?.first().map(plan).transpose()
}

pub async fn plan_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<PlanRow>> {
    let mut q = Sql::new(PLAN_COLUMNS);
    q.push(" AND p.id = ").bind(id);
    sql::fetch_all(conn, q).await?.first().map(plan).transpose()
}

/// The plans of the year issued by the orgs above `path` (not the org itself), nearest last.
pub async fn issued_above(conn: &mut Conn, path: &OrgPath, year: i32) -> StoreResult<Vec<PlanRow>> {
    let mut q = Sql::new(PLAN_COLUMNS);
    q.push(" AND p.year = ")
        .bind(i64::from(year))
        .push(" AND p.issued_on IS NOT NULL AND o.path <> ")
        .bind(path.as_str().to_owned())
        .push(" AND substr(")
        .bind(path.as_str().to_owned())
        .push(", 1, length(o.path)) = o.path ORDER BY o.path");
    sql::fetch_all(conn, q).await?.iter().map(plan).collect()
}

pub async fn insert_plan(
    conn: &mut Conn,
    org: i64,
    year: i32,
    adopted_from: Option<i64>,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO study_plans (org_id, year, adopted_from, version, created_by, created_at) \
         VALUES ($1, $2, $3, 1, $4, $5) RETURNING id",
    )
    .bind(org)
    .bind(i64::from(year))
    .bind(adopted_from)
    .bind(by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// Raises a plan's version if it is still `version`; false otherwise.
pub async fn touch_plan(conn: &mut Conn, id: i64, version: i64) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE study_plans SET version = version + 1 WHERE id = $1 AND version = $2")
            .bind(id)
            .bind(version)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn issue_plan(conn: &mut Conn, id: i64, on: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE study_plans SET issued_on = $1 WHERE id = $2")
        .bind(date_text(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_adopted_from(conn: &mut Conn, id: i64, from: i64) -> StoreResult<()> {
    sqlx::query("UPDATE study_plans SET adopted_from = $1 WHERE id = $2")
        .bind(from)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn plan_items(conn: &mut Conn, plan: i64) -> StoreResult<Vec<PlanItemRow>> {
    sqlx::query(
        "SELECT id, month, topic, materials FROM study_plan_items WHERE plan_id = $1 ORDER BY month, id",
    )
    .bind(plan)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(PlanItemRow {
            id: row.int("id")?,
            month: u32::try_from(row.int("month")?).unwrap_or_default(),
            topic: row.text("topic")?,
            materials: row.text("materials")?,
        })
    })
    .collect()
}

pub async fn insert_plan_item(
    conn: &mut Conn,
    plan: i64,
    month: u32,
    topic: &str,
    materials: &str,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO study_plan_items (plan_id, month, topic, materials) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(plan)
    .bind(i64::from(month))
    .bind(topic)
    .bind(materials)
    .fetch_one(conn)
    .await?
    .int("id")
}

/// Removes a topic of a plan; false when the plan has no such topic.
pub async fn delete_plan_item(conn: &mut Conn, plan: i64, item: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM study_plan_items WHERE plan_id = $1 AND id = $2")
        .bind(plan)
        .bind(item)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
