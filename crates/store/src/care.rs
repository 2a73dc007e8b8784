//! 关爱与表彰 (migration 0023): commendations, care visits, hardship cases and their
//! follow-ups. Lists keep to a scope by the org a row belongs to today: a member's current
//! branch, or the org honoured.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::care::{CommendationStatus, HonourLevel, HonourSystem};
use dangjian_core::money::Fen;
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, Page, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// A commendation as stored, with the names of whom it honours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommendationRow {
    pub id: i64,
    pub system: HonourSystem,
    pub kind: String,
    pub level: HonourLevel,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub org_id: i64,
    pub org_name: String,
    pub scope_path: OrgPath,
    pub citation: String,
    pub proposed_on: NaiveDate,
    pub proposed_by: String,
    pub status: CommendationStatus,
    pub decided_on: Option<NaiveDate>,
    pub approver: Option<String>,
    pub decision_note: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewCommendation<'a> {
    pub system: HonourSystem,
    pub kind: &'a str,
    pub level: HonourLevel,
    pub member_id: Option<i64>,
    pub org_id: i64,
    pub citation: &'a str,
    pub proposed_on: NaiveDate,
    pub proposed_by: &'a str,
}

/// A decision on a proposal.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub status: CommendationStatus,
    pub decided_on: NaiveDate,
    pub approver: &'a str,
    pub note: &'a str,
}

const COMMENDATION_COLUMNS: &str = "SELECT c.id, c.system, c.kind, c.level, c.member_id, m.name AS member_name, \
     c.org_id, co.name AS org_name, o.path AS scope_path, c.citation, c.proposed_on, c.proposed_by, \
     c.status, c.decided_on, c.approver, c.decision_note, c.version \
     FROM commendations c LEFT JOIN members m ON m.id = c.member_id \
     JOIN orgs co ON co.id = c.org_id JOIN orgs o ON o.id = COALESCE(m.branch_id, c.org_id) WHERE 1 = 1";

fn commendation(row: &AnyRow) -> StoreResult<CommendationRow> {
    Ok(CommendationRow {
        id: row.int("id")?,
        system: row.code("system", HonourSystem::from_code)?,
        kind: row.text("kind")?,
        level: row.code("level", HonourLevel::from_code)?,
        member_id: row.opt_int("member_id")?,
        member_name: row.opt_text("member_name")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        scope_path: row.org_path("scope_path")?,
        citation: row.text("citation")?,
        proposed_on: row.date("proposed_on")?,
        proposed_by: row.text("proposed_by")?,
        status: row.code("status", CommendationStatus::from_code)?,
        decided_on: row.opt_date("decided_on")?,
        approver: row.opt_text("approver")?,
        decision_note: row.opt_text("decision_note")?,
        version: row.int("version")?,
    })
}

pub async fn insert_commendation(
    conn: &mut Conn,
    c: &NewCommendation<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO commendations (system, kind, level, member_id, org_id, citation, proposed_on, \
         proposed_by, status, version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'proposed', 1, $9) \
         RETURNING id",
    )
    .bind(c.system.code())
    .bind(c.kind)
    .bind(c.level.code())
    .bind(c.member_id)
    .bind(c.org_id)
    .bind(c.citation)
    .bind(date_text(c.proposed_on))
    .bind(c.proposed_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn commendation_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<CommendationRow>> {
    let mut q = Sql::new(COMMENDATION_COLUMNS);
    q.push(" AND c.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(commendation)
        .transpose()
}

/// One page of the commendations in scope (all, or of one status), newest first, and how
/// many match.
pub async fn commendations(
    conn: &mut Conn,
    scope: &Scope,
    status: Option<CommendationStatus>,
    page: Page,
) -> StoreResult<(Vec<CommendationRow>, i64)> {
    let conditions = |q: &mut Sql| {
        push_org_scope(q, scope, "o.path");
        if let Some(status) = status {
            q.push(" AND c.status = ").bind(status.code());
        }
    };
    let mut count = Sql::new(
        "SELECT COUNT(*) AS n FROM commendations c LEFT JOIN members m ON m.id = c.member_id \
         JOIN orgs o ON o.id = COALESCE(m.branch_id, c.org_id) WHERE 1 = 1",
    );
    conditions(&mut count);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(COMMENDATION_COLUMNS);
    conditions(&mut q);
    q.push(" ORDER BY c.proposed_on DESC, c.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((
        rows.iter().map(commendation).collect::<StoreResult<_>>()?,
        total,
    ))
}

/// The approved honours of a member, newest first.
pub async fn honours_of(conn: &mut Conn, member: i64) -> StoreResult<Vec<CommendationRow>> {
    let mut q = Sql::new(COMMENDATION_COLUMNS);
    q.push(" AND c.member_id = ")
        .bind(member)
        .push(" AND c.status = 'approved' ORDER BY c.decided_on DESC, c.id DESC");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(commendation)
        .collect()
}

/// Decides a proposal still open at `version`; false when it was decided or changed.
pub async fn decide(conn: &mut Conn, id: i64, version: i64, d: &Decision<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE commendations SET status = $1, decided_on = $2, approver = $3, decision_note = $4, \
         version = version + 1 WHERE id = $5 AND version = $6 AND status = 'proposed'",
    )
    .bind(d.status.code())
    .bind(date_text(d.decided_on))
    .bind(d.approver)
    .bind(d.note)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A care visit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub branch_name: String,
    pub occasion: String,
    pub visited_on: NaiveDate,
    pub visitors: String,
    pub notes: String,
    pub amount: Option<Fen>,
}

