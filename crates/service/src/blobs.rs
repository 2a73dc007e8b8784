//! Files kept in the database, chunked and addressed by their SM3 digest (issue 15, 3: the
//! course media; issue 21 moves every file here). An upload is spooled to a private file as
//! it arrives — its digest, size and first bytes taken on the way, refused past the limit —
//! and written into the database in one short transaction; a range is read back chunk by
//! chunk, so neither an upload nor a viewer ever holds a whole video in memory.

use std::io::{Read, Write};
use std::path::PathBuf;

use dangjian_store::Conn;
use dangjian_store::blobs as store;

pub use dangjian_store::blobs::BlobRow;
use sm3::{Digest, Sm3};

use crate::Services;
use crate::error::{ServiceError, ServiceResult};

/// The size of a stored chunk.
pub const CHUNK: usize = 1 << 20;
/// The default limit of a course file: 500 MiB.
pub const DEFAULT_MEDIA_LIMIT: u64 = 500 * 1024 * 1024;

/// An upload being received into a private spool file, removed when dropped.
pub struct Spool {
    path: PathBuf,
    file: std::fs::File,
    hasher: Sm3,
    size: u64,
    head: Vec<u8>,
    limit: u64,
}

impl Spool {
    /// Appends what arrived; refuses the upload once it passes the limit.
    pub fn write(&mut self, bytes: &[u8]) -> ServiceResult<()> {
        self.size += bytes.len() as u64;
        if self.size > self.limit {
            return Err(ServiceError::invalid(
                "file",
                format!("文件超过{}MB，请压缩后再上传", self.limit / 1024 / 1024),
            ));
        }
        if self.head.len() < 16 {
            let take = (16 - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        self.hasher.update(bytes);
        self.file
            .write_all(bytes)
            .map_err(|e| ServiceError::Internal(format!("上传暂存失败：{e}")))
    }

    /// Where the upload is spooled (for reading it whole, as a PDF's text is).
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The first bytes, by which the type is known.
    pub fn head(&self) -> &[u8] {
        &self.head
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Services {
    /// A new spool for an upload, under the data directory, readable by the service only.
    pub fn spool(&self) -> ServiceResult<Spool> {
        let root = self.attachment_root()?.join("spool");
        let name = hex::encode(rand::random::<[u8; 16]>());
        let path = root.join(name);
        crate::attachments::write_private(&root, &path, b"")?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| ServiceError::Internal(format!("上传暂存失败：{e}")))?;
        Ok(Spool {
            path,
            file,
            hasher: Sm3::new(),
            size: 0,
            head: Vec::new(),
            limit: self.media_limit,
        })
    }

    /// Keeps a spooled upload of type `mime` in the database inside `conn` (a file already
    /// kept under the same digest is not written twice); returns its digest.
    pub(crate) async fn keep_spooled(
        &self,
        conn: &mut Conn,
        mut spool: Spool,
        mime: &str,
    ) -> ServiceResult<String> {
        spool
            .file
            .flush()
            .map_err(|e| ServiceError::Internal(format!("上传暂存失败：{e}")))?;
        let digest = hex::encode(spool.hasher.clone().finalize());
        let size = spool.size;
        if store::blob(conn, &digest).await?.is_some() {
            return Ok(digest);
        }
        store::insert_blob(
            conn,
            &BlobRow {
                digest: digest.clone(),
                mime: mime.to_owned(),
                size: i64::try_from(size).unwrap_or(i64::MAX),
                chunk_size: CHUNK as i64,
            },
            self.clock().now(),
        )
        .await?;
        let mut reader = std::fs::File::open(&spool.path)
            .map_err(|e| ServiceError::Internal(format!("上传暂存失败：{e}")))?;
        let mut buffer = vec![0u8; CHUNK];
        for n in 0.. {
            let mut filled = 0;
            while filled < CHUNK {
                let read = reader
                    .read(&mut buffer[filled..])
                    .map_err(|e| ServiceError::Internal(format!("上传暂存失败：{e}")))?;
                if read == 0 {
                    break;
                }
                filled += read;
            }
            if filled == 0 {
                break;
            }
            store::insert_chunk(conn, &digest, n, &buffer[..filled]).await?;
            if filled < CHUNK {
                break;
            }
        }
        Ok(digest)
    }

    /// The facts of a stored file.
    pub(crate) async fn blob(&self, digest: &str) -> ServiceResult<BlobRow> {
        let mut tx = self.db().read().await?;
        let row = store::blob(&mut tx, digest).await?;
        tx.commit().await?;
        row.ok_or(ServiceError::NotFound)
    }

    /// The bytes `[start, end]` (inclusive) of the `n`th chunk of a stored file — the part of
    /// a requested range that lies in it.
    pub async fn blob_part(
        &self,
        digest: &str,
        n: i64,
        start: usize,
        end: usize,
    ) -> ServiceResult<Vec<u8>> {
        let mut tx = self.db().read().await?;
        let chunk = store::chunk(&mut tx, digest, n).await?;
        tx.commit().await?;
        let chunk = chunk.ok_or(ServiceError::NotFound)?;
        let end = end.min(chunk.len().saturating_sub(1));
        Ok(chunk
            .get(start..=end)
            .map(<[u8]>::to_vec)
            .unwrap_or_default())
    }
}
