//! Records of organisational life: meetings with their attendance, resolutions and actions,
//! submitted revisions and reviews; the roll of an org on a day; and the facts the compliance
//! engine reads for a subtree.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::compliance::{MemberFact, OrgFacts, RecordFact};
use dangjian_core::interval::Span;
use dangjian_core::org::{OrgKind, OrgPath};
use dangjian_core::orglife::{AbsenceReason, MeetingKind, QuorumExclusion, ReviewState};
use dangjian_core::role::Scope;
use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::sql::{self, Page, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// The content of a record, as written by its author.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub lecturer: Option<String>,
    pub topics: String,
    pub agenda: Option<String>,
    pub minutes: String,
    pub counts_for: Option<NaiveDate>,
    pub combined_review: bool,
    pub expected_reason: Option<String>,
    /// 民主生活会: the opinions gathered beforehand (会前征求意见情况).
    pub preparation: Option<String>,
    /// The voting members of the day's roll, for a 支部党员大会 (written by the server).
    pub voting_roll: Option<u32>,
    /// Members of that roll left out of the voting base under M4.11, with the approval.
    pub exclusions: Vec<Exclusion>,
    /// The record misses its quorum under the rules it was saved with (written by the server).
    pub quorum_short: bool,
    /// 谈心谈话: who talked with whom, each pair with the smaller member id first.
    pub pairs: Vec<TalkPairRow>,
    pub attendees: Vec<Attendee>,
    pub resolutions: Vec<Resolution>,
    pub actions: Vec<Action>,
}

/// A voting member left out of a 支部党员大会's base, why, and the upper committee's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub member_id: i64,
    pub name: String,
    pub category: QuorumExclusion,
    pub approval: String,
}

/// Two members who talked (谈心谈话), with their names for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalkPairRow {
    pub a: i64,
    pub a_name: String,
    pub b: i64,
    pub b_name: String,
}

/// One expected attendee. A make-up is recorded later, for an absentee.
#[derive(Debug, Clone, PartialEq)]
pub struct Attendee {
    pub member_id: i64,
    pub name: String,
    pub voting: bool,
    pub present: bool,
    pub absence_reason: Option<AbsenceReason>,
    pub absence_note: Option<String>,
    pub makeup_on: Option<NaiveDate>,
    pub makeup_note: Option<String>,
    pub criticism: Option<String>,
    pub self_criticism: Option<String>,
    /// 党性分析 at a 组织生活会 or 民主评议, and the branch's feedback on it.
    pub party_analysis: Option<String>,
    pub analysis_feedback: Option<String>,
    /// 民主生活会: the member's 对照检查材料.
    pub review_material: Option<String>,
}

/// A member's 党性分析 as kept in their record: where and when, the text, the feedback.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisRow {
    pub meeting_id: i64,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub org_name: String,
    pub state: ReviewState,
    pub text: String,
    pub feedback: Option<String>,
}

/// A member's 党性分析, newest first.
pub async fn analyses_of(conn: &mut Conn, member: i64) -> StoreResult<Vec<AnalysisRow>> {
    sqlx::query(
        "SELECT m.id, m.kind, m.held_on, o.name AS org_name, m.state, a.party_analysis, \
         a.analysis_feedback FROM meeting_attendees a JOIN meetings m ON m.id = a.meeting_id \
         JOIN orgs o ON o.id = m.org_id WHERE a.member_id = $1 AND a.party_analysis IS NOT NULL \
         ORDER BY m.held_on DESC, m.id DESC",
    )
    .bind(member)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(AnalysisRow {
            meeting_id: row.int("id")?,
            kind: row.code("kind", MeetingKind::from_code)?,
            held_on: row.date("held_on")?,
            org_name: row.text("org_name")?,
            state: row.code("state", ReviewState::from_code)?,
            text: row.text("party_analysis")?,
            feedback: row.opt_text("analysis_feedback")?,
        })
    })
    .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    pub text: String,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub text: String,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
}

/// A stored record with its org and review state.
#[derive(Debug, Clone)]
pub struct MeetingRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub state: ReviewState,
    pub version: i64,
    pub author_account_id: Option<i64>,
    pub author_login: String,
    pub updated_at: DateTime<Utc>,
    /// 民主生活会: the day it was reported to the level above.
    pub reported_on: Option<NaiveDate>,
    pub content: Content,
}

/// A line of a list of records.
#[derive(Debug, Clone)]
pub struct MeetingBrief {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub topics: String,
    pub state: ReviewState,
    pub expected: i64,
    pub present: i64,
    pub author_login: String,
}

/// A submitted version as the reviewer saw it.
#[derive(Debug, Clone)]
pub struct RevisionRow {
    pub version: i64,
    pub snapshot: String,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub version: i64,
    pub accepted: bool,
    pub reason: Option<String>,
    pub reviewer_login: String,
    pub reviewed_at: DateTime<Utc>,
}

/// A member on an org's roll on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollMember {
    pub member_id: i64,
    pub name: String,
    pub voting: bool,
}

/// Who wrote a change.
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    pub account_id: Option<i64>,
    pub login: &'a str,
}

fn flag(value: bool) -> i64 {
    i64::from(value)
}

fn count(value: u32) -> i64 {
    i64::from(value)
}

fn uint(row: &AnyRow, column: &'static str) -> StoreResult<u32> {
    let value = row.int(column)?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt {
        column,
        value: value.to_string(),
    })
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a record's content as the next seventeen parameters, in the order `kind, held_on,
/// starts_at, ends_at, place, host, recorder, lecturer, topics, agenda, minutes, counts_for,
/// combined_review, expected_reason, voting_roll, quorum_short, preparation` (shared by the
/// insert and the update).
fn bind_content<'q>(query: Query<'q>, c: &'q Content) -> Query<'q> {
    query
        .bind(c.kind.code())
        .bind(date_text(c.held_on))
        .bind(c.starts_at.as_str())
        .bind(c.ends_at.as_str())
        .bind(c.place.as_str())
        .bind(c.host.as_str())
        .bind(c.recorder.as_str())
        .bind(c.lecturer.as_deref())
        .bind(c.topics.as_str())
        .bind(c.agenda.as_deref())
        .bind(c.minutes.as_str())
        .bind(c.counts_for.map(date_text))
        .bind(flag(c.combined_review))
        .bind(c.expected_reason.as_deref())
        .bind(c.voting_roll.map(i64::from))
        .bind(flag(c.quorum_short))
        .bind(c.preparation.as_deref())
}

