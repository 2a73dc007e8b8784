//! The store's one error type.

/// What can go wrong below the service layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused a write; the value names the column as `table.column`.
    #[error("duplicate value for {0}")]
    Duplicate(String),
    /// A value read back from the database does not parse: the data was changed outside the
    /// application, or a migration is missing.
    #[error("corrupt value in {column}: {value:?}")]
    Corrupt { column: &'static str, value: String },
    /// The database refused or failed the operation.
    #[error(transparent)]
    Database(sqlx::Error),
    #[error("{0}")]
    Config(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    /// Unique violations become [`StoreError::Duplicate`] with the column, on both engines:
    /// SQLite names it in the message ("UNIQUE constraint failed: members.id_number"), while
    /// PostgreSQL names the index, which the migrations call `uq__table__column`.
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            let column = db
                .constraint()
                .and_then(|name| name.strip_prefix("uq__"))
                .map(|rest| rest.replacen("__", ".", 1))
                .or_else(|| {
                    db.message()
                        .strip_prefix("UNIQUE constraint failed: ")
                        .map(|cols| cols.split(',').next().unwrap_or(cols).trim().to_owned())
                })
                .unwrap_or_else(|| "unknown".to_owned());
            return StoreError::Duplicate(column);
        }
        StoreError::Database(error)
    }
}

impl StoreError {
    /// Whether the database itself is unreachable or failing (as opposed to bad data).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::Protocol(_)
            )
        )
    }
}
