//! Files in the database (migration 0032): a file is its SM3 digest, type and size, and its
//! bytes in numbered chunks of a fixed size. A range is read chunk by chunk, so serving a
//! video holds one chunk in memory, never the file.

use chrono::{DateTime, Utc};

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{RowExt, timestamp_text};

/// A stored file's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    pub digest: String,
    pub mime: String,
    pub size: i64,
    pub chunk_size: i64,
}

pub async fn blob(conn: &mut Conn, digest: &str) -> StoreResult<Option<BlobRow>> {
    sqlx::query("SELECT digest, mime, size, chunk_size FROM file_blobs WHERE digest = $1")
        .bind(digest)
        .fetch_optional(conn)
        .await?
        .map(|row| {
            Ok(BlobRow {
                digest: row.text("digest")?,
                mime: row.text("mime")?,
                size: row.int("size")?,
                chunk_size: row.int("chunk_size")?,
            })
        })
        .transpose()
}

/// Records a file about to be written chunk by chunk.
pub async fn insert_blob(conn: &mut Conn, b: &BlobRow, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO file_blobs (digest, mime, size, chunk_size, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&b.digest)
    .bind(&b.mime)
    .bind(b.size)
    .bind(b.chunk_size)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_chunk(conn: &mut Conn, digest: &str, n: i64, bytes: &[u8]) -> StoreResult<()> {
    sqlx::query("INSERT INTO file_chunks (digest, n, bytes) VALUES ($1, $2, $3)")
        .bind(digest)
        .bind(n)
        .bind(bytes.to_vec())
        .execute(conn)
        .await?;
    Ok(())
}

/// The `n`th chunk of a file.
pub async fn chunk(conn: &mut Conn, digest: &str, n: i64) -> StoreResult<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT bytes FROM file_chunks WHERE digest = $1 AND n = $2")
        .bind(digest)
        .bind(n)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => Some(sqlx::Row::try_get::<Vec<u8>, _>(&row, "bytes")?),
        None => None,
    })
}
