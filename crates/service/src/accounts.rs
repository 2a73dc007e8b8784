//! Account administration, split as 三员 requires: the system administrator creates,
//! disables and resets accounts; the security administrator grants roles and data scopes; the
//! shell (`dangjian user …`, `dangjian token …`) does both for whoever runs the server.

use dangjian_core::member::MemberRef;
use dangjian_core::org::Code;
use dangjian_core::password;
use dangjian_core::policy::SecurityPolicy;
use dangjian_core::role::{Permission, Role};
use dangjian_core::text;
use dangjian_store::accounts::{self, AccountRow, NewAccount, TokenRow};
use dangjian_store::{Conn, orgs};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Event};
use crate::auth::{Actor, normalise_login};
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};
use crate::{Services, secret};

/// An account as the administrators see it: never its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub org_name: Option<String>,
    pub member_id: Option<i64>,
    pub disabled: bool,
    pub must_change_password: bool,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Set while the account is locked after failed logins.
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
    /// A second factor is in force.
    pub second_factor: bool,
    /// A password setting awaiting the security administrator: its kind and when it was asked.
    pub pending_password: Option<(GrantKind, chrono::DateTime<chrono::Utc>)>,
}

impl From<AccountRow> for AccountView {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            login: row.login,
            display_name: row.display_name,
            role: row.role,
            org_name: row.org_name,
            member_id: row.member_id,
            disabled: row.disabled,
            must_change_password: row.must_change_password,
            last_login_at: row.last_login_at,
            locked_until: row.locked_until,
            second_factor: row.totp_enabled_at.is_some(),
            pending_password: None,
        }
    }
}

impl AccountView {
    /// Drops a lock that has run out by `now`.
    fn at(mut self, now: chrono::DateTime<chrono::Utc>) -> Self {
        self.locked_until = self.locked_until.filter(|until| *until > now);
        self
    }
}

/// The role-and-scope form of the security administrator (and the shell).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GrantForm {
    pub role: String,
    /// The org code, for `org_secretary` (and optionally `committee_staff`).
    pub org: String,
    /// The member's 警号, for `member`.
    pub police_number: String,
}

/// The new-account form of the system administrator.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NewAccountForm {
    pub login: String,
    pub display_name: String,
}

/// Logins a guesser tries first: no account may have them (the three administrators are
/// `sysadmin`, `secadmin` and `auditadmin`, made at first start).
const GUESSABLE_LOGINS: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "superuser",
    "supervisor",
    "system",
    "guest",
    "test",
    "user",
    "default",
    "anonymous",
    "operator",
    "manager",
    "webmaster",
    "support",
];

/// A login name: 3 to 32 lower-case letters, digits, `.`, `-` or `_`, and none of the names
/// a guesser tries first.
pub fn parse_login(raw: &str) -> Result<String, &'static str> {
    let login = normalise_login(raw);
    if login.is_empty() {
        return Err("请填写登录名");
    }
    let ok = (3..=32).contains(&login.len())
        && login.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        });
    if !ok {
        return Err("登录名为3至32位小写字母、数字或 . - _");
    }
    if GUESSABLE_LOGINS.contains(&login.as_str()) {
        return Err("该登录名容易被猜中（如 admin、root），请用本人姓名拼音或警号");
    }
    Ok(login)
}

/// How long a password setting may wait for the security administrator: the first half has
/// been handed over already, and a half that waits for days is a half that gets written down.
pub const GRANT_VALID_FOR: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Why a password is being set: a new account's first password, or a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    Initial,
    Reset,
}

impl GrantKind {
    pub fn code(self) -> &'static str {
        match self {
            GrantKind::Initial => "initial",
            GrantKind::Reset => "reset",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GrantKind::Initial => "新账号的初始密码",
            GrantKind::Reset => "重置密码",
        }
    }

    fn from_code(code: &str) -> Self {
        if code == "initial" {
            GrantKind::Initial
        } else {
            GrantKind::Reset
        }
    }
}