pub async fn insert(
    conn: &mut Conn,
    org_id: i64,
    content: &Content,
    author: Author<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let query = sqlx::query(
        "INSERT INTO meetings (kind, held_on, starts_at, ends_at, place, host, recorder, lecturer, \
         topics, agenda, minutes, counts_for, combined_review, expected_reason, voting_roll, quorum_short, \
         preparation, org_id, state, version, author_account_id, author_login, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1, \
         $20, $21, $22, $22) \
         RETURNING id",
    );
    let id = bind_content(query, content)
        .bind(org_id)
        .bind(ReviewState::Draft.code())
        .bind(author.account_id)
        .bind(author.login)
        .bind(timestamp_text(now))
        .fetch_one(&mut *conn)
        .await?
        .int("id")?;
    write_children(conn, id, content).await?;
    Ok(id)
}

/// Replaces the content of a record whose version is still `version`; false when someone
/// saved it in between. Make-ups already recorded for members still absent are kept.
pub async fn update(
    conn: &mut Conn,
    id: i64,
    version: i64,
    content: &Content,
    author: Author<'_>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let query = sqlx::query(
        "UPDATE meetings SET kind = $1, held_on = $2, starts_at = $3, ends_at = $4, place = $5, host = $6, \
         recorder = $7, lecturer = $8, topics = $9, agenda = $10, minutes = $11, counts_for = $12, \
         combined_review = $13, expected_reason = $14, voting_roll = $15, quorum_short = $16, \
         preparation = $17, version = version + 1, author_account_id = $18, author_login = $19, \
         updated_at = $20 WHERE id = $21 AND version = $22",
    );
    let done = bind_content(query, content)
        .bind(author.account_id)
        .bind(author.login)
        .bind(timestamp_text(now))
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if done == 0 {
        return Ok(false);
    }
    let kept = attendees(conn, id).await?;
    let mut content = content.clone();
    for a in content.attendees.iter_mut().filter(|a| !a.present) {
        if let Some(old) = kept.iter().find(|k| k.member_id == a.member_id) {
            a.makeup_on = a.makeup_on.or(old.makeup_on);
            a.makeup_note = a.makeup_note.take().or(old.makeup_note.clone());
        }
    }
    for table in [
        "DELETE FROM meeting_attendees WHERE meeting_id = $1",
        "DELETE FROM meeting_resolutions WHERE meeting_id = $1",
        "DELETE FROM meeting_actions WHERE meeting_id = $1",
        "DELETE FROM meeting_quorum_exclusions WHERE meeting_id = $1",
        "DELETE FROM meeting_talk_pairs WHERE meeting_id = $1",
    ] {
        sqlx::query(table).bind(id).execute(&mut *conn).await?;
    }
    write_children(conn, id, &content).await?;
    Ok(true)
}

async fn exclusions(conn: &mut Conn, id: i64) -> StoreResult<Vec<Exclusion>> {
    let rows = sqlx::query(
        "SELECT e.member_id, p.name, e.category, e.approval FROM meeting_quorum_exclusions e \
         JOIN members p ON p.id = e.member_id WHERE e.meeting_id = $1 ORDER BY e.member_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Exclusion {
                member_id: r.int("member_id")?,
                name: r.text("name")?,
                category: r.code("category", QuorumExclusion::from_code)?,
                approval: r.text("approval")?,
            })
        })
        .collect()
}

async fn talk_pairs(conn: &mut Conn, id: i64) -> StoreResult<Vec<TalkPairRow>> {
    let rows = sqlx::query(
        "SELECT t.member_a, a.name AS a_name, t.member_b, b.name AS b_name FROM meeting_talk_pairs t \
         JOIN members a ON a.id = t.member_a JOIN members b ON b.id = t.member_b \
         WHERE t.meeting_id = $1 ORDER BY a.name, b.name",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TalkPairRow {
                a: r.int("member_a")?,
                a_name: r.text("a_name")?,
                b: r.int("member_b")?,
                b_name: r.text("b_name")?,
            })
        })
        .collect()
}

