//! The use cases of dangjian. This crate is the only door to the data: the HTML pages, the
//! JSON API and the command line all call it, so permission and data scope are checked in one
//! place. Every call takes the acting identity, checks the role's permission and the data
//! scope, runs in one transaction, and writes its audit record in that same transaction.

pub mod accounts;
pub mod assess;
mod attachments;
pub mod audit;
pub mod auth;
pub mod blobs;
mod bootstrap;
mod cache;
pub mod care;
pub mod conduct;
pub mod coverage;
pub mod crypto;
pub mod dashboard;
pub mod demo;
mod docx;
pub mod dues;
pub mod duty;
mod error;
pub mod excel;
pub mod funds;
pub mod groups;
pub mod import;
pub mod inflow;
pub mod keys;
pub mod lifecycle;
mod limits;
pub mod members;
pub mod orglife;
pub mod orgs;
pub mod plans;
pub mod recruitment;
pub mod rectification;
mod rekey;
mod scope;
mod second_factor;
mod secret;
mod security;
pub mod statistics;
pub mod study;
pub mod terms;
pub mod totp;
pub mod units;
pub mod verifier;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::clock::Clock;
use dangjian_core::role::Scope;
use dangjian_core::rules::{RuleBook, Rules};
use dangjian_store::Db;

pub use attachments::{Attachment, Upload};
pub use auth::{Actor, Channel, LoginOutcome, Origin};
pub use bootstrap::InitialAdmin;
pub use crypto::CryptoProvider;
pub use dangjian_core::policy::SecurityPolicy;
pub use dangjian_store::Page;
pub use dangjian_store::accounts::TokenRow;
pub use dangjian_store::audit::{AuditFilter, AuditRow};
pub use error::{ServiceError, ServiceResult};
pub use rekey::RekeyReport;
pub use second_factor::{Enrolled, Enrolment, SecondFactorStatus};

/// Runs CPU-bound work (building an export file, parsing a workbook) on the blocking pool, so
/// that a large file never stalls the threads that answer everyone else's requests.
pub(crate) async fn off_workers<T: Send + 'static>(
    work: impl FnOnce() -> ServiceResult<T> + Send + 'static,
) -> ServiceResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
}

/// A fresh random token for a browser that has no session yet (the login form's CSRF cookie).
pub fn new_csrf_token() -> String {
    secret::random_token()
}

