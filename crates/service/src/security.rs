//! The security administrator's functions beyond roles: the authentication policy (within its
//! floors) and unlocking accounts locked by failed logins.

use dangjian_core::policy::{SETTINGS, SecurityPolicy};
use dangjian_core::role::Permission;
use dangjian_store::accounts;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};

impl Services {
    /// Reads the policy from the database and makes it the one in force. Read at every login
    /// and password change, so a change by the security administrator reaches every process
    /// sharing the database at its next login. A stored value outside its bounds (possible
    /// only by editing the database) falls back to the default rather than weakening anything.
    pub async fn refresh_policy(&self) -> ServiceResult<SecurityPolicy> {
        let mut tx = self.db().read().await?;
        let stored = accounts::policy(&mut tx).await?;
        tx.commit().await?;
        let texts: Vec<(String, String)> = stored
            .into_iter()
            .map(|(name, value)| (name, value.to_string()))
            .collect();
        let policy = SecurityPolicy::parse(texts.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .unwrap_or_default();
        self.set_policy_in_force(policy);
        Ok(policy)
    }

    /// The policy for the security administrator's form.
    pub async fn security_policy(&self, actor: &Actor) -> ServiceResult<SecurityPolicy> {
        self.require(actor, Permission::ManageSecurity, "security.policy_view")
            .await?;
        self.refresh_policy().await
    }

    /// Stores a new policy (security administrator). Every value is checked against its
    /// bounds first; nothing is stored unless all are valid. The change and the old and new
    /// values are audited.
    pub async fn save_security_policy(
        &self,
        actor: &Actor,
        form: &[(String, String)],
    ) -> ServiceResult<SecurityPolicy> {
        self.require(actor, Permission::ManageSecurity, "security.policy_change")
            .await?;
        actor.require_recent_auth(self.clock().now())?;
        for (name, _) in form {
            if !SETTINGS.iter().any(|s| s.name == name) {
                return Err(ServiceError::invalid("policy", "表单含有未知的设置项"));
            }
        }
        let new = SecurityPolicy::parse(form.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .map_err(ServiceError::Invalid)?;
        let old = self.refresh_policy().await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let mut changes = serde_json::Map::new();
        for setting in SETTINGS {
            let (before, after) = (old.get(setting.name), new.get(setting.name));
            accounts::set_policy(&mut tx, setting.name, i64::from(after), &actor.login, now)
                .await?;
            if before != after {
                changes.insert(
                    setting.name.to_owned(),
                    json!({ "from": before, "to": after }),
                );
            }
        }
        let event = Event::new("security.policy_change").detail(json!({ "changes": changes }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.set_policy_in_force(new);
        Ok(new)
    }

    /// Lifts a lock from failed logins (security administrator).
    pub async fn unlock_account(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        self.require(actor, Permission::ManageSecurity, "account.unlock")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let account = accounts::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        accounts::clear_failures(&mut tx, account.id).await?;
        let event = Event::new("account.unlock").object("account", account.id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    fn set_policy_in_force(&self, policy: SecurityPolicy) {
        *self
            .policy_slot()
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = policy;
    }
}