async fn write_children(conn: &mut Conn, id: i64, c: &Content) -> StoreResult<()> {
    for p in &c.pairs {
        sqlx::query(
            "INSERT INTO meeting_talk_pairs (meeting_id, member_a, member_b) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(p.a.min(p.b))
        .bind(p.a.max(p.b))
        .execute(&mut *conn)
        .await?;
    }
    for x in &c.exclusions {
        sqlx::query(
            "INSERT INTO meeting_quorum_exclusions (meeting_id, member_id, category, approval) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(x.member_id)
        .bind(x.category.code())
        .bind(x.approval.as_str())
        .execute(&mut *conn)
        .await?;
    }
    for a in &c.attendees {
        sqlx::query(
            "INSERT INTO meeting_attendees (meeting_id, member_id, voting, present, absence_reason, \
             absence_note, makeup_on, makeup_note, criticism, self_criticism, party_analysis, \
             analysis_feedback, review_material) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id)
        .bind(a.member_id)
        .bind(flag(a.voting))
        .bind(flag(a.present))
        .bind(a.absence_reason.map(AbsenceReason::code))
        .bind(a.absence_note.as_deref())
        .bind(a.makeup_on.map(date_text))
        .bind(a.makeup_note.as_deref())
        .bind(a.criticism.as_deref())
        .bind(a.self_criticism.as_deref())
        .bind(a.party_analysis.as_deref())
        .bind(a.analysis_feedback.as_deref())
        .bind(a.review_material.as_deref())
        .execute(&mut *conn)
        .await?;
    }
    for (position, r) in c.resolutions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO meeting_resolutions (meeting_id, position, text, yes_votes, no_votes, abstentions, passed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(r.text.as_str())
        .bind(count(r.yes))
        .bind(count(r.no))
        .bind(count(r.abstain))
        .bind(flag(r.passed))
        .execute(&mut *conn)
        .await?;
    }
    insert_actions(conn, id, &c.actions).await
}

/// Inserts a record's follow-up actions in their order (the record has none yet).
pub async fn insert_actions(conn: &mut Conn, id: i64, actions: &[Action]) -> StoreResult<()> {
    for (position, a) in actions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO meeting_actions (meeting_id, position, text, owner, due_on) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(a.text.as_str())
        .bind(a.owner.as_str())
        .bind(a.due_on.map(date_text))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Moves a record at `version` to `state`; false when it changed in between.
pub async fn set_state(
    conn: &mut Conn,
    id: i64,
    version: i64,
    state: ReviewState,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE meetings SET state = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(state.code())
    .bind(timestamp_text(now))
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Records an absentee's make-up; false when the member was not an absentee of the record.
pub async fn set_makeup(
    conn: &mut Conn,
    id: i64,
    member_id: i64,
    on: NaiveDate,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE meeting_attendees SET makeup_on = $1, makeup_note = $2 \
         WHERE meeting_id = $3 AND member_id = $4 AND present = 0",
    )
    .bind(date_text(on))
    .bind(note)
    .bind(id)
    .bind(member_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

const SELECT_MEETING: &str = "SELECT m.id, m.org_id, o.name AS org_name, o.path AS org_path, m.kind, m.held_on, \
     m.starts_at, m.ends_at, m.place, m.host, m.recorder, m.lecturer, m.topics, m.agenda, m.minutes, \
     m.counts_for, m.combined_review, m.expected_reason, m.voting_roll, m.quorum_short, m.preparation, \
     m.reported_on, m.state, m.version, m.author_account_id, \
     m.author_login, m.updated_at FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1";

/// Records the day a 民主生活会 was reported to the level above.
pub async fn set_reported(conn: &mut Conn, id: i64, on: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE meetings SET reported_on = $1 WHERE id = $2")
        .bind(date_text(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A record with its attendance, resolutions and actions.
pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<MeetingRow>> {
    let Some(row) = sqlx::query(SELECT_MEETING)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let path = row.text("org_path")?;
    let content = Content {
        kind: row.code("kind", MeetingKind::from_code)?,
        held_on: row.date("held_on")?,
        starts_at: row.text("starts_at")?,
        ends_at: row.text("ends_at")?,
        place: row.text("place")?,
        host: row.text("host")?,
        recorder: row.text("recorder")?,
        lecturer: row.opt_text("lecturer")?,
        topics: row.text("topics")?,
        agenda: row.opt_text("agenda")?,
        minutes: row.text("minutes")?,
        counts_for: row.opt_date("counts_for")?,
        combined_review: row.flag("combined_review")?,
        expected_reason: row.opt_text("expected_reason")?,
        voting_roll: row
            .opt_int("voting_roll")?
            .and_then(|n| u32::try_from(n).ok()),
        quorum_short: row.flag("quorum_short")?,
        preparation: row.opt_text("preparation")?,
        exclusions: exclusions(conn, id).await?,
        pairs: talk_pairs(conn, id).await?,
        attendees: attendees(conn, id).await?,
        resolutions: resolutions(conn, id).await?,
        actions: actions(conn, id).await?,
    };
    Ok(Some(MeetingRow {
        id,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: OrgPath::parse(&path).ok_or(StoreError::Corrupt {
            column: "orgs.path",
            value: path,
        })?,
        state: row.code("state", ReviewState::from_code)?,
        version: row.int("version")?,
        author_account_id: row.opt_int("author_account_id")?,
        author_login: row.text("author_login")?,
        updated_at: row.timestamp("updated_at")?,
        reported_on: row.opt_date("reported_on")?,
        content,
    }))
}

async fn attendees(conn: &mut Conn, id: i64) -> StoreResult<Vec<Attendee>> {
    sqlx::query(
        "SELECT a.member_id, p.name, a.voting, a.present, a.absence_reason, a.absence_note, a.makeup_on, \
         a.makeup_note, a.criticism, a.self_criticism, a.party_analysis, a.analysis_feedback, \
         a.review_material \
         FROM meeting_attendees a \
         JOIN members p ON p.id = a.member_id WHERE a.meeting_id = $1 ORDER BY a.present DESC, p.name, a.member_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Attendee {
            member_id: row.int("member_id")?,
            name: row.text("name")?,
            voting: row.flag("voting")?,
            present: row.flag("present")?,
            absence_reason: row.opt_code("absence_reason", AbsenceReason::from_code)?,
            absence_note: row.opt_text("absence_note")?,
            makeup_on: row.opt_date("makeup_on")?,
            makeup_note: row.opt_text("makeup_note")?,
            criticism: row.opt_text("criticism")?,
            self_criticism: row.opt_text("self_criticism")?,
            party_analysis: row.opt_text("party_analysis")?,
            analysis_feedback: row.opt_text("analysis_feedback")?,
            review_material: row.opt_text("review_material")?,
        })
    })
    .collect()
}

async fn resolutions(conn: &mut Conn, id: i64) -> StoreResult<Vec<Resolution>> {
    sqlx::query(
        "SELECT text, yes_votes, no_votes, abstentions, passed FROM meeting_resolutions \
         WHERE meeting_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Resolution {
            text: row.text("text")?,
            yes: uint(row, "yes_votes")?,
            no: uint(row, "no_votes")?,
            abstain: uint(row, "abstentions")?,
            passed: row.flag("passed")?,
        })
    })
    .collect()
}

async fn actions(conn: &mut Conn, id: i64) -> StoreResult<Vec<Action>> {
    sqlx::query(
        "SELECT text, owner, due_on FROM meeting_actions WHERE meeting_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Action {
            text: row.text("text")?,
            owner: row.text("owner")?,
            due_on: row.opt_date("due_on")?,
        })
    })
    .collect()
}

pub async fn insert_revision(
    conn: &mut Conn,
    id: i64,
    version: i64,
    snapshot: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO meeting_revisions (meeting_id, version, snapshot, submitted_by, submitted_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(version)
    .bind(snapshot)
    .bind(by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The submitted versions of a record, oldest first.
pub async fn revisions(conn: &mut Conn, id: i64) -> StoreResult<Vec<RevisionRow>> {
    sqlx::query(
        "SELECT version, snapshot, submitted_by, submitted_at FROM meeting_revisions \
         WHERE meeting_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(RevisionRow {
            version: row.int("version")?,
            snapshot: row.text("snapshot")?,
            submitted_by: row.text("submitted_by")?,
            submitted_at: row.timestamp("submitted_at")?,
        })
    })
    .collect()
}

