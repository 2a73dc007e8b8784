//! The second factor: enrolment (a TOTP secret shown once, confirmed by a code, ten
//! single-use recovery codes), the code step of login, the security administrator's reset
//! for a lost phone, and re-authentication before sensitive actions.

use dangjian_core::role::Permission;
use dangjian_store::accounts::{self, AccountRow, SessionStage};
use serde_json::json;

use crate::audit::{self, Event, Outcome, Who};
use crate::auth::{Actor, Channel, NewSession, Origin, SECOND_FACTOR_WINDOW};
use crate::error::{ServiceError, ServiceResult};
use crate::totp::{self, Algorithm};
use crate::{Services, secret};

/// The name authenticator apps show for our codes.
const ISSUER: &str = "党建";
/// Recovery codes issued at enrolment.
const RECOVERY_CODES: usize = 10;

/// The state of an account's second factor, for its holder's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactorStatus {
    pub enabled: bool,
    pub algorithm: Algorithm,
    /// The role must use it.
    pub required: bool,
    pub recovery_codes_left: i64,
    /// Enrolment started and awaiting its first code: the secret to type or scan.
    pub pending: Option<Enrolment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// Base32, grouped for reading aloud.
    pub secret: String,
    pub uri: String,
}

pub(crate) fn context(account_id: i64) -> String {
    format!("account:{account_id}:totp")
}

fn algorithm_of(row: &AccountRow) -> Algorithm {
    if row.totp_algorithm == Algorithm::Sm3.code() {
        Algorithm::Sm3
    } else {
        Algorithm::Sha1
    }
}

/// A recovery code: 10 characters from an alphabet without look-alikes, in two groups.
fn recovery_code() -> String {
    let raw = secret::one_time_password();
    let code: String = raw.chars().take(10).collect::<String>().to_lowercase();
    format!("{}-{}", &code[..5], &code[5..])
}

/// What a recovery code is stored and compared as: a keyed digest (HMAC-SM3 with the key
/// file's index key) of the code in lower case without spaces or dashes, so the database alone
/// does not allow guessing codes offline.
fn recovery_digest(crypto: &dyn crate::CryptoProvider, typed: &str) -> String {
    let clean: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    crypto.blind_index("recovery_code", &clean)
}

/// The end of enrolment: the recovery codes to show once, and the session's new id and CSRF
/// token.
#[derive(Debug)]
pub struct Enrolled {
    pub recovery_codes: Vec<String>,
    pub token: String,
    pub csrf: String,
}

/// A new id and CSRF token for the session behind `token`.
async fn rotate(conn: &mut dangjian_store::Conn, token: &str) -> ServiceResult<(String, String)> {
    let (new, csrf) = (secret::random_token(), secret::random_token());
    if !accounts::rotate_session(conn, &secret::digest(token), &secret::digest(&new), &csrf).await?
    {
        return Err(ServiceError::Unauthenticated);
    }
    Ok((new, csrf))
}

impl Services {
    async fn own_account(&self, actor: &Actor) -> ServiceResult<AccountRow> {
        if actor.channel != Channel::Web || actor.must_change_password {
            return Err(ServiceError::Forbidden);
        }
        let id = actor.account_id.ok_or(ServiceError::Forbidden)?;
        let mut tx = self.db().read().await?;
        let account = accounts::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        tx.commit().await?;
        Ok(account)
    }

