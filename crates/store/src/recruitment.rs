//! 发展党员 (migration 0029): the people on the path to membership, the steps recorded of
//! each, and the half-yearly reviews of activists. Read a person with their branch's path, so
//! that scope is checked on the same row.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::member::Gender;
use dangjian_core::org::OrgPath;
use dangjian_core::recruitment::{Material, RuleVersion, Step};
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// A person on the path, with their branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecruitRow {
    pub id: i64,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: OrgPath,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub police_number: Option<String>,
    pub rule_version: RuleVersion,
    pub status: String,
    pub publicity_from: Option<NaiveDate>,
    pub extension_months: Option<u32>,
    pub version: i64,
    pub ethnicity: Option<String>,
    pub education: Option<String>,
    /// The sealed ID number (context `recruit:{id}:id_number`).
    pub id_number_ct: Option<String>,
    /// The member made of the person when the admission was approved.
    pub member_id: Option<i64>,
    pub extended_on: Option<NaiveDate>,
    /// When and why the path ended before its last step.
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
}

const COLUMNS: &str = "SELECT r.id, r.branch_id, b.name AS branch_name, b.path AS branch_path, \
     r.name, r.gender, r.birth_date, r.police_number, r.rule_version, r.status, r.publicity_from, \
     r.extension_months, r.version, r.ethnicity, r.education, r.id_number_ct, r.member_id, \
     r.extended_on, r.ended_on, r.end_reason FROM recruits r JOIN orgs b ON b.id = r.branch_id WHERE 1 = 1";

fn recruit(row: &AnyRow) -> StoreResult<RecruitRow> {
    Ok(RecruitRow {
        id: row.int("id")?,
        branch_id: row.int("branch_id")?,
        branch_name: row.text("branch_name")?,
        branch_path: row.org_path("branch_path")?,
        name: row.text("name")?,
        gender: row.code("gender", Gender::from_code)?,
        birth_date: row.date("birth_date")?,
        police_number: row.opt_text("police_number")?,
        rule_version: row.code("rule_version", RuleVersion::from_code)?,
        status: row.text("status")?,
        publicity_from: row.opt_date("publicity_from")?,
        extension_months: row
            .opt_int("extension_months")?
            .and_then(|m| u32::try_from(m).ok()),
        version: row.int("version")?,
        ethnicity: row.opt_text("ethnicity")?,
        education: row.opt_text("education")?,
        id_number_ct: row.opt_text("id_number_ct")?,
        member_id: row.opt_int("member_id")?,
        extended_on: row.opt_date("extended_on")?,
        ended_on: row.opt_date("ended_on")?,
        end_reason: row.opt_text("end_reason")?,
    })
}

#[derive(Debug, Clone)]
pub struct NewRecruit<'a> {
    pub branch_id: i64,
    pub name: &'a str,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub police_number: Option<&'a str>,
    pub ethnicity: &'a str,
    pub education: Option<&'a str>,
    /// The keyed digest of the ID number; the sealed number is set once the id is known.
    pub id_number_idx: &'a str,
    pub rule_version: RuleVersion,
    pub created_by: &'a str,
}

pub async fn insert(conn: &mut Conn, r: &NewRecruit<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO recruits (branch_id, name, gender, birth_date, police_number, ethnicity, \
         education, id_number_idx, rule_version, status, version, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', 1, $10, $11) RETURNING id",
    )
    .bind(r.branch_id)
    .bind(r.name)
    .bind(r.gender.code())
    .bind(date_text(r.birth_date))
    .bind(r.police_number)
    .bind(r.ethnicity)
    .bind(r.education)
    .bind(r.id_number_idx)
    .bind(r.rule_version.code())
    .bind(r.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<RecruitRow>> {
    let mut q = Sql::new(COLUMNS);
    q.push(" AND r.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(recruit)
        .transpose()
}

/// A person as the lists read them: one row a person, the steps from its summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecruitBrief {
    pub id: i64,
    pub branch_id: i64,
    pub branch_name: String,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub rule_version: RuleVersion,
    pub status: String,
    pub publicity_from: Option<NaiveDate>,
    pub extension_months: Option<u32>,
    pub extended_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    /// The day of each step recorded.
    pub days: Vec<(Step, NaiveDate)>,
}

/// The people still on the path in scope (or everyone who ever was), by branch and name.
pub async fn briefs_in_scope(
    conn: &mut Conn,
    scope: &Scope,
    active_only: bool,
) -> StoreResult<Vec<RecruitBrief>> {
    let mut q = Sql::new(
        "SELECT r.id, r.branch_id, b.name AS branch_name, r.name, r.gender, r.birth_date, \
         r.rule_version, r.status, r.publicity_from, r.extension_months, r.extended_on, \
         r.ended_on, r.days FROM recruits r JOIN orgs b ON b.id = r.branch_id WHERE 1 = 1",
    );
    if active_only {
        q.push(" AND r.status = 'active'");
    }
    push_org_scope(&mut q, scope, "b.path");
    q.push(" ORDER BY b.path, r.name, r.id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(RecruitBrief {
                id: row.int("id")?,
                branch_id: row.int("branch_id")?,
                branch_name: row.text("branch_name")?,
                name: row.text("name")?,
                gender: row.code("gender", Gender::from_code)?,
                birth_date: row.date("birth_date")?,
                rule_version: row.code("rule_version", RuleVersion::from_code)?,
                status: row.text("status")?,
                publicity_from: row.opt_date("publicity_from")?,
                extension_months: row
                    .opt_int("extension_months")?
                    .and_then(|m| u32::try_from(m).ok()),
                extended_on: row.opt_date("extended_on")?,
                ended_on: row.opt_date("ended_on")?,
                days: parse_days(&row.text("days")?)?,
            })
        })
        .collect()
}

