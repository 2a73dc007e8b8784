//! The files the server keeps beside its database, and what the operator is told about them
//! at start. The database, its journals and the records' files hold names, posts and the
//! audit log; the key file opens the rest. Others on the machine must read none of them,
//! whatever the umask or however the directory was made.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::settings::Settings;

/// Makes the data directory (0700) when it is missing; when it exists, takes read access
/// from others on it, on the SQLite database and its journals and on the attachments, and
/// says what it changed. A new SQLite database is made 0600 before SQLite opens it (its
/// journal files then take the same mode).
pub fn secure_data_dir(settings: &Settings) -> anyhow::Result<Vec<String>> {
    let dir = &settings.data_dir;
    let mut notes = Vec::new();
    if !dir.exists() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("无法创建数据目录 {}", dir.display()))?;
        restrict(dir, 0o700)?;
    } else {
        notes.extend(tighten(dir, 0o700)?);
    }
    if settings.database_url.is_none() {
        let db = dir.join("dangjian.db");
        if db.exists() {
            for file in [
                db.clone(),
                dir.join("dangjian.db-wal"),
                dir.join("dangjian.db-shm"),
            ] {
                if file.exists() {
                    notes.extend(tighten(&file, 0o600)?);
                }
            }
        } else {
            create_private(&db)?;
        }
    }
    let attachments = dir.join("attachments");
    if attachments.is_dir() {
        notes.extend(tighten(&attachments, 0o700)?);
        let mut loose = 0;
        for entry in std::fs::read_dir(&attachments)
            .with_context(|| format!("无法读取附件目录 {}", attachments.display()))?
        {
            let path = entry?.path();
            if path.is_file() && tighten(&path, 0o600)?.is_some() {
                loose += 1;
            }
        }
        if loose > 0 {
            notes.push(format!(
                "附件目录 {} 中有 {loose} 个文件其他用户可读，已改为仅服务账号可读写（0600）",
                attachments.display()
            ));
        }
    }
    Ok(notes)
}

/// What the operator should know about where secrets and seals sit, and how the server is
/// reached: each a line to print at start.
pub fn placement_warnings(settings: &Settings, key_file: &Path, tls: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    if inside(key_file, &settings.data_dir) {
        warnings.push(format!(
            "密钥文件 {} 在数据目录内：整体备份数据目录会把密钥和加密数据放在一起。请在备份时排除它、另行保管，或把 key_file 设到数据目录之外",
            key_file.display()
        ));
    }
    if let Some(seals) = &settings.audit_seal_file
        && inside(seals, &settings.data_dir)
    {
        warnings.push(format!(
            "审计封存文件 {} 在数据目录内：能改数据库的人也能改它。请把 audit_seal_file 设到数据目录之外（如日志平台采集的目录）",
            seals.display()
        ));
    }
    if !settings.listen.ip().is_loopback() && !tls && !settings.secure_cookies {
        warnings.push(format!(
            "正在 {} 上以明文 HTTP 提供服务：登录密码和会话可被同一网络中的人截获。请设置 tls_cert 与 tls_key，或只监听 127.0.0.1 并由国密网关/反向代理提供 HTTPS（此时设置 secure_cookies = true）",
            settings.listen
        ));
    }
    warnings
}

/// Shows one-time secrets (first-start passwords, demo passwords) to whoever started the
/// program: on the terminal when there is one; otherwise written to a file only the service
/// account can read, whose name is printed instead, so they never land in a log that
/// captured standard output.
pub fn show_secrets(
    settings: &Settings,
    name: &str,
    heading: &str,
    lines: &[String],
) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;
    if std::io::stdout().is_terminal() {
        println!("{heading}");
        for line in lines {
            println!("{line}");
        }
        return Ok(());
    }
    let path = unique_path(&settings.data_dir, name);
    let mut text = format!("{heading}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    write_private(&path, &text)?;
    println!(
        "一次性密码未输出到屏幕（标准输出不是终端），已写入 {}（仅服务账号可读）。交付后请删除该文件。",
        path.display()
    );
    Ok(())
}

