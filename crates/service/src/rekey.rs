//! Re-encryption after a key rotation (`dangjian keys rotate`): every value sealed under an
//! older field key is opened and sealed again under the current one, in batches of their own
//! transactions, so a large roster is not one long lock and an interrupted run simply
//! continues where it stopped when started again.

use dangjian_store::{accounts, dues, dues_imports, imports, members, recruitment};
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event, Outcome};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};

/// How many values were sealed again, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RekeyReport {
    /// Members' ID numbers and phones, and the ID numbers of people on the path (发展党员).
    pub member_fields: u64,
    pub second_factor_secrets: u64,
    pub import_batches: u64,
    pub password_halves: u64,
    pub dues_pay: u64,
}

const BATCH: i64 = 500;

impl Services {
    /// Seals again, under the current key, every protected value sealed under an older one
    /// (shell only). A value that does not open is not touched; the run stops and is audited
    /// as a failure, because it means the key file does not match the data.
    pub async fn reseal_protected_fields(&self, actor: &Actor) -> ServiceResult<RekeyReport> {
        if actor.channel != crate::Channel::Cli {
            return Err(ServiceError::Forbidden);
        }
        let crypto = self.crypto();
        let mut report = RekeyReport::default();
        let result = async {
            let mut after = 0;
            loop {
                let mut tx = self.db().write().await?;
                let rows = members::sealed_after(&mut tx, after, BATCH).await?;
                let Some(last) = rows.last() else {
                    tx.commit().await?;
                    break;
                };
                after = last.0;
                for (id, id_number, phone) in &rows {
                    let stale = crypto.needs_rekey(id_number)
                        || phone.as_deref().is_some_and(|p| crypto.needs_rekey(p));
                    if !stale {
                        continue;
                    }
                    let id_context = crate::members::context(*id, "id_number");
                    let phone_context = crate::members::context(*id, "phone");
                    let open = |sealed: &str, context: &str| {
                        crypto
                            .open(sealed, context)
                            .map_err(|e| ServiceError::Internal(format!("member {id}: {e}")))
                    };
                    let id_number = crypto.seal(&open(id_number, &id_context)?, &id_context);
                    let phone = match phone {
                        Some(p) => Some(crypto.seal(&open(p, &phone_context)?, &phone_context)),
                        None => None,
                    };
                    members::set_protected(&mut tx, *id, &id_number, phone.as_deref()).await?;
                    report.member_fields += 1;
                }
                tx.commit().await?;
            }
            // The ID numbers of the people on the path to membership (发展党员).
            let mut after = 0;
            loop {
                let mut tx = self.db().write().await?;
                let rows = recruitment::sealed_after(&mut tx, after, BATCH).await?;
                let Some(last) = rows.last() else {
                    tx.commit().await?;
                    break;
                };
                after = last.0;
                for (id, sealed) in &rows {
                    if !crypto.needs_rekey(sealed) {
                        continue;
                    }
                    let context = crate::recruitment::id_number_context(*id);
                    let number = crypto
                        .open(sealed, &context)
                        .map_err(|e| ServiceError::Internal(format!("recruit {id}: {e}")))?;
                    recruitment::set_sealed_id_number(
                        &mut tx,
                        *id,
                        &crypto.seal(&number, &context),
                    )
                    .await?;
                    report.member_fields += 1;
                }
                tx.commit().await?;
            }
            let mut after = 0;
            loop {
                let mut tx = self.db().write().await?;
                let rows = dues::sealed_pay_after(&mut tx, after, BATCH).await?;
                let Some(last) = rows.last() else {
                    tx.commit().await?;
                    break;
                };
                after = last.0;
                for (id, member, from, sealed) in &rows {
                    if !crypto.needs_rekey(sealed) {
                        continue;
                    }
                    let context = crate::dues::pay_context(*member, *from);
                    let pay = crypto
                        .open(sealed, &context)
                        .map_err(|e| ServiceError::Internal(format!("dues pay {id}: {e}")))?;
                    dues::reseal_pay(&mut tx, *id, &crypto.seal(&pay, &context)).await?;
                    report.dues_pay += 1;
                }
                tx.commit().await?;
            }
            let mut tx = self.db().write().await?;
            for (id, sealed) in accounts::sealed_totp(&mut tx).await? {
                if crypto.needs_rekey(&sealed) {
                    let context = crate::second_factor::context(id);
                    let secret = crypto
                        .open(&sealed, &context)
                        .map_err(|e| ServiceError::Internal(format!("account {id}: {e}")))?;
                    accounts::reseal_totp(&mut tx, id, &crypto.seal(&secret, &context)).await?;
                    report.second_factor_secrets += 1;
                }
            }
            for (id, sealed) in imports::sealed_payloads(&mut tx).await? {
                if crypto.needs_rekey(&sealed) {
                    let context = format!("import:{id}");
                    let payload = crypto
                        .open(&sealed, &context)
                        .map_err(|e| ServiceError::Internal(format!("import {id}: {e}")))?;
                    imports::set_payload(&mut tx, id, &crypto.seal(&payload, &context)).await?;
                    report.import_batches += 1;
                }
            }
            for (id, sealed) in dues_imports::sealed_payloads(&mut tx).await? {
                if crypto.needs_rekey(&sealed) {
                    let context = crate::dues::import_context(id);
                    let payload = crypto
                        .open(&sealed, &context)
                        .map_err(|e| ServiceError::Internal(format!("dues import {id}: {e}")))?;
                    dues_imports::set_payload(&mut tx, id, &crypto.seal(&payload, &context))
                        .await?;
                    report.import_batches += 1;
                }
            }
            for (id, account_id, sealed) in accounts::sealed_grant_halves(&mut tx).await? {
                if crypto.needs_rekey(&sealed) {
                    let context = crate::accounts::grant_context(account_id);
                    let half = crypto
                        .open(&sealed, &context)
                        .map_err(|e| ServiceError::Internal(format!("password grant {id}: {e}")))?;
                    accounts::reseal_grant_half(&mut tx, id, &crypto.seal(&half, &context)).await?;
                    report.password_halves += 1;
                }
            }
            tx.commit().await?;
            Ok::<(), ServiceError>(())
        }
        .await;
        let now = self.clock().now();
        let detail = json!({
            "member_fields": report.member_fields,
            "second_factor_secrets": report.second_factor_secrets,
            "import_batches": report.import_batches,
            "password_halves": report.password_halves,
            "dues_pay": report.dues_pay,
        });
        let event = match &result {
            Ok(()) => Event::new("keys.rotate").detail(detail),
            Err(e) => Event::new("keys.rotate")
                .outcome(Outcome::Failure)
                .detail(json!({ "done": detail, "error": e.to_string() })),
        };
        let mut tx = self.db().write().await?;
        audit::write(&mut tx, crypto, actor.into(), now, event).await?;
        tx.commit().await?;
        result.map(|()| report)
    }
}