/// Reads a summary of steps, `step=YYYY-MM-DD;…`.
fn parse_days(text: &str) -> StoreResult<Vec<(Step, NaiveDate)>> {
    text.split(';')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let bad = || StoreError::Corrupt {
                column: "days",
                value: part.to_owned(),
            };
            let (code, day) = part.split_once('=').ok_or_else(bad)?;
            let step = Step::from_code(code).ok_or_else(bad)?;
            let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| bad())?;
            Ok((step, day))
        })
        .collect()
}

/// Writes a person's summary of steps again from the record, after any change of the steps.
async fn refresh_days(conn: &mut Conn, recruit: i64) -> StoreResult<()> {
    let rows = sqlx::query("SELECT step, done_on FROM recruit_steps WHERE recruit_id = $1")
        .bind(recruit)
        .fetch_all(&mut *conn)
        .await?;
    let mut days = String::new();
    for row in &rows {
        days.push_str(&format!("{}={};", row.text("step")?, row.text("done_on")?));
    }
    sqlx::query("UPDATE recruits SET days = $1 WHERE id = $2")
        .bind(days)
        .bind(recruit)
        .execute(conn)
        .await?;
    Ok(())
}

/// A step recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub step: Step,
    pub done_on: NaiveDate,
    pub note: String,
    pub days_late: Option<i64>,
    pub recorded_by: String,
    pub held: Held,
}

/// What a step held besides its day: the vote of a 支部党员大会 record, or the training.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Held {
    pub meeting_id: Option<i64>,
    pub voters: Option<i64>,
    pub present: Option<i64>,
    pub ayes: Option<i64>,
    pub written: Option<i64>,
    pub training_days: Option<i64>,
    pub training_hours: Option<i64>,
}

/// The steps of the people `ids`, by person.
pub async fn steps(conn: &mut Conn, ids: &[i64]) -> StoreResult<HashMap<i64, Vec<StepRow>>> {
    let mut out: HashMap<i64, Vec<StepRow>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(
            "SELECT recruit_id, step, done_on, note, days_late, recorded_by, meeting_id, voters, \
             present, ayes, written, training_days, training_hours FROM recruit_steps \
             WHERE recruit_id IN (",
        );
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
        for row in sql::fetch_all(&mut *conn, q).await? {
            out.entry(row.int("recruit_id")?)
                .or_default()
                .push(StepRow {
                    step: row.code("step", Step::from_code)?,
                    done_on: row.date("done_on")?,
                    note: row.text("note")?,
                    days_late: row.opt_int("days_late")?,
                    recorded_by: row.text("recorded_by")?,
                    held: Held {
                        meeting_id: row.opt_int("meeting_id")?,
                        voters: row.opt_int("voters")?,
                        present: row.opt_int("present")?,
                        ayes: row.opt_int("ayes")?,
                        written: row.opt_int("written")?,
                        training_days: row.opt_int("training_days")?,
                        training_hours: row.opt_int("training_hours")?,
                    },
                });
        }
    }
    for list in out.values_mut() {
        list.sort_by_key(|s| s.step.number());
    }
    Ok(out)
}

/// The review days of the people `ids`.
pub async fn reviews(conn: &mut Conn, ids: &[i64]) -> StoreResult<BTreeMap<i64, Vec<NaiveDate>>> {
    let mut out: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let mut q =
            Sql::new("SELECT recruit_id, reviewed_on FROM recruit_reviews WHERE recruit_id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(") ORDER BY reviewed_on");
        for row in sql::fetch_all(&mut *conn, q).await? {
            out.entry(row.int("recruit_id")?)
                .or_default()
                .push(row.date("reviewed_on")?);
        }
    }
    Ok(out)
}