/// Compares two secrets (CSRF tokens) in constant time.
pub fn tokens_match(a: &str, b: &str) -> bool {
    secret::same(a, b)
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that tests set and advance, so timeouts are tested without sleeping.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(std::sync::Mutex::new(start))
    }

    pub fn advance(&self, by: chrono::TimeDelta) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        match self.0.lock() {
            Ok(now) => *now,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

/// Everything a use case needs: the database, the clock, the policies, the crypto module and
/// the regulations' numbers.
#[derive(Clone)]
pub struct Services {
    db: Db,
    clock: Arc<dyn Clock>,
    /// The authentication policy as last read from the database (see `refresh_policy`).
    policy: Arc<std::sync::RwLock<SecurityPolicy>>,
    throttle: Arc<auth::Throttle>,
    crypto: Arc<dyn CryptoProvider>,
    /// The rules this process was started with: the compiled-in file and a bureau's
    /// overrides as their own dated layer.
    rules: Arc<RuleBook>,
    /// Where attachments are kept (under the data directory); none: uploads are refused.
    attachment_dir: Option<Arc<std::path::PathBuf>>,
    /// The largest course file accepted, in bytes (the deployment's setting).
    media_limit: u64,
    /// Every version of the rules by the day each took effect, as recorded (see
    /// `apply_rule_versions`); none loaded yet: the rules started with.
    rule_book: Arc<std::sync::RwLock<Option<Arc<RuleBook>>>>,
    /// Whole-scope reports, kept until the data changes.
    reports: Arc<Reports>,
    /// Sessions resolved recently, kept until anything is written.
    sessions: Arc<auth::SessionCache>,
    /// Anonymous refusals counted in the current window, written once each.
    denials: Arc<audit::DenialTally>,
    /// Where seals of the audit chain are appended (outside the data directory), if set.
    seal_file: Option<Arc<std::path::PathBuf>>,
    /// How many heavy requests (imports, exports, whole-scope reports) run at once.
    limits: Arc<limits::Limits>,
    /// The search index of the study materials (none: it could not be made).
    search: Option<Arc<study::SearchIndex>>,
}

/// The cached reports, by scope and parameters, and by today where the day changes them
/// (terms fall due, periods close).
#[derive(Default)]
struct Reports {
    overview: cache::ReportCache<(Scope, NaiveDate), dashboard::Overview>,
    coverage: cache::ReportCache<(Scope, NaiveDate, Option<String>), coverage::CoverageReport>,
    compliance: cache::ReportCache<(Scope, NaiveDate, i32), Vec<orglife::OverviewRow>>,
    /// How many members match a roster filter (without a name: those are not repeated).
    roster_counts: cache::ReportCache<(Scope, dangjian_store::members::MemberFilter), i64>,
}

/// Where the data lives.
#[derive(Debug, Clone, Copy)]
pub enum Database<'a> {
    /// The embedded SQLite file (created on first use).
    Sqlite(&'a std::path::Path),
    /// `sqlite:…` or `postgres://…`.
    Url(&'a str),
}

/// Why the database could not be opened; one Chinese line each.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("无法连接数据库：{0}")]
    Connect(String),
    #[error("数据库迁移失败：{0}")]
    Migrate(String),
    #[error("{0}")]
    Check(String),
}

impl Services {
    /// Services over `db` applying `rules` (the compiled-in file, with a bureau's overrides:
    /// `RuleBook::load`). The authentication policy starts at its defaults and is read from the
    /// database by `open`, at every login and on every change.
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        crypto: Arc<dyn CryptoProvider>,
        rules: RuleBook,
    ) -> Self {
        Self {
            db,
            clock,
            policy: Arc::default(),
            throttle: Arc::default(),
            crypto,
            rules: Arc::new(rules),
            attachment_dir: None,
            media_limit: blobs::DEFAULT_MEDIA_LIMIT,
            rule_book: Arc::default(),
            reports: Arc::default(),
            sessions: Arc::default(),
            denials: Arc::default(),
            seal_file: None,
            limits: Arc::default(),
            search: study::SearchIndex::in_memory().ok().map(Arc::new),
        }
    }

    /// The same services appending each seal of the audit chain to `path` and holding the
    /// chain to every seal in it when verifying.
    pub fn with_seal_file(mut self, path: std::path::PathBuf) -> Self {
        self.seal_file = Some(Arc::new(path));
        self
    }

    /// The same services accepting course files of up to `bytes`.
    pub fn with_media_limit(mut self, bytes: u64) -> Self {
        self.media_limit = bytes;
        self
    }

    /// The same services keeping the search index in `dir` (rebuilt from the database by
    /// `refresh_search_index` when it is missing or behind).
    pub fn with_search_dir(mut self, dir: &std::path::Path) -> Result<Self, String> {
        self.search = Some(Arc::new(study::SearchIndex::open(dir)?));
        Ok(self)
    }

    /// The same services keeping attachments in `dir` (created when first needed).
    pub fn with_attachment_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.attachment_dir = Some(Arc::new(dir));
        self
    }

    /// The same services applying a bureau's rules (until `apply_rule_versions` records
    /// them beside the versions before).
    pub fn with_rules(mut self, rules: RuleBook) -> Self {
        self.rules = Arc::new(rules);
        self.rule_book = Arc::default();
        self
    }

    pub fn crypto(&self) -> &dyn CryptoProvider {
        self.crypto.as_ref()
    }

    /// The rules in force today, for today's judgements (coverage, escalation, the forms).
    pub fn rules(&self) -> &Rules {
        self.rules.on(self.clock.today())
    }

    /// Every version of the rules by the day it took effect: a judgement about a past day
    /// reads the version of that day.
    pub fn rule_book(&self) -> Arc<RuleBook> {
        self.rule_book
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| self.rules.clone())
    }

    /// Opens the database, applies pending migrations, refuses an SQLite database whose
    /// durability settings did not take (WAL, synchronous=FULL, foreign keys), and loads the
    /// field keys from `key_file` (made on first start, while nothing is encrypted yet).
    pub async fn open(
        database: Database<'_>,
        key_file: &std::path::Path,
        clock: Arc<dyn Clock>,
        rules: RuleBook,
    ) -> Result<Services, OpenError> {
        let db = match database {
            Database::Sqlite(path) => Db::open_sqlite(path).await,
            Database::Url(url) => Db::connect(url).await,
        }
        .map_err(|e| OpenError::Connect(e.to_string()))?;
        db.migrate()
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        for (name, wanted) in [
            ("journal_mode", "wal"),
            ("synchronous", "2"),
            ("foreign_keys", "1"),
        ] {
            let value = db
                .sqlite_pragma(name)
                .await
                .map_err(|e| OpenError::Check(e.to_string()))?;
            if let Some(value) = value.filter(|v| v.to_lowercase() != wanted) {
                return Err(OpenError::Check(format!(
                    "SQLite 设置 {name} 为 {value}，应为 {wanted}"
                )));
            }
        }
        let empty = {
            let mut tx = db
                .read()
                .await
                .map_err(|e| OpenError::Check(e.to_string()))?;
            dangjian_store::bulk::is_empty(&mut tx)
                .await
                .map_err(|e| OpenError::Check(e.to_string()))?
        };
        let crypto =
            keys::load_or_create(key_file, empty).map_err(|e| OpenError::Check(e.to_string()))?;
        let services = Services::new(db, clock, Arc::new(crypto), rules);
        services
            .refresh_policy()
            .await
            .map_err(|e| OpenError::Check(e.to_string()))?;
        Ok(services)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    fn policy_slot(&self) -> &std::sync::RwLock<SecurityPolicy> {
        &self.policy
    }

    /// The authentication policy in force (as last read).
    pub fn policy(&self) -> SecurityPolicy {
        *self
            .policy
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a place for a heavy request of `actor` (see `limits`), or answers that it must
    /// wait; the place is held until the permit is dropped.
    pub(crate) fn heavy(
        &self,
        kind: limits::Heavy,
        actor: &Actor,
    ) -> ServiceResult<limits::Permit> {
        self.limits.take(kind, actor.account_id)
    }

    /// Creates the three administrator accounts on an empty database and returns their
    /// one-time passwords, to be printed once; `None` when accounts already exist.
    pub async fn bootstrap(&self) -> ServiceResult<Option<Vec<InitialAdmin>>> {
        bootstrap::ensure_initial_admins(self).await
    }
}