pub async fn insert_review(
    conn: &mut Conn,
    id: i64,
    version: i64,
    accepted: bool,
    reason: Option<&str>,
    reviewer: Author<'_>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO meeting_reviews (meeting_id, version, decision, reason, reviewer_account_id, reviewer_login, reviewed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(version)
    .bind(if accepted { "accepted" } else { "returned" })
    .bind(reason)
    .bind(reviewer.account_id)
    .bind(reviewer.login)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The reviews of a record, oldest first.
pub async fn reviews(conn: &mut Conn, id: i64) -> StoreResult<Vec<ReviewRow>> {
    sqlx::query(
        "SELECT version, decision, reason, reviewer_login, reviewed_at FROM meeting_reviews \
         WHERE meeting_id = $1 ORDER BY reviewed_at, id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(ReviewRow {
            version: row.int("version")?,
            accepted: row.text("decision")? == "accepted",
            reason: row.opt_text("reason")?,
            reviewer_login: row.text("reviewer_login")?,
            reviewed_at: row.timestamp("reviewed_at")?,
        })
    })
    .collect()
}

/// Which records a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub org_id: Option<i64>,
    pub kind: Option<MeetingKind>,
    pub state: Option<ReviewState>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Leave out the records of this org (a reviewer's own org, in the review queue).
    pub not_org: Option<i64>,
}

/// Records in the scope, newest first.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &Filter,
    page: Page,
) -> StoreResult<Vec<MeetingBrief>> {
    let mut sql = Sql::new(
        "SELECT m.id, m.org_id, o.name AS org_name, m.kind, m.held_on, m.topics, m.state, m.author_login, \
         (SELECT COUNT(*) FROM meeting_attendees a WHERE a.meeting_id = m.id) AS expected, \
         (SELECT COUNT(*) FROM meeting_attendees a WHERE a.meeting_id = m.id AND a.present = 1) AS present \
         FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE 1 = 1",
    );
    push_org_scope(&mut sql, scope, "o.path");
    if let Some(org) = filter.org_id {
        sql.push(" AND m.org_id = ").bind(org);
    }
    if let Some(org) = filter.not_org {
        sql.push(" AND m.org_id <> ").bind(org);
    }
    if let Some(kind) = filter.kind {
        sql.push(" AND m.kind = ").bind(kind.code());
    }
    if let Some(state) = filter.state {
        sql.push(" AND m.state = ").bind(state.code());
    }
    if let Some(from) = filter.from {
        sql.push(" AND m.held_on >= ").bind(date_text(from));
    }
    if let Some(to) = filter.to {
        sql.push(" AND m.held_on < ").bind(date_text(to));
    }
    sql.push(" ORDER BY m.held_on DESC, m.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(MeetingBrief {
                id: row.int("id")?,
                org_id: row.int("org_id")?,
                org_name: row.text("org_name")?,
                kind: row.code("kind", MeetingKind::from_code)?,
                held_on: row.date("held_on")?,
                topics: row.text("topics")?,
                state: row.code("state", ReviewState::from_code)?,
                expected: row.int("expected")?,
                present: row.int("present")?,
                author_login: row.text("author_login")?,
            })
        })
        .collect()
}

/// The members on a branch's roll on `on` (正常 that day), with their vote (正式党员 that day).
pub async fn roll_on(conn: &mut Conn, branch: i64, on: NaiveDate) -> StoreResult<Vec<RollMember>> {
    roll(conn, branch, None, on).await
}

/// The members of a party group on `on`: those placed in it that day who are on its branch's
/// roll that day.
pub async fn group_roll_on(
    conn: &mut Conn,
    branch: i64,
    group: i64,
    on: NaiveDate,
) -> StoreResult<Vec<RollMember>> {
    roll(conn, branch, Some(group), on).await
}

async fn roll(
    conn: &mut Conn,
    branch: i64,
    group: Option<i64>,
    on: NaiveDate,
) -> StoreResult<Vec<RollMember>> {
    sqlx::query(
        "SELECT m.id, m.name, (SELECT c.category FROM member_category_history c WHERE c.member_id = m.id \
           AND c.valid_from <= $2 AND (c.valid_to IS NULL OR c.valid_to > $2)) AS category \
         FROM member_branch_history h JOIN members m ON m.id = h.member_id \
         WHERE h.org_id = $1 AND h.valid_from <= $2 AND (h.valid_to IS NULL OR h.valid_to > $2) \
         AND EXISTS (SELECT 1 FROM member_status_history s WHERE s.member_id = m.id AND s.status = 'active' \
           AND s.valid_from <= $2 AND (s.valid_to IS NULL OR s.valid_to > $2)) \
         AND ($3 IS NULL OR EXISTS (SELECT 1 FROM member_group_history g WHERE g.member_id = m.id \
           AND g.group_id = $3 AND g.valid_from <= $2 AND (g.valid_to IS NULL OR g.valid_to > $2))) \
         ORDER BY m.name, m.id",
    )
    .bind(branch)
    .bind(date_text(on))
    .bind(group)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(RollMember {
            member_id: row.int("id")?,
            name: row.text("name")?,
            voting: row.opt_text("category")?.as_deref() == Some("full"),
        })
    })
    .collect()
}

/// The holders of an org's committee seats on `on`, with their vote.
pub async fn committee_on(
    conn: &mut Conn,
    org: i64,
    on: NaiveDate,
) -> StoreResult<Vec<RollMember>> {
    sqlx::query(
        "SELECT DISTINCT m.id, m.name, m.category FROM org_posts p JOIN members m ON m.id = p.member_id \
         WHERE p.org_id = $1 AND p.post <> 'group_leader' AND p.valid_from <= $2 \
         AND (p.valid_to IS NULL OR p.valid_to > $2) ORDER BY m.name, m.id",
    )
    .bind(org)
    .bind(date_text(on))
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(RollMember {
            member_id: row.int("id")?,
            name: row.text("name")?,
            voting: true,
        })
    })
    .collect()
}

/// A member's part in organisational life: every record (not drafts) that expected them.
#[derive(Debug, Clone)]
pub struct Participation {
    pub meeting_id: i64,
    pub org_name: String,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub topics: String,
    pub present: bool,
    pub absence_reason: Option<AbsenceReason>,
    pub makeup_on: Option<NaiveDate>,
}

