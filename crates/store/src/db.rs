//! The connection pool and transactions, for either engine.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

use crate::error::{StoreError, StoreResult};

/// A transaction; every service call runs in exactly one. Dropping it without `commit`
/// rolls back, so an error anywhere in a use case leaves nothing half-written.
pub struct Tx(sqlx::Transaction<'static, sqlx::Any>, Writes);

/// What committing a transaction counts as.
enum Writes {
    Nothing,
    Accounts(Arc<Counters>),
    Data(Arc<Counters>),
}

/// The writes this process has committed, for the caches that must not outlive them.
#[derive(Debug, Default)]
struct Counters {
    /// Writes that may have changed business data.
    data: AtomicU64,
    /// Every write, of accounts and sessions too.
    all: AtomicU64,
}

impl Tx {
    /// Commits, then counts the write (after the commit, so that a value read meanwhile is not
    /// kept as current).
    pub async fn commit(self) -> StoreResult<()> {
        self.0.commit().await?;
        match self.1 {
            Writes::Nothing => {}
            Writes::Accounts(counters) => {
                counters.all.fetch_add(1, Ordering::Release);
            }
            Writes::Data(counters) => {
                counters.data.fetch_add(1, Ordering::Release);
                counters.all.fetch_add(1, Ordering::Release);
            }
        }
        Ok(())
    }

    /// Serialises changes of the org tree and the roster. On SQLite every write transaction
    /// already holds the database's single write lock (`BEGIN IMMEDIATE`); on PostgreSQL,
    /// where writers run side by side under read committed, this takes a transaction-scoped
    /// advisory lock, so a move's cycle check or an interval's "current value" cannot be
    /// invalidated by a concurrent change before it commits.
    pub async fn lock_structure(&mut self) -> StoreResult<()> {
        if self.0.backend_name() == "PostgreSQL" {
            // The outer select returns an integer: the Any driver has no type for `void`.
            sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(7291)) AS l")
                .execute(&mut *self.0)
                .await?;
        }
        Ok(())
    }

    /// Serialises changes of money: dues charges and payments, budget lines and what is spent
    /// from them. Each such change reads what is owed or what remains and writes against it;
    /// on PostgreSQL (read committed) two of them side by side would both see the old figure
    /// — one month paid twice, a line overrun. SQLite's single writer already serialises them.
    pub async fn lock_ledger(&mut self) -> StoreResult<()> {
        if self.0.backend_name() == "PostgreSQL" {
            sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(7293)) AS l")
                .execute(&mut *self.0)
                .await?;
        }
        Ok(())
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}
/// A connection, as repository functions take it (a transaction dereferences to one).
pub type Conn = sqlx::AnyConnection;

/// Which engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite settings on every connection: WAL with full sync, because fund and discipline
/// records must survive a power cut (SECURITY-CHECKLIST REL-01); foreign keys enforced;
/// freed pages zeroed (secure_delete, RES-02); no functions from the schema (trusted_schema).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON; \
     PRAGMA trusted_schema = OFF;";

/// The database handle shared by the whole application.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Committed writes (see [`Db::generation`] and [`Db::writes`]).
    counters: Arc<Counters>,
}

impl Db {
    /// Opens (creating if needed) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> StoreResult<Db> {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Self::connect(&url).await
    }

    /// Connects to `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(
                "数据库地址应以 sqlite: 或 postgres:// 开头".to_owned(),
            ));
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| StoreError::Config(format!("数据库地址无效：{e}")))?;
        // One direct connection first: the pool would retry until its timeout and then report
        // only that it timed out, hiding the cause (refused, bad password, unknown database).
        let probe = tokio::time::timeout(
            Duration::from_secs(10),
            sqlx::AnyConnection::connect_with(&options),
        )
        .await
        .map_err(|_| StoreError::Config("连接数据库超时（10 秒）".to_owned()))??;
        probe.close().await?;
        let mut pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            pool = pool.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(SQLITE_PRAGMAS).await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(options).await?;
        Ok(Db {
            pool,
            backend,
            counters: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction for reading: a consistent snapshot, no write lock.
    pub async fn read(&self) -> StoreResult<Tx> {
        Ok(Tx(self.pool.begin().await?, Writes::Nothing))
    }

    /// A pooled connection outside any transaction, for reads that need no common snapshot:
    /// each statement is atomic on its own, and a `BEGIN` and `COMMIT` around them would
    /// double the round trips of a short read.
    pub async fn connection(&self) -> StoreResult<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// A transaction for writing. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so two writers queue on the busy timeout instead of one failing when it
    /// upgrades a read lock.
    pub async fn write(&self) -> StoreResult<Tx> {
        Ok(Tx(
            self.begin_write().await?,
            Writes::Data(self.counters.clone()),
        ))
    }

    /// A write transaction that changes only accounts, sessions and the audit log: none of
    /// these feed a cached report, so committing it leaves the data generation alone. Every
    /// signed-in page view may record the session's activity; were that a change of data, no
    /// report would stay cached for long.
    pub async fn write_accounts(&self) -> StoreResult<Tx> {
        Ok(Tx(
            self.begin_write().await?,
            Writes::Accounts(self.counters.clone()),
        ))
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// How many writes of business data this process has committed. Reports computed from a
    /// whole scope are cached against it; writes by another process (a command run while the
    /// server serves) are not counted, which the cache bounds by age.
    pub fn generation(&self) -> u64 {
        self.counters.data.load(Ordering::Acquire)
    }

    /// How many writes of any kind this process has committed: resolved sessions are kept
    /// only while no account, session, role or org has changed since.
    pub fn writes(&self) -> u64 {
        self.counters.all.load(Ordering::Acquire)
    }

    /// Applies the migrations that have not yet run.
    pub async fn migrate(&self) -> StoreResult<()> {
        crate::migrate::run(self).await
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Reads back a PRAGMA (SQLite only), for the start-up check that the settings took.
    pub async fn sqlite_pragma(&self, name: &'static str) -> StoreResult<Option<String>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let sql = match name {
            "journal_mode" => "PRAGMA journal_mode",
            "synchronous" => "PRAGMA synchronous",
            "foreign_keys" => "PRAGMA foreign_keys",
            _ => return Ok(None),
        };
        let row = sqlx::query(sql).fetch_one(&self.pool).await?;
        use sqlx::Row;
        let text: Result<String, _> = row.try_get(0);
        Ok(Some(match text {
            Ok(t) => t,
            Err(_) => row.try_get::<i64, _>(0)?.to_string(),
        }))
    }

    /// Vacuums and analyses after a bulk load (PostgreSQL): until autovacuum comes round, a
    /// freshly loaded table is planned as if empty and its visibility map is unset, so the
    /// compliance engine's index-only range scans read the heap after all (1.4 s instead of
    /// 0.8 s for a province's year).
    pub async fn analyze(&self) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("VACUUM (ANALYZE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
