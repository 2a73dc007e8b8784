//! Import batches: the sealed preview, commit and roll-back of a spreadsheet of members.

use chrono::{DateTime, Utc};

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{RowExt, timestamp_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub id: i64,
    pub created_by: String,
    pub created_by_account: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub status: String,
    pub row_count: i64,
    pub payload_ct: Option<String>,
}

fn batch(row: &sqlx::any::AnyRow) -> StoreResult<BatchRow> {
    Ok(BatchRow {
        id: row.int("id")?,
        created_by: row.text("created_by")?,
        created_by_account: row.opt_int("created_by_account")?,
        created_at: row.timestamp("created_at")?,
        status: row.text("status")?,
        row_count: row.int("row_count")?,
        payload_ct: row.opt_text("payload_ct")?,
    })
}

/// Creates a previewed batch; its sealed payload is written next, once the id is known.
pub async fn insert(
    conn: &mut Conn,
    created_by: &str,
    account: Option<i64>,
    rows: i64,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO import_batches (created_by, created_by_account, created_at, status, row_count) \
         VALUES ($1, $2, $3, 'previewed', $4) RETURNING id",
    )
    .bind(created_by)
    .bind(account)
    .bind(timestamp_text(now))
    .bind(rows)
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn set_payload(conn: &mut Conn, id: i64, payload_ct: &str) -> StoreResult<()> {
    sqlx::query("UPDATE import_batches SET payload_ct = $1 WHERE id = $2")
        .bind(payload_ct)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<BatchRow>> {
    sqlx::query("SELECT id, created_by, created_by_account, created_at, status, row_count, payload_ct FROM import_batches WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(batch)
        .transpose()
}

/// The most recent committed batch.
/// The latest committed batch of one importer (by login).
pub async fn latest_committed(conn: &mut Conn, created_by: &str) -> StoreResult<Option<BatchRow>> {
    sqlx::query(
        "SELECT id, created_by, created_by_account, created_at, status, row_count, payload_ct FROM import_batches \
         WHERE status = 'committed' AND created_by = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(created_by)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(batch)
    .transpose()
}

/// Moves a batch to `status` and drops its payload: once committed, discarded or rolled
/// back, the sealed copy of the sheet has no further use.
pub async fn finish(conn: &mut Conn, id: i64, status: &str, now: DateTime<Utc>) -> StoreResult<()> {
    let column = match status {
        "committed" => {
            "UPDATE import_batches SET status = $1, payload_ct = NULL, committed_at = $2 WHERE id = $3"
        }
        _ => {
            "UPDATE import_batches SET status = $1, payload_ct = NULL, rolled_back_at = $2 WHERE id = $3"
        }
    };
    sqlx::query(column)
        .bind(status)
        .bind(timestamp_text(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many of the batch's members changed since the import: edited, moved, appointed,
/// transferred, with any event beyond their creation, or on the roll of a meeting, a study,
/// a class, a course or an exam since (their records would be lost with them).
pub async fn changed_since(conn: &mut Conn, batch: i64) -> StoreResult<i64> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM members m WHERE m.import_batch_id = $1 AND (\
           m.updated_at <> m.created_at \
           OR EXISTS (SELECT 1 FROM member_events e WHERE e.member_id = m.id AND e.kind <> 'created') \
           OR EXISTS (SELECT 1 FROM org_posts p WHERE p.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM member_transfers t WHERE t.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM member_flows f WHERE f.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM meeting_attendees x WHERE x.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM study_attendees x WHERE x.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM study_credits x WHERE x.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM training_enrolments x WHERE x.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM chapter_completions x WHERE x.member_id = m.id) \
           OR EXISTS (SELECT 1 FROM exam_sittings x WHERE x.member_id = m.id) \
           OR (SELECT COUNT(*) FROM member_branch_history h WHERE h.member_id = m.id) > 1 \
           OR (SELECT COUNT(*) FROM member_status_history h WHERE h.member_id = m.id) > 1)",
    )
    .bind(batch)
    .fetch_one(conn)
    .await?
    .int("n")
}

/// Removes a batch's members and everything the import wrote for them.
pub async fn remove_members(conn: &mut Conn, batch: i64) -> StoreResult<u64> {
    for table in [
        "DELETE FROM member_events WHERE member_id IN (SELECT id FROM members WHERE import_batch_id = $1)",
        "DELETE FROM member_branch_history WHERE member_id IN (SELECT id FROM members WHERE import_batch_id = $1)",
        "DELETE FROM member_status_history WHERE member_id IN (SELECT id FROM members WHERE import_batch_id = $1)",
        "DELETE FROM member_category_history WHERE member_id IN (SELECT id FROM members WHERE import_batch_id = $1)",
    ] {
        sqlx::query(table).bind(batch).execute(&mut *conn).await?;
    }
    let done = sqlx::query("DELETE FROM members WHERE import_batch_id = $1")
        .bind(batch)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Every batch that still holds a sealed payload (key rotation).
pub async fn sealed_payloads(conn: &mut Conn) -> StoreResult<Vec<(i64, String)>> {
    let rows =
        sqlx::query("SELECT id, payload_ct FROM import_batches WHERE payload_ct IS NOT NULL")
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.int("id")?, r.text("payload_ct")?)))
        .collect()
}