/// `name` in `dir`, or `name` with a number when that exists already.
fn unique_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(format!("{name}.txt"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{name}-{n}.txt")))
        .find(|path| !path.exists())
        .unwrap_or(first)
}

/// Whether `path` lies in `dir` (compared as absolute paths, without following links that
/// do not exist yet).
fn inside(path: &Path, dir: &Path) -> bool {
    let absolute = |p: &Path| {
        p.canonicalize().unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|cwd| cwd.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (path, dir) = (absolute(path), absolute(dir));
    path.starts_with(&dir)
}

#[cfg(unix)]
fn mode_of(path: &Path) -> anyhow::Result<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    Ok(std::fs::metadata(path)
        .with_context(|| format!("无法读取 {} 的权限", path.display()))?
        .permissions()
        .mode()
        & 0o777)
}

/// Takes group and other access from `path` when it has any; returns a note of the change.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> anyhow::Result<Option<String>> {
    let before = mode_of(path)?;
    if before & 0o077 == 0 {
        return Ok(None);
    }
    restrict(path, mode)?;
    Ok(Some(format!(
        "{} 原来其他用户可访问（权限 {before:o}），已改为仅服务账号可访问（{mode:o}）",
        path.display()
    )))
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32) -> anyhow::Result<Option<String>> {
    Ok(None)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("无法设置 {} 的权限", path.display()))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> anyhow::Result<()> {
    Ok(())
}

/// An empty file readable by the service account only.
fn create_private(path: &Path) -> anyhow::Result<()> {
    write_private(path, "")
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("无法创建 {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("无法写入 {}", path.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("dangjian-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn settings(dir: &Path) -> Settings {
        Settings {
            data_dir: dir.to_path_buf(),
            ..Settings::default()
        }
    }

    #[test]
    fn a_data_directory_others_can_read_is_closed_and_said_so() {
        let dir = temp("loose");
        std::fs::create_dir_all(dir.join("attachments")).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join("dangjian.db"), b"").unwrap();
        std::fs::set_permissions(
            dir.join("dangjian.db"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::fs::write(dir.join("attachments/a1"), b"x").unwrap();
        std::fs::set_permissions(
            dir.join("attachments/a1"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let notes = secure_data_dir(&settings(&dir)).unwrap();
        assert_eq!(mode_of(&dir).unwrap(), 0o700);
        assert_eq!(mode_of(&dir.join("dangjian.db")).unwrap(), 0o600);
        assert_eq!(mode_of(&dir.join("attachments/a1")).unwrap(), 0o600);
        assert!(notes.iter().any(|n| n.contains("755")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("1 个文件")), "{notes:?}");
        // Nothing to say the second time.
        assert!(secure_data_dir(&settings(&dir)).unwrap().is_empty());
    }

    #[test]
    fn a_new_database_file_is_private_from_the_start() {
        let dir = temp("new");
        std::fs::create_dir_all(&dir).unwrap();
        secure_data_dir(&settings(&dir)).unwrap();
        assert_eq!(mode_of(&dir.join("dangjian.db")).unwrap(), 0o600);
    }

    #[test]
    fn keys_and_seals_inside_the_data_directory_and_clear_text_outside_loopback_are_warned() {
        let dir = temp("warn");
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = settings(&dir);
        assert_eq!(
            placement_warnings(&s, &dir.join("dangjian.keys"), false).len(),
            1
        );
        assert!(placement_warnings(&s, Path::new("/etc/dangjian.keys"), false).is_empty());
        s.audit_seal_file = Some(dir.join("seals.jsonl"));
        s.listen = "0.0.0.0:8080".parse().unwrap();
        let warnings = placement_warnings(&s, Path::new("/etc/dangjian.keys"), false);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[1].contains("明文"));
        assert_eq!(
            placement_warnings(&s, Path::new("/etc/dangjian.keys"), true).len(),
            1
        );
    }
}
