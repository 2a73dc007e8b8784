//! Key material for the software crypto provider. Keys live in a file beside the data (never
//! in the database or its backups, never in the repository), readable by the service account
//! only. The file is made on first start of an empty database; once there is protected data, a
//! missing key file stops the program rather than silently making new keys that could not
//! open it.

use std::path::Path;

use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use crate::crypto::{FieldKey, SoftProvider};

/// Why the keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("找不到密钥文件 {0}，而数据库中已有加密数据；请恢复原密钥文件")]
    Missing(String),
    #[error("无法读写密钥文件 {0}：{1}")]
    Io(String, String),
    #[error("密钥文件 {0} 格式无效：{1}")]
    Format(String, String),
    #[error("密钥文件 {0} 的权限过宽（{1:o}），应只允许服务账号读写（chmod 600）")]
    Permissions(String, u32),
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    index: IndexKey,
    field: Vec<FieldKeyEntry>,
}

#[derive(Serialize, Deserialize)]
struct IndexKey {
    key: String,
}

#[derive(Serialize, Deserialize)]
struct FieldKeyEntry {
    version: u8,
    key: String,
}

const HEADER: &str = "# dangjian 密钥文件：字段加密（SM4）与检索摘要（HMAC-SM3）的密钥。\n\
# 请与数据库分开保管和备份，只允许服务账号读写（chmod 600）。丢失后加密的身份证号和电话无法恢复。\n";

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A provider with fresh random keys, held only in memory (tests).
pub fn ephemeral() -> SoftProvider {
    SoftProvider::new(
        FieldKey {
            version: 1,
            key: random(),
        },
        Vec::new(),
        random(),
    )
}

/// Loads the key file at `path`, creating it when it does not exist and `may_create` holds
/// (an empty database).
pub fn load_or_create(path: &Path, may_create: bool) -> Result<SoftProvider, KeyError> {
    let shown = path.display().to_string();
    if !path.exists() {
        if !may_create {
            return Err(KeyError::Missing(shown));
        }
        let file = KeyFile {
            index: IndexKey {
                key: hex::encode(random::<32>()),
            },
            field: vec![FieldKeyEntry {
                version: 1,
                key: hex::encode(random::<16>()),
            }],
        };
        let text =
            toml::to_string(&file).map_err(|e| KeyError::Format(shown.clone(), e.to_string()))?;
        write_private(path, &format!("{HEADER}{text}"))
            .map_err(|e| KeyError::Io(shown.clone(), e.to_string()))?;
    }
    check_permissions(path)?;
    let text =
        std::fs::read_to_string(path).map_err(|e| KeyError::Io(shown.clone(), e.to_string()))?;
    let file: KeyFile =
        toml::from_str(&text).map_err(|e| KeyError::Format(shown.clone(), e.to_string()))?;
    let bytes = |hex_text: &str, len: usize| -> Result<Vec<u8>, KeyError> {
        hex::decode(hex_text)
            .ok()
            .filter(|b| b.len() == len)
            .ok_or_else(|| {
                KeyError::Format(shown.clone(), format!("密钥应为 {len} 字节的十六进制"))
            })
    };
    let index: [u8; 32] = bytes(&file.index.key, 32)?
        .try_into()
        .map_err(|_| KeyError::Format(shown.clone(), "index".into()))?;
    let mut fields = Vec::new();
    for entry in &file.field {
        let key: [u8; 16] = bytes(&entry.key, 16)?
            .try_into()
            .map_err(|_| KeyError::Format(shown.clone(), "field".into()))?;
        fields.push(FieldKey {
            version: entry.version,
            key,
        });
    }
    fields.sort_by_key(|k| k.version);
    let current = fields
        .pop()
        .ok_or_else(|| KeyError::Format(shown, "没有字段密钥".to_owned()))?;
    Ok(SoftProvider::new(current, fields, index))
}

/// Adds a new field key to the key file and makes it the one that seals; the older keys
/// stay, so what they sealed (in the database and its backups) still opens. Returns the new
/// version. The file is replaced atomically: a crash leaves the old file or the new one.
pub fn add_field_key(path: &Path) -> Result<u8, KeyError> {
    let shown = path.display().to_string();
    check_permissions(path)?;
    let text =
        std::fs::read_to_string(path).map_err(|e| KeyError::Io(shown.clone(), e.to_string()))?;
    let mut file: KeyFile =
        toml::from_str(&text).map_err(|e| KeyError::Format(shown.clone(), e.to_string()))?;
    let newest = file.field.iter().map(|k| k.version).max().unwrap_or(0);
    let version = newest
        .checked_add(1)
        .ok_or_else(|| KeyError::Format(shown.clone(), "字段密钥版本已用尽".to_owned()))?;
    file.field.push(FieldKeyEntry {
        version,
        key: hex::encode(random::<16>()),
    });
    let text =
        toml::to_string(&file).map_err(|e| KeyError::Format(shown.clone(), e.to_string()))?;
    let staged = path.with_extension("keys.new");
    let _ = std::fs::remove_file(&staged);
    write_private(&staged, &format!("{HEADER}{text}"))
        .map_err(|e| KeyError::Io(shown.clone(), e.to_string()))?;
    std::fs::rename(&staged, path).map_err(|e| KeyError::Io(shown, e.to_string()))?;
    Ok(version)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| KeyError::Io(path.display().to_string(), e.to_string()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions(
            path.display().to_string(),
            mode & 0o777,
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path) -> Result<(), KeyError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::CryptoProvider;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("dangjian-keys-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("dangjian.keys")
    }

    #[test]
    fn a_new_key_file_is_private_and_reloads_to_the_same_keys() {
        let path = temp("new");
        let first = load_or_create(&path, true).unwrap();
        let sealed = first.seal("secret", "ctx");
        let again = load_or_create(&path, false).unwrap();
        assert_eq!(again.open(&sealed, "ctx").unwrap(), "secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn a_new_field_key_seals_and_the_old_ones_still_open() {
        let path = temp("rotate");
        let first = load_or_create(&path, true).unwrap();
        let old = first.seal("secret", "ctx");
        assert_eq!(add_field_key(&path).unwrap(), 2);
        let rotated = load_or_create(&path, false).unwrap();
        assert!(rotated.needs_rekey(&old));
        assert_eq!(rotated.open(&old, "ctx").unwrap(), "secret");
        let new = rotated.seal("secret", "ctx");
        assert!(new.starts_with("v2.") && !rotated.needs_rekey(&new));
        // The blind index and the audit chain keep their key.
        assert_eq!(
            first.blind_index("id_number", "X"),
            rotated.blind_index("id_number", "X")
        );
        assert_eq!(first.audit_mac("", "r"), rotated.audit_mac("", "r"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn a_missing_key_file_is_not_recreated_over_existing_data() {
        assert!(matches!(
            load_or_create(&temp("missing"), false),
            Err(KeyError::Missing(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("open");
        load_or_create(&path, true).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            load_or_create(&path, false),
            Err(KeyError::Permissions(..))
        ));
    }
}
