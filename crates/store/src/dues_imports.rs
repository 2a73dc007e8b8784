//! 党费 imports (migration 0027): a checked sheet of pay bases or bank records, kept sealed
//! between its preview and its commit, and the bank references already recorded.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use dangjian_core::dues_import::SheetKind;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, timestamp_text};

/// A previewed or committed sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuesImportRow {
    pub id: i64,
    pub kind: SheetKind,
    pub created_by: String,
    pub status: String,
    pub row_count: i64,
    pub payload_ct: Option<String>,
}

/// Keeps a previewed sheet; `seal` seals its rows once the id (their context) is known.
pub async fn insert(
    conn: &mut Conn,
    kind: SheetKind,
    created_by: &str,
    rows: i64,
    now: DateTime<Utc>,
    seal: impl FnOnce(i64) -> String,
) -> StoreResult<i64> {
    let id = sqlx::query(
        "INSERT INTO dues_imports (kind, created_by, created_at, status, row_count) \
         VALUES ($1, $2, $3, 'previewed', $4) RETURNING id",
    )
    .bind(kind.code())
    .bind(created_by)
    .bind(timestamp_text(now))
    .bind(rows)
    .fetch_one(&mut *conn)
    .await?
    .int("id")?;
    set_payload(conn, id, &seal(id)).await?;
    Ok(id)
}

pub async fn set_payload(conn: &mut Conn, id: i64, payload_ct: &str) -> StoreResult<()> {
    sqlx::query("UPDATE dues_imports SET payload_ct = $1 WHERE id = $2")
        .bind(payload_ct)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<DuesImportRow>> {
    let row = sqlx::query(
        "SELECT id, kind, created_by, status, row_count, payload_ct FROM dues_imports WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(DuesImportRow {
            id: r.int("id")?,
            kind: r.code("kind", SheetKind::from_code)?,
            created_by: r.text("created_by")?,
            status: r.text("status")?,
            row_count: r.int("row_count")?,
            payload_ct: r.opt_text("payload_ct")?,
        })
    })
    .transpose()
}

/// Marks a previewed sheet committed and drops its sealed rows (they are on the records
/// now); false when it was not waiting.
pub async fn committed(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE dues_imports SET status = 'committed', payload_ct = NULL, committed_at = $1 \
         WHERE id = $2 AND status = 'previewed'",
    )
    .bind(timestamp_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Retires an importer's earlier previews of a kind, with their sealed rows: only the latest
/// sheet they checked can be committed (an older one, confirmed from a page left open, would
/// put back the figures a newer sheet corrected).
pub async fn supersede(conn: &mut Conn, kind: SheetKind, created_by: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE dues_imports SET status = 'superseded', payload_ct = NULL \
         WHERE created_by = $1 AND kind = $2 AND status = 'previewed'",
    )
    .bind(created_by)
    .bind(kind.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// The payments already holding one of the bank references `refs`, as (org, reference): a
/// reference is taken within the org that received it.
pub async fn taken_refs(conn: &mut Conn, refs: &[String]) -> StoreResult<HashSet<(i64, String)>> {
    let mut taken = HashSet::new();
    for chunk in refs.chunks(500) {
        let mut q = Sql::new("SELECT org_id, bank_ref FROM dues_payments WHERE bank_ref IN (");
        for (i, reference) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(reference.clone());
        }
        q.push(")");
        for row in sql::fetch_all(&mut *conn, q).await? {
            taken.insert((row.int("org_id")?, row.text("bank_ref")?));
        }
    }
    Ok(taken)
}

/// Every sheet still sealed (key rotation).
pub async fn sealed_payloads(conn: &mut Conn) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT id, payload_ct FROM dues_imports WHERE payload_ct IS NOT NULL")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.int("id")?, r.text("payload_ct")?)))
        .collect()
}
