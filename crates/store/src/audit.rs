//! The audit log: append and read. There is no update or delete here, so no path of the
//! application can change or remove a record (and database triggers refuse both from any
//! other path). Appending goes through the chain head: lock it, insert the record with the
//! next id and its MAC, move the head.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, Page, RowExt, Sql, timestamp_text};

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub ts: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub login: Option<String>,
    pub role: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub event: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    /// HMAC over the previous record's MAC and this record; `None` before the chain began.
    pub mac: Option<String>,
}

/// The newest record of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub last_id: i64,
    pub last_mac: String,
    /// The first id that carries a MAC (records before it predate the chain).
    pub chain_from: i64,
    /// The keyed MAC of `chain_from` when it is not 1 (`dangjian audit anchor`).
    pub anchor: Option<String>,
}

fn head_from_row(row: &AnyRow) -> StoreResult<ChainHead> {
    Ok(ChainHead {
        last_id: row.int("last_id")?,
        last_mac: row.text("last_mac")?,
        chain_from: row.int("chain_from")?,
        anchor: row.opt_text("anchor")?,
    })
}

/// Locks the chain head for the rest of the transaction and returns it. The no-op update
/// takes the row lock on PostgreSQL, so concurrent writers append one after the other; on
/// SQLite the write transaction already holds the database lock.
pub async fn lock_head(conn: &mut Conn) -> StoreResult<ChainHead> {
    let row = sqlx::query(
        "UPDATE audit_chain SET last_id = last_id WHERE id = 1 RETURNING last_id, last_mac, chain_from, anchor",
    )
    .fetch_one(conn)
    .await?;
    head_from_row(&row)
}

/// The chain head as committed, without locking (verification).
pub async fn head(conn: &mut Conn) -> StoreResult<ChainHead> {
    let row =
        sqlx::query("SELECT last_id, last_mac, chain_from, anchor FROM audit_chain WHERE id = 1")
            .fetch_optional(conn)
            .await?;
    match row {
        Some(row) => head_from_row(&row),
        // The row itself removed: an empty chain that starts at 1, which the records (if
        // any) will contradict.
        None => Ok(ChainHead {
            last_id: 0,
            last_mac: String::new(),
            chain_from: 1,
            anchor: None,
        }),
    }
}

