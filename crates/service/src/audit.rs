//! Writing and reading the audit log. Every use case writes its record in its own transaction,
//! so a change and its record commit or fail together; reading is the audit administrator's
//! alone, and each query is itself recorded.

use chrono::{DateTime, Utc};
use dangjian_core::role::Permission;
use dangjian_store::accounts::AccountRow;
use dangjian_store::audit::{self, AuditFilter, AuditRow};
use dangjian_store::{Conn, Page, timestamp_text};
use serde_json::{Value, json};

use crate::auth::{Actor, Origin};
use crate::error::ServiceResult;
use crate::{CryptoProvider, Services};

/// The result of an audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// Refused for lack of permission or out of scope.
    Denied,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// What happened: the event name (`area.action`), the object, the outcome and details. The
/// details name changed fields, never the values of personal data.
#[derive(Debug, Clone)]
pub struct Event {
    name: &'static str,
    object: Option<(&'static str, String)>,
    outcome: Outcome,
    detail: Value,
}

impl Event {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            object: None,
            outcome: Outcome::Success,
            detail: Value::Null,
        }
    }

    pub fn object(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.object = Some((kind, id.to_string()));
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Who acted: an authenticated actor, or a login attempt that has none yet.
pub struct Who<'a> {
    pub account_id: Option<i64>,
    pub login: &'a str,
    pub role: Option<&'static str>,
    pub channel: &'static str,
    pub origin: &'a Origin,
}

impl<'a> From<&'a Actor> for Who<'a> {
    fn from(actor: &'a Actor) -> Self {
        Who {
            account_id: actor.account_id,
            login: &actor.login,
            role: actor.role.map(|r| r.code()),
            channel: actor.channel.code(),
            origin: &actor.origin,
        }
    }
}

/// Appends one record, chained to the one before it.
pub(crate) async fn write(
    conn: &mut Conn,
    crypto: &dyn CryptoProvider,
    who: Who<'_>,
    now: DateTime<Utc>,
    event: Event,
) -> ServiceResult<()> {
    let mut detail = match event.detail {
        Value::Object(map) => map,
        Value::Null => serde_json::Map::new(),
        other => {
            let mut map = serde_json::Map::new();
            map.insert("value".to_owned(), other);
            map
        }
    };
    detail.insert("channel".to_owned(), json!(who.channel));
    let head = audit::lock_head(conn).await?;
    let mut row = AuditRow {
        id: head.last_id + 1,
        ts: now,
        account_id: who.account_id,
        login: (!who.login.is_empty()).then(|| who.login.to_owned()),
        role: who.role.map(str::to_owned),
        ip: who.origin.ip.clone(),
        user_agent: who
            .origin
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(200).collect()),
        event: event.name.to_owned(),
        object_type: event.object.as_ref().map(|(kind, _)| (*kind).to_owned()),
        object_id: event.object.map(|(_, id)| id),
        outcome: event.outcome.code().to_owned(),
        detail: Some(Value::Object(detail).to_string()),
        mac: None,
    };
    row.mac = Some(crypto.audit_mac(&head.last_mac, &canonical(&row)));
    audit::append(conn, &row).await?;
    Ok(())
}

/// The text a record's MAC covers: every field but the MAC, in a fixed order, as a JSON
/// array (unambiguous however the fields are filled). The time is the stored text, to the
/// millisecond, so the writer and a later verifier see the same bytes.
fn canonical(row: &AuditRow) -> String {
    json!([
        row.id,
        timestamp_text(row.ts),
        row.account_id,
        row.login,
        row.role,
        row.ip,
        row.user_agent,
        row.event,
        row.object_type,
        row.object_id,
        row.outcome,
        row.detail,
    ])
    .to_string()
}

/// What verification of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    /// Every chained record checks, and the newest is the head.
    Intact {
        /// Records checked.
        records: u64,
        /// Records written before the chain existed (an upgrade), which carry no MAC.
        unchained: i64,
    },
    /// The first record that does not check, and why.
    Broken { id: i64, reason: &'static str },
}

/// A seal as handed out: the signed head and the key that checks it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SealView {
    pub sealed_at: String,
    pub last_id: i64,
    pub last_mac: String,
    /// SM2 over [`seal_message`], DER, hex.
    pub signature: String,
    /// SM2 public key, SEC1 uncompressed, hex (distinguishing id 1234567812345678).
    pub public_key: String,
}

/// The bytes a seal signs: the head and the moment, in a fixed form anyone can rebuild.
pub fn seal_message(sealed_at: &str, last_id: i64, last_mac: &str) -> String {
    format!("dangjian audit seal\n{sealed_at}\n{last_id}\n{last_mac}")
}

/// How many records verification and export read at a time.
const BATCH: i64 = 5_000;