pub async fn participation(conn: &mut Conn, member: i64) -> StoreResult<Vec<Participation>> {
    sqlx::query(
        "SELECT m.id, o.name AS org_name, m.kind, m.held_on, m.topics, a.present, a.absence_reason, a.makeup_on \
         FROM meeting_attendees a JOIN meetings m ON m.id = a.meeting_id JOIN orgs o ON o.id = m.org_id \
         WHERE a.member_id = $1 AND m.state <> 'draft' ORDER BY m.held_on DESC, m.id DESC",
    )
    .bind(member)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Participation {
            meeting_id: row.int("id")?,
            org_name: row.text("org_name")?,
            kind: row.code("kind", MeetingKind::from_code)?,
            held_on: row.date("held_on")?,
            topics: row.text("topics")?,
            present: row.flag("present")?,
            absence_reason: row.opt_code("absence_reason", AbsenceReason::from_code)?,
            makeup_on: row.opt_date("makeup_on")?,
        })
    })
    .collect()
}

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        column,
        value: value.to_owned(),
    }
}

/// A stored `YYYY-MM-DD` read by hand: the engine reads hundreds of thousands of them.
fn iso_date(column: &'static str, value: &str) -> StoreResult<NaiveDate> {
    let b = value.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let parsed = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| {
            NaiveDate::from_ymd_opt(
                i32::try_from(number(0..4)?).ok()?,
                number(5..7)?,
                number(8..10)?,
            )
        })
        .flatten();
    parsed.ok_or_else(|| corrupt(column, value))
}

/// The engine's facts for the orgs of a scope.
#[derive(Debug, Clone, Default)]
pub struct EngineFacts {
    pub orgs: Vec<OrgFacts>,
    /// How each org is named, in the order of `orgs`.
    pub labels: Vec<OrgLabel>,
    pub records: Vec<RecordFact>,
}

/// An org's code, name and current kind.
#[derive(Debug, Clone)]
pub struct OrgLabel {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
}

fn span(row: &AnyRow) -> StoreResult<Span> {
    Ok(Span {
        from: row.date("valid_from")?,
        to: row.opt_date("valid_to")?,
    })
}

/// The dated facts of every org in `scope` (or only `org`): existence, kind over time and
/// committee spans, with their names.
pub async fn org_facts(
    conn: &mut Conn,
    scope: &Scope,
    org: Option<i64>,
) -> StoreResult<(Vec<OrgFacts>, Vec<OrgLabel>)> {
    let narrow = |sql: &mut Sql, column: &'static str| {
        push_org_scope(sql, scope, "o.path");
        if let Some(org) = org {
            sql.push(" AND ").push(column).push(" = ").bind(org);
        }
    };
    let mut sql = Sql::new(
        "SELECT o.id, o.code, o.name, o.kind, o.founded_on, o.dissolved_on FROM orgs o WHERE 1 = 1",
    );
    narrow(&mut sql, "o.id");
    sql.push(" ORDER BY o.id");
    let mut orgs: Vec<OrgFacts> = Vec::new();
    let mut labels = Vec::new();
    for row in sql::fetch_all(conn, sql).await? {
        orgs.push(OrgFacts {
            id: row.int("id")?,
            founded_on: row.date("founded_on")?,
            dissolved_on: row.opt_date("dissolved_on")?,
            kinds: Vec::new(),
            committee: Vec::new(),
        });
        labels.push(OrgLabel {
            code: row.text("code")?,
            name: row.text("name")?,
            kind: row.code("kind", OrgKind::from_code)?,
        });
    }
    let index = |orgs: &[OrgFacts], id: i64| orgs.binary_search_by_key(&id, |o| o.id).ok();

    let mut sql = Sql::new(
        "SELECT k.org_id, k.kind, k.valid_from, k.valid_to FROM org_kind_history k \
         JOIN orgs o ON o.id = k.org_id WHERE 1 = 1",
    );
    narrow(&mut sql, "k.org_id");
    for row in sql::fetch_all(conn, sql).await? {
        if let Some(i) = index(&orgs, row.int("org_id")?) {
            orgs[i]
                .kinds
                .push((span(&row)?, row.code("kind", OrgKind::from_code)?));
        }
    }
    let mut sql = Sql::new(
        "SELECT p.org_id, p.valid_from, p.valid_to FROM org_posts p JOIN orgs o ON o.id = p.org_id \
         WHERE p.post IN ('organization_commissioner', 'publicity_commissioner', \
         'discipline_commissioner', 'committee_member')",
    );
    narrow(&mut sql, "p.org_id");
    for row in sql::fetch_all(conn, sql).await? {
        if let Some(i) = index(&orgs, row.int("org_id")?) {
            orgs[i].committee.push(span(&row)?);
        }
    }

    Ok((orgs, labels))
}

