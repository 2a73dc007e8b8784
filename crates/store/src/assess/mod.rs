//! 民主评议党员 and 组织处置 (migration 0038). A review belongs to a branch and a year; its
//! roster is taken from the branch's roll when it opens. The secret ballot keeps who voted in
//! `review_voters` and what was voted only as totals in `review_tallies`: nothing here reads
//! or writes a link between the two.

pub mod rating;

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::assess::{
    DispositionKind, DispositionStatus, DispositionStep, DutyGrade, DutyRatings, Grade,
    PracticeStatus, ReviewStage, StepDone, Tally,
};
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// A branch's review of a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub year: i32,
    pub stage: ReviewStage,
    pub opened_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub expected: Option<i64>,
    pub present: Option<i64>,
    pub excess_reason: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub approved_by: Option<String>,
    pub version: i64,
    /// Participants, and ballots cast.
    pub participants: i64,
    pub voters: i64,
}

const REVIEW_COLUMNS: &str = "SELECT r.id, r.org_id, o.name AS org_name, o.path AS org_path, r.year, \
     r.stage, r.opened_on, r.decided_on, r.expected, r.present, r.excess_reason, r.approved_on, \
     r.approved_by, r.version, \
     (SELECT COUNT(*) FROM review_entries e WHERE e.review_id = r.id) AS participants, \
     (SELECT COUNT(*) FROM review_voters v WHERE v.review_id = r.id) AS voters \
     FROM member_reviews r JOIN orgs o ON o.id = r.org_id WHERE 1 = 1";

fn review(row: &AnyRow) -> StoreResult<ReviewRow> {
    Ok(ReviewRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        year: i32::try_from(row.int("year")?).unwrap_or_default(),
        stage: row.code("stage", ReviewStage::from_code)?,
        opened_on: row.date("opened_on")?,
        decided_on: row.opt_date("decided_on")?,
        expected: row.opt_int("expected")?,
        present: row.opt_int("present")?,
        excess_reason: row.opt_text("excess_reason")?,
        approved_on: row.opt_date("approved_on")?,
        approved_by: row.opt_text("approved_by")?,
        version: row.int("version")?,
        participants: row.int("participants")?,
        voters: row.int("voters")?,
    })
}

