//! Attachments of organisational-life records: sign-in sheets, photos and materials as
//! evidence. A file's type is read from its first bytes and must agree with its name (a
//! renamed executable is refused); it is kept on disk under the data directory by a random
//! name, with its SM3 digest in the database, and read back only through the record's scope.

use std::path::PathBuf;

use dangjian_core::orglife::ReviewAction;
use dangjian_core::role::Permission;
use dangjian_store::orglife::{self, AttachmentRow, NewAttachment};
use serde_json::json;
use sm3::{Digest, Sm3};

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};

pub use dangjian_store::orglife::AttachmentRow as Attachment;

/// The largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// At most this many attachments on one record.
const MAX_PER_RECORD: usize = 20;

/// An uploaded file as received.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// The types accepted: (extensions, MIME type, leading bytes).
const TYPES: &[(&[&str], &str, &[u8])] = &[
    (&["pdf"], "application/pdf", b"%PDF-"),
    (&["png"], "image/png", b"\x89PNG\r\n\x1a\n"),
    (&["jpg", "jpeg"], "image/jpeg", b"\xff\xd8\xff"),
    (
        &["docx"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    (
        &["xlsx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    ),
];

/// Writes a stored file readable by the service account only (the folder 0700, the file
/// 0600), whatever the process's umask: records' files hold personal data.
pub(crate) fn write_private(
    root: &std::path::Path,
    path: &std::path::Path,
    bytes: &[u8],
) -> ServiceResult<()> {
    use std::io::Write as _;
    let fail = |e: std::io::Error| ServiceError::Internal(format!("附件写入失败：{e}"));
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
    folder.create(root).map_err(fail)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        // Nothing half-written is left behind.
        let _ = std::fs::remove_file(path);
        return Err(fail(e));
    }
    Ok(())
}

/// A file's name as shown — no directories, no control or format characters, at most 100
/// characters — or why it is refused.
pub(crate) fn shown_name(raw: &str) -> Result<String, String> {
    let name: String = raw
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let name = name.trim().to_owned();
    if name.chars().any(dangjian_core::text::is_format) {
        return Err("文件名含有不可见的格式字符（如改变文字方向的字符），请改名后上传".to_owned());
    }
    if name.is_empty() || name.starts_with('.') {
        return Err("请选择要上传的文件".to_owned());
    }
    if name.chars().count() > 100 {
        return Err("文件名不能超过100个字".to_owned());
    }
    Ok(name)
}

/// The file's name as shown (see [`shown_name`]) and its checked MIME type, or why it is
/// refused.
pub fn check(upload: &Upload<'_>) -> Result<(String, &'static str), String> {
    let name = shown_name(upload.file_name)?;
    if upload.bytes.is_empty() {
        return Err("文件是空的".to_owned());
    }
    if upload.bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(format!(
            "文件不能超过{}MB",
            MAX_ATTACHMENT_BYTES / 1024 / 1024
        ));
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, mime, _)) = TYPES
        .iter()
        .find(|(exts, _, _)| exts.contains(&extension.as_str()))
    else {
        return Err("只能上传 PDF、PNG、JPG、Word（.docx）或 Excel（.xlsx）文件".to_owned());
    };
    let matches = TYPES.iter().any(|(exts, m, magic)| {
        m == mime && exts.contains(&extension.as_str()) && upload.bytes.starts_with(magic)
    });
    if !matches {
        return Err("文件内容与扩展名不符".to_owned());
    }
    Ok((name, mime))
}

/// Checks a set of uploads (at least one, at most `max`), all or none: each refusal at the
/// field `file`. Gives each file's shown name, type and bytes.
pub(crate) fn check_uploads<'a>(
    uploads: &[Upload<'a>],
    max: usize,
) -> ServiceResult<Vec<(String, &'static str, &'a [u8])>> {
    let mut e = dangjian_core::field::FieldErrors::new();
    if uploads.is_empty() {
        e.add("file", "请选择要上传的文件");
    }
    if uploads.len() > max {
        e.add("file", format!("每次最多上传{max}个文件"));
    }
    let mut checked = Vec::new();
    for upload in uploads {
        match check(upload) {
            Ok((name, mime)) => checked.push((name, mime, upload.bytes)),
            Err(m) => e.add("file", m),
        }
    }
    crate::rectification::invalid(e)?;
    Ok(checked)
}

/// The files written for one change, to be discarded when the change fails. Never removed
/// on drop: a request cancelled while its commit is in flight may have committed, and a kept
/// record must not lose its file (a stray file after a failure is the lesser harm).
pub(crate) struct NewFiles {
    root: PathBuf,
    written: Vec<PathBuf>,
}

impl NewFiles {
    pub(crate) fn new(root: PathBuf) -> Self {
        NewFiles {
            root,
            written: Vec::new(),
        }
    }

    /// Writes a file under a random name beginning with `prefix`; gives the stored name and
    /// the SM3 digest of the bytes.
    pub(crate) fn write(&mut self, prefix: &str, bytes: &[u8]) -> ServiceResult<(String, String)> {
        let stored_name = format!("{prefix}-{}", crate::secret::random_token());
        let path = self.root.join(&stored_name);
        write_private(&self.root, &path, bytes)?;
        self.written.push(path);
        Ok((stored_name, hex::encode(Sm3::digest(bytes))))
    }

    /// Passes a change's outcome through, removing the files when it failed: nothing is
    /// left on disk for a change the database refused.
    pub(crate) fn settle<T>(self, outcome: ServiceResult<T>) -> ServiceResult<T> {
        if outcome.is_err() {
            for path in &self.written {
                let _ = std::fs::remove_file(path);
            }
        }
        outcome
    }
}

impl Services {
    pub(crate) fn attachment_root(&self) -> ServiceResult<&PathBuf> {
        self.attachment_dir
            .as_deref()
            .ok_or_else(|| ServiceError::invalid("file", "服务器未配置附件目录，不能上传附件"))
    }

    /// Attaches a file to a draft or returned record.
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        meeting_id: i64,
        upload: &Upload<'_>,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordMeetings, "meeting.attach")
            .await?;
        self.meeting(actor, meeting_id).await?;
        let (name, mime) = check(upload).map_err(|m| ServiceError::invalid("file", m))?;
        let root = self.attachment_root()?.clone();
        let digest = hex::encode(Sm3::digest(upload.bytes));
        let stored_name = format!("{}-{}", meeting_id, crate::secret::random_token());
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (meeting, _, _) = self
            .meeting_for_change(&mut tx, actor, meeting_id, None, ReviewAction::Edit)
            .await?;
        if orglife::attachments(&mut tx, meeting.id).await?.len() >= MAX_PER_RECORD {
            return Err(ServiceError::invalid(
                "file",
                format!("每条记录最多{MAX_PER_RECORD}个附件"),
            ));
        }
        let path = root.join(&stored_name);
        write_private(&root, &path, upload.bytes)?;
        let row = NewAttachment {
            meeting_id,
            file_name: &name,
            content_type: mime,
            size: upload.bytes.len() as i64,
            digest: &digest,
            stored_name: &stored_name,
            uploaded_by: &actor.login,
        };
        let written = async {
            let id = orglife::insert_attachment(&mut tx, &row, now).await?;
            let event = Event::new("meeting.attach")
                .object("meeting", meeting_id)
                .detail(json!({
                    "attachment": id, "name": name, "size": upload.bytes.len(), "sm3": digest,
                }));
            audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
            tx.commit().await?;
            Ok::<i64, ServiceError>(id)
        }
        .await;
        if written.is_err() {
            // Nothing half-written: the file goes with the row that failed.
            let _ = std::fs::remove_file(&path);
        }
        written
    }

    /// An attachment of a record the actor may see, with its bytes (checked against the
    /// digest recorded at upload).
    pub async fn attachment(
        &self,
        actor: &Actor,
        meeting_id: i64,
        id: i64,
    ) -> ServiceResult<(AttachmentRow, Vec<u8>)> {
        self.meeting(actor, meeting_id).await?;
        let mut tx = self.db().read().await?;
        let row = orglife::attachments(&mut tx, meeting_id)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        let bytes = self.read_kept_file(&row.stored_name, &row.digest)?;
        Ok((row, bytes))
    }

    /// A kept file's bytes, refused when they no longer match the digest taken at upload.
    pub(crate) fn read_kept_file(&self, stored_name: &str, digest: &str) -> ServiceResult<Vec<u8>> {
        let bytes = std::fs::read(self.attachment_root()?.join(stored_name))
            .map_err(|e| ServiceError::Internal(format!("附件读取失败：{e}")))?;
        if hex::encode(Sm3::digest(&bytes)) != digest {
            return Err(ServiceError::Internal(format!(
                "附件 {stored_name} 与上传时的摘要不一致"
            )));
        }
        Ok(bytes)
    }

    /// Removes an attachment from a draft or returned record.
    pub async fn remove_attachment(
        &self,
        actor: &Actor,
        meeting_id: i64,
        id: i64,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordMeetings, "meeting.attach")
            .await?;
        self.meeting(actor, meeting_id).await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (meeting, _, _) = self
            .meeting_for_change(&mut tx, actor, meeting_id, None, ReviewAction::Edit)
            .await?;
        let stored = orglife::attachments(&mut tx, meeting.id)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(ServiceError::NotFound)?;
        orglife::delete_attachment(&mut tx, meeting.id, id).await?;
        let event = Event::new("meeting.detach")
            .object("meeting", meeting_id)
            .detail(json!({ "attachment": id, "name": stored.file_name }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        if let Ok(root) = self.attachment_root() {
            let _ = std::fs::remove_file(root.join(&stored.stored_name));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up<'a>(name: &'a str, bytes: &'a [u8]) -> Upload<'a> {
        Upload {
            file_name: name,
            bytes,
        }
    }

    #[test]
    fn the_type_is_read_from_the_bytes_and_must_agree_with_the_name() {
        assert_eq!(
            check(&up("签到表.pdf", b"%PDF-1.7 ...")),
            Ok(("签到表.pdf".to_owned(), "application/pdf"))
        );
        assert_eq!(
            check(&up("照片.JPG", b"\xff\xd8\xff\xe0..")).unwrap().1,
            "image/jpeg"
        );
        assert_eq!(
            check(&up("材料.pdf", b"MZ\x90\x00")),
            Err("文件内容与扩展名不符".to_owned())
        );
        assert!(
            check(&up("run.exe", b"MZ"))
                .unwrap_err()
                .contains("只能上传")
        );
        assert!(check(&up("记录.xlsx", b"%PDF-")).is_err());
        assert!(check(&up("", b"%PDF-")).is_err());
        assert!(check(&up("a.pdf", b"")).unwrap_err().contains("空"));
        let big = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert!(check(&up("a.pdf", &big)).unwrap_err().contains("10MB"));
    }

    #[test]
    fn a_name_that_reverses_its_text_is_refused() {
        // "签到表\u{202E}fdp.exe" would read as "签到表exe.pdf".
        assert!(
            check(&up("签到表\u{202E}fdp.pdf", b"%PDF-"))
                .unwrap_err()
                .contains("格式字符")
        );
        assert!(check(&up("签到\u{200B}表.pdf", b"%PDF-")).is_err());
    }

    #[test]
    fn directories_and_control_characters_leave_the_name() {
        assert_eq!(
            check(&up("..\\..\\etc/签到\u{7}表.pdf", b"%PDF-"))
                .unwrap()
                .0,
            "签到表.pdf"
        );
        assert!(check(&up("/tmp/.pdf", b"%PDF-")).is_err());
    }
}