/// Records the keyed MAC of the chain's start (a chain that began after record 1).
pub async fn set_anchor(conn: &mut Conn, anchor: &str) -> StoreResult<()> {
    sqlx::query("UPDATE audit_chain SET anchor = $1 WHERE id = 1")
        .bind(anchor)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many records of `event` an account wrote since `since` (per-account limits kept by
/// the log itself, so every server process sees the same count).
pub async fn count_events(
    conn: &mut Conn,
    account_id: i64,
    event: &str,
    since: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM audit_log WHERE account_id = $1 AND event = $2 AND ts >= $3",
    )
    .bind(account_id)
    .bind(event)
    .bind(timestamp_text(since))
    .fetch_one(conn)
    .await?
    .int("n")
}

/// Appends a record with the id and MAC the caller computed under [`lock_head`], and moves
/// the head to it.
pub async fn append(conn: &mut Conn, row: &AuditRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, ts, account_id, login, role, ip, user_agent, event, object_type, object_id, outcome, detail, mac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(row.id)
    .bind(timestamp_text(row.ts))
    .bind(row.account_id)
    .bind(row.login.as_deref())
    .bind(row.role.as_deref())
    .bind(row.ip.as_deref())
    .bind(row.user_agent.as_deref())
    .bind(row.event.as_str())
    .bind(row.object_type.as_deref())
    .bind(row.object_id.as_deref())
    .bind(row.outcome.as_str())
    .bind(row.detail.as_deref())
    .bind(row.mac.as_deref())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_chain SET last_id = $1, last_mac = $2 WHERE id = 1")
        .bind(row.id)
        .bind(row.mac.as_deref().unwrap_or_default())
        .execute(conn)
        .await?;
    Ok(())
}

/// Up to `limit` records after `after_id` in id order, optionally up to a time range (for
/// verification and export, which walk the whole log in batches).
pub async fn after(
    conn: &mut Conn,
    after_id: i64,
    filter: &AuditFilter,
    limit: i64,
) -> StoreResult<Vec<AuditRow>> {
    let mut sql = Sql::new(COLUMNS);
    sql.push(" WHERE id > ").bind(after_id);
    push_filter(&mut sql, filter);
    sql.push(" ORDER BY id LIMIT ").bind(limit);
    let rows = sql::fetch_all(conn, sql).await?;
    rows.iter().map(from_row).collect()
}

const COLUMNS: &str = "SELECT id, ts, account_id, login, role, ip, user_agent, event, object_type, object_id, outcome, detail, mac FROM audit_log";

/// Filters of the audit browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub login: Option<String>,
    /// An event name or its area prefix (`member.` matches every member event).
    pub event: Option<String>,
    pub outcome: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn push_filter(sql: &mut Sql, filter: &AuditFilter) {
    if let Some(login) = &filter.login {
        sql.push(" AND login = ").bind(login.clone());
    }
    if let Some(event) = &filter.event {
        sql.push(" AND event LIKE ")
            .bind(sql::prefix_pattern(event))
            .push(" ESCAPE '\\'");
    }
    if let Some(outcome) = &filter.outcome {
        sql.push(" AND outcome = ").bind(outcome.clone());
    }
    if let Some(object_type) = &filter.object_type {
        sql.push(" AND object_type = ").bind(object_type.clone());
    }
    if let Some(object_id) = &filter.object_id {
        sql.push(" AND object_id = ").bind(object_id.clone());
    }
    if let Some(from) = filter.from {
        sql.push(" AND ts >= ").bind(timestamp_text(from));
    }
    if let Some(to) = filter.to {
        sql.push(" AND ts < ").bind(timestamp_text(to));
    }
}

fn from_row(row: &AnyRow) -> StoreResult<AuditRow> {
    Ok(AuditRow {
        id: row.int("id")?,
        ts: row.timestamp("ts")?,
        account_id: row.opt_int("account_id")?,
        login: row.opt_text("login")?,
        role: row.opt_text("role")?,
        ip: row.opt_text("ip")?,
        user_agent: row.opt_text("user_agent")?,
        event: row.text("event")?,
        object_type: row.opt_text("object_type")?,
        object_id: row.opt_text("object_id")?,
        outcome: row.text("outcome")?,
        detail: row.opt_text("detail")?,
        mac: row.opt_text("mac")?,
    })
}

/// Newest first, one page, and the total that match.
pub async fn list(
    conn: &mut Conn,
    filter: &AuditFilter,
    page: Page,
) -> StoreResult<(Vec<AuditRow>, i64)> {
    let mut count = Sql::new("SELECT COUNT(*) AS n FROM audit_log WHERE 1 = 1");
    push_filter(&mut count, filter);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut sql = Sql::new(COLUMNS);
    sql.push(" WHERE 1 = 1");
    push_filter(&mut sql, filter);
    sql.push(" ORDER BY id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, sql).await?;
    Ok((
        rows.iter().map(from_row).collect::<StoreResult<_>>()?,
        total,
    ))
}

/// A signed head of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub sealed_at: DateTime<Utc>,
    pub last_id: i64,
    pub last_mac: String,
    pub signature: String,
}

pub async fn insert_seal(conn: &mut Conn, seal: &Seal) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_seals (sealed_at, last_id, last_mac, signature) VALUES ($1, $2, $3, $4)",
    )
    .bind(timestamp_text(seal.sealed_at))
    .bind(seal.last_id)
    .bind(seal.last_mac.as_str())
    .bind(seal.signature.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Every seal, oldest first.
pub async fn seals(conn: &mut Conn) -> StoreResult<Vec<Seal>> {
    let rows =
        sqlx::query("SELECT sealed_at, last_id, last_mac, signature FROM audit_seals ORDER BY id")
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(Seal {
                sealed_at: r.timestamp("sealed_at")?,
                last_id: r.int("last_id")?,
                last_mac: r.text("last_mac")?,
                signature: r.text("signature")?,
            })
        })
        .collect()
}
