//! The service layer's one error type. The web edge maps each variant to a status, a stable
//! machine code and a Chinese message; internal causes are logged, never shown.

use dangjian_core::field::FieldErrors;
use dangjian_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such object, or one outside the actor's scope: the two are indistinguishable.
    #[error("not found")]
    NotFound,
    /// The actor's role does not include this function.
    #[error("forbidden")]
    Forbidden,
    /// No valid session or token.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Wrong login or password (which of the two is never said).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The account is locked after repeated failed logins, until the given instant (or the
    /// security administrator unlocks it).
    #[error("account locked")]
    Locked {
        until: chrono::DateTime<chrono::Utc>,
    },
    /// Too many failed logins from one address: refused without looking at the password.
    #[error("too many attempts")]
    Throttled,
    /// Too much heavy work at once (imports, exports, whole-scope reports): try again soon.
    /// The message says what is running.
    #[error("busy: {0}")]
    Busy(&'static str),
    /// The role must log in with a second factor and the account has none yet.
    #[error("second factor enrolment required")]
    SecondFactorRequired,
    /// A sensitive action: the holder of the session must give their password again first.
    #[error("re-authentication required")]
    ReauthRequired,
    /// The account must change its password before doing anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Input refused, with a message per field.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Input that collides with existing data (a duplicate code, ID number, 警号 …).
    #[error("conflict: {0}")]
    Conflict(FieldErrors),
    /// The database cannot be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            ServiceError::Unavailable(error.to_string())
        } else {
            ServiceError::Internal(error.to_string())
        }
    }
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(FieldErrors::single(field, message))
    }

    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Conflict(FieldErrors::single(field, message))
    }
}

/// Maps a unique-constraint violation to a field message. `columns` lists, per stored column
/// (`table.column`), the form field and the Chinese message; any other error passes through.
pub(crate) fn duplicate_to_field(
    error: StoreError,
    columns: &[(&str, &'static str, &'static str)],
) -> ServiceError {
    if let StoreError::Duplicate(column) = &error
        && let Some((_, field, message)) = columns.iter().find(|(c, _, _)| c == column)
    {
        return ServiceError::conflict(field, *message);
    }
    error.into()
}