#[derive(Debug, Clone)]
pub struct NewVisit<'a> {
    pub member_id: i64,
    pub occasion: &'a str,
    pub visited_on: NaiveDate,
    pub visitors: &'a str,
    pub notes: &'a str,
    pub amount: Option<Fen>,
    pub created_by: &'a str,
}

pub async fn insert_visit(
    conn: &mut Conn,
    v: &NewVisit<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO care_visits (member_id, occasion, visited_on, visitors, notes, amount_fen, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(v.member_id)
    .bind(v.occasion)
    .bind(date_text(v.visited_on))
    .bind(v.visitors)
    .bind(v.notes)
    .bind(v.amount.map(|a| a.0))
    .bind(v.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

fn visit(row: &AnyRow) -> StoreResult<VisitRow> {
    Ok(VisitRow {
        id: row.int("id")?,
        member_id: row.int("member_id")?,
        member_name: row.text("member_name")?,
        branch_name: row.text("branch_name")?,
        occasion: row.text("occasion")?,
        visited_on: row.date("visited_on")?,
        visitors: row.text("visitors")?,
        notes: row.text("notes")?,
        amount: row.opt_int("amount_fen")?.map(Fen),
    })
}

const VISIT_COLUMNS: &str = "SELECT v.id, v.member_id, m.name AS member_name, o.name AS branch_name, v.occasion, \
     v.visited_on, v.visitors, v.notes, v.amount_fen FROM care_visits v \
     JOIN members m ON m.id = v.member_id JOIN orgs o ON o.id = m.branch_id WHERE 1 = 1";

/// One page of the visits in scope (or of one member), newest first, and how many.
pub async fn visits(
    conn: &mut Conn,
    scope: &Scope,
    member: Option<i64>,
    page: Page,
) -> StoreResult<(Vec<VisitRow>, i64)> {
    let conditions = |q: &mut Sql| {
        push_org_scope(q, scope, "o.path");
        if let Some(member) = member {
            q.push(" AND v.member_id = ").bind(member);
        }
    };
    let mut count = Sql::new(
        "SELECT COUNT(*) AS n FROM care_visits v JOIN members m ON m.id = v.member_id \
         JOIN orgs o ON o.id = m.branch_id WHERE 1 = 1",
    );
    conditions(&mut count);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(VISIT_COLUMNS);
    conditions(&mut q);
    q.push(" ORDER BY v.visited_on DESC, v.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((rows.iter().map(visit).collect::<StoreResult<_>>()?, total))
}

/// A hardship case with the day of its last follow-up and what was given in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardshipRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub branch_name: String,
    pub scope_path: OrgPath,
    pub kind: String,
    pub description: String,
    pub registered_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub closing_note: Option<String>,
    pub last_follow_up: Option<NaiveDate>,
    pub support: Fen,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewHardship<'a> {
    pub member_id: i64,
    pub kind: &'a str,
    pub description: &'a str,
    pub registered_on: NaiveDate,
    pub created_by: &'a str,
}

/// A follow-up of a hardship case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    pub followed_on: NaiveDate,
    pub note: String,
    pub amount: Option<Fen>,
    pub created_by: String,
}

const HARDSHIP_COLUMNS: &str = "SELECT h.id, h.member_id, m.name AS member_name, o.name AS branch_name, \
     o.path AS scope_path, h.kind, h.description, h.registered_on, h.closed_on, h.closing_note, h.version, \
     (SELECT MAX(f.followed_on) FROM hardship_follow_ups f WHERE f.case_id = h.id) AS last_follow_up, \
     (SELECT CAST(COALESCE(SUM(f.amount_fen), 0) AS BIGINT) FROM hardship_follow_ups f WHERE f.case_id = h.id) AS support \
     FROM hardship_cases h JOIN members m ON m.id = h.member_id JOIN orgs o ON o.id = m.branch_id WHERE 1 = 1";

fn hardship(row: &AnyRow) -> StoreResult<HardshipRow> {
    Ok(HardshipRow {
        id: row.int("id")?,
        member_id: row.int("member_id")?,
        member_name: row.text("member_name")?,
        branch_name: row.text("branch_name")?,
        scope_path: row.org_path("scope_path")?,
        kind: row.text("kind")?,
        description: row.text("description")?,
        registered_on: row.date("registered_on")?,
        closed_on: row.opt_date("closed_on")?,
        closing_note: row.opt_text("closing_note")?,
        last_follow_up: row.opt_date("last_follow_up")?,
        support: Fen(row.int("support")?),
        version: row.int("version")?,
    })
}

pub async fn insert_hardship(
    conn: &mut Conn,
    h: &NewHardship<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO hardship_cases (member_id, kind, description, registered_on, version, created_by, \
         created_at) VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id",
    )
    .bind(h.member_id)
    .bind(h.kind)
    .bind(h.description)
    .bind(date_text(h.registered_on))
    .bind(h.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn hardship_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<HardshipRow>> {
    let mut q = Sql::new(HARDSHIP_COLUMNS);
    q.push(" AND h.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(hardship)
        .transpose()
}

/// The hardship cases in scope: open ones first, then the most recently registered.
pub async fn hardship_cases(
    conn: &mut Conn,
    scope: &Scope,
    open_only: bool,
) -> StoreResult<Vec<HardshipRow>> {
    let mut q = Sql::new(HARDSHIP_COLUMNS);
    push_org_scope(&mut q, scope, "o.path");
    if open_only {
        q.push(" AND h.closed_on IS NULL");
    }
    q.push(
        " ORDER BY CASE WHEN h.closed_on IS NULL THEN 0 ELSE 1 END, h.registered_on DESC, h.id DESC LIMIT 1000",
    );
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(hardship)
        .collect()
}

pub async fn follow_ups(conn: &mut Conn, case: i64) -> StoreResult<Vec<FollowUpRow>> {
    let rows = sqlx::query(
        "SELECT followed_on, note, amount_fen, created_by FROM hardship_follow_ups WHERE case_id = $1 \
         ORDER BY followed_on DESC, id DESC",
    )
    .bind(case)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FollowUpRow {
                followed_on: row.date("followed_on")?,
                note: row.text("note")?,
                amount: row.opt_int("amount_fen")?.map(Fen),
                created_by: row.text("created_by")?,
            })
        })
        .collect()
}

pub async fn insert_follow_up(
    conn: &mut Conn,
    case: i64,
    on: NaiveDate,
    note: &str,
    amount: Option<Fen>,
    created_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO hardship_follow_ups (case_id, followed_on, note, amount_fen, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(case)
    .bind(date_text(on))
    .bind(note)
    .bind(amount.map(|a| a.0))
    .bind(created_by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Closes an open case at `version`; false when it was closed or changed in between.
pub async fn close_hardship(
    conn: &mut Conn,
    id: i64,
    version: i64,
    on: NaiveDate,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE hardship_cases SET closed_on = $1, closing_note = $2, version = version + 1 \
         WHERE id = $3 AND version = $4 AND closed_on IS NULL",
    )
    .bind(date_text(on))
    .bind(note)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
