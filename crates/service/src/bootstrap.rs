//! First start: an empty database gets the three administrator accounts (三员) with random
//! one-time passwords. They are returned once, to be printed to the console, and stored only
//! as hashes; each must be changed at first login. There is no `admin`/`admin`.

use dangjian_core::role::Role;
use dangjian_store::accounts::{self, NewAccount};
use serde_json::json;

use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::ServiceResult;
use crate::{Services, secret};

/// An administrator created at first start, with the password to print once.
#[derive(Debug, Clone)]
pub struct InitialAdmin {
    pub login: &'static str,
    pub role: Role,
    pub password: String,
}

const ADMINS: [(&str, &str, Role); 3] = [
    ("sysadmin", "系统管理员", Role::SystemAdmin),
    ("secadmin", "安全管理员", Role::SecurityAdmin),
    ("auditadmin", "审计管理员", Role::AuditAdmin),
];

pub(crate) async fn ensure_initial_admins(
    services: &Services,
) -> ServiceResult<Option<Vec<InitialAdmin>>> {
    let mut tx = services.db().read().await?;
    let existing = accounts::count(&mut tx).await?;
    tx.commit().await?;
    if existing > 0 {
        return Ok(None);
    }
    let mut created = Vec::new();
    let mut hashes = Vec::new();
    for (login, _, role) in ADMINS {
        let password = secret::one_time_password();
        hashes.push(services.hash_password(password.clone()).await?);
        created.push(InitialAdmin {
            login,
            role,
            password,
        });
    }
    let now = services.clock().now();
    let mut tx = services.db().write().await?;
    // Another process may have bootstrapped meanwhile; the write lock makes this check final.
    if accounts::count(&mut tx).await? > 0 {
        return Ok(None);
    }
    let cli = Actor::cli();
    for ((login, name, role), hash) in ADMINS.iter().zip(&hashes) {
        let account = NewAccount {
            login,
            display_name: name,
            role: Some(*role),
            org_id: None,
            member_id: None,
            password_hash: hash,
            must_change_password: true,
        };
        let id = accounts::insert(&mut tx, &account, now).await?;
        let event = Event::new("account.create")
            .object("account", id)
            .detail(json!({ "login": login, "role": role.code(), "initial": true }));
        audit::write(&mut tx, services.crypto(), (&cli).into(), now, event).await?;
    }
    tx.commit().await?;
    Ok(Some(created))
}