    fn secret_of(&self, account: &AccountRow) -> ServiceResult<Option<Vec<u8>>> {
        let Some(sealed) = &account.totp_secret else {
            return Ok(None);
        };
        let text = self
            .crypto()
            .open(sealed, &context(account.id))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        hex::decode(text)
            .map(Some)
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// The holder's own second factor.
    pub async fn second_factor_status(&self, actor: &Actor) -> ServiceResult<SecondFactorStatus> {
        let account = self.own_account(actor).await?;
        let mut tx = self.db().read().await?;
        let left = accounts::unused_recovery_codes(&mut tx, account.id).await?;
        tx.commit().await?;
        let algorithm = algorithm_of(&account);
        let pending = match (&account.totp_enabled_at, self.secret_of(&account)?) {
            (None, Some(secret)) => Some(Enrolment {
                secret: totp::base32(&secret)
                    .as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
                uri: totp::provisioning_uri(ISSUER, &account.login, &secret, algorithm),
            }),
            _ => None,
        };
        Ok(SecondFactorStatus {
            enabled: account.totp_enabled_at.is_some(),
            algorithm,
            required: account
                .role
                .is_some_and(|role| self.policy().requires_second_factor(role)),
            recovery_codes_left: left,
            pending,
        })
    }

    /// Starts enrolment with a new secret (replacing any pending one). Not while a second
    /// factor is in force: a stolen session must not be able to move it to another phone. Nor
    /// without the password given in the last few minutes (at login or again), so a session
    /// left open cannot bind someone else's phone to the account.
    pub async fn begin_enrolment(&self, actor: &Actor, algorithm: Algorithm) -> ServiceResult<()> {
        actor.require_fresh_password(self.clock().now())?;
        let account = self.own_account(actor).await?;
        if account.totp_enabled_at.is_some() {
            return Err(ServiceError::invalid(
                "algorithm",
                "已启用双因素认证；如需更换手机，请安全管理员重置",
            ));
        }
        let secret = totp::new_secret();
        let sealed = self
            .crypto()
            .seal(&hex::encode(&secret), &context(account.id));
        let now = self.clock().now();
        let mut tx = self.db().write_accounts().await?;
        accounts::set_pending_totp(&mut tx, account.id, &sealed, algorithm.code()).await?;
        let event = Event::new("auth.second_factor_begin")
            .object("account", account.id)
            .detail(json!({ "algorithm": algorithm.code() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The QR code of the pending enrolment, as SVG.
    pub async fn enrolment_qr(&self, actor: &Actor) -> ServiceResult<String> {
        let status = self.second_factor_status(actor).await?;
        let pending = status.pending.ok_or(ServiceError::NotFound)?;
        totp::qr_svg(&pending.uri).ok_or_else(|| ServiceError::Internal("QR code".to_owned()))
    }

    /// Confirms enrolment with a code from the app; returns the recovery codes, shown once,
    /// and the session's new id and CSRF token: the session had opened nothing but enrolment
    /// and now opens everything the role may do, so its old id is retired.
    pub async fn confirm_enrolment(
        &self,
        actor: &Actor,
        session_token: &str,
        code: &str,
    ) -> ServiceResult<Enrolled> {
        // The pending secret is on the holder's page: a session left open must not finish
        // someone else's enrolment either.
        actor.require_fresh_password(self.clock().now())?;
        let account = self.own_account(actor).await?;
        if account.totp_enabled_at.is_some() {
            return Err(ServiceError::invalid("code", "已启用双因素认证"));
        }
        let secret = self
            .secret_of(&account)?
            .ok_or_else(|| ServiceError::invalid("code", "请先开始绑定"))?;
        let now = self.clock().now();
        let Some(step) = totp::verify(algorithm_of(&account), &secret, code, now.timestamp(), None)
        else {
            return Err(ServiceError::invalid(
                "code",
                "动态口令不正确：请核对手机时间，输入应用中当前显示的 6 位数字",
            ));
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| recovery_digest(self.crypto(), c))
            .collect();
        let mut tx = self.db().write_accounts().await?;
        accounts::enable_totp(&mut tx, account.id, step, now).await?;
        accounts::set_recovery_codes(&mut tx, account.id, &hashes).await?;
        let (token, csrf) = rotate(&mut tx, session_token).await?;
        let event = Event::new("auth.second_factor_enrol")
            .object("account", account.id)
            .detail(json!({ "algorithm": account.totp_algorithm }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(Enrolled {
            recovery_codes: codes,
            token,
            csrf,
        })
    }

    /// The code step of login: the pending session's account, its code (or a recovery code),
    /// then a full session under a new id. Wrong codes count towards the lockout like wrong
    /// passwords, and the address throttle applies.
    pub async fn complete_login(
        &self,
        pending_token: &str,
        code: &str,
        origin: Origin,
    ) -> ServiceResult<NewSession> {
        let now = self.clock().now();
        let id_hash = secret::digest(pending_token);
        let mut tx = self.db().write_accounts().await?;
        let session = accounts::session(&mut tx, &id_hash)
            .await?
            .filter(|s| s.stage == SessionStage::SecondFactor)
            .ok_or(ServiceError::Unauthenticated)?;
        if now - session.created_at > SECOND_FACTOR_WINDOW {
            accounts::delete_session(&mut tx, &id_hash).await?;
            tx.commit().await?;
            return Err(ServiceError::Unauthenticated);
        }
        let account = accounts::get(&mut tx, session.account_id)
            .await?
            .filter(|a| !a.disabled)
            .ok_or(ServiceError::Unauthenticated)?;
        if let Some(until) = account.locked_until.filter(|u| *u > now) {
            accounts::delete_session(&mut tx, &id_hash).await?;
            tx.commit().await?;
            return Err(ServiceError::Locked { until });
        }
        let Some(attempt) = self.reserve_attempt(&origin, now) else {
            tx.commit().await?;
            return Err(ServiceError::Throttled);
        };
        let secret = self
            .secret_of(&account)?
            .ok_or(ServiceError::Unauthenticated)?;
        let step = totp::verify(
            algorithm_of(&account),
            &secret,
            code,
            now.timestamp(),
            account.totp_last_step,
        );
        let via = match step {
            Some(step) => {
                accounts::use_totp_step(&mut tx, account.id, step).await?;
                Some("totp")
            }
            None if code.trim().len() > totp::DIGITS as usize => accounts::use_recovery_code(
                &mut tx,
                account.id,
                &recovery_digest(self.crypto(), code),
                now,
            )
            .await?
            .then_some("recovery_code"),
            None => None,
        };
        let Some(via) = via else {
            let who = Who::account(&account, &origin);
            let event = Event::new("auth.second_factor")
                .outcome(Outcome::Failure)
                .detail(json!({ "reason": "bad_code" }));
            let error = self
                .count_failure(&mut tx, &account, (who, event), now)
                .await?;
            if matches!(error, ServiceError::Locked { .. }) {
                accounts::delete_session(&mut tx, &id_hash).await?;
            }
            tx.commit().await?;
            attempt.failed();
            return Err(match error {
                ServiceError::InvalidCredentials => {
                    ServiceError::invalid("code", "动态口令或恢复码不正确")
                }
                other => other,
            });
        };
        accounts::delete_session(&mut tx, &id_hash).await?;
        let session = self
            .open_session(
                &mut tx,
                &account,
                origin,
                now,
                json!({ "second_factor": via }),
            )
            .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Removes an account's second factor (security administrator, for a lost phone). The
    /// account's sessions end; a role that needs the factor enrols again at its next login.
    pub async fn reset_second_factor(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        self.require(
            actor,
            Permission::ManageSecurity,
            "account.second_factor_reset",
        )
        .await?;
        let now = self.clock().now();
        actor.require_recent_auth(now)?;
        let mut tx = self.db().write_accounts().await?;
        let account = accounts::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        accounts::clear_totp(&mut tx, account.id).await?;
        accounts::delete_sessions_of(&mut tx, account.id).await?;
        let event = Event::new("account.second_factor_reset").object("account", account.id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Re-authentication: the holder of the session gives their password again, which opens
    /// sensitive actions for a few minutes. A wrong password counts like a failed login. The
    /// session gets a new id (returned), as at every rise in what it may do.
    pub async fn reauthenticate(
        &self,
        actor: &Actor,
        session_token: &str,
        password: &str,
    ) -> ServiceResult<String> {
        let account = self.own_account(actor).await?;
        let now = self.clock().now();
        let verified = self
            .verify_password(password.to_owned(), account.password_hash.clone())
            .await?;
        if !verified {
            return Err(self
                .wrong_password_in_session(actor, &account, "auth.reauthenticate", "password")
                .await?);
        }
        let mut tx = self.db().write_accounts().await?;
        accounts::mark_reauthenticated(&mut tx, &secret::digest(session_token), now).await?;
        let (token, _) = rotate(&mut tx, session_token).await?;
        audit::write(
            &mut tx,
            self.crypto(),
            actor.into(),
            now,
            Event::new("auth.reauthenticate"),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }
}
