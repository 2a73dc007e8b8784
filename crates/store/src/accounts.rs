//! Accounts, their sessions and their API tokens. Secrets never reach this table in clear:
//! passwords as argon2id hashes, session ids and tokens as SM3 digests.

use chrono::{DateTime, Utc};
use dangjian_core::role::Role;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{RowExt, timestamp_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub member_id: Option<i64>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub password_changed_at: DateTime<Utc>,
    pub disabled: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Failed logins since the last success or lock.
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    /// The sealed TOTP secret (pending until `totp_enabled_at`).
    pub totp_secret: Option<String>,
    pub totp_algorithm: String,
    pub totp_enabled_at: Option<DateTime<Utc>>,
    pub totp_last_step: Option<i64>,
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT a.id, a.login, a.display_name, a.role, a.org_id, o.name AS org_name, a.member_id, ",
            "a.password_hash, a.must_change_password, a.password_changed_at, a.disabled, a.last_login_at, ",
            "a.failed_logins, a.locked_until, a.totp_secret, a.totp_algorithm, a.totp_enabled_at, a.totp_last_step ",
            "FROM accounts a LEFT JOIN orgs o ON o.id = a.org_id ",
            $tail
        )
    };
}

fn from_row(row: &AnyRow) -> StoreResult<AccountRow> {
    Ok(AccountRow {
        id: row.int("id")?,
        login: row.text("login")?,
        display_name: row.text("display_name")?,
        role: row.opt_code("role", Role::from_code)?,
        org_id: row.opt_int("org_id")?,
        org_name: row.opt_text("org_name")?,
        member_id: row.opt_int("member_id")?,
        password_hash: row.text("password_hash")?,
        must_change_password: row.flag("must_change_password")?,
        password_changed_at: row.timestamp("password_changed_at")?,
        disabled: row.flag("disabled")?,
        last_login_at: row.opt_timestamp("last_login_at")?,
        failed_logins: row.int("failed_logins")?,
        locked_until: row.opt_timestamp("locked_until")?,
        totp_secret: row.opt_text("totp_secret")?,
        totp_algorithm: row.text("totp_algorithm")?,
        totp_enabled_at: row.opt_timestamp("totp_enabled_at")?,
        totp_last_step: row.opt_int("totp_last_step")?,
    })
}

