//! Authentication: password login with server-side sessions, API bearer tokens, and the
//! resolution of either into an [`Actor`] with its data scope. Session and token secrets are
//! stored only as SM3 digests; passwords as argon2id hashes.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use dangjian_core::password;
use dangjian_core::policy::ADDRESS_WINDOW;
use dangjian_core::role::{Permission, Role, Scope};
use dangjian_store::accounts::{self, AccountRow, NewSessionRow, SessionRow, SessionStage};
use dangjian_store::{Conn, orgs};
use serde_json::json;

use crate::audit::{self, Event, Outcome, Who};
use crate::error::{ServiceError, ServiceResult};
use crate::{Services, secret};

/// Failed logins per client address in the last [`ADDRESS_WINDOW`], kept in memory: one
/// attacker's address is stopped after a few attempts, so it cannot lock every account in
/// turn. Per process; behind several processes each counts its own share.
///
/// An attempt takes its place in the count *before* its password or code is checked
/// ([`Throttle::reserve`]) and keeps it if it fails: sixty guesses sent at once are checked
/// no more than the limit allows, instead of all being let through while the count still
/// read zero.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    addresses: std::sync::Mutex<HashMap<String, Address>>,
}

#[derive(Debug, Default)]
struct Address {
    failures: Vec<DateTime<Utc>>,
    /// Attempts reserved and not yet settled.
    in_flight: usize,
}

/// Addresses tracked at most; past this, addresses with nothing recent are forgotten first.
const THROTTLE_CAPACITY: usize = 10_000;

impl Throttle {
    /// Takes a place for one attempt from `ip`, or `None` when the failures in the window and
    /// the attempts being checked already reach `limit`.
    fn reserve(self: &Arc<Self>, ip: &str, now: DateTime<Utc>, limit: usize) -> Option<Attempt> {
        let mut addresses = self
            .addresses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if addresses.len() >= THROTTLE_CAPACITY && !addresses.contains_key(ip) {
            addresses.retain(|_, a| {
                a.in_flight > 0 || a.failures.iter().any(|t| now - *t < ADDRESS_WINDOW)
            });
        }
        let address = addresses.entry(ip.to_owned()).or_default();
        address.failures.retain(|t| now - *t < ADDRESS_WINDOW);
        if address.failures.len() + address.in_flight >= limit {
            return None;
        }
        address.in_flight += 1;
        Some(Attempt {
            throttle: Arc::clone(self),
            ip: ip.to_owned(),
            now,
            settled: false,
        })
    }

    fn settle(&self, ip: &str, failed_at: Option<DateTime<Utc>>) {
        let mut addresses = self
            .addresses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(address) = addresses.get_mut(ip) {
            address.in_flight = address.in_flight.saturating_sub(1);
            if let Some(at) = failed_at {
                address.failures.push(at);
            }
        }
    }
}

/// One attempt's place in its address's count: [`Attempt::failed`] keeps it as a failure;
/// dropped otherwise (success, or an error before any verdict), it frees the place.
pub(crate) struct Attempt {
    throttle: Arc<Throttle>,
    ip: String,
    now: DateTime<Utc>,
    settled: bool,
}

impl Attempt {
    pub(crate) fn failed(mut self) {
        self.settled = true;
        self.throttle.settle(&self.ip, Some(self.now));
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.settled {
            self.throttle.settle(&self.ip, None);
        }
    }
}

/// How a request reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Web,
    Api,
    Cli,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Cli => "cli",
        }
    }
}

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The identity behind a request, resolved once and passed to every use case.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub login: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub scope: Scope,
    /// The org the account is bound to, for display.
    pub org_name: Option<String>,
    pub must_change_password: bool,
    /// Days until the password must be changed, when that is a week or less away.
    pub password_expires_in_days: Option<i64>,
    /// A role that must log in with a second factor, on an account that has none yet: the
    /// web session opens nothing but enrolment.
    pub must_enrol_second_factor: bool,
    pub channel: Channel,
    pub origin: Origin,
    /// The session's CSRF token (web sessions only).
    pub csrf_token: Option<String>,
    /// When the session's holder last gave their password again (web sessions only).
    pub reauthenticated_at: Option<DateTime<Utc>>,
    /// When the session began, that is when its holder gave their password (web only).
    pub logged_in_at: Option<DateTime<Utc>>,
}