/// The records of the orgs in `scope` (or only `org`) dated in, or made up for, `[from, to)`,
/// sorted by org and id. Participants are loaded for the every-member kinds when
/// `participants`.
pub async fn record_facts(
    conn: &mut Conn,
    scope: &Scope,
    org: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    participants: bool,
) -> StoreResult<Vec<RecordFact>> {
    // Records held in the range, then make-ups held after it for a day in it: two range
    // scans of covering indexes (`meetings_period`, `meetings_makeup`) rather than a scan of
    // the whole table with its minutes. The orgs are joined only to narrow to a subtree. A
    // province's year is some 300,000 rows: the cells are read as borrowed text and the dates
    // parsed by hand, which halved the time of reading them.
    let (from_text, to_text) = (date_text(from), date_text(to));
    let mut records: Vec<RecordFact> = Vec::new();
    for (column, other) in [("m.held_on", None), ("m.counts_for", Some("m.held_on"))] {
        let mut sql = Sql::new(
            "SELECT m.id, m.org_id, m.kind, m.held_on, m.counts_for, m.state, m.combined_review, \
             m.quorum_short FROM meetings m",
        );
        if scope != &Scope::Everything {
            sql.push(" JOIN orgs o ON o.id = m.org_id");
        }
        sql.push(" WHERE ")
            .push(column)
            .push(" >= ")
            .bind(from_text.clone())
            .push(" AND ")
            .push(column)
            .push(" < ")
            .bind(to_text.clone());
        if let Some(other) = other {
            sql.push(" AND ")
                .push(other)
                .push(" >= ")
                .bind(to_text.clone());
        }
        if scope != &Scope::Everything {
            push_org_scope(&mut sql, scope, "o.path");
        }
        if let Some(org) = org {
            sql.push(" AND m.org_id = ").bind(org);
        }
        // Streamed, not collected (a province's year would be hundreds of megabytes of rows),
        // and read by position: the lookup by name costs as much as the decoding here.
        let (text, args) = sql.parts();
        let mut rows = sqlx::query_with(&text, args).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            let kind: &str = row.try_get(2)?;
            let held_on: &str = row.try_get(3)?;
            let counts_for: Option<&str> = row.try_get(4)?;
            let state: &str = row.try_get(5)?;
            let combined: i64 = row.try_get(6)?;
            let quorum_short: i64 = row.try_get(7)?;
            records.push(RecordFact {
                id: row.try_get(0)?,
                org_id: row.try_get(1)?,
                kind: MeetingKind::from_code(kind).ok_or_else(|| corrupt("meetings.kind", kind))?,
                held_on: iso_date("meetings.held_on", held_on)?,
                counts_for: counts_for
                    .map(|d| iso_date("meetings.counts_for", d))
                    .transpose()?,
                state: ReviewState::from_code(state)
                    .ok_or_else(|| corrupt("meetings.state", state))?,
                also: (combined != 0).then_some(MeetingKind::DemocraticReview),
                participants: Vec::new(),
                quorum_short: quorum_short != 0,
                pairs: Vec::new(),
            });
        }
    }
    // By org, then id: the overview takes each org's records as one slice.
    records.sort_unstable_by_key(|r| (r.org_id, r.id));
    if participants && !records.is_empty() {
        let mut sql = Sql::new(
            "SELECT a.meeting_id, a.member_id FROM meeting_attendees a JOIN meetings m ON m.id = a.meeting_id \
             JOIN orgs o ON o.id = m.org_id WHERE (a.present = 1 OR a.makeup_on IS NOT NULL) \
             AND m.kind IN ('organizational_life_meeting', 'democratic_review', 'heart_to_heart_talk') \
             AND ((m.held_on >= ",
        );
        sql.bind(from_text.clone())
            .push(" AND m.held_on < ")
            .bind(to_text.clone())
            .push(") OR (m.counts_for >= ")
            .bind(from_text)
            .push(" AND m.counts_for < ")
            .bind(to_text)
            .push("))");
        push_org_scope(&mut sql, scope, "o.path");
        if let Some(org) = org {
            sql.push(" AND m.org_id = ").bind(org);
        }
        let index: std::collections::HashMap<i64, usize> =
            records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        for row in sql::fetch_all(conn, sql).await? {
            if let Some(&i) = index.get(&row.int("meeting_id")?) {
                records[i].participants.push(row.int("member_id")?);
            }
        }
        // 谈心谈话: who talked with whom.
        let mut sql = Sql::new(
            "SELECT t.meeting_id, t.member_a, t.member_b FROM meeting_talk_pairs t \
             JOIN meetings m ON m.id = t.meeting_id JOIN orgs o ON o.id = m.org_id \
             WHERE ((m.held_on >= ",
        );
        sql.bind(date_text(from))
            .push(" AND m.held_on < ")
            .bind(date_text(to))
            .push(") OR (m.counts_for >= ")
            .bind(date_text(from))
            .push(" AND m.counts_for < ")
            .bind(date_text(to))
            .push("))");
        push_org_scope(&mut sql, scope, "o.path");
        if let Some(org) = org {
            sql.push(" AND m.org_id = ").bind(org);
        }
        for row in sql::fetch_all(conn, sql).await? {
            if let Some(&i) = index.get(&row.int("meeting_id")?) {
                records[i]
                    .pairs
                    .push((row.int("member_a")?, row.int("member_b")?));
            }
        }
    }
    Ok(records)
}

/// Both of the above in one transaction (one org's calendar).
pub async fn engine_facts(
    conn: &mut Conn,
    scope: &Scope,
    org: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    participants: bool,
) -> StoreResult<EngineFacts> {
    let (orgs, labels) = org_facts(conn, scope, org).await?;
    let records = record_facts(conn, scope, org, from, to, participants).await?;
    Ok(EngineFacts {
        orgs,
        labels,
        records,
    })
}