/// Opens a branch's review of `year` with the members on its roll today, returning it and
/// how many take part; `None` when the branch has one for that year already.
pub async fn open_review(
    conn: &mut Conn,
    org_id: i64,
    year: i32,
    on: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<(i64, u64)>> {
    let exists = sqlx::query("SELECT id FROM member_reviews WHERE org_id = $1 AND year = $2")
        .bind(org_id)
        .bind(i64::from(year))
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_some() {
        return Ok(None);
    }
    let id = sqlx::query(
        "INSERT INTO member_reviews (org_id, year, stage, opened_on, version, created_by, created_at) \
         VALUES ($1, $2, 'evaluating', $3, 1, $4, $5) RETURNING id",
    )
    .bind(org_id)
    .bind(i64::from(year))
    .bind(date_text(on))
    .bind(by)
    .bind(timestamp_text(now))
    .fetch_one(&mut *conn)
    .await?
    .int("id")?;
    let taken = sqlx::query(
        "INSERT INTO review_entries (review_id, member_id, probationary) \
         SELECT $1, id, CASE WHEN category = 'probationary' THEN 1 ELSE 0 END FROM members \
         WHERE branch_id = $2 AND status IN ('active', 'lost_contact')",
    )
    .bind(id)
    .bind(org_id)
    .execute(&mut *conn)
    .await?;
    Ok(Some((id, taken.rows_affected())))
}

pub async fn review_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<ReviewRow>> {
    let mut q = Sql::new(REVIEW_COLUMNS);
    q.push(" AND r.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(review)
        .transpose()
}

/// The reviews in scope (of one year, or all), newest year first, then by org.
pub async fn reviews(
    conn: &mut Conn,
    scope: &Scope,
    year: Option<i32>,
) -> StoreResult<Vec<ReviewRow>> {
    let mut q = Sql::new(REVIEW_COLUMNS);
    push_org_scope(&mut q, scope, "o.path");
    if let Some(year) = year {
        q.push(" AND r.year = ").bind(i64::from(year));
    }
    q.push(" ORDER BY r.year DESC, o.path, r.id LIMIT 1000");
    sql::fetch_all(conn, q).await?.iter().map(review).collect()
}

/// The reviews a member takes part in, newest first.
pub async fn reviews_of_member(conn: &mut Conn, member: i64) -> StoreResult<Vec<ReviewRow>> {
    let mut q = Sql::new(REVIEW_COLUMNS);
    q.push(" AND r.id IN (SELECT review_id FROM review_entries WHERE member_id = ")
        .bind(member)
        .push(") ORDER BY r.year DESC, r.id DESC");
    sql::fetch_all(conn, q).await?.iter().map(review).collect()
}

/// One participant's entry, with the totals of the 民主测评 for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub member_id: i64,
    pub name: String,
    pub police_number: String,
    pub probationary: bool,
    pub self_evaluation: Option<String>,
    pub party_analysis: Option<String>,
    pub self_on: Option<NaiveDate>,
    pub peer_summary: Option<String>,
    pub grade: Option<Grade>,
    pub reason: Option<String>,
    pub plan: Option<String>,
    pub disposition: Option<DispositionKind>,
    pub months: Option<u32>,
    pub final_grade: Option<Grade>,
    pub tally: Tally,
}

/// The participants of a review in roster order (full members first, then by name), each
/// with their totals.
pub async fn entries(conn: &mut Conn, review_id: i64) -> StoreResult<Vec<EntryRow>> {
    let rows = sqlx::query(
        "SELECT e.member_id, m.name, m.police_number, e.probationary, e.self_evaluation, \
         e.party_analysis, e.self_on, e.peer_summary, e.grade, e.reason, e.plan, e.disposition, \
         e.months, e.final_grade FROM review_entries e JOIN members m ON m.id = e.member_id \
         WHERE e.review_id = $1 ORDER BY e.probationary, m.name, m.id",
    )
    .bind(review_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut entries = rows
        .iter()
        .map(|row| {
            Ok(EntryRow {
                member_id: row.int("member_id")?,
                name: row.text("name")?,
                police_number: row.text("police_number")?,
                probationary: row.int("probationary")? != 0,
                self_evaluation: row.opt_text("self_evaluation")?,
                party_analysis: row.opt_text("party_analysis")?,
                self_on: row.opt_date("self_on")?,
                peer_summary: row.opt_text("peer_summary")?,
                grade: row.opt_code("grade", Grade::from_code)?,
                reason: row.opt_text("reason")?,
                plan: row.opt_text("plan")?,
                disposition: row.opt_code("disposition", DispositionKind::from_code)?,
                months: row.opt_int("months")?.and_then(|m| u32::try_from(m).ok()),
                final_grade: row.opt_code("final_grade", Grade::from_code)?,
                tally: Tally::default(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let tallies =
        sqlx::query("SELECT member_id, grade, votes FROM review_tallies WHERE review_id = $1")
            .bind(review_id)
            .fetch_all(&mut *conn)
            .await?;
    for row in &tallies {
        let member = row.int("member_id")?;
        let grade = row.code("grade", Grade::from_code)?;
        let votes = u32::try_from(row.int("votes")?).unwrap_or_default();
        if let Some(e) = entries.iter_mut().find(|e| e.member_id == member) {
            e.tally.add(grade, votes);
        }
    }
    Ok(entries)
}

/// Keeps a member's 自评 and 党性分析.
pub async fn set_self(
    conn: &mut Conn,
    review_id: i64,
    member: i64,
    evaluation: &str,
    analysis: &str,
    on: NaiveDate,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE review_entries SET self_evaluation = $1, party_analysis = $2, self_on = $3 \
         WHERE review_id = $4 AND member_id = $5",
    )
    .bind(evaluation)
    .bind(analysis)
    .bind(date_text(on))
    .bind(review_id)
    .bind(member)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps the summary of what the others said of a member (互评).
pub async fn set_peer(conn: &mut Conn, review_id: i64, member: i64, text: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE review_entries SET peer_summary = $1 WHERE review_id = $2 AND member_id = $3",
    )
    .bind(text)
    .bind(review_id)
    .bind(member)
    .execute(conn)
    .await?;
    Ok(())
}

/// The committee's proposal for one participant, as checked by the core.
#[derive(Debug, Clone, Copy)]
pub struct ProposalRow<'a> {
    pub grade: Option<Grade>,
    pub reason: &'a str,
    pub plan: &'a str,
    pub disposition: Option<DispositionKind>,
    pub months: Option<u32>,
}

/// Keeps the proposal and moves the review's version on.
pub async fn set_proposal(
    conn: &mut Conn,
    review_id: i64,
    member: i64,
    p: &ProposalRow<'_>,
) -> StoreResult<()> {
    let blank = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    sqlx::query(
        "UPDATE review_entries SET grade = $1, reason = $2, plan = $3, disposition = $4, months = $5 \
         WHERE review_id = $6 AND member_id = $7",
    )
    .bind(p.grade.map(Grade::code))
    .bind(blank(p.reason))
    .bind(blank(p.plan))
    .bind(p.disposition.map(DispositionKind::code))
    .bind(p.months.map(i64::from))
    .bind(review_id)
    .bind(member)
    .execute(&mut *conn)
    .await?;
    // A decision is taken on the proposals its reader saw: any change makes it stale.
    sqlx::query("UPDATE member_reviews SET version = version + 1 WHERE id = $1")
        .bind(review_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a review from `from` to `to` when it is still at `version`; false when it changed.
pub async fn set_stage(
    conn: &mut Conn,
    id: i64,
    version: i64,
    from: ReviewStage,
    to: ReviewStage,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE member_reviews SET stage = $1, version = version + 1 \
         WHERE id = $2 AND version = $3 AND stage = $4",
    )
    .bind(to.code())
    .bind(id)
    .bind(version)
    .bind(from.code())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Casts a member's secret ballot: marks that they voted and adds each choice to the totals.
/// False (and nothing added) when they had voted already.
pub async fn cast_ballot(
    conn: &mut Conn,
    review_id: i64,
    voter: i64,
    choices: &[(i64, Grade)],
) -> StoreResult<bool> {
    let first = sqlx::query(
        "INSERT INTO review_voters (review_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(review_id)
    .bind(voter)
    .execute(&mut *conn)
    .await?;
    if first.rows_affected() != 1 {
        return Ok(false);
    }
    for (member, grade) in choices {
        sqlx::query(
            "INSERT INTO review_tallies (review_id, member_id, grade, votes) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (review_id, member_id, grade) DO UPDATE SET votes = review_tallies.votes + 1",
        )
        .bind(review_id)
        .bind(member)
        .bind(grade.code())
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// Whether a member has cast their ballot.
pub async fn has_voted(conn: &mut Conn, review_id: i64, member: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM review_voters WHERE review_id = $1 AND member_id = $2")
            .bind(review_id)
            .bind(member)
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

/// The general meeting's decision.
#[derive(Debug, Clone, Copy)]
pub struct DecisionRow<'a> {
    pub on: NaiveDate,
    pub expected: u32,
    pub present: u32,
    pub excess_reason: Option<&'a str>,
    /// `Decided`, or `AwaitingApproval` when over the cap.
    pub stage: ReviewStage,
}

/// Records the decision on a review still proposing at `version`; when decided outright the
/// proposed grades become final.
pub async fn decide(
    conn: &mut Conn,
    id: i64,
    version: i64,
    d: &DecisionRow<'_>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE member_reviews SET stage = $1, decided_on = $2, expected = $3, present = $4, \
         excess_reason = $5, version = version + 1 WHERE id = $6 AND version = $7 AND stage = 'proposing'",
    )
    .bind(d.stage.code())
    .bind(date_text(d.on))
    .bind(i64::from(d.expected))
    .bind(i64::from(d.present))
    .bind(d.excess_reason)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    if d.stage == ReviewStage::Decided {
        finalise(conn, id).await?;
    }
    Ok(true)
}

/// The upper committee approves a review over the cap: its grades become final.
pub async fn approve(
    conn: &mut Conn,
    id: i64,
    version: i64,
    on: NaiveDate,
    by: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE member_reviews SET stage = 'decided', approved_on = $1, approved_by = $2, \
         version = version + 1 WHERE id = $3 AND version = $4 AND stage = 'awaiting_approval'",
    )
    .bind(date_text(on))
    .bind(by)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    finalise(conn, id).await?;
    Ok(true)
}

/// The upper committee sends a review back: the committee proposes again.
pub async fn send_back(conn: &mut Conn, id: i64, version: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE member_reviews SET stage = 'proposing', decided_on = NULL, expected = NULL, \
         present = NULL, version = version + 1 WHERE id = $1 AND version = $2 \
         AND stage = 'awaiting_approval'",
    )
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn finalise(conn: &mut Conn, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE review_entries SET final_grade = grade WHERE review_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A disposition, with whom it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionRow {
    pub id: i64,
    pub review_id: i64,
    pub year: i32,
    pub member_id: i64,
    pub member_name: String,
    pub org_name: String,
    pub org_path: OrgPath,
    pub kind: DispositionKind,
    pub months: Option<u32>,
    pub reason: String,
    pub status: DispositionStatus,
    pub opened_on: NaiveDate,
    pub version: i64,
}

const DISPOSITION_COLUMNS: &str = "SELECT d.id, d.review_id, r.year, d.member_id, m.name AS member_name, \
     o.name AS org_name, o.path AS org_path, d.kind, d.months, d.reason, d.status, d.opened_on, d.version \
     FROM dispositions d JOIN member_reviews r ON r.id = d.review_id JOIN orgs o ON o.id = r.org_id \
     JOIN members m ON m.id = d.member_id WHERE 1 = 1";

fn disposition(row: &AnyRow) -> StoreResult<DispositionRow> {
    Ok(DispositionRow {
        id: row.int("id")?,
        review_id: row.int("review_id")?,
        year: i32::try_from(row.int("year")?).unwrap_or_default(),
        member_id: row.int("member_id")?,
        member_name: row.text("member_name")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        kind: row.code("kind", DispositionKind::from_code)?,
        months: row.opt_int("months")?.and_then(|m| u32::try_from(m).ok()),
        reason: row.text("reason")?,
        status: row.code("status", DispositionStatus::from_code)?,
        opened_on: row.date("opened_on")?,
        version: row.int("version")?,
    })
}

/// Opens the dispositions of a decided review's 不合格 members.
pub async fn open_dispositions(
    conn: &mut Conn,
    review_id: i64,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "INSERT INTO dispositions (review_id, member_id, kind, months, reason, status, opened_on, \
         version, created_at) SELECT review_id, member_id, disposition, months, reason, 'open', $1, 1, $2 \
         FROM review_entries WHERE review_id = $3 AND final_grade = 'unqualified' RETURNING id",
    )
    .bind(date_text(on))
    .bind(timestamp_text(now))
    .bind(review_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| r.int("id")).collect()
}

pub async fn disposition_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<DispositionRow>> {
    let mut q = Sql::new(DISPOSITION_COLUMNS);
    q.push(" AND d.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(disposition)
        .transpose()
}

/// The dispositions in scope, open first, then newest.
pub async fn dispositions(conn: &mut Conn, scope: &Scope) -> StoreResult<Vec<DispositionRow>> {
    let mut q = Sql::new(DISPOSITION_COLUMNS);
    push_org_scope(&mut q, scope, "o.path");
    q.push(
        " ORDER BY CASE WHEN d.status = 'open' THEN 0 ELSE 1 END, d.opened_on DESC, d.id DESC \
         LIMIT 1000",
    );
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(disposition)
        .collect()
}

/// The dispositions of one review.
pub async fn dispositions_of_review(
    conn: &mut Conn,
    review_id: i64,
) -> StoreResult<Vec<DispositionRow>> {
    let mut q = Sql::new(DISPOSITION_COLUMNS);
    q.push(" AND d.review_id = ")
        .bind(review_id)
        .push(" ORDER BY d.id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(disposition)
        .collect()
}

/// A recorded step of a disposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub done: StepDone,
    pub people: String,
    pub note: String,
    pub expected: Option<i64>,
    pub present: Option<i64>,
    pub ayes: Option<i64>,
    pub created_by: String,
}

fn step_row(row: &AnyRow) -> StoreResult<StepRow> {
    Ok(StepRow {
        done: StepDone {
            step: row.code("step", DispositionStep::from_code)?,
            on: row.date("done_on")?,
            passed: row.int("passed")? != 0,
        },
        people: row.text("people")?,
        note: row.text("note")?,
        expected: row.opt_int("expected")?,
        present: row.opt_int("present")?,
        ayes: row.opt_int("ayes")?,
        created_by: row.text("created_by")?,
    })
}

/// Steps on one day keep their order of the procedure.
fn in_order(mut steps: Vec<StepRow>) -> Vec<StepRow> {
    steps.sort_by_key(|s| (s.done.on, s.done.step));
    steps
}

/// The steps of a disposition in the order they were taken.
pub async fn steps(conn: &mut Conn, id: i64) -> StoreResult<Vec<StepRow>> {
    Ok(steps_of(conn, &[id]).await?.remove(&id).unwrap_or_default())
}

/// The steps of each of these dispositions, in order (one query a chunk, for the lists).
pub async fn steps_of(
    conn: &mut Conn,
    ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, Vec<StepRow>>> {
    let mut by: std::collections::HashMap<i64, Vec<StepRow>> = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(
            "SELECT disposition_id, step, done_on, passed, people, note, expected, present, ayes, \
             created_by FROM disposition_steps WHERE disposition_id IN (",
        );
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(") ORDER BY disposition_id, done_on, created_at");
        for row in sql::fetch_all(conn, q).await? {
            by.entry(row.int("disposition_id")?)
                .or_default()
                .push(step_row(&row)?);
        }
    }
    Ok(by
        .into_iter()
        .map(|(id, steps)| (id, in_order(steps)))
        .collect())
}

/// A step to record.
#[derive(Debug, Clone, Copy)]
pub struct NewStepRow<'a> {
    pub done: StepDone,
    pub people: &'a str,
    pub note: &'a str,
    pub vote: Option<(u32, u32, u32)>,
    pub by: &'a str,
}

/// Records a step on a disposition still at `version` and sets its status; false when the
/// disposition changed meanwhile (the step is then not kept).
pub async fn record_step(
    conn: &mut Conn,
    id: i64,
    version: i64,
    step: &NewStepRow<'_>,
    status: DispositionStatus,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let moved = sqlx::query(
        "UPDATE dispositions SET status = $1, version = version + 1 WHERE id = $2 AND version = $3",
    )
    .bind(status.code())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    let (expected, present, ayes) = match step.vote {
        Some((e, p, a)) => (Some(i64::from(e)), Some(i64::from(p)), Some(i64::from(a))),
        None => (None, None, None),
    };
    sqlx::query(
        "INSERT INTO disposition_steps (disposition_id, step, done_on, passed, people, note, \
         expected, present, ayes, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(step.done.step.code())
    .bind(date_text(step.done.on))
    .bind(i64::from(step.done.passed))
    .bind(step.people)
    .bind(step.note)
    .bind(expected)
    .bind(present)
    .bind(ayes)
    .bind(step.by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(true)
}

/// Appends ` AND <column> IN (…)` for these members (an empty list matches nothing).
fn push_members(q: &mut Sql, column: &'static str, members: &[i64]) {
    if members.is_empty() {
        q.push(" AND 1 = 0");
        return;
    }
    q.push(" AND ").push(column).push(" IN (");
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*m);
    }
    q.push(")");
}

/// Each member's grade in their latest decided review (year, grade).
pub async fn latest_grades(
    conn: &mut Conn,
    members: &[i64],
) -> StoreResult<std::collections::HashMap<i64, (i32, Grade)>> {
    let mut q = Sql::new(
        "SELECT e.member_id, r.year, e.final_grade FROM review_entries e \
         JOIN member_reviews r ON r.id = e.review_id \
         WHERE r.stage = 'decided' AND e.final_grade IS NOT NULL",
    );
    push_members(&mut q, "e.member_id", members);
    q.push(" ORDER BY r.year, r.id");
    let mut found = std::collections::HashMap::new();
    for row in sql::fetch_all(conn, q).await? {
        let year = i32::try_from(row.int("year")?).unwrap_or_default();
        let grade = row.code("final_grade", Grade::from_code)?;
        found.insert(row.int("member_id")?, (year, grade));
    }
    Ok(found)
}

/// The kind of each member's open disposition.
pub async fn open_disposition_kinds(
    conn: &mut Conn,
    members: &[i64],
) -> StoreResult<std::collections::HashMap<i64, DispositionKind>> {
    let mut q = Sql::new("SELECT d.member_id, d.kind FROM dispositions d WHERE d.status = 'open'");
    push_members(&mut q, "d.member_id", members);
    let mut found = std::collections::HashMap::new();
    for row in sql::fetch_all(conn, q).await? {
        found.insert(
            row.int("member_id")?,
            row.code("kind", DispositionKind::from_code)?,
        );
    }
    Ok(found)
}

/// A 述职评议 of an org's secretary, with the names the pages show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyReviewRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub year: i32,
    pub secretary_id: Option<i64>,
    pub secretary_name: Option<String>,
    pub held_on: NaiveDate,
    pub chaired_by: String,
    pub leader_comment: String,
    pub ratings: DutyRatings,
    pub grade: Option<DutyGrade>,
    pub graded_on: Option<NaiveDate>,
    pub grade_note: Option<String>,
    pub version: i64,
}

const DUTY_COLUMNS: &str = "SELECT d.id, d.org_id, o.name AS org_name, o.path AS org_path, d.year, \
     d.secretary_id, m.name AS secretary_name, d.held_on, d.chaired_by, d.leader_comment, d.attendees, \
     d.good, d.fairly_good, d.average, d.poor, d.grade, d.graded_on, d.grade_note, d.version \
     FROM duty_reviews d JOIN orgs o ON o.id = d.org_id LEFT JOIN members m ON m.id = d.secretary_id \
     WHERE 1 = 1";

fn count(row: &AnyRow, column: &'static str) -> StoreResult<u32> {
    Ok(u32::try_from(row.int(column)?).unwrap_or_default())
}

fn duty_review(row: &AnyRow) -> StoreResult<DutyReviewRow> {
    Ok(DutyReviewRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        year: i32::try_from(row.int("year")?).unwrap_or_default(),
        secretary_id: row.opt_int("secretary_id")?,
        secretary_name: row.opt_text("secretary_name")?,
        held_on: row.date("held_on")?,
        chaired_by: row.text("chaired_by")?,
        leader_comment: row.text("leader_comment")?,
        ratings: DutyRatings {
            attendees: count(row, "attendees")?,
            good: count(row, "good")?,
            fairly_good: count(row, "fairly_good")?,
            average: count(row, "average")?,
            poor: count(row, "poor")?,
        },
        grade: row.opt_code("grade", DutyGrade::from_code)?,
        graded_on: row.opt_date("graded_on")?,
        grade_note: row.opt_text("grade_note")?,
        version: row.int("version")?,
    })
}

/// A review session to record.
#[derive(Debug, Clone, Copy)]
pub struct NewDutyReview<'a> {
    pub org_id: i64,
    pub year: i32,
    pub secretary_id: Option<i64>,
    pub held_on: NaiveDate,
    pub chaired_by: &'a str,
    pub leader_comment: &'a str,
    pub ratings: DutyRatings,
    pub by: &'a str,
}

/// Records a review session; `None` when the org's secretary was reviewed for that year.
pub async fn insert_duty_review(
    conn: &mut Conn,
    r: &NewDutyReview<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let exists = sqlx::query("SELECT id FROM duty_reviews WHERE org_id = $1 AND year = $2")
        .bind(r.org_id)
        .bind(i64::from(r.year))
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_some() {
        return Ok(None);
    }
    let id = sqlx::query(
        "INSERT INTO duty_reviews (org_id, year, secretary_id, held_on, chaired_by, leader_comment, \
         attendees, good, fairly_good, average, poor, version, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13) RETURNING id",
    )
    .bind(r.org_id)
    .bind(i64::from(r.year))
    .bind(r.secretary_id)
    .bind(date_text(r.held_on))
    .bind(r.chaired_by)
    .bind(r.leader_comment)
    .bind(i64::from(r.ratings.attendees))
    .bind(i64::from(r.ratings.good))
    .bind(i64::from(r.ratings.fairly_good))
    .bind(i64::from(r.ratings.average))
    .bind(i64::from(r.ratings.poor))
    .bind(r.by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")?;
    Ok(Some(id))
}

pub async fn duty_review_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<DutyReviewRow>> {
    let mut q = Sql::new(DUTY_COLUMNS);
    q.push(" AND d.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(duty_review)
        .transpose()
}

/// The reviews of the orgs in scope (of one year, or all), newest first.
pub async fn duty_reviews(
    conn: &mut Conn,
    scope: &Scope,
    year: Option<i32>,
) -> StoreResult<Vec<DutyReviewRow>> {
    let mut q = Sql::new(DUTY_COLUMNS);
    push_org_scope(&mut q, scope, "o.path");
    if let Some(year) = year {
        q.push(" AND d.year = ").bind(i64::from(year));
    }
    q.push(" ORDER BY d.year DESC, o.path, d.id LIMIT 1000");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(duty_review)
        .collect()
}

/// The latest graded review of an org's secretary.
pub async fn latest_duty_grade(conn: &mut Conn, org_id: i64) -> StoreResult<Option<DutyReviewRow>> {
    let mut q = Sql::new(DUTY_COLUMNS);
    q.push(" AND d.org_id = ")
        .bind(org_id)
        .push(" AND d.grade IS NOT NULL ORDER BY d.year DESC LIMIT 1");
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(duty_review)
        .transpose()
}

/// A reviewer's grade and comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyCommentRow {
    pub reviewer: String,
    pub grade: DutyGrade,
    pub comment: String,
}

pub async fn duty_comments(conn: &mut Conn, review_id: i64) -> StoreResult<Vec<DutyCommentRow>> {
    let rows = sqlx::query(
        "SELECT reviewer, grade, comment FROM duty_review_comments WHERE review_id = $1 ORDER BY id",
    )
    .bind(review_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DutyCommentRow {
                reviewer: row.text("reviewer")?,
                grade: row.code("grade", DutyGrade::from_code)?,
                comment: row.text("comment")?,
            })
        })
        .collect()
}

pub async fn insert_duty_comment(
    conn: &mut Conn,
    review_id: i64,
    c: &DutyCommentRow,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO duty_review_comments (review_id, reviewer, grade, comment, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(review_id)
    .bind(&c.reviewer)
    .bind(c.grade.code())
    .bind(&c.comment)
    .bind(by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the overall grade of a review still ungraded at `version`; false when it changed.
pub async fn grade_duty_review(
    conn: &mut Conn,
    id: i64,
    version: i64,
    grade: DutyGrade,
    on: NaiveDate,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE duty_reviews SET grade = $1, graded_on = $2, grade_note = $3, version = version + 1 \
         WHERE id = $4 AND version = $5 AND grade IS NULL",
    )
    .bind(grade.code())
    .bind(date_text(on))
    .bind(note)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A 典型经验 as stored, with its org and how many orgs adopted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub title: String,
    pub problem: String,
    pub practice: String,
    pub effect: String,
    pub status: PracticeStatus,
    pub submitted_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub adoptions: i64,
    pub version: i64,
}

const PRACTICE_COLUMNS: &str = "SELECT p.id, p.org_id, o.name AS org_name, o.path AS org_path, p.title, \
     p.problem, p.practice, p.effect, p.status, p.submitted_on, p.decided_on, p.decided_by, \
     p.decision_note, p.version, \
     (SELECT COUNT(*) FROM practice_adoptions a WHERE a.practice_id = p.id) AS adoptions \
     FROM practices p JOIN orgs o ON o.id = p.org_id WHERE 1 = 1";

fn practice(row: &AnyRow) -> StoreResult<PracticeRow> {
    Ok(PracticeRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        title: row.text("title")?,
        problem: row.text("problem")?,
        practice: row.text("practice")?,
        effect: row.text("effect")?,
        status: row.code("status", PracticeStatus::from_code)?,
        submitted_on: row.date("submitted_on")?,
        decided_on: row.opt_date("decided_on")?,
        decided_by: row.opt_text("decided_by")?,
        decision_note: row.opt_text("decision_note")?,
        adoptions: row.int("adoptions")?,
        version: row.int("version")?,
    })
}

/// A practice to submit.
#[derive(Debug, Clone, Copy)]
pub struct NewPractice<'a> {
    pub org_id: i64,
    pub title: &'a str,
    pub problem: &'a str,
    pub practice: &'a str,
    pub effect: &'a str,
    pub submitted_on: NaiveDate,
    pub by: &'a str,
}

pub async fn insert_practice(
    conn: &mut Conn,
    p: &NewPractice<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO practices (org_id, title, problem, practice, effect, status, submitted_on, \
         version, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'submitted', $6, 1, $7, $8) \
         RETURNING id",
    )
    .bind(p.org_id)
    .bind(p.title)
    .bind(p.problem)
    .bind(p.practice)
    .bind(p.effect)
    .bind(date_text(p.submitted_on))
    .bind(p.by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn practice_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<PracticeRow>> {
    let mut q = Sql::new(PRACTICE_COLUMNS);
    q.push(" AND p.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(practice)
        .transpose()
}

/// The practices a reader sees: every published one (they are spread to the whole bureau),
/// and the others of the orgs in scope; those waiting first, then the newest.
pub async fn practices(conn: &mut Conn, scope: &Scope) -> StoreResult<Vec<PracticeRow>> {
    let mut q = Sql::new(PRACTICE_COLUMNS);
    q.push(" AND (p.status = 'published' OR (1 = 1");
    push_org_scope(&mut q, scope, "o.path");
    q.push(
        ")) ORDER BY CASE WHEN p.status = 'submitted' THEN 0 ELSE 1 END, \
         p.submitted_on DESC, p.id DESC LIMIT 1000",
    );
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(practice)
        .collect()
}

/// Publishes or returns a practice still waiting at `version`; false when it changed.
pub async fn decide_practice(
    conn: &mut Conn,
    id: i64,
    version: i64,
    status: PracticeStatus,
    on: NaiveDate,
    by: &str,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE practices SET status = $1, decided_on = $2, decided_by = $3, decision_note = $4, \
         version = version + 1 WHERE id = $5 AND version = $6 AND status = 'submitted'",
    )
    .bind(status.code())
    .bind(date_text(on))
    .bind(by)
    .bind(note)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An org's adoption of a practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptionRow {
    pub org_id: i64,
    pub org_name: String,
    pub adopted_on: NaiveDate,
    pub result: String,
}

pub async fn adoptions(conn: &mut Conn, practice_id: i64) -> StoreResult<Vec<AdoptionRow>> {
    let rows = sqlx::query(
        "SELECT a.org_id, o.name AS org_name, a.adopted_on, a.result FROM practice_adoptions a \
         JOIN orgs o ON o.id = a.org_id WHERE a.practice_id = $1 ORDER BY a.adopted_on, o.path",
    )
    .bind(practice_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AdoptionRow {
                org_id: row.int("org_id")?,
                org_name: row.text("org_name")?,
                adopted_on: row.date("adopted_on")?,
                result: row.text("result")?,
            })
        })
        .collect()
}

/// Records an org's adoption; false when the org had recorded it already.
pub async fn insert_adoption(
    conn: &mut Conn,
    practice_id: i64,
    org_id: i64,
    on: NaiveDate,
    result: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO practice_adoptions (practice_id, org_id, adopted_on, result, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(practice_id)
    .bind(org_id)
    .bind(date_text(on))
    .bind(result)
    .bind(by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