impl Actor {
    /// The operator at the server's shell. The shell is trusted (whoever has it owns the data
    /// directory anyway); its actions are audited under this name.
    pub fn cli() -> Self {
        Self {
            account_id: None,
            login: "(命令行)".to_owned(),
            display_name: "命令行".to_owned(),
            role: None,
            scope: Scope::Nothing,
            org_name: None,
            must_change_password: false,
            password_expires_in_days: None,
            must_enrol_second_factor: false,
            channel: Channel::Cli,
            origin: Origin::default(),
            csrf_token: None,
            reauthenticated_at: None,
            logged_in_at: None,
        }
    }

    /// The shell acting for the bureau across the whole tree (`dangjian coverage`, `export`,
    /// `import`): the operator who runs the server command already holds the data directory.
    /// Audited under the shell's name.
    pub fn shell_office() -> Self {
        Self {
            role: Some(Role::CommitteeStaff),
            scope: Scope::Everything,
            ..Self::cli()
        }
    }

    /// The server's own timed work (the daily seal of the audit chain), audited under this
    /// name with the audit administrator's permission.
    pub fn scheduler() -> Self {
        Self {
            login: "(定时任务)".to_owned(),
            display_name: "定时任务".to_owned(),
            role: Some(Role::AuditAdmin),
            ..Self::cli()
        }
    }

    /// The shell reading the audit log (`dangjian audit verify`, `export`): whoever runs it
    /// holds the data directory and the key file. Audited under the shell's name.
    pub fn shell_auditor() -> Self {
        Self {
            role: Some(Role::AuditAdmin),
            ..Self::cli()
        }
    }

    /// Refuses the call unless the role includes `permission`, the password is current and
    /// the second factor, where the role needs one, is set up.
    pub fn require(&self, permission: Permission) -> ServiceResult<()> {
        if self.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        if self.must_enrol_second_factor {
            return Err(ServiceError::SecondFactorRequired);
        }
        match self.role {
            Some(role) if role.permits(permission) => Ok(()),
            _ => Err(ServiceError::Forbidden),
        }
    }

    pub fn permits(&self, permission: Permission) -> bool {
        !self.must_change_password
            && !self.must_enrol_second_factor
            && self.role.is_some_and(|r| r.permits(permission))
    }

    /// Refuses a sensitive action (full personal data, exports, role and scope changes,
    /// security settings) unless a web session's holder has given their password within
    /// [`REAUTH_WINDOW`]. API tokens and the shell are issued by the operator of the server
    /// and are not interactive; they pass.
    pub fn require_recent_auth(&self, now: DateTime<Utc>) -> ServiceResult<()> {
        match self.channel {
            Channel::Web => match self.reauthenticated_at {
                Some(at) if now - at <= REAUTH_WINDOW && at <= now => Ok(()),
                _ => Err(ServiceError::ReauthRequired),
            },
            Channel::Api | Channel::Cli => Ok(()),
        }
    }

    /// Like [`Actor::require_recent_auth`], but a login within the window counts as well:
    /// binding a second factor right after the password was typed needs it no second time,
    /// while a session left open (or stolen) must prove its password before it binds a phone.
    pub fn require_fresh_password(&self, now: DateTime<Utc>) -> ServiceResult<()> {
        match self.logged_in_at {
            Some(at) if self.channel == Channel::Web && now - at <= REAUTH_WINDOW && at <= now => {
                Ok(())
            }
            _ => self.require_recent_auth(now),
        }
    }
}

/// How a request reached an account: the channel, the client, and what the web session adds.
pub(crate) struct Via {
    channel: Channel,
    origin: Origin,
    csrf_token: Option<String>,
    reauthenticated_at: Option<DateTime<Utc>>,
    logged_in_at: Option<DateTime<Utc>>,
}

impl Via {
    fn web(
        origin: Origin,
        csrf_token: String,
        reauthenticated_at: Option<DateTime<Utc>>,
        logged_in_at: DateTime<Utc>,
    ) -> Self {
        Via {
            channel: Channel::Web,
            origin,
            csrf_token: Some(csrf_token),
            reauthenticated_at,
            logged_in_at: Some(logged_in_at),
        }
    }

    fn api(origin: Origin) -> Self {
        Via {
            channel: Channel::Api,
            origin,
            csrf_token: None,
            reauthenticated_at: None,
            logged_in_at: None,
        }
    }
}

