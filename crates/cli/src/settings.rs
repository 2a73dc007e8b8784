//! Settings: defaults, then `dangjian.toml`, then `DANGJIAN_*` environment variables, then
//! command-line flags. A bad value stops the program with one clear line.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory for the SQLite database and the attachments of records.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite database.
    pub database_url: Option<String>,
    /// The field-encryption key file (default `<data_dir>/dangjian.keys`); keep it apart from
    /// the database and its backups.
    pub key_file: Option<PathBuf>,
    /// Mark cookies Secure (set when users reach the server over HTTPS).
    pub secure_cookies: bool,
    /// Serve HTTPS directly with this PEM certificate chain (and `tls_key`), for deployments
    /// without a front proxy. Cookies are then always Secure.
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// The bureau's own rules (TOML), laid key by key over the regulations' defaults
    /// (`rules/rules-defaults.toml`): local frequencies, the fixed 主题党日 day, …
    pub rules_file: Option<PathBuf>,
    /// Where each seal of the audit chain is appended (one JSON line; outside the data
    /// directory, ideally where the log platform collects it). When set, the server seals
    /// the chain once a day and every verification holds the log to the seals in it.
    pub audit_seal_file: Option<PathBuf>,
    /// Connections open at once; past this the server stops accepting until one closes.
    pub max_connections: usize,
    /// The largest file of a course chapter (a lecture's video), in MiB.
    pub media_max_mb: u64,
    /// Log filter, e.g. `info` or `dangjian=debug`.
    pub log: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            key_file: None,
            secure_cookies: false,
            tls_cert: None,
            tls_key: None,
            rules_file: None,
            audit_seal_file: None,
            max_connections: 1024,
            media_max_mb: 500,
            log: "info".to_owned(),
        }
    }
}

/// The password in a database URL never reaches a log line.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("secure_cookies", &self.secure_cookies)
            .field("tls_cert", &self.tls_cert)
            .field("rules_file", &self.rules_file)
            .field("audit_seal_file", &self.audit_seal_file)
            .field("max_connections", &self.max_connections)
            .field("media_max_mb", &self.media_max_mb)
            .field("log", &self.log)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Flags that override the file and the environment.
#[derive(Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

impl Settings {
    /// Where the field keys are kept.
    pub fn key_file(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("dangjian.keys"))
    }

    /// Loads settings from `config` (or `./dangjian.toml` when it exists), the environment
    /// and the flags.
    pub fn load(config: Option<&Path>, overrides: Overrides) -> Result<Settings, String> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config {
            Some(path) if !path.exists() => {
                return Err(format!("找不到配置文件 {}", path.display()));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            // The default file is optional: absent, it is skipped.
            None => figment = figment.merge(Toml::file("dangjian.toml")),
        }
        figment
            .merge(Env::prefixed("DANGJIAN_").only(&[
                "listen",
                "data_dir",
                "database_url",
                "key_file",
                "secure_cookies",
                "tls_cert",
                "tls_key",
                "rules_file",
                "audit_seal_file",
                "media_max_mb",
                "max_connections",
                "log",
            ]))
            .merge(Serialized::defaults(overrides))
            .extract::<Settings>()
            .map_err(|e| format!("配置无效：{e}"))
            .and_then(|settings| match (&settings.tls_cert, &settings.tls_key) {
                (Some(_), None) | (None, Some(_)) => {
                    Err("配置无效：tls_cert 与 tls_key 须同时设置".to_owned())
                }
                _ => Ok(settings),
            })
    }
}