/// A password setting awaiting approval, as both administrators see it (never its halves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordGrantView {
    pub id: i64,
    pub account_id: i64,
    pub login: String,
    pub display_name: String,
    pub kind: GrantKind,
    pub requested_by: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    /// Waited longer than [`GRANT_VALID_FOR`]: it can only be asked again.
    pub expired: bool,
}

/// What the security administrator's approval hands over: the account and the second half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedGrant {
    pub account_id: i64,
    pub login: String,
    pub second_half: String,
}

/// What the sealed first half of a request is bound to: its account, so a copied ciphertext
/// opens for no other.
pub(crate) fn grant_context(account_id: i64) -> String {
    format!("password_grant:{account_id}")
}

/// When a token stops working: its own end or the policy's age from its creation, whichever
/// comes first (a shorter policy applies to tokens made before it).
pub fn token_end(token: &TokenRow, policy: &SecurityPolicy) -> chrono::DateTime<chrono::Utc> {
    let by_policy = token.created_at + policy.token_max_age();
    token.expires_at.map_or(by_policy, |own| own.min(by_policy))
}

/// The binding of a role: which org and which member record the account stands for.
struct Binding {
    role: Option<Role>,
    org_id: Option<i64>,
    member_id: Option<i64>,
}

/// Resolves the grant form. Administrator roles are never granted through the application:
/// only the three created at first start (or by the shell) hold them.
async fn resolve_grant(
    conn: &mut Conn,
    form: &GrantForm,
    allow_admin: bool,
) -> ServiceResult<Binding> {
    let role = match form.role.trim() {
        "" => {
            return Ok(Binding {
                role: None,
                org_id: None,
                member_id: None,
            });
        }
        code => Role::from_code(code)
            .ok_or_else(|| ServiceError::invalid("role", "请选择有效的角色"))?,
    };
    if role.is_administrator() && !allow_admin {
        return Err(ServiceError::invalid(
            "role",
            "三员角色只能在服务器命令行设置",
        ));
    }
    let org_id = match form.org.trim() {
        "" if role.needs_org() => {
            return Err(ServiceError::invalid(
                "org",
                format!("{}须指定所在组织", role.label()),
            ));
        }
        "" => None,
        raw => {
            let code = Code::parse(raw).map_err(|e| ServiceError::invalid("org", e.to_string()))?;
            let org = orgs::by_code(conn, code.as_str())
                .await?
                .filter(|o| o.dissolved_on.is_none())
                .ok_or_else(|| ServiceError::invalid("org", "没有这个组织编码，或该组织已撤销"))?;
            Some(org.id)
        }
    };
    let member_id = match form.police_number.trim() {
        "" if role.needs_member() => {
            return Err(ServiceError::invalid(
                "police_number",
                "党员账号须关联党员（警号）",
            ));
        }
        "" => None,
        raw => {
            let reference = MemberRef::parse(raw)
                .map_err(|e| ServiceError::invalid("police_number", e.to_string()))?;
            let member = crate::scope::member_by_ref(conn, &reference)
                .await?
                .ok_or_else(|| {
                    ServiceError::invalid("police_number", "没有这个警号或党员编号的党员")
                })?;
            Some(member.id)
        }
    };
    Ok(Binding {
        role: Some(role),
        org_id,
        member_id,
    })
}

const DUPLICATE_LOGIN: &[(&str, &str, &str)] = &[("accounts.login", "login", "该登录名已被使用")];

impl Services {
    pub async fn accounts(&self, actor: &Actor) -> ServiceResult<Vec<AccountView>> {
        if !actor.permits(Permission::ManageAccounts) {
            self.require(actor, Permission::GrantRoles, "account.list")
                .await?;
        }
        let mut tx = self.db().read().await?;
        let rows = accounts::list(&mut tx).await?;
        let pending = accounts::pending_password_grants(&mut tx).await?;
        tx.commit().await?;
        let now = self.clock().now();
        Ok(rows
            .into_iter()
            .map(|row| with_pending(AccountView::from(row).at(now), &pending))
            .collect())
    }