/// Moves a person's version on from `version`; false when they changed meanwhile.
async fn bump_version(conn: &mut Conn, recruit: i64, version: i64) -> StoreResult<bool> {
    let moved =
        sqlx::query("UPDATE recruits SET version = version + 1 WHERE id = $1 AND version = $2")
            .bind(recruit)
            .bind(version)
            .execute(conn)
            .await?;
    Ok(moved.rows_affected() == 1)
}

/// A step to record.
#[derive(Debug, Clone)]
pub struct NewStep<'a> {
    pub step: Step,
    pub done_on: NaiveDate,
    pub note: &'a str,
    pub days_late: Option<i64>,
    pub held: Held,
    pub recorded_by: &'a str,
}

/// Records a step of a person still at `version` (and moves the version on); false when the
/// person changed meanwhile.
pub async fn insert_step(
    conn: &mut Conn,
    recruit: i64,
    version: i64,
    s: &NewStep<'_>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if !bump_version(conn, recruit, version).await? {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO recruit_steps (recruit_id, step, done_on, note, days_late, recorded_by, \
         recorded_at, meeting_id, voters, present, ayes, written, training_days, training_hours) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(recruit)
    .bind(s.step.code())
    .bind(date_text(s.done_on))
    .bind(s.note)
    .bind(s.days_late)
    .bind(s.recorded_by)
    .bind(timestamp_text(now))
    .bind(s.held.meeting_id)
    .bind(s.held.voters)
    .bind(s.held.present)
    .bind(s.held.ayes)
    .bind(s.held.written)
    .bind(s.held.training_days)
    .bind(s.held.training_hours)
    .execute(&mut *conn)
    .await?;
    refresh_days(conn, recruit).await?;
    Ok(true)
}

pub async fn insert_review(
    conn: &mut Conn,
    recruit: i64,
    reviewed_on: NaiveDate,
    note: &str,
    recorded_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO recruit_reviews (recruit_id, reviewed_on, note, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(recruit)
    .bind(date_text(reviewed_on))
    .bind(note)
    .bind(recorded_by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the first day of the 公示 before 确定发展对象.
pub async fn set_publicity(conn: &mut Conn, recruit: i64, from: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE recruits SET publicity_from = $1 WHERE id = $2")
        .bind(date_text(from))
        .bind(recruit)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends a path before its last step: `withdrawn` or `cancelled`, on its day, with the reason.
pub async fn end(
    conn: &mut Conn,
    recruit: i64,
    status: &str,
    on: NaiveDate,
    reason: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE recruits SET status = $1, ended_on = $2, end_reason = $3, version = version + 1 \
         WHERE id = $4",
    )
    .bind(status)
    .bind(date_text(on))
    .bind(reason)
    .bind(recruit)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the steps of a lapsed admission round out of the path, kept with the day it lapsed,
/// and moves the version on; false when the person changed meanwhile.
pub async fn lapse_round(
    conn: &mut Conn,
    recruit: i64,
    version: i64,
    steps: &[Step],
    lapsed_on: NaiveDate,
) -> StoreResult<bool> {
    if !bump_version(conn, recruit, version).await? {
        return Ok(false);
    }
    for step in steps {
        sqlx::query(
            "INSERT INTO recruit_lapsed_steps (recruit_id, step, done_on, note, days_late, \
             meeting_id, voters, present, ayes, written, recorded_by, recorded_at, lapsed_on) \
             SELECT recruit_id, step, done_on, note, days_late, meeting_id, voters, present, ayes, \
             written, recorded_by, recorded_at, $1 FROM recruit_steps \
             WHERE recruit_id = $2 AND step = $3",
        )
        .bind(date_text(lapsed_on))
        .bind(recruit)
        .bind(step.code())
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM recruit_steps WHERE recruit_id = $1 AND step = $2")
            .bind(recruit)
            .bind(step.code())
            .execute(&mut *conn)
            .await?;
    }
    refresh_days(conn, recruit).await?;
    Ok(true)
}

/// A step of a lapsed round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LapsedStep {
    pub step: Step,
    pub done_on: NaiveDate,
    pub lapsed_on: NaiveDate,
}

/// The steps of a person's lapsed rounds, oldest first.
pub async fn lapsed_steps(conn: &mut Conn, recruit: i64) -> StoreResult<Vec<LapsedStep>> {
    let rows = sqlx::query(
        "SELECT step, done_on, lapsed_on FROM recruit_lapsed_steps WHERE recruit_id = $1 \
         ORDER BY lapsed_on, done_on, id",
    )
    .bind(recruit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LapsedStep {
                step: r.code("step", Step::from_code)?,
                done_on: r.date("done_on")?,
                lapsed_on: r.date("lapsed_on")?,
            })
        })
        .collect()
}

/// Ends a person's path: `full` once the last step is recorded.
pub async fn set_status(conn: &mut Conn, recruit: i64, status: &str) -> StoreResult<()> {
    sqlx::query("UPDATE recruits SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(recruit)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the person of this ID number digest is on the path, or went through it.
pub async fn on_path(conn: &mut Conn, id_number_idx: &str) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM recruits WHERE id_number_idx = $1 \
         AND status IN ('active', 'full')",
    )
    .bind(id_number_idx)
    .fetch_one(conn)
    .await?;
    Ok(row.int("n")? > 0)
}

/// Sets the sealed ID number of a person just inserted.
pub async fn set_sealed_id_number(conn: &mut Conn, recruit: i64, sealed: &str) -> StoreResult<()> {
    sqlx::query("UPDATE recruits SET id_number_ct = $1 WHERE id = $2")
        .bind(sealed)
        .bind(recruit)
        .execute(conn)
        .await?;
    Ok(())
}

/// The sealed ID numbers after `after`, by id (for re-encryption after a key rotation).
pub async fn sealed_after(
    conn: &mut Conn,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, id_number_ct FROM recruits WHERE id > $1 AND id_number_ct IS NOT NULL \
         ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.int("id")?, r.text("id_number_ct")?)))
        .collect()
}