/// The members of a branch over `[from, to)`, each with the spans in which they were on its
/// roll in good standing (their branch spans cut to their 正常 status spans).
pub async fn members_over(
    conn: &mut Conn,
    branch: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<MemberFact>> {
    let rows = sqlx::query(
        "SELECT h.member_id, h.valid_from, h.valid_to, s.valid_from AS status_from, s.valid_to AS status_to \
         FROM member_branch_history h JOIN member_status_history s ON s.member_id = h.member_id \
         AND s.status = 'active' AND (h.valid_to IS NULL OR s.valid_from < h.valid_to) \
         AND (s.valid_to IS NULL OR s.valid_to > h.valid_from) \
         WHERE h.org_id = $1 AND h.valid_from < $3 AND (h.valid_to IS NULL OR h.valid_to > $2) \
         ORDER BY h.member_id, h.valid_from, s.valid_from",
    )
    .bind(branch)
    .bind(date_text(from))
    .bind(date_text(to))
    .fetch_all(conn)
    .await?;
    let mut members: Vec<MemberFact> = Vec::new();
    for row in rows {
        let id = row.int("member_id")?;
        let branch = span(&row)?;
        let status_to = row.opt_date("status_to")?;
        let span = Span {
            from: branch.from.max(row.date("status_from")?),
            to: match (branch.to, status_to) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        };
        match members.last_mut() {
            Some(last) if last.member_id == id => last.spans.push(span),
            _ => members.push(MemberFact {
                member_id: id,
                spans: vec![span],
            }),
        }
    }
    Ok(members)
}

/// The committee members of an org over `[from, to)`, each with the spans of their
/// committee posts (any post but 党小组长).
pub async fn committee_over(
    conn: &mut Conn,
    org: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<MemberFact>> {
    let rows = sqlx::query(
        "SELECT member_id, valid_from, valid_to FROM org_posts WHERE org_id = $1 \
         AND post <> 'group_leader' AND valid_from < $3 AND (valid_to IS NULL OR valid_to > $2) \
         ORDER BY member_id, valid_from",
    )
    .bind(org)
    .bind(date_text(from))
    .bind(date_text(to))
    .fetch_all(conn)
    .await?;
    let mut members: Vec<MemberFact> = Vec::new();
    for row in rows {
        let id = row.int("member_id")?;
        let span = span(&row)?;
        match members.last_mut() {
            Some(last) if last.member_id == id => last.spans.push(span),
            _ => members.push(MemberFact {
                member_id: id,
                spans: vec![span],
            }),
        }
    }
    Ok(members)
}

/// A record to load in bulk (the demo), with its id chosen by the caller.
#[derive(Debug, Clone)]
pub struct BulkMeeting {
    pub id: i64,
    pub org_id: i64,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub counts_for: Option<NaiveDate>,
    pub starts_at: &'static str,
    pub ends_at: &'static str,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub lecturer: Option<String>,
    pub topics: String,
    pub minutes: String,
    pub combined_review: bool,
    pub state: ReviewState,
    pub author_login: &'static str,
    /// 民主生活会: the opinions gathered beforehand and the day it was reported upward.
    pub preparation: Option<String>,
    pub reported_on: Option<NaiveDate>,
}

/// An attendance row to load in bulk.
#[derive(Debug, Clone)]
pub struct BulkAttendee {
    pub meeting_id: i64,
    pub member_id: i64,
    pub voting: bool,
    pub present: bool,
    pub absence_reason: Option<AbsenceReason>,
    pub makeup_on: Option<NaiveDate>,
    /// 党性分析 and the branch's feedback (组织生活会, 民主评议).
    pub party_analysis: Option<String>,
    pub analysis_feedback: Option<String>,
    /// 民主生活会: the member's 对照检查材料.
    pub review_material: Option<String>,
}

/// The first free record id.
pub async fn next_id(conn: &mut Conn) -> StoreResult<i64> {
    crate::bulk::next_id(conn, "meetings").await
}

/// Rows per statement: PostgreSQL pays a round trip per statement (up to 65,535 parameters),
/// SQLite per parameter.
fn batch(conn: &Conn) -> usize {
    if conn.backend_name() == "PostgreSQL" {
        2000
    } else {
        20
    }
}

/// Loads records and their attendance with many rows per statement, then moves the id
/// sequence past them (PostgreSQL; SQLite takes the next id from the table).
pub async fn insert_bulk(
    conn: &mut Conn,
    meetings: &[BulkMeeting],
    attendees: &[BulkAttendee],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = timestamp_text(now);
    let size = batch(conn);
    for chunk in meetings.chunks(size) {
        let mut sql = Sql::new(
            "INSERT INTO meetings (id, org_id, kind, held_on, starts_at, ends_at, place, host, recorder, lecturer, \
             topics, minutes, counts_for, combined_review, state, version, author_login, created_at, updated_at, \
             preparation, reported_on) VALUES ",
        );
        for (i, m) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(m.id)
                .push(", ")
                .bind(m.org_id)
                .push(", ")
                .bind(m.kind.code())
                .push(", ")
                .bind(date_text(m.held_on))
                .push(", ")
                .bind(m.starts_at)
                .push(", ")
                .bind(m.ends_at)
                .push(", ")
                .bind(m.place.clone())
                .push(", ")
                .bind(m.host.clone())
                .push(", ")
                .bind(m.recorder.clone())
                .push(", ")
                .bind(m.lecturer.clone())
                .push(", ")
                .bind(m.topics.clone())
                .push(", ")
                .bind(m.minutes.clone())
                .push(", ")
                .bind(m.counts_for.map(date_text))
                .push(", ")
                .bind(flag(m.combined_review))
                .push(", ")
                .bind(m.state.code())
                .push(", 1, ")
                .bind(m.author_login)
                .push(", ")
                .bind(now.clone())
                .push(", ")
                .bind(now.clone())
                .push(", ")
                .bind(m.preparation.clone())
                .push(", ")
                .bind(m.reported_on.map(date_text))
                .push(")");
        }
        let (text, args) = sql.parts();
        sqlx::query_with(&text, args).execute(&mut *conn).await?;
    }
    for chunk in attendees.chunks(size * 2) {
        let mut sql = Sql::new(
            "INSERT INTO meeting_attendees (meeting_id, member_id, voting, present, absence_reason, makeup_on, \
             makeup_note, party_analysis, analysis_feedback, review_material) VALUES ",
        );
        for (i, a) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(a.meeting_id)
                .push(", ")
                .bind(a.member_id)
                .push(", ")
                .bind(flag(a.voting))
                .push(", ")
                .bind(flag(a.present))
                .push(", ")
                .bind(a.absence_reason.map(AbsenceReason::code))
                .push(", ")
                .bind(a.makeup_on.map(date_text))
                .push(", ")
                .bind(a.makeup_on.map(|_| "观看会议录像，学习会议材料并提交心得"))
                .push(", ")
                .bind(a.party_analysis.clone())
                .push(", ")
                .bind(a.analysis_feedback.clone())
                .push(", ")
                .bind(a.review_material.clone())
                .push(")");
        }
        let (text, args) = sql.parts();
        sqlx::query_with(&text, args).execute(&mut *conn).await?;
    }
    crate::bulk::sync_identity(conn, "meetings").await
}

/// Loads 谈心谈话 pairs in bulk (the demo): (record id, member id, member id), the smaller
/// member id first.
pub async fn insert_bulk_pairs(conn: &mut Conn, pairs: &[(i64, i64, i64)]) -> StoreResult<()> {
    for chunk in pairs.chunks(2_000) {
        let mut sql =
            Sql::new("INSERT INTO meeting_talk_pairs (meeting_id, member_a, member_b) VALUES ");
        for (i, (meeting, a, b)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*meeting)
                .push(", ")
                .bind(*a)
                .push(", ")
                .bind(*b)
                .push(")");
        }
        let (text, args) = sql.parts();
        sqlx::query_with(&text, args).execute(&mut *conn).await?;
    }
    Ok(())
}

/// An item of an org's plan.
#[derive(Debug, Clone)]
pub struct PlanItem {
    pub id: i64,
    pub org_id: i64,
    pub org_path: OrgPath,
    pub year: i32,
    pub kind: MeetingKind,
    pub planned_on: NaiveDate,
    pub topic: Option<String>,
    pub note: Option<String>,
    pub updated_by: String,
}

/// A new or changed plan item.
#[derive(Debug, Clone)]
pub struct PlanFields<'a> {
    pub kind: MeetingKind,
    pub planned_on: NaiveDate,
    pub topic: Option<&'a str>,
    pub note: Option<&'a str>,
}