/// Checks the chain as seen by `conn` (one snapshot).
async fn verify(conn: &mut Conn, crypto: &dyn CryptoProvider) -> ServiceResult<ChainReport> {
    let head = audit::head(conn).await?;
    let mut previous = String::new();
    let mut expected = head.chain_from;
    let mut records = 0u64;
    let mut unchained = 0i64;
    let mut after = 0;
    loop {
        let rows = audit::after(conn, after, &AuditFilter::default(), BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in &rows {
            if row.id < head.chain_from {
                unchained += 1;
                continue;
            }
            if row.id != expected {
                return Ok(ChainReport::Broken {
                    id: expected,
                    reason: "记录缺失（被删除）",
                });
            }
            let Some(mac) = &row.mac else {
                return Ok(ChainReport::Broken {
                    id: row.id,
                    reason: "记录没有校验码（不是经由本系统写入）",
                });
            };
            if crypto.audit_mac(&previous, &canonical(row)) != *mac {
                return Ok(ChainReport::Broken {
                    id: row.id,
                    reason: "记录内容被改动或被替换",
                });
            }
            previous.clone_from(mac);
            expected += 1;
            records += 1;
        }
    }
    if expected - 1 < head.last_id {
        return Ok(ChainReport::Broken {
            id: expected,
            reason: "最新的记录缺失（日志被截断）",
        });
    }
    if expected - 1 > head.last_id || previous != head.last_mac {
        return Ok(ChainReport::Broken {
            id: head.last_id,
            reason: "链头与最新记录不符",
        });
    }
    // Every seal must be signed by our key and name a record that still has the sealed MAC.
    let public_key = crypto.signing_public_key();
    for seal in audit::seals(conn).await? {
        let at = timestamp_text(seal.sealed_at);
        let message = seal_message(&at, seal.last_id, &seal.last_mac);
        if !crate::crypto::verify_sm2(&public_key, message.as_bytes(), &seal.signature) {
            return Ok(ChainReport::Broken {
                id: seal.last_id,
                reason: "封存记录的签名无效",
            });
        }
        if seal.last_id == 0 {
            continue;
        }
        let filter = AuditFilter::default();
        let sealed = audit::after(conn, seal.last_id - 1, &filter, 1).await?;
        if sealed.first().map(|r| (r.id, r.mac.as_deref()))
            != Some((seal.last_id, Some(seal.last_mac.as_str())))
        {
            return Ok(ChainReport::Broken {
                id: seal.last_id,
                reason: "与封存时的链头不符（封存后被改写）",
            });
        }
    }
    Ok(ChainReport::Intact { records, unchained })
}

/// One record as a line of JSON for export, the details as an object rather than a string.
fn json_line(row: &AuditRow) -> Value {
    let detail = row
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .unwrap_or(Value::Null);
    json!({
        "id": row.id,
        "ts": timestamp_text(row.ts),
        "account_id": row.account_id,
        "login": row.login,
        "role": row.role,
        "ip": row.ip,
        "user_agent": row.user_agent,
        "event": row.event,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "outcome": row.outcome,
        "detail": detail,
        "mac": row.mac,
    })
}

impl<'a> Who<'a> {
    /// An account acting on the web before it has an actor (a login in progress).
    pub(crate) fn account(account: &'a AccountRow, origin: &'a Origin) -> Self {
        Who {
            account_id: Some(account.id),
            login: &account.login,
            role: account.role.map(|r| r.code()),
            channel: "web",
            origin,
        }
    }
}

impl Services {
    /// Records an event in a transaction of its own (a read, a check or an export: there is
    /// no change for it to commit with).
    pub(crate) async fn record(&self, actor: &Actor, event: Event) -> ServiceResult<()> {
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records, in a transaction of its own, a refusal: an out-of-scope id, a missing
    /// permission, a CSRF failure. The caller answers the request with its error afterwards.
    pub async fn record_denial(&self, actor: &Actor, event: Event) -> ServiceResult<()> {
        self.record(actor, event.outcome(Outcome::Denied)).await
    }

    /// Records a refused request from someone not logged in (a login form without its CSRF
    /// token, for instance).
    pub async fn record_anonymous_denial(
        &self,
        origin: &Origin,
        event: Event,
    ) -> ServiceResult<()> {
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let who = Who {
            account_id: None,
            login: "",
            role: None,
            channel: "web",
            origin,
        };
        write(
            &mut tx,
            self.crypto(),
            who,
            now,
            event.outcome(Outcome::Denied),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One page of the audit log, newest first (audit administrator only). The query itself
    /// is recorded, with its filter.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: Page,
    ) -> ServiceResult<(Vec<AuditRow>, i64)> {
        self.require(actor, Permission::ReadAudit, "audit.query")
            .await?;
        let now = self.clock().now();
        // The query reads in a snapshot of its own; only the short record of it takes the
        // write lock, so a long search never holds up logins and saves.
        let mut tx = self.db().read().await?;
        let result = audit::list(&mut tx, filter, page).await?;
        tx.commit().await?;
        let mut tx = self.db().write().await?;
        let detail = json!({
            "login": filter.login, "event": filter.event, "outcome": filter.outcome,
            "object_type": filter.object_type, "object_id": filter.object_id, "page": page.number,
        });
        write(
            &mut tx,
            self.crypto(),
            actor.into(),
            now,
            Event::new("audit.query").detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Walks the whole chain in one snapshot and checks every record's MAC, that no id is
    /// missing, and that the newest record is the head. The check is itself recorded.
    pub async fn verify_audit_chain(&self, actor: &Actor) -> ServiceResult<ChainReport> {
        self.require(actor, Permission::ReadAudit, "audit.verify")
            .await?;
        let mut tx = self.db().read().await?;
        let report = verify(&mut tx, self.crypto()).await?;
        tx.commit().await?;
        let detail = match &report {
            ChainReport::Intact { records, unchained } => {
                json!({ "intact": true, "records": records, "unchained": unchained })
            }
            ChainReport::Broken { id, reason } => {
                json!({ "intact": false, "first_broken": id, "reason": reason })
            }
        };
        self.record(actor, Event::new("audit.verify").detail(detail))
            .await?;
        Ok(report)
    }

    /// Seals the chain: signs its head with SM2, keeps the seal, and returns it to be sent off
    /// the server. The seal is itself recorded (after the sealed head).
    pub async fn seal_audit_chain(&self, actor: &Actor) -> ServiceResult<SealView> {
        self.require(actor, Permission::ReadAudit, "audit.seal")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let head = audit::lock_head(&mut tx).await?;
        let sealed_at = timestamp_text(now);
        let message = seal_message(&sealed_at, head.last_id, &head.last_mac);
        let seal = audit::Seal {
            sealed_at: now,
            last_id: head.last_id,
            last_mac: head.last_mac,
            signature: self.crypto().sign(message.as_bytes()),
        };
        audit::insert_seal(&mut tx, &seal).await?;
        let event = Event::new("audit.seal").detail(json!({ "last_id": seal.last_id }));
        write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(SealView {
            sealed_at,
            last_id: seal.last_id,
            last_mac: seal.last_mac,
            signature: seal.signature,
            public_key: self.crypto().signing_public_key(),
        })
    }

    /// Writes the records matching `filter` as JSON lines, oldest first, for the bureau's log
    /// platform; each line carries its MAC so the receiver can keep the chain. Returns how
    /// many were written. The export is itself recorded.
    pub async fn export_audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        out: &mut (dyn std::io::Write + Send),
    ) -> ServiceResult<u64> {
        self.require(actor, Permission::ReadAudit, "audit.export")
            .await?;
        let now = self.clock().now();
        actor.require_recent_auth(now)?;
        let mut tx = self.db().read().await?;
        let mut after = 0;
        let mut written = 0u64;
        loop {
            let rows = audit::after(&mut tx, after, filter, BATCH).await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for row in &rows {
                let line = json_line(row);
                writeln!(out, "{line}")
                    .map_err(|e| crate::ServiceError::Internal(e.to_string()))?;
                written += 1;
            }
        }
        tx.commit().await?;
        let detail = json!({
            "login": filter.login, "event": filter.event, "outcome": filter.outcome,
            "from": filter.from.map(timestamp_text), "to": filter.to.map(timestamp_text),
            "records": written,
        });
        self.record(actor, Event::new("audit.export").detail(detail))
            .await?;
        Ok(written)
    }

    /// Checks a permission, recording a denial when it is missing.
    pub async fn require(
        &self,
        actor: &Actor,
        permission: Permission,
        event: &'static str,
    ) -> ServiceResult<()> {
        match actor.require(permission) {
            Err(crate::ServiceError::Forbidden) => {
                self.record_denial(
                    actor,
                    Event::new(event)
                        .detail(json!({ "reason": "permission", "permission": permission.code() })),
                )
                .await?;
                Err(crate::ServiceError::Forbidden)
            }
            other => other,
        }
    }

    /// Records an out-of-scope access and returns the not-found error to answer it with.
    pub(crate) async fn out_of_scope(
        &self,
        actor: &Actor,
        event: &'static str,
        kind: &'static str,
        id: i64,
    ) -> crate::ServiceError {
        let event = Event::new(event)
            .object(kind, id)
            .detail(json!({ "reason": "scope" }));
        match self.record_denial(actor, event).await {
            Ok(()) => crate::ServiceError::NotFound,
            Err(e) => e,
        }
    }
}
