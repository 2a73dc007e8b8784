//! A member's lifecycle records: events, transfer letters and mobile-member records.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::lifecycle::{EventKind, TransferStatus};
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// One recorded transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: i64,
    pub member_id: i64,
    pub kind: EventKind,
    pub occurred_on: NaiveDate,
    pub reason: Option<String>,
    pub details: Option<String>,
    pub actor_login: String,
}

pub struct NewEvent<'a> {
    pub member: i64,
    pub kind: EventKind,
    pub on: NaiveDate,
    pub reason: Option<&'a str>,
    pub details: Option<String>,
    pub actor_account_id: Option<i64>,
    pub actor_login: &'a str,
}

pub async fn insert_event(
    conn: &mut Conn,
    e: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO member_events (member_id, kind, occurred_on, reason, details, actor_account_id, actor_login, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(e.member)
    .bind(e.kind.code())
    .bind(date_text(e.on))
    .bind(e.reason)
    .bind(e.details.as_deref())
    .bind(e.actor_account_id)
    .bind(e.actor_login)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// A member's events, oldest first.
pub async fn events_of(conn: &mut Conn, member: i64) -> StoreResult<Vec<EventRow>> {
    sqlx::query(
        "SELECT id, member_id, kind, occurred_on, reason, details, actor_login FROM member_events \
         WHERE member_id = $1 ORDER BY occurred_on, id",
    )
    .bind(member)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(EventRow {
            id: row.int("id")?,
            member_id: row.int("member_id")?,
            kind: row.code("kind", EventKind::from_code)?,
            occurred_on: row.date("occurred_on")?,
            reason: row.opt_text("reason")?,
            details: row.opt_text("details")?,
            actor_login: row.text("actor_login")?,
        })
    })
    .collect()
}

/// How many times an event of `kind` happened to a member.
pub async fn count_events(conn: &mut Conn, member: i64, kind: EventKind) -> StoreResult<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM member_events WHERE member_id = $1 AND kind = $2")
        .bind(member)
        .bind(kind.code())
        .fetch_one(conn)
        .await?
        .int("n")
}

/// A transfer letter, with the names of both ends for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub letter_no: String,
    pub from_branch_id: Option<i64>,
    pub from_branch: Option<String>,
    pub to_branch_id: Option<i64>,
    pub to_branch: Option<String>,
    pub external_org: Option<String>,
    pub issued_on: NaiveDate,
    pub received_on: Option<NaiveDate>,
    pub status: TransferStatus,
    pub note: Option<String>,
}

macro_rules! select_transfer {
    ($tail:literal) => {
        concat!(
            "SELECT t.id, t.member_id, m.name AS member_name, t.letter_no, t.from_branch_id, f.name AS from_branch, ",
            "t.to_branch_id, d.name AS to_branch, t.external_org, t.issued_on, t.received_on, t.status, t.note ",
            "FROM member_transfers t JOIN members m ON m.id = t.member_id ",
            "LEFT JOIN orgs f ON f.id = t.from_branch_id LEFT JOIN orgs d ON d.id = t.to_branch_id ",
            $tail
        )
    };
}

fn transfer(row: &AnyRow) -> StoreResult<TransferRow> {
    Ok(TransferRow {
        id: row.int("id")?,
        member_id: row.int("member_id")?,
        member_name: row.text("member_name")?,
        letter_no: row.text("letter_no")?,
        from_branch_id: row.opt_int("from_branch_id")?,
        from_branch: row.opt_text("from_branch")?,
        to_branch_id: row.opt_int("to_branch_id")?,
        to_branch: row.opt_text("to_branch")?,
        external_org: row.opt_text("external_org")?,
        issued_on: row.date("issued_on")?,
        received_on: row.opt_date("received_on")?,
        status: row.code("status", TransferStatus::from_code)?,
        note: row.opt_text("note")?,
    })
}

pub struct NewTransfer<'a> {
    pub member: i64,
    pub letter_no: &'a str,
    pub from_branch: Option<i64>,
    pub to_branch: Option<i64>,
    pub external_org: Option<&'a str>,
    pub issued_on: NaiveDate,
    pub received_on: Option<NaiveDate>,
    pub status: TransferStatus,
    pub note: Option<&'a str>,
    pub issued_by: &'a str,
}