pub async fn insert_plan_item(
    conn: &mut Conn,
    org: i64,
    year: i32,
    item: &PlanFields<'_>,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO meeting_plans (org_id, year, kind, planned_on, topic, note, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(org)
    .bind(i64::from(year))
    .bind(item.kind.code())
    .bind(date_text(item.planned_on))
    .bind(item.topic)
    .bind(item.note)
    .bind(by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn update_plan_item(
    conn: &mut Conn,
    id: i64,
    item: &PlanFields<'_>,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE meeting_plans SET kind = $1, planned_on = $2, topic = $3, note = $4, updated_by = $5, \
         updated_at = $6 WHERE id = $7",
    )
    .bind(item.kind.code())
    .bind(date_text(item.planned_on))
    .bind(item.topic)
    .bind(item.note)
    .bind(by)
    .bind(timestamp_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_plan_item(conn: &mut Conn, id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM meeting_plans WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes an org's plan for a year; returns how many items went.
pub async fn clear_plan(conn: &mut Conn, org: i64, year: i32) -> StoreResult<u64> {
    Ok(
        sqlx::query("DELETE FROM meeting_plans WHERE org_id = $1 AND year = $2")
            .bind(org)
            .bind(i64::from(year))
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

const SELECT_PLAN: &str = "SELECT p.id, p.org_id, o.path AS org_path, p.year, p.kind, p.planned_on, p.topic, \
     p.note, p.updated_by FROM meeting_plans p JOIN orgs o ON o.id = p.org_id";

fn plan_row(row: &AnyRow) -> StoreResult<PlanItem> {
    let path = row.text("org_path")?;
    Ok(PlanItem {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_path: OrgPath::parse(&path).ok_or(StoreError::Corrupt {
            column: "orgs.path",
            value: path,
        })?,
        year: i32::try_from(row.int("year")?).unwrap_or_default(),
        kind: row.code("kind", MeetingKind::from_code)?,
        planned_on: row.date("planned_on")?,
        topic: row.opt_text("topic")?,
        note: row.opt_text("note")?,
        updated_by: row.text("updated_by")?,
    })
}

pub async fn plan_item(conn: &mut Conn, id: i64) -> StoreResult<Option<PlanItem>> {
    let sql = format!("{SELECT_PLAN} WHERE p.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(plan_row)
        .transpose()
}

/// An org's plan for a year, by date.
pub async fn plan_of(conn: &mut Conn, org: i64, year: i32) -> StoreResult<Vec<PlanItem>> {
    let sql = format!(
        "{SELECT_PLAN} WHERE p.org_id = $1 AND p.year = $2 ORDER BY p.planned_on, p.kind, p.id"
    );
    sqlx::query(&sql)
        .bind(org)
        .bind(i64::from(year))
        .fetch_all(conn)
        .await?
        .iter()
        .map(plan_row)
        .collect()
}

/// An attachment of a record.
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: i64,
    pub meeting_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub stored_name: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// A new attachment's row.
pub struct NewAttachment<'a> {
    pub meeting_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub digest: &'a str,
    pub stored_name: &'a str,
    pub uploaded_by: &'a str,
}

pub async fn insert_attachment(
    conn: &mut Conn,
    a: &NewAttachment<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO meeting_attachments (meeting_id, file_name, content_type, size, digest, stored_name, \
         uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(a.meeting_id)
    .bind(a.file_name)
    .bind(a.content_type)
    .bind(a.size)
    .bind(a.digest)
    .bind(a.stored_name)
    .bind(a.uploaded_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

fn attachment_row(row: &AnyRow) -> StoreResult<AttachmentRow> {
    Ok(AttachmentRow {
        id: row.int("id")?,
        meeting_id: row.int("meeting_id")?,
        file_name: row.text("file_name")?,
        content_type: row.text("content_type")?,
        size: row.int("size")?,
        digest: row.text("digest")?,
        stored_name: row.text("stored_name")?,
        uploaded_by: row.text("uploaded_by")?,
        uploaded_at: row.timestamp("uploaded_at")?,
    })
}

/// A record's attachments, in upload order.
pub async fn attachments(conn: &mut Conn, meeting: i64) -> StoreResult<Vec<AttachmentRow>> {
    sqlx::query(
        "SELECT id, meeting_id, file_name, content_type, size, digest, stored_name, uploaded_by, uploaded_at \
         FROM meeting_attachments WHERE meeting_id = $1 ORDER BY id",
    )
    .bind(meeting)
    .fetch_all(conn)
    .await?
    .iter()
    .map(attachment_row)
    .collect()
}

pub async fn delete_attachment(conn: &mut Conn, meeting: i64, id: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query("DELETE FROM meeting_attachments WHERE meeting_id = $1 AND id = $2")
            .bind(meeting)
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// A recorded version of the rules: its first day, the meeting rules (JSON) and, for versions
/// recorded since every section was dated, the whole rules (JSON).
#[derive(Debug, Clone)]
pub struct StoredRules {
    pub from: NaiveDate,
    pub meetings: String,
    pub rules: Option<String>,
}

/// The recorded versions of the rules, oldest first.
pub async fn rule_versions(conn: &mut Conn) -> StoreResult<Vec<StoredRules>> {
    sqlx::query(
        "SELECT effective_from, meetings, rules FROM rule_versions ORDER BY effective_from, id",
    )
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(StoredRules {
            from: row.date("effective_from")?,
            meetings: row.text("meetings")?,
            rules: row.opt_text("rules")?,
        })
    })
    .collect()
}

pub async fn insert_rule_version(
    conn: &mut Conn,
    version: &StoredRules,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO rule_versions (effective_from, meetings, rules, recorded_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(date_text(version.from))
    .bind(version.meetings.as_str())
    .bind(version.rules.as_deref())
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_dates_are_read_by_hand_as_chrono_would() {
        for text in ["2026-03-31", "2024-02-29", "1949-10-01", "2200-12-31"] {
            assert_eq!(
                iso_date("d", text).unwrap(),
                crate::sql::parse_date("d", text).unwrap()
            );
        }
        for bad in [
            "2026-02-30",
            "2026-3-31",
            "2026/03/31",
            "20260331",
            "2026-03-3x",
            "",
        ] {
            assert!(iso_date("d", bad).is_err(), "{bad}");
        }
    }
}