pub async fn count(conn: &mut Conn) -> StoreResult<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM accounts")
        .fetch_one(conn)
        .await?
        .int("n")
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<AccountRow>> {
    sqlx::query(select!("WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Looks an account up by its normalised login.
pub async fn by_login(conn: &mut Conn, login: &str) -> StoreResult<Option<AccountRow>> {
    sqlx::query(select!("WHERE a.login = $1"))
        .bind(login)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list(conn: &mut Conn) -> StoreResult<Vec<AccountRow>> {
    sqlx::query(select!("ORDER BY a.login"))
        .fetch_all(conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub struct NewAccount<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: Option<Role>,
    pub org_id: Option<i64>,
    pub member_id: Option<i64>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

pub async fn insert(
    conn: &mut Conn,
    account: &NewAccount<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let now = timestamp_text(now);
    let row = sqlx::query(
        "INSERT INTO accounts (login, display_name, role, org_id, member_id, password_hash, must_change_password, \
         password_changed_at, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $8) RETURNING id",
    )
    .bind(account.login)
    .bind(account.display_name)
    .bind(account.role.map(|r| r.code()))
    .bind(account.org_id)
    .bind(account.member_id)
    .bind(account.password_hash)
    .bind(i64::from(account.must_change_password))
    .bind(now)
    .fetch_one(conn)
    .await?;
    row.int("id")
}

pub async fn set_password(
    conn: &mut Conn,
    id: i64,
    hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = $2, password_changed_at = $3 WHERE id = $4")
        .bind(hash)
        .bind(i64::from(must_change))
        .bind(timestamp_text(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_role(
    conn: &mut Conn,
    id: i64,
    role: Option<Role>,
    org_id: Option<i64>,
    member_id: Option<i64>,
) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET role = $1, org_id = $2, member_id = $3 WHERE id = $4")
        .bind(role.map(|r| r.code()))
        .bind(org_id)
        .bind(member_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_disabled(conn: &mut Conn, id: i64, disabled: bool) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces an outdated verifier of the same password (the password's age stays), only if
/// it is still the one read: a concurrent password change wins.
pub async fn upgrade_verifier(conn: &mut Conn, id: i64, old: &str, new: &str) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
        .bind(new)
        .bind(id)
        .bind(old)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts a failed login; with `lock_until` the account is locked and the count starts over.
pub async fn record_failure(
    conn: &mut Conn,
    id: i64,
    lock_until: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let sql = if lock_until.is_some() {
        "UPDATE accounts SET failed_logins = 0, locked_until = $1 WHERE id = $2"
    } else {
        "UPDATE accounts SET failed_logins = failed_logins + 1, locked_until = $1 WHERE id = $2"
    };
    sqlx::query(sql)
        .bind(lock_until.map(timestamp_text))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Clears the failure count and any lock (a successful login, or the security administrator).
pub async fn clear_failures(conn: &mut Conn, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps a replaced password hash for the reuse check.
pub async fn push_history(
    conn: &mut Conn,
    id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO password_history (account_id, password_hash, replaced_at) VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(hash)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The last `n` replaced hashes of an account, newest first.
pub async fn recent_hashes(conn: &mut Conn, id: i64, n: i64) -> StoreResult<Vec<String>> {
    let rows = sqlx::query(
        "SELECT password_hash FROM password_history WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(id)
    .bind(n)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| r.text("password_hash")).collect()
}

/// The stored policy settings as `(name, value)`.
pub async fn policy(conn: &mut Conn) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT name, value FROM security_policy")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.text("name")?, r.int("value")?)))
        .collect()
}

/// Stores one policy setting.
pub async fn set_policy(
    conn: &mut Conn,
    name: &str,
    value: i64,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM security_policy WHERE name = $1")
        .bind(name)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO security_policy (name, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(name)
    .bind(value)
    .bind(timestamp_text(now))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn touch_login(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET last_login_at = $1 WHERE id = $2")
        .bind(timestamp_text(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub stage: SessionStage,
    pub reauth_at: Option<DateTime<Utc>>,
}

/// How far a session has come through login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Logged in.
    Full,
    /// The password was right; the second factor is still to come.
    SecondFactor,
}

impl SessionStage {
    fn code(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::SecondFactor => "second_factor",
        }
    }
}

/// A session to store: the digest of its id, never the id.
#[derive(Debug, Clone, Copy)]
pub struct NewSessionRow<'a> {
    pub id_hash: &'a str,
    pub account_id: i64,
    pub csrf_token: &'a str,
    pub stage: SessionStage,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert_session(
    conn: &mut Conn,
    session: NewSessionRow<'_>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let NewSessionRow {
        id_hash,
        account_id,
        csrf_token,
        stage,
        ip,
        user_agent,
    } = session;
    let now = timestamp_text(now);
    sqlx::query(
        "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, ip, user_agent, stage) \
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
    )
    .bind(id_hash)
    .bind(account_id)
    .bind(csrf_token)
    .bind(now)
    .bind(ip)
    .bind(user_agent)
    .bind(stage.code())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn session(conn: &mut Conn, id_hash: &str) -> StoreResult<Option<SessionRow>> {
    sqlx::query(
        "SELECT account_id, csrf_token, created_at, last_seen_at, stage, reauth_at FROM sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(conn)
    .await?
    .map(|row| {
        Ok(SessionRow {
            account_id: row.int("account_id")?,
            csrf_token: row.text("csrf_token")?,
            created_at: row.timestamp("created_at")?,
            last_seen_at: row.timestamp("last_seen_at")?,
            stage: if row.text("stage")? == SessionStage::Full.code() {
                SessionStage::Full
            } else {
                SessionStage::SecondFactor
            },
            reauth_at: row.opt_timestamp("reauth_at")?,
        })
    })
    .transpose()
}

/// Gives a session a new id and CSRF token, keeping everything else (its start, so the
/// absolute timeout still counts from the login): after a privilege change the old id is
/// worth nothing.
pub async fn rotate_session(
    conn: &mut Conn,
    old_hash: &str,
    new_hash: &str,
    new_csrf: &str,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE sessions SET id_hash = $1, csrf_token = $2 WHERE id_hash = $3")
        .bind(new_hash)
        .bind(new_csrf)
        .bind(old_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that the session's holder has just proven their password again.
pub async fn mark_reauthenticated(
    conn: &mut Conn,
    id_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET reauth_at = $1 WHERE id_hash = $2")
        .bind(timestamp_text(now))
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Starts (or restarts) enrolment: a new sealed secret, not yet in force.
pub async fn set_pending_totp(
    conn: &mut Conn,
    id: i64,
    sealed: &str,
    algorithm: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE accounts SET totp_secret = $1, totp_algorithm = $2, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $3",
    )
    .bind(sealed)
    .bind(algorithm)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts the pending secret in force, with the step of the confirming code used up.
pub async fn enable_totp(
    conn: &mut Conn,
    id: i64,
    step: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET totp_enabled_at = $1, totp_last_step = $2 WHERE id = $3")
        .bind(timestamp_text(now))
        .bind(step)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the step of an accepted code.
pub async fn use_totp_step(conn: &mut Conn, id: i64, step: i64) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET totp_last_step = $1 WHERE id = $2")
        .bind(step)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the second factor and the recovery codes (lost phone: the holder enrols again).
pub async fn clear_totp(conn: &mut Conn, id: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE accounts SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the recovery codes of an account.
pub async fn set_recovery_codes(conn: &mut Conn, id: i64, hashes: &[String]) -> StoreResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
            .bind(id)
            .bind(hash.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses up an unused recovery code; false when there is none with this hash.
pub async fn use_recovery_code(
    conn: &mut Conn,
    id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(timestamp_text(now))
    .bind(id)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Recovery codes left unused.
pub async fn unused_recovery_codes(conn: &mut Conn, id: i64) -> StoreResult<i64> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(id)
    .fetch_one(conn)
    .await?
    .int("n")
}

pub async fn touch_session(conn: &mut Conn, id_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(timestamp_text(now))
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a session: logout, expiry, or rotation. Sessions are not records; they are deleted
/// so that nothing of them is left to steal (等保 剩余信息保护).
pub async fn delete_session(conn: &mut Conn, id_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of an account (password change, disabling, role change).
pub async fn delete_sessions_of(conn: &mut Conn, account_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub account_id: i64,
    pub login: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The end its creator set; tokens from before expiry existed have none (the policy's
    /// age from creation still ends them).
    pub expires_at: Option<DateTime<Utc>>,
}

fn token_from_row(row: &AnyRow) -> StoreResult<TokenRow> {
    Ok(TokenRow {
        id: row.int("id")?,
        account_id: row.int("account_id")?,
        login: row.text("login")?,
        label: row.text("label")?,
        created_at: row.timestamp("created_at")?,
        last_used_at: row.opt_timestamp("last_used_at")?,
        revoked_at: row.opt_timestamp("revoked_at")?,
        expires_at: row.opt_timestamp("expires_at")?,
    })
}

pub async fn insert_token(
    conn: &mut Conn,
    account_id: i64,
    label: &str,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO api_tokens (account_id, label, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(label)
    .bind(token_hash)
    .bind(timestamp_text(now))
    .bind(timestamp_text(expires_at))
    .fetch_one(conn)
    .await?;
    row.int("id")
}

/// Revokes every live token of an account (a password reset, a lock, a disabled account);
/// returns how many.
pub async fn revoke_tokens_of(
    conn: &mut Conn,
    account_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
    )
    .bind(timestamp_text(now))
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The token with this hash, unless revoked (the caller checks its expiry against the policy).
pub async fn live_token(conn: &mut Conn, token_hash: &str) -> StoreResult<Option<TokenRow>> {
    sqlx::query(
        "SELECT t.id, t.account_id, a.login, t.label, t.created_at, t.last_used_at, t.revoked_at, t.expires_at \
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(token_from_row)
    .transpose()
}

pub async fn tokens(conn: &mut Conn) -> StoreResult<Vec<TokenRow>> {
    sqlx::query(
        "SELECT t.id, t.account_id, a.login, t.label, t.created_at, t.last_used_at, t.revoked_at, t.expires_at \
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id ORDER BY t.id",
    )
    .fetch_all(conn)
    .await?
    .iter()
    .map(token_from_row)
    .collect()
}

pub async fn touch_token(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(timestamp_text(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes a token; returns whether a live token was revoked.
pub async fn revoke_token(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(timestamp_text(now))
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Every account's sealed TOTP secret (key rotation).
pub async fn sealed_totp(conn: &mut Conn) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT id, totp_secret FROM accounts WHERE totp_secret IS NOT NULL")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.int("id")?, r.text("totp_secret")?)))
        .collect()
}

/// Replaces a sealed TOTP secret with the same secret sealed under a newer key.
pub async fn reseal_totp(conn: &mut Conn, id: i64, sealed: &str) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET totp_secret = $1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A request to set an account's password, awaiting the security administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordGrantRow {
    pub id: i64,
    pub account_id: i64,
    pub login: String,
    pub display_name: String,
    /// `initial` (a new account) or `reset`.
    pub kind: String,
    pub requested_by: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub first_half_ct: Option<String>,
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    pub state: String,
}

const GRANT_SELECT: &str = "SELECT g.id, g.account_id, a.login, a.display_name, g.kind, r.login AS requested_by, \
     g.requested_at, g.first_half_ct, g.state FROM password_grants g JOIN accounts a ON a.id = g.account_id \
     LEFT JOIN accounts r ON r.id = g.requested_by";

fn grant_from_row(row: &AnyRow) -> StoreResult<PasswordGrantRow> {
    Ok(PasswordGrantRow {
        id: row.int("id")?,
        account_id: row.int("account_id")?,
        login: row.text("login")?,
        display_name: row.text("display_name")?,
        kind: row.text("kind")?,
        requested_by: row.opt_text("requested_by")?,
        requested_at: row.timestamp("requested_at")?,
        first_half_ct: row.opt_text("first_half_ct")?,
        state: row.text("state")?,
    })
}

/// Records a request; any earlier pending request of the account is withdrawn (the newer
/// half is the one handed over).
pub async fn insert_password_grant(
    conn: &mut Conn,
    account_id: i64,
    kind: &str,
    requested_by: Option<i64>,
    first_half_ct: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "UPDATE password_grants SET state = 'withdrawn', first_half_ct = NULL, decided_at = $1 \
         WHERE account_id = $2 AND state = 'pending'",
    )
    .bind(timestamp_text(now))
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "INSERT INTO password_grants (account_id, kind, requested_by, requested_at, first_half_ct, state) \
         VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING id",
    )
    .bind(account_id)
    .bind(kind)
    .bind(requested_by)
    .bind(timestamp_text(now))
    .bind(first_half_ct)
    .fetch_one(conn)
    .await?;
    row.int("id")
}

pub async fn password_grant(conn: &mut Conn, id: i64) -> StoreResult<Option<PasswordGrantRow>> {
    sqlx::query(&format!("{GRANT_SELECT} WHERE g.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(grant_from_row)
        .transpose()
}

/// Pending requests, oldest first.
pub async fn pending_password_grants(conn: &mut Conn) -> StoreResult<Vec<PasswordGrantRow>> {
    sqlx::query(&format!(
        "{GRANT_SELECT} WHERE g.state = 'pending' ORDER BY g.id"
    ))
    .fetch_all(conn)
    .await?
    .iter()
    .map(grant_from_row)
    .collect()
}

/// Decides a pending request; returns false when it was no longer pending (decided by
/// someone else meanwhile).
pub async fn decide_password_grant(
    conn: &mut Conn,
    id: i64,
    state: &str,
    decided_by: Option<i64>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE password_grants SET state = $1, decided_by = $2, decided_at = $3, first_half_ct = NULL \
         WHERE id = $4 AND state = 'pending'",
    )
    .bind(state)
    .bind(decided_by)
    .bind(timestamp_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Every sealed first half still pending, with its grant and account (key rotation).
pub async fn sealed_grant_halves(conn: &mut Conn) -> StoreResult<Vec<(i64, i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, account_id, first_half_ct FROM password_grants WHERE first_half_ct IS NOT NULL",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.int("id")?, r.int("account_id")?, r.text("first_half_ct")?)))
        .collect()
}

pub async fn reseal_grant_half(conn: &mut Conn, id: i64, sealed: &str) -> StoreResult<()> {
    sqlx::query("UPDATE password_grants SET first_half_ct = $1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