pub async fn insert_transfer(
    conn: &mut Conn,
    t: &NewTransfer<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO member_transfers (member_id, letter_no, from_branch_id, to_branch_id, external_org, issued_on, \
         received_on, status, note, issued_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(t.member)
    .bind(t.letter_no)
    .bind(t.from_branch)
    .bind(t.to_branch)
    .bind(t.external_org)
    .bind(date_text(t.issued_on))
    .bind(t.received_on.map(date_text))
    .bind(t.status.code())
    .bind(t.note)
    .bind(t.issued_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn get_transfer(conn: &mut Conn, id: i64) -> StoreResult<Option<TransferRow>> {
    sqlx::query(select_transfer!("WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(transfer)
        .transpose()
}

pub async fn pending_transfer_of(conn: &mut Conn, member: i64) -> StoreResult<Option<TransferRow>> {
    sqlx::query(select_transfer!(
        "WHERE t.member_id = $1 AND t.status = 'pending'"
    ))
    .bind(member)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(transfer)
    .transpose()
}

pub async fn transfers_of(conn: &mut Conn, member: i64) -> StoreResult<Vec<TransferRow>> {
    sqlx::query(select_transfer!(
        "WHERE t.member_id = $1 ORDER BY t.issued_on DESC, t.id DESC"
    ))
    .bind(member)
    .fetch_all(conn)
    .await?
    .iter()
    .map(transfer)
    .collect()
}

pub async fn settle_transfer(
    conn: &mut Conn,
    id: i64,
    status: TransferStatus,
    on: NaiveDate,
) -> StoreResult<()> {
    sqlx::query("UPDATE member_transfers SET status = $1, received_on = $2 WHERE id = $3 AND status = 'pending'")
        .bind(status.code())
        .bind(date_text(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Pending letters whose receiving (`incoming`) or sending branch is in scope.
pub async fn pending_transfers(
    conn: &mut Conn,
    scope: &Scope,
    incoming: bool,
) -> StoreResult<Vec<TransferRow>> {
    let mut sql = Sql::new(select_transfer!("WHERE t.status = 'pending'"));
    push_org_scope(&mut sql, scope, if incoming { "d.path" } else { "f.path" });
    sql.push(" ORDER BY t.issued_on");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(transfer)
        .collect()
}

/// A member's current mobile-member record: (place, contact, since).
pub async fn current_flow(
    conn: &mut Conn,
    member: i64,
) -> StoreResult<Option<(String, Option<String>, NaiveDate)>> {
    sqlx::query("SELECT place, contact, valid_from FROM member_flows WHERE member_id = $1 AND valid_to IS NULL")
        .bind(member)
        .fetch_optional(conn)
        .await?
        .map(|row| Ok((row.text("place")?, row.opt_text("contact")?, row.date("valid_from")?)))
        .transpose()
}

pub async fn open_flow(
    conn: &mut Conn,
    member: i64,
    place: &str,
    contact: Option<&str>,
    from: NaiveDate,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO member_flows (member_id, place, contact, valid_from) VALUES ($1, $2, $3, $4)",
    )
    .bind(member)
    .bind(place)
    .bind(contact)
    .bind(date_text(from))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn close_flow(conn: &mut Conn, member: i64, on: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE member_flows SET valid_to = $1 WHERE member_id = $2 AND valid_to IS NULL")
        .bind(date_text(on))
        .bind(member)
        .execute(conn)
        .await?;
    Ok(())
}

/// Members in scope who are away (流出), with where and since when.
pub async fn away_members(
    conn: &mut Conn,
    scope: &Scope,
) -> StoreResult<Vec<(i64, String, String, String, NaiveDate)>> {
    let mut sql = Sql::new(
        "SELECT m.id, m.name, b.name AS branch, f.place, f.valid_from FROM member_flows f \
         JOIN members m ON m.id = f.member_id JOIN orgs b ON b.id = m.branch_id WHERE f.valid_to IS NULL",
    );
    push_org_scope(&mut sql, scope, "b.path");
    sql.push(" ORDER BY f.valid_from");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.int("id")?,
                row.text("name")?,
                row.text("branch")?,
                row.text("place")?,
                row.date("valid_from")?,
            ))
        })
        .collect()
}

/// Members in scope out of contact now, with the day it began: (id, name, branch, since),
/// the longest first.
pub async fn lost_contact_members(
    conn: &mut Conn,
    scope: &Scope,
) -> StoreResult<Vec<(i64, String, String, NaiveDate)>> {
    let mut sql = Sql::new(
        "SELECT m.id, m.name, b.name AS branch, s.valid_from FROM members m \
         JOIN orgs b ON b.id = m.branch_id \
         JOIN member_status_history s ON s.member_id = m.id AND s.valid_to IS NULL \
         WHERE m.status = 'lost_contact'",
    );
    push_org_scope(&mut sql, scope, "b.path");
    sql.push(" ORDER BY s.valid_from, m.id");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.int("id")?,
                row.text("name")?,
                row.text("branch")?,
                row.date("valid_from")?,
            ))
        })
        .collect()
}

/// Probationary members in scope, with when their probation ends: (id, name, branch,
/// joined_on, probation_due_on), soonest first.
pub async fn probationary_members(
    conn: &mut Conn,
    scope: &Scope,
) -> StoreResult<Vec<(i64, String, String, NaiveDate, Option<NaiveDate>)>> {
    let mut sql = Sql::new(
        "SELECT m.id, m.name, b.name AS branch, m.joined_on, m.probation_due_on FROM members m \
         JOIN orgs b ON b.id = m.branch_id WHERE m.category = 'probationary' AND m.status IN ('active', 'lost_contact')",
    );
    push_org_scope(&mut sql, scope, "b.path");
    sql.push(" ORDER BY m.probation_due_on, m.joined_on");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.int("id")?,
                row.text("name")?,
                row.text("branch")?,
                row.date("joined_on")?,
                row.opt_date("probation_due_on")?,
            ))
        })
        .collect()
}