    pub async fn account(&self, actor: &Actor, id: i64) -> ServiceResult<AccountView> {
        if !actor.permits(Permission::ManageAccounts) {
            self.require(actor, Permission::GrantRoles, "account.view")
                .await?;
        }
        let mut tx = self.db().read().await?;
        let row = accounts::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let pending = accounts::pending_password_grants(&mut tx).await?;
        tx.commit().await?;
        Ok(with_pending(
            AccountView::from(row).at(self.clock().now()),
            &pending,
        ))
    }

    /// Creates an account without a role (system administrator) and asks for its first
    /// password: returns its id and the first half of a one-time password. The account has no
    /// usable password until the security administrator approves and receives the second
    /// half (三员分立: neither administrator alone can log in as the account); the holder
    /// types both halves and must change the password at first login.
    pub async fn create_account(
        &self,
        actor: &Actor,
        form: &NewAccountForm,
    ) -> ServiceResult<(i64, String)> {
        self.require(actor, Permission::ManageAccounts, "account.create")
            .await?;
        let login = parse_login(&form.login).map_err(|m| ServiceError::invalid("login", m))?;
        let display_name = text::required(&form.display_name, "姓名", 30)
            .map_err(|e| ServiceError::invalid("display_name", e.to_string()))?;
        // A verifier of a secret no one keeps: the account cannot be logged in to yet.
        let unusable = self.hash_password(secret::random_token()).await?;
        let first_half = secret::password_half();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let account = NewAccount {
            login: &login,
            display_name: &display_name,
            role: None,
            org_id: None,
            member_id: None,
            password_hash: &unusable,
            must_change_password: true,
        };
        let id = accounts::insert(&mut tx, &account, now)
            .await
            .map_err(|e| duplicate_to_field(e, DUPLICATE_LOGIN))?;
        let sealed = self.crypto().seal(&first_half, &grant_context(id));
        let grant = accounts::insert_password_grant(
            &mut tx,
            id,
            GrantKind::Initial.code(),
            actor.account_id,
            &sealed,
            now,
        )
        .await?;
        let event = Event::new("account.create")
            .object("account", id)
            .detail(json!({ "login": login, "password_grant": grant }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok((id, first_half))
    }

    /// Asks for a business account's password to be reset (system administrator, after giving
    /// their own password again). Returns the first half of the new one-time password; the
    /// old password keeps working until the security administrator approves. An enrolled
    /// second factor is never touched: whoever learns the password still needs the phone.
    pub async fn request_password_reset(&self, actor: &Actor, id: i64) -> ServiceResult<String> {
        self.require(actor, Permission::ManageAccounts, "account.reset_password")
            .await?;
        let now = self.clock().now();
        actor.require_recent_auth(now)?;
        let first_half = secret::password_half();
        let mut tx = self.db().write().await?;
        let account = accounts::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        // Resetting another administrator's password would let the system administrator act
        // as them: 三员 passwords are reset only from the server's shell.
        if account.role.is_some_and(Role::is_administrator) {
            return Err(ServiceError::invalid(
                "account",
                "三员账号的密码只能在服务器命令行重置（dangjian user passwd）",
            ));
        }
        let sealed = self.crypto().seal(&first_half, &grant_context(id));
        let grant = accounts::insert_password_grant(
            &mut tx,
            id,
            GrantKind::Reset.code(),
            actor.account_id,
            &sealed,
            now,
        )
        .await?;
        let event = Event::new("account.reset_password")
            .object("account", id)
            .detail(json!({ "password_grant": grant, "state": "pending" }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(first_half)
    }

    /// Password settings awaiting the security administrator (both administrators see them;
    /// neither sees a half here).
    pub async fn password_grants(&self, actor: &Actor) -> ServiceResult<Vec<PasswordGrantView>> {
        if !actor.permits(Permission::ManageAccounts) {
            self.require(actor, Permission::ManageSecurity, "account.password_grants")
                .await?;
        }
        let mut tx = self.db().read().await?;
        let rows = accounts::pending_password_grants(&mut tx).await?;
        tx.commit().await?;
        let now = self.clock().now();
        Ok(rows
            .into_iter()
            .map(|row| PasswordGrantView {
                id: row.id,
                account_id: row.account_id,
                login: row.login,
                display_name: row.display_name,
                kind: GrantKind::from_code(&row.kind),
                requested_by: row.requested_by.unwrap_or_else(|| "（命令行）".to_owned()),
                expired: now - row.requested_at > GRANT_VALID_FOR,
                requested_at: row.requested_at,
            })
            .collect())
    }

    /// Approves a password setting (security administrator, after giving their own password
    /// again): the account's password becomes both halves together, to be changed at first
    /// login; its sessions and API tokens end and a lock from failed logins is lifted. The
    /// second half is returned, shown once, to be handed to the holder in person.
    pub async fn approve_password_grant(
        &self,
        actor: &Actor,
        grant_id: i64,
    ) -> ServiceResult<ApprovedGrant> {
        self.require(
            actor,
            Permission::ManageSecurity,
            "account.password_approve",
        )
        .await?;
        let now = self.clock().now();
        actor.require_recent_auth(now)?;
        let mut tx = self.db().read().await?;
        let grant = accounts::password_grant(&mut tx, grant_id)
            .await?
            .filter(|g| g.state == "pending")
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        if now - grant.requested_at > GRANT_VALID_FOR {
            return Err(ServiceError::invalid(
                "grant",
                "该申请已超过 24 小时，请系统管理员重新申请",
            ));
        }
        let first_half = grant
            .first_half_ct
            .as_deref()
            .map(|sealed| self.crypto().open(sealed, &grant_context(grant.account_id)))
            .transpose()
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .ok_or(ServiceError::NotFound)?;
        let second_half = secret::password_half();
        let hash = self
            .hash_password(format!("{first_half}{second_half}"))
            .await?;
        let mut tx = self.db().write().await?;
        if !accounts::decide_password_grant(&mut tx, grant_id, "approved", actor.account_id, now)
            .await?
        {
            return Err(ServiceError::invalid("grant", "该申请已被处理"));
        }
        let account = accounts::get(&mut tx, grant.account_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        crate::auth::replace_password(&mut tx, &account, &hash, true, now).await?;
        accounts::clear_failures(&mut tx, account.id).await?;
        accounts::revoke_tokens_of(&mut tx, account.id, now).await?;
        let event = Event::new("account.password_approve")
            .object("account", account.id)
            .detail(json!({ "password_grant": grant_id, "kind": grant.kind }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(ApprovedGrant {
            account_id: account.id,
            login: account.login,
            second_half,
        })
    }

    /// Refuses a password setting (security administrator); the first half is discarded.
    pub async fn reject_password_grant(&self, actor: &Actor, grant_id: i64) -> ServiceResult<()> {
        self.require(actor, Permission::ManageSecurity, "account.password_reject")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let grant = accounts::password_grant(&mut tx, grant_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !accounts::decide_password_grant(&mut tx, grant_id, "rejected", actor.account_id, now)
            .await?
        {
            return Err(ServiceError::invalid("grant", "该申请已被处理"));
        }
        let event = Event::new("account.password_reject")
            .object("account", grant.account_id)
            .detail(json!({ "password_grant": grant_id, "kind": grant.kind }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants a business role and its scope (security administrator). The account's sessions
    /// end, so the new scope applies from its next login.
    pub async fn grant_role(&self, actor: &Actor, id: i64, form: &GrantForm) -> ServiceResult<()> {
        self.require(actor, Permission::GrantRoles, "account.grant")
            .await?;
        let now = self.clock().now();
        actor.require_recent_auth(now)?;
        let mut tx = self.db().write().await?;
        let account = accounts::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if account.role.is_some_and(Role::is_administrator) {
            return Err(ServiceError::invalid("role", "三员账号的角色不能在此修改"));
        }
        let binding = resolve_grant(&mut tx, form, false).await?;
        accounts::set_role(&mut tx, id, binding.role, binding.org_id, binding.member_id).await?;
        accounts::delete_sessions_of(&mut tx, id).await?;
        let event = Event::new("account.grant")
            .object("account", id)
            .detail(json!({
                "from": account.role.map(|r| r.code()),
                "to": binding.role.map(|r| r.code()),
                "org_id": binding.org_id,
                "member_id": binding.member_id,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or re-enables an account (system administrator); disabling ends its sessions.
    /// No administrator can disable themselves or the last enabled holder of a 三员 role.
    pub async fn set_account_disabled(
        &self,
        actor: &Actor,
        id: i64,
        disabled: bool,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ManageAccounts, "account.disable")
            .await?;
        if disabled && actor.account_id == Some(id) {
            return Err(ServiceError::invalid("account", "不能停用自己的账号"));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let account = accounts::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if disabled && let Some(role) = account.role.filter(|r| r.is_administrator()) {
            let holders = accounts::list(&mut tx)
                .await?
                .into_iter()
                .filter(|a| a.role == Some(role) && !a.disabled)
                .count();
            if holders <= 1 {
                return Err(ServiceError::invalid(
                    "account",
                    "不能停用最后一个可用的三员账号",
                ));
            }
        }
        accounts::set_disabled(&mut tx, id, disabled).await?;
        if disabled {
            accounts::delete_sessions_of(&mut tx, id).await?;
            // Enabling the account again must not bring its old tokens back.
            accounts::revoke_tokens_of(&mut tx, id, now).await?;
        }
        let name = if disabled {
            "account.disable"
        } else {
            "account.enable"
        };
        audit::write(
            &mut tx,
            self.crypto(),
            actor.into(),
            now,
            Event::new(name).object("account", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `dangjian user add`: creates an account with a role in one step, with a password the
    /// operator typed (checked against the policy; the account need not change it).
    pub async fn cli_add_user(
        &self,
        login: &str,
        display_name: &str,
        grant: &GrantForm,
        password: &str,
    ) -> ServiceResult<i64> {
        let login = parse_login(login).map_err(|m| ServiceError::invalid("login", m))?;
        let policy = self.refresh_policy().await?;
        password::check(password, &login, policy.password_min_length as usize)
            .map_err(|e| ServiceError::invalid("password", e.to_string()))?;
        let hash = self.hash_password(password.to_owned()).await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let binding = resolve_grant(&mut tx, grant, true).await?;
        let display_name = if display_name.trim().is_empty() {
            login.clone()
        } else {
            display_name.trim().to_owned()
        };
        let account = NewAccount {
            login: &login,
            display_name: &display_name,
            role: binding.role,
            org_id: binding.org_id,
            member_id: binding.member_id,
            password_hash: &hash,
            must_change_password: false,
        };
        let id = accounts::insert(&mut tx, &account, now)
            .await
            .map_err(|e| duplicate_to_field(e, DUPLICATE_LOGIN))?;
        let event = Event::new("account.create")
            .object("account", id)
            .detail(json!({ "login": login, "role": binding.role.map(|r| r.code()) }));
        audit::write(&mut tx, self.crypto(), (&Actor::cli()).into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// `dangjian user passwd`: sets a password from the shell. It ends the account's sessions.
    pub async fn cli_set_password(&self, login: &str, password: &str) -> ServiceResult<()> {
        let login = normalise_login(login);
        let policy = self.refresh_policy().await?;
        password::check(password, &login, policy.password_min_length as usize)
            .map_err(|e| ServiceError::invalid("password", e.to_string()))?;
        let hash = self.hash_password(password.to_owned()).await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let account = accounts::by_login(&mut tx, &login)
            .await?
            .ok_or(ServiceError::NotFound)?;
        crate::auth::replace_password(&mut tx, &account, &hash, false, now).await?;
        // The operator at the shell has just proven who is behind the account: a lock from
        // failed attempts ends with it, and so do tokens issued under the old password.
        accounts::clear_failures(&mut tx, account.id).await?;
        accounts::revoke_tokens_of(&mut tx, account.id, now).await?;
        audit::write(
            &mut tx,
            self.crypto(),
            (&Actor::cli()).into(),
            now,
            Event::new("account.set_password").object("account", account.id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `dangjian user list`.
    pub async fn cli_accounts(&self) -> ServiceResult<Vec<AccountView>> {
        let mut tx = self.db().read().await?;
        let rows = accounts::list(&mut tx).await?;
        tx.commit().await?;
        let now = self.clock().now();
        Ok(rows
            .into_iter()
            .map(|row| AccountView::from(row).at(now))
            .collect())
    }

    /// `dangjian token create`: a bearer token acting as the account, shown once, working
    /// for `days` (at most the policy's token age; none: that age). Returns the token and
    /// its end.
    pub async fn cli_create_token(
        &self,
        login: &str,
        label: &str,
        days: Option<u32>,
    ) -> ServiceResult<(String, chrono::DateTime<chrono::Utc>)> {
        let login = normalise_login(login);
        let label = text::optional(label, "说明", 60)
            .map_err(|e| ServiceError::invalid("label", e.to_string()))?
            .unwrap_or_else(|| "命令行创建".to_owned());
        let policy = self.refresh_policy().await?;
        let days = match days {
            None => policy.token_max_age_days,
            Some(days) if (1..=policy.token_max_age_days).contains(&days) => days,
            Some(_) => {
                return Err(ServiceError::invalid(
                    "days",
                    format!(
                        "有效期须在 1 到 {} 天之间（安全策略）",
                        policy.token_max_age_days
                    ),
                ));
            }
        };
        let token = secret::random_token();
        let now = self.clock().now();
        let expires_at = now + chrono::TimeDelta::days(i64::from(days));
        let mut tx = self.db().write().await?;
        let account = accounts::by_login(&mut tx, &login)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let id = accounts::insert_token(
            &mut tx,
            account.id,
            &label,
            &secret::digest(&token),
            now,
            expires_at,
        )
        .await?;
        let event = Event::new("token.create").object("token", id).detail(
            json!({ "login": login, "label": label, "expires_at": dangjian_store::timestamp_text(expires_at) }),
        );
        audit::write(&mut tx, self.crypto(), (&Actor::cli()).into(), now, event).await?;
        tx.commit().await?;
        Ok((token, expires_at))
    }

    /// `dangjian token list`: every token with the moment it stops (or stopped) working.
    pub async fn cli_tokens(
        &self,
    ) -> ServiceResult<Vec<(TokenRow, chrono::DateTime<chrono::Utc>)>> {
        let policy = self.refresh_policy().await?;
        let mut tx = self.db().read().await?;
        let rows = accounts::tokens(&mut tx).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let end = token_end(&row, &policy);
                (row, end)
            })
            .collect())
    }

    /// `dangjian token revoke`: the token stops working at once.
    pub async fn cli_revoke_token(&self, id: i64) -> ServiceResult<()> {
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if !accounts::revoke_token(&mut tx, id, now).await? {
            return Err(ServiceError::NotFound);
        }
        audit::write(
            &mut tx,
            self.crypto(),
            (&Actor::cli()).into(),
            now,
            Event::new("token.revoke").object("token", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Marks the account's pending password setting, if any.
fn with_pending(
    mut view: AccountView,
    pending: &[dangjian_store::accounts::PasswordGrantRow],
) -> AccountView {
    view.pending_password = pending
        .iter()
        .find(|g| g.account_id == view.id)
        .map(|g| (GrantKind::from_code(&g.kind), g.requested_at));
    view
}