/// How long a re-authentication covers sensitive actions.
pub const REAUTH_WINDOW: TimeDelta = TimeDelta::minutes(5);

/// How long the code form stays open after a right password.
pub(crate) const SECOND_FACTOR_WINDOW: TimeDelta = TimeDelta::minutes(5);

/// What a right password leads to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in.
    Complete(Box<NewSession>),
    /// The account has a second factor: this token (for a short-lived cookie) lets the
    /// browser give the code, and nothing else.
    SecondFactor { token: String },
}

/// A new web session: the cookie value (shown to the browser once) and its actor.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub actor: Actor,
}

/// Login names are compared trimmed and lower-cased, so `ZhangSan` and `zhangsan` are one
/// account.
pub fn normalise_login(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Sets a new password hash, keeping the old one for the reuse check, and ends every session
/// of the account (a password change is a privilege change: whoever held a session with the
/// old password must log in again).
pub(crate) async fn replace_password(
    conn: &mut Conn,
    account: &AccountRow,
    hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    accounts::push_history(conn, account.id, &account.password_hash, now).await?;
    accounts::set_password(conn, account.id, hash, must_change, now).await?;
    accounts::delete_sessions_of(conn, account.id).await?;
    Ok(())
}

impl Services {
    /// Password login. On success a new session replaces any the browser had (the caller
    /// drops the old cookie), so a session id fixed before login is worthless after it.
    ///
    /// Guards, in order: an address with too many recent failures is refused before the
    /// password is looked at; a locked account is refused even with the right password; the
    /// policy's count of consecutive failures locks the account. Every refusal is audited.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        origin: Origin,
    ) -> ServiceResult<LoginOutcome> {
        let login = normalise_login(login);
        let now = self.clock().now();
        self.refresh_policy().await?;
        // What was typed is recorded only if it could be a login name: people type their ID
        // number or phone into the wrong field, and those must not reach the log.
        let typed = crate::accounts::parse_login(&login)
            .unwrap_or_else(|_| "（格式无效的登录名）".to_owned());
        let Some(attempt) = self.reserve_attempt(&origin, now) else {
            let event = Event::new("auth.login")
                .outcome(Outcome::Failure)
                .detail(json!({ "reason": "throttled" }));
            self.record_anonymous(&origin, Channel::Web, &typed, event)
                .await?;
            return Err(ServiceError::Throttled);
        };
        let mut tx = self.db().read().await?;
        let account = accounts::by_login(&mut tx, &login).await?;
        tx.commit().await?;
        let hash = account.as_ref().map_or_else(
            || crate::verifier::DECOY.to_owned(),
            |a| a.password_hash.clone(),
        );
        let verified = self.verify_password(password.to_owned(), hash).await?;
        // A verifier from before (argon2id) is replaced by a current one while the password
        // is at hand; the password's age does not change.
        let upgraded = match &account {
            Some(a) if verified && crate::verifier::is_outdated(&a.password_hash) => {
                Some(self.hash_password(password.to_owned()).await?)
            }
            _ => None,
        };

        let mut tx = self.db().write_accounts().await?;
        // Re-read under the write lock: concurrent failures must all count.
        let account = match &account {
            Some(a) => accounts::get(&mut tx, a.id).await?,
            None => None,
        };
        let locked_until = account
            .as_ref()
            .and_then(|a| a.locked_until)
            .filter(|until| *until > now);
        let account = match account {
            Some(account) if verified && !account.disabled && locked_until.is_none() => account,
            other => {
                let reason = match &other {
                    None => "unknown_login",
                    Some(a) if a.disabled => "disabled",
                    Some(_) if locked_until.is_some() => "locked",
                    Some(_) => "bad_password",
                };
                let who = Who {
                    account_id: other.as_ref().map(|a| a.id),
                    login: &typed,
                    role: None,
                    channel: Channel::Web.code(),
                    origin: &origin,
                };
                let event = Event::new("auth.login")
                    .outcome(Outcome::Failure)
                    .detail(json!({ "reason": reason }));
                let error = match (locked_until, other.as_ref().filter(|a| !a.disabled)) {
                    (None, Some(account)) => {
                        self.count_failure(&mut tx, account, (who, event), now)
                            .await?
                    }
                    (locked, _) => {
                        audit::write(&mut tx, self.crypto(), who, now, event).await?;
                        locked.map_or(ServiceError::InvalidCredentials, |until| {
                            ServiceError::Locked { until }
                        })
                    }
                };
                tx.commit().await?;
                attempt.failed();
                return Err(error);
            }
        };
        if let Some(verifier) = &upgraded {
            accounts::upgrade_verifier(&mut tx, account.id, &account.password_hash, verifier)
                .await?;
        }
        if account.totp_enabled_at.is_some() {
            // The password was right; the session opens nothing until the code is given. The
            // failure count stands until then, so codes cannot be guessed by logging in anew.
            let token = secret::random_token();
            let session = NewSessionRow {
                id_hash: &secret::digest(&token),
                account_id: account.id,
                csrf_token: &secret::random_token(),
                stage: SessionStage::SecondFactor,
                ip: origin.ip.as_deref(),
                user_agent: origin.user_agent.as_deref(),
            };
            accounts::insert_session(&mut tx, session, now).await?;
            let who = Who::account(&account, &origin);
            let event = Event::new("auth.first_factor");
            audit::write(&mut tx, self.crypto(), who, now, event).await?;
            tx.commit().await?;
            return Ok(LoginOutcome::SecondFactor { token });
        }
        let session = self
            .open_session(&mut tx, &account, origin, now, json!({}))
            .await?;
        tx.commit().await?;
        Ok(LoginOutcome::Complete(Box::new(session)))
    }

    /// Takes a place for one attempt (a password, a code, a token) from the client's address
    /// before it is checked; `None` when the address has failed too often lately.
    pub(crate) fn reserve_attempt(&self, origin: &Origin, now: DateTime<Utc>) -> Option<Attempt> {
        let ip = origin.ip.as_deref().unwrap_or_default();
        self.throttle
            .reserve(ip, now, self.policy().address_max_failures as usize)
    }

    /// A wrong password given inside a session (re-authentication, the password change):
    /// audited under `event` and counted like a failed login, since guessing through these
    /// forms is guessing all the same; at the lock the account's sessions end. Returns the
    /// error to answer with: the lock, or a message at `field`.
    pub(crate) async fn wrong_password_in_session(
        &self,
        actor: &Actor,
        account: &AccountRow,
        event: &'static str,
        field: &'static str,
    ) -> ServiceResult<ServiceError> {
        let now = self.clock().now();
        let mut tx = self.db().write_accounts().await?;
        let record = Event::new(event)
            .outcome(Outcome::Failure)
            .detail(json!({ "reason": "bad_password" }));
        let error = self
            .count_failure(&mut tx, account, (actor.into(), record), now)
            .await?;
        if matches!(error, ServiceError::Locked { .. }) {
            accounts::delete_sessions_of(&mut tx, account.id).await?;
        }
        tx.commit().await?;
        Ok(match error {
            locked @ ServiceError::Locked { .. } => locked,
            _ => ServiceError::invalid(field, "密码不正确"),
        })
    }

    /// Counts a failed attempt against an account (a wrong password or a wrong second
    /// factor), records `failure`, locks the account at the policy's threshold, and returns
    /// the error to answer with.
    ///
    /// The account row is written before the audit chain's head is taken, as in every other
    /// transaction: one order of locks, so two of them can never wait on each other
    /// (PostgreSQL).
    pub(crate) async fn count_failure(
        &self,
        conn: &mut Conn,
        account: &AccountRow,
        failure: (Who<'_>, Event),
        now: DateTime<Utc>,
    ) -> ServiceResult<ServiceError> {
        let policy = self.policy();
        let failures = account.failed_logins + 1;
        let lock =
            (failures >= i64::from(policy.lockout_threshold)).then(|| now + policy.lockout());
        accounts::record_failure(conn, account.id, lock).await?;
        let origin = failure.0.origin;
        audit::write(conn, self.crypto(), failure.0, now, failure.1).await?;
        let Some(until) = lock else {
            return Ok(ServiceError::InvalidCredentials);
        };
        // Whoever guessed at the account may hold its tokens too: a lock ends them.
        accounts::revoke_tokens_of(conn, account.id, now).await?;
        let who = Who::account(account, origin);
        let event = Event::new("auth.lock")
            .object("account", account.id)
            .detail(
                json!({ "failures": failures, "until": dangjian_store::timestamp_text(until) }),
            );
        audit::write(conn, self.crypto(), who, now, event).await?;
        Ok(ServiceError::Locked { until })
    }

    /// Opens a full session for an account that has passed every factor: a new session id,
    /// the failure count cleared, the login audited with `detail`.
    pub(crate) async fn open_session(
        &self,
        conn: &mut Conn,
        account: &AccountRow,
        origin: Origin,
        now: DateTime<Utc>,
        detail: serde_json::Value,
    ) -> ServiceResult<NewSession> {
        if account.failed_logins > 0 || account.locked_until.is_some() {
            accounts::clear_failures(conn, account.id).await?;
        }
        let token = secret::random_token();
        let csrf = secret::random_token();
        let session = NewSessionRow {
            id_hash: &secret::digest(&token),
            account_id: account.id,
            csrf_token: &csrf,
            stage: SessionStage::Full,
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
        };
        accounts::insert_session(conn, session, now).await?;
        accounts::touch_login(conn, account.id, now).await?;
        let actor = self
            .actor_for(conn, account, Via::web(origin, csrf, None, now), now)
            .await?;
        audit::write(
            conn,
            self.crypto(),
            (&actor).into(),
            now,
            Event::new("auth.login").detail(detail),
        )
        .await?;
        Ok(NewSession { token, actor })
    }

    /// Resolves a session cookie to its actor, enforcing the idle and absolute timeouts. An
    /// expired session is deleted and its end audited.
    pub async fn resolve_session(&self, token: &str, origin: Origin) -> ServiceResult<Actor> {
        let now = self.clock().now();
        let id_hash = secret::digest(token);
        // The count is read before the session: a write committed while it is read leaves
        // the entry older than the data.
        let writes = self.db().writes();
        let Resolved {
            session,
            account,
            scope,
        } = match self.sessions.get(&id_hash, writes) {
            Some(resolved) => resolved,
            None => {
                let mut conn = self.db().connection().await?;
                let Some(session) = accounts::session(&mut conn, &id_hash).await? else {
                    return Err(ServiceError::Unauthenticated);
                };
                let account = accounts::get(&mut conn, session.account_id).await?;
                let scope = match &account {
                    Some(account) => scope_of(&mut conn, account).await?,
                    None => Scope::Nothing,
                };
                let resolved = Resolved {
                    session,
                    account,
                    scope,
                };
                self.sessions.put(id_hash.clone(), writes, resolved.clone());
                resolved
            }
        };
        if session.stage != SessionStage::Full {
            return Err(ServiceError::Unauthenticated);
        }
        let idle = now - session.last_seen_at > self.policy().idle_timeout();
        let too_old = now - session.created_at > self.policy().absolute_timeout();
        let account = match account {
            Some(account) if !account.disabled && !idle && !too_old => account,
            account => {
                let mut tx = self.db().write_accounts().await?;
                accounts::delete_session(&mut tx, &id_hash).await?;
                let reason = if idle {
                    "idle"
                } else if too_old {
                    "absolute"
                } else {
                    "account_disabled"
                };
                let who = Who {
                    account_id: account.as_ref().map(|a| a.id),
                    login: account.as_ref().map_or("", |a| a.login.as_str()),
                    role: account.as_ref().and_then(|a| a.role).map(|r| r.code()),
                    channel: Channel::Web.code(),
                    origin: &origin,
                };
                let event = Event::new("auth.session_end").detail(json!({ "reason": reason }));
                audit::write(&mut tx, self.crypto(), who, now, event).await?;
                tx.commit().await?;
                return Err(ServiceError::Unauthenticated);
            }
        };
        let actor = self.actor_from(
            &account,
            scope,
            Via::web(
                origin,
                session.csrf_token,
                session.reauth_at,
                session.created_at,
            ),
            now,
        );
        // Record activity at most once a minute: the idle timeout needs no finer grain, and a
        // write per request would serialise every page view on SQLite.
        if now - session.last_seen_at > TimeDelta::minutes(1) {
            let mut tx = self.db().write_accounts().await?;
            accounts::touch_session(&mut tx, &id_hash, now).await?;
            tx.commit().await?;
        }
        Ok(actor)
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str, actor: &Actor) -> ServiceResult<()> {
        let now = self.clock().now();
        let mut tx = self.db().write_accounts().await?;
        accounts::delete_session(&mut tx, &secret::digest(token)).await?;
        audit::write(
            &mut tx,
            self.crypto(),
            actor.into(),
            now,
            Event::new("auth.logout"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves an API bearer token to the actor of its account.
    ///
    /// A live token — not revoked, not past its end or the policy's age, its account enabled —
    /// is accepted from any address, even one that has failed too often lately: tokens are 256
    /// random bits, so a throttled address cannot guess one, and refusing it would let anyone
    /// behind the same proxy or NAT shut the bureau's integrations out. A wrong token counts
    /// against the address like a failed login; past the limit it is answered 429. Refusals
    /// are recorded once per address, reason and window, with their count.
    pub async fn resolve_token(&self, token: &str, origin: Origin) -> ServiceResult<Actor> {
        let now = self.clock().now();
        let policy = self.policy();
        let mut tx = self.db().read().await?;
        let row = accounts::live_token(&mut tx, &secret::digest(token)).await?;
        let account = match &row {
            Some(row) => accounts::get(&mut tx, row.account_id).await?,
            None => None,
        };
        tx.commit().await?;
        let reason = match (&row, &account) {
            (None, _) => Some("unknown_or_revoked"),
            (Some(row), _) if crate::accounts::token_end(row, &policy) <= now => Some("expired"),
            (Some(_), Some(account)) if !account.disabled => None,
            (Some(_), _) => Some("account_disabled"),
        };
        let (Some(row), Some(account), None) = (row, account, reason) else {
            let reason = reason.unwrap_or("unknown_or_revoked");
            let (error, reason) = match self.reserve_attempt(&origin, now) {
                Some(attempt) => {
                    attempt.failed();
                    (ServiceError::Unauthenticated, reason)
                }
                None => (ServiceError::Throttled, "throttled"),
            };
            let event = Event::new("auth.token")
                .outcome(Outcome::Failure)
                .detail(json!({ "reason": reason }));
            self.record_anonymous(&origin, Channel::Api, "", event)
                .await?;
            return Err(error);
        };
        let mut tx = if row
            .last_used_at
            .is_none_or(|t| now - t > TimeDelta::minutes(1))
        {
            let mut tx = self.db().write_accounts().await?;
            accounts::touch_token(&mut tx, row.id, now).await?;
            tx
        } else {
            self.db().read().await?
        };
        let actor = self
            .actor_for(&mut tx, &account, Via::api(origin), now)
            .await?;
        tx.commit().await?;
        Ok(actor)
    }

    /// Changes the actor's own password after checking the current one. Every session of the
    /// account ends, including the caller's, who logs in again with the new password.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        repeat: &str,
    ) -> ServiceResult<()> {
        let account_id = actor.account_id.ok_or(ServiceError::Forbidden)?;
        let now = self.clock().now();
        let mut tx = self.db().read().await?;
        let account = accounts::get(&mut tx, account_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        tx.commit().await?;
        if !self
            .verify_password(current.to_owned(), account.password_hash.clone())
            .await?
        {
            return Err(self
                .wrong_password_in_session(actor, &account, "auth.password_change", "current")
                .await?);
        }
        if new != repeat {
            return Err(ServiceError::invalid("repeat", "两次输入的新密码不一致"));
        }
        if new == current {
            return Err(ServiceError::invalid("new", "新密码不能与当前密码相同"));
        }
        let policy = self.refresh_policy().await?;
        password::check(new, &account.login, policy.password_min_length as usize)
            .map_err(|e| ServiceError::invalid("new", e.to_string()))?;
        // The current password counts as the newest of the last N.
        let mut tx = self.db().read().await?;
        let earlier = i64::from(policy.password_history.saturating_sub(1));
        let history = accounts::recent_hashes(&mut tx, account.id, earlier).await?;
        tx.commit().await?;
        for old in history {
            if self.verify_password(new.to_owned(), old).await? {
                return Err(ServiceError::invalid(
                    "new",
                    format!(
                        "新密码不能与最近 {} 次使用过的密码相同",
                        policy.password_history
                    ),
                ));
            }
        }
        let hash = self.hash_password(new.to_owned()).await?;
        let mut tx = self.db().write_accounts().await?;
        replace_password(&mut tx, &account, &hash, false, now).await?;
        let event = Event::new("auth.password_change").object("account", account.id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Builds the actor of an account: its role, its data scope (from its org's current
    /// path, or its member record), and whether it must change its password now.
    pub(crate) async fn actor_for(
        &self,
        conn: &mut Conn,
        account: &AccountRow,
        via: Via,
        now: DateTime<Utc>,
    ) -> ServiceResult<Actor> {
        let scope = scope_of(conn, account).await?;
        Ok(self.actor_from(account, scope, via, now))
    }

    /// The actor of an account whose scope is known.
    fn actor_from(
        &self,
        account: &AccountRow,
        scope: Scope,
        via: Via,
        now: DateTime<Utc>,
    ) -> Actor {
        let Via {
            channel,
            origin,
            csrf_token,
            reauthenticated_at,
            logged_in_at,
        } = via;
        let left = self.policy().password_max_age() - (now - account.password_changed_at);
        let expired = left < TimeDelta::zero();
        // A week's warning, counted in started days ("1 天" on its last day).
        let expires_in_days =
            (!expired && left <= TimeDelta::days(7)).then(|| (left.num_hours() + 23) / 24);
        Actor {
            account_id: Some(account.id),
            login: account.login.clone(),
            display_name: account.display_name.clone(),
            role: account.role,
            scope,
            org_name: account.org_name.clone(),
            must_change_password: account.must_change_password || expired,
            password_expires_in_days: expires_in_days,
            must_enrol_second_factor: channel == Channel::Web
                && account
                    .role
                    .is_some_and(|role| self.policy().requires_second_factor(role))
                && account.totp_enabled_at.is_none(),
            channel,
            origin,
            csrf_token,
            reauthenticated_at,
            logged_in_at,
        }
    }
}

/// The part of the data an account may see: resolved from the account (never from the
/// request), with the current path of a secretary's org.
async fn scope_of(conn: &mut Conn, account: &AccountRow) -> ServiceResult<Scope> {
    Ok(match account.role {
        None => Scope::Nothing,
        Some(role) if role.is_administrator() => Scope::Nothing,
        Some(role) if role.is_bureau_wide() => Scope::Everything,
        Some(role) if role.needs_org() => match account.org_id {
            Some(org_id) => match orgs::get(conn, org_id).await? {
                Some(org) if org.dissolved_on.is_none() => Scope::Subtree {
                    org_id,
                    path: org.path,
                },
                _ => Scope::Nothing,
            },
            None => Scope::Nothing,
        },
        Some(_) => match account.member_id {
            Some(member_id) => Scope::OwnRecord { member_id },
            None => Scope::Nothing,
        },
    })
}

/// A session as read for a request: the stored session, its account, the account's scope.
#[derive(Clone)]
struct Resolved {
    session: SessionRow,
    account: Option<AccountRow>,
    scope: Scope,
}

/// Sessions read recently, by the digest of their id. Every signed-in request resolves its
/// session; reading it from the database each time cost two round trips, most of a cached
/// page's time. An entry serves only while this process has committed no write since it was
/// read — a logout, a lock, a role or org change all count — and for at most
/// [`SESSION_CACHE_AGE`], which bounds how long a change made by another process (an account
/// disabled from the command line while the server runs) can go unseen.
#[derive(Default)]
pub(crate) struct SessionCache {
    entries: std::sync::Mutex<HashMap<String, (u64, std::time::Instant, Resolved)>>,
}

/// The longest a resolved session is reused without reading it again.
const SESSION_CACHE_AGE: std::time::Duration = std::time::Duration::from_secs(5);
/// Sessions kept; past that the cache starts again (a bureau has a few thousand users).
const SESSION_CACHE_CAPACITY: usize = 4096;

impl SessionCache {
    fn get(&self, id_hash: &str, writes: u64) -> Option<Resolved> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(id_hash)
            .filter(|(at_writes, at, _)| *at_writes == writes && at.elapsed() < SESSION_CACHE_AGE)
            .map(|(_, _, resolved)| resolved.clone())
    }

    fn put(&self, id_hash: String, writes: u64, resolved: Resolved) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= SESSION_CACHE_CAPACITY {
            entries.clear();
        }
        entries.insert(id_hash, (writes, std::time::Instant::now(), resolved));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_case_insensitive() {
        assert_eq!(normalise_login("  ZhangSan "), "zhangsan");
    }
}
