//! Account administration, split as 三员 requires: the system administrator creates,
//! disables and resets accounts; the security administrator grants roles and data scopes; the
//! shell (`dangjian user …`, `dangjian token …`) does both for whoever runs the server.

use dangjian_core::member::PoliceNumber;
use dangjian_core::org::Code;
use dangjian_core::password;
use dangjian_core::role::{Permission, Role};
use dangjian_core::text;
use dangjian_store::accounts::{self, AccountRow, NewAccount, TokenRow};
use dangjian_store::{Conn, members, orgs};
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

/// A login name: 3 to 32 lower-case letters, digits, `.`, `-` or `_`.
pub fn parse_login(raw: &str) -> Result<String, &'static str> {
    let login = normalise_login(raw);
    if login.is_empty() {
        return Err("请填写登录名");
    }
    let ok = (3..=32).contains(&login.len())
        && login.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        });
    if ok {
        Ok(login)
    } else {
        Err("登录名为3至32位小写字母、数字或 . - _")
    }
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
            return Err(ServiceError::invalid("org", "组织书记/委员须指定所在组织"));
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
            let number = PoliceNumber::parse(raw)
                .map_err(|e| ServiceError::invalid("police_number", e.to_string()))?;
            let member = members::by_police_number(conn, number.as_str())
                .await?
                .ok_or_else(|| ServiceError::invalid("police_number", "没有这个警号的党员"))?;
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
        tx.commit().await?;
        let now = self.clock().now();
        Ok(rows
            .into_iter()
            .map(|row| AccountView::from(row).at(now))
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
        tx.commit().await?;
        Ok(AccountView::from(row).at(self.clock().now()))
    }

    /// Creates an account without a role (system administrator). Returns its id and the
    /// one-time password to hand over; the holder must change it at first login.
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
        let password = secret::one_time_password();
        let hash = self.hash_password(password.clone()).await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let account = NewAccount {
            login: &login,
            display_name: &display_name,
            role: None,
            org_id: None,
            member_id: None,
            password_hash: &hash,
            must_change_password: true,
        };
        let id = accounts::insert(&mut tx, &account, now)
            .await
            .map_err(|e| duplicate_to_field(e, DUPLICATE_LOGIN))?;
        let event = Event::new("account.create")
            .object("account", id)
            .detail(json!({ "login": login }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok((id, password))
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

    /// Resets an account's password to a new one-time password (system administrator).
    pub async fn reset_password(&self, actor: &Actor, id: i64) -> ServiceResult<String> {
        self.require(actor, Permission::ManageAccounts, "account.reset_password")
            .await?;
        let password = secret::one_time_password();
        let hash = self.hash_password(password.clone()).await?;
        let now = self.clock().now();
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
        crate::auth::replace_password(&mut tx, &account, &hash, true, now).await?;
        audit::write(
            &mut tx,
            self.crypto(),
            actor.into(),
            now,
            Event::new("account.reset_password").object("account", id),
        )
        .await?;
        tx.commit().await?;
        Ok(password)
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
        // failed attempts ends with it.
        accounts::clear_failures(&mut tx, account.id).await?;
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

    /// `dangjian token create`: a bearer token acting as the account, shown once.
    pub async fn cli_create_token(&self, login: &str, label: &str) -> ServiceResult<String> {
        let login = normalise_login(login);
        let label = text::optional(label, "说明", 60)
            .map_err(|e| ServiceError::invalid("label", e.to_string()))?
            .unwrap_or_else(|| "命令行创建".to_owned());
        let token = secret::random_token();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let account = accounts::by_login(&mut tx, &login)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let id = accounts::insert_token(&mut tx, account.id, &label, &secret::digest(&token), now)
            .await?;
        let event = Event::new("token.create")
            .object("token", id)
            .detail(json!({ "login": login, "label": label }));
        audit::write(&mut tx, self.crypto(), (&Actor::cli()).into(), now, event).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// `dangjian token list`.
    pub async fn cli_tokens(&self) -> ServiceResult<Vec<TokenRow>> {
        let mut tx = self.db().read().await?;
        let rows = accounts::tokens(&mut tx).await?;
        tx.commit().await?;
        Ok(rows)
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