/// Links the member made of the person at admission.
pub async fn set_member(conn: &mut Conn, recruit: i64, member: i64) -> StoreResult<()> {
    sqlx::query("UPDATE recruits SET member_id = $1 WHERE id = $2")
        .bind(member)
        .bind(recruit)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the probation's extension on `on`, moving the version on; false when the person
/// changed meanwhile.
pub async fn set_extension(
    conn: &mut Conn,
    recruit: i64,
    version: i64,
    months: u32,
    on: NaiveDate,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE recruits SET extension_months = $1, extended_on = $2, version = version + 1 \
         WHERE id = $3 AND version = $4",
    )
    .bind(i64::from(months))
    .bind(date_text(on))
    .bind(recruit)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A 培养联系人 or 入党介绍人 of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// `contact` or `sponsor`.
    pub role: String,
    pub member_id: i64,
    pub name: String,
}

pub async fn insert_person(
    conn: &mut Conn,
    recruit: i64,
    role: &str,
    member: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO recruit_people (recruit_id, role, member_id) VALUES ($1, $2, $3)")
        .bind(recruit)
        .bind(role)
        .bind(member)
        .execute(conn)
        .await?;
    Ok(())
}

/// The contact persons and sponsors of a person, by role and name.
pub async fn people(conn: &mut Conn, recruit: i64) -> StoreResult<Vec<PersonRow>> {
    let rows = sqlx::query(
        "SELECT p.role, p.member_id, m.name FROM recruit_people p \
         JOIN members m ON m.id = p.member_id WHERE p.recruit_id = $1 \
         ORDER BY p.role, m.name, m.id",
    )
    .bind(recruit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PersonRow {
                role: r.text("role")?,
                member_id: r.int("member_id")?,
                name: r.text("name")?,
            })
        })
        .collect()
}

/// A file of a person's materials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub id: i64,
    pub material: Material,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub stored_name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A file as kept.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    pub recruit_id: i64,
    pub material: Material,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub digest: &'a str,
    pub stored_name: &'a str,
    pub created_by: &'a str,
}

pub async fn insert_file(conn: &mut Conn, f: &NewFile<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO recruit_files (recruit_id, material, file_name, content_type, size, digest, \
         stored_name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING id",
    )
    .bind(f.recruit_id)
    .bind(f.material.code())
    .bind(f.file_name)
    .bind(f.content_type)
    .bind(f.size)
    .bind(f.digest)
    .bind(f.stored_name)
    .bind(f.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// A person's files, by material and in the order they were added.
pub async fn files(conn: &mut Conn, recruit: i64) -> StoreResult<Vec<FileRow>> {
    let rows = sqlx::query(
        "SELECT id, material, file_name, content_type, size, digest, stored_name, created_by, \
         created_at FROM recruit_files WHERE recruit_id = $1 ORDER BY id",
    )
    .bind(recruit)
    .fetch_all(conn)
    .await?;
    let mut out: Vec<FileRow> = rows
        .iter()
        .map(|r| {
            Ok(FileRow {
                id: r.int("id")?,
                material: r.code("material", Material::from_code)?,
                file_name: r.text("file_name")?,
                content_type: r.text("content_type")?,
                size: r.int("size")?,
                digest: r.text("digest")?,
                stored_name: r.text("stored_name")?,
                created_by: r.text("created_by")?,
                created_at: r.timestamp("created_at")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    out.sort_by_key(|f| (Material::ALL.iter().position(|m| *m == f.material), f.id));
    Ok(out)
}
