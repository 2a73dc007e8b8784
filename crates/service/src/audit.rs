//! Writing and reading the audit log. Every use case writes its record in its own transaction,
//! so a change and its record commit or fail together; reading is the audit administrator's
//! alone, and each query is itself recorded.

use std::collections::HashMap;
use std::sync::PoisonError;

use chrono::{DateTime, Utc};
use dangjian_core::policy::ADDRESS_WINDOW;
use dangjian_core::role::Permission;
use dangjian_store::accounts::AccountRow;
use dangjian_store::audit::{self, AuditFilter, AuditRow};
use dangjian_store::{Conn, Page, timestamp_text};
use serde_json::{Value, json};

use crate::auth::{Actor, Origin};
use crate::error::{ServiceError, ServiceResult};
use crate::{CryptoProvider, Services};

/// Appends a seal to the seal file as one JSON line, creating the file readable by the
/// service account only, and syncs it: a seal is worth something only once it is on disk.
fn append_seal(path: &std::path::Path, seal: &SealView) -> ServiceResult<()> {
    use std::io::Write as _;
    let fail = |e: std::io::Error| {
        ServiceError::Internal(format!("无法写入封存文件 {}：{e}", path.display()))
    };
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    let line = serde_json::to_string(seal).map_err(|e| ServiceError::Internal(e.to_string()))?;
    writeln!(file, "{line}").map_err(fail)?;
    file.sync_all().map_err(fail)
}

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

/// Anonymous refusals by address, event and reason in the current window (see
/// [`Services::record_anonymous`]).
#[derive(Default)]
pub(crate) struct DenialTally {
    entries: std::sync::Mutex<HashMap<(String, &'static str, String), Tally>>,
}

/// Refusals of one kind from one address since the first of them was written.
pub(crate) struct Tally {
    origin: Origin,
    channel: crate::auth::Channel,
    login: String,
    event: Event,
    since: DateTime<Utc>,
    /// Refusals after the first, not yet written.
    repeats: u64,
}

/// Kinds of refusal tracked at most; past this every count is written and the tally starts
/// again (a flood from many addresses then costs one record per address and window).
const TALLY_CAPACITY: usize = 10_000;

impl DenialTally {
    /// Counts a refusal. Returns whether it is the first of its window (to be written now)
    /// and the tally of an earlier window of the same kind that has ended (to be written).
    fn note(
        &self,
        origin: &Origin,
        channel: crate::auth::Channel,
        login: &str,
        event: &Event,
        now: DateTime<Utc>,
    ) -> (bool, Option<Tally>) {
        let key = (
            origin.ip.clone().unwrap_or_default(),
            event.name,
            event.detail.to_string(),
        );
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tally) = entries.get_mut(&key)
            && now - tally.since < ADDRESS_WINDOW
        {
            tally.repeats += 1;
            return (false, None);
        }
        let ended = entries.remove(&key).filter(|t| t.repeats > 0);
        if entries.len() < TALLY_CAPACITY {
            entries.insert(
                key,
                Tally {
                    origin: origin.clone(),
                    channel,
                    login: login.to_owned(),
                    event: event.clone(),
                    since: now,
                    repeats: 0,
                },
            );
        }
        (true, ended)
    }

    /// Removes the tallies whose window has ended by `now` (all of them without a `now`, or
    /// when the tally is full) and returns those with refusals to write.
    fn take_ended(&self, now: Option<DateTime<Utc>>) -> Vec<Tally> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let full = entries.len() >= TALLY_CAPACITY;
        let ended: Vec<_> = entries
            .iter()
            .filter(|(_, t)| full || now.is_none_or(|now| now - t.since >= ADDRESS_WINDOW))
            .map(|(key, _)| key.clone())
            .collect();
        ended
            .into_iter()
            .filter_map(|key| entries.remove(&key))
            .filter(|t| t.repeats > 0)
            .collect()
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
    /// Every chained record checks, the newest is the head, and every seal holds.
    Intact {
        /// Records checked.
        records: u64,
        /// Records written before the chain existed (an upgrade), which carry no MAC.
        unchained: i64,
        /// Seals from outside the database (a seal file) the log was held to.
        external_seals: usize,
    },
    /// The first record that does not check, and why.
    Broken { id: i64, reason: &'static str },
}

/// A seal as handed out: the signed head and the key that checks it. One JSON line each in
/// a seal file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
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

/// Reads a seal file: one seal per line as `dangjian audit seal` writes them (blank lines
/// and lines starting with `#` are skipped). A line that is not a seal is an error naming it.
pub fn parse_seals(text: &str) -> Result<Vec<SealView>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(i, line)| {
            serde_json::from_str::<SealView>(line.trim())
                .map_err(|_| format!("封存文件第 {} 行不是有效的封存记录", i + 1))
        })
        .collect()
}

/// The keyed MAC that binds the start of a chain that does not begin at record 1.
fn anchor_mac(crypto: &dyn CryptoProvider, chain_from: i64) -> String {
    crypto.audit_mac("", &format!("dangjian audit chain from {chain_from}"))
}

/// How many records verification and export read at a time.
const BATCH: i64 = 5_000;

/// A seal as the chain recorded it (`audit.seal`): the record's id, the sealed head and, for
/// seals from this version on, the signature.
struct ChainedSeal {
    record: i64,
    last_id: i64,
    signature: Option<String>,
}

fn chained_seal(row: &AuditRow) -> Option<ChainedSeal> {
    if row.event != "audit.seal" || row.outcome != "success" {
        return None;
    }
    let detail: Value = serde_json::from_str(row.detail.as_deref()?).ok()?;
    Some(ChainedSeal {
        record: row.id,
        last_id: detail.get("last_id")?.as_i64()?,
        signature: detail
            .get("signature")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Checks the chain as seen by `conn` (one snapshot), and holds it to `external` seals
/// (kept outside the database, so rolling the chain back and deleting seal rows together
/// still shows).
async fn verify(
    conn: &mut Conn,
    crypto: &dyn CryptoProvider,
    external: &[SealView],
) -> ServiceResult<ChainReport> {
    let head = audit::head(conn).await?;
    // Only the key can say where a chain starts, if not at the first record: moving the start
    // past the end would otherwise leave nothing to check.
    if head.chain_from != 1
        && head.anchor.as_deref() != Some(anchor_mac(crypto, head.chain_from).as_str())
    {
        return Ok(ChainReport::Broken {
            id: head.chain_from,
            reason: "审计链的起点被改动（起点不是第 1 条记录，又没有有效的起点校验码）",
        });
    }
    let mut previous = String::new();
    let mut expected = head.chain_from;
    let mut records = 0u64;
    let mut unchained = 0i64;
    let mut after = 0;
    let mut chained_seals = Vec::new();
    // MACs of the records external seals name, as found.
    let mut sealed: HashMap<i64, String> = external
        .iter()
        .map(|s| (s.last_id, String::new()))
        .collect();
    loop {
        let rows = audit::after(conn, after, &AuditFilter::default(), BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in &rows {
            if row.id < head.chain_from {
                if row.mac.is_some() {
                    return Ok(ChainReport::Broken {
                        id: row.id,
                        reason: "起点之前的记录带有校验码：审计链的起点被移动",
                    });
                }
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
            if let Some(found) = sealed.get_mut(&row.id) {
                found.clone_from(mac);
            }
            chained_seals.extend(chained_seal(row));
            previous.clone_from(mac);
            expected += 1;
            records += 1;
        }
    }
    let newest = expected - 1;
    if newest < head.last_id {
        return Ok(ChainReport::Broken {
            id: expected,
            reason: "最新的记录缺失（日志被截断）",
        });
    }
    if newest > head.last_id || previous != head.last_mac {
        return Ok(ChainReport::Broken {
            id: head.last_id,
            reason: "链头与最新记录不符",
        });
    }
    // Every seal kept in the database must be signed by our key and name a record that still
    // has the sealed MAC; every seal the chain recorded must still be kept.
    let public_key = crypto.signing_public_key();
    let kept = audit::seals(conn).await?;
    for seal in &kept {
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
        let found = audit::after(conn, seal.last_id - 1, &filter, 1).await?;
        if found.first().map(|r| (r.id, r.mac.as_deref()))
            != Some((seal.last_id, Some(seal.last_mac.as_str())))
        {
            return Ok(ChainReport::Broken {
                id: seal.last_id,
                reason: "与封存时的链头不符（封存后被改写）",
            });
        }
    }
    for recorded in &chained_seals {
        let still_kept = kept.iter().any(|k| {
            k.last_id == recorded.last_id
                && recorded
                    .signature
                    .as_ref()
                    .is_none_or(|signature| *signature == k.signature)
        });
        if !still_kept {
            return Ok(ChainReport::Broken {
                id: recorded.record,
                reason: "封存记录被删除（审计日志记有这次封存，封存表中已没有）",
            });
        }
    }
    // Seals from outside: ours, and every record up to each sealed head still there as it
    // was sealed.
    for seal in external {
        if seal.public_key != public_key {
            return Ok(ChainReport::Broken {
                id: seal.last_id,
                reason: "外部封存不是用本系统的签名密钥签发的",
            });
        }
        let message = seal_message(&seal.sealed_at, seal.last_id, &seal.last_mac);
        if !crate::crypto::verify_sm2(&public_key, message.as_bytes(), &seal.signature) {
            return Ok(ChainReport::Broken {
                id: seal.last_id,
                reason: "外部封存的签名无效",
            });
        }
        if seal.last_id > newest {
            return Ok(ChainReport::Broken {
                id: newest + 1,
                reason: "外部封存之后应有的记录缺失（日志被截断，链头被回退）",
            });
        }
        if seal.last_id > 0 && sealed.get(&seal.last_id) != Some(&seal.last_mac) {
            return Ok(ChainReport::Broken {
                id: seal.last_id,
                reason: "与外部封存时的链头不符（封存后被改写）",
            });
        }
    }
    Ok(ChainReport::Intact {
        records,
        unchained,
        external_seals: external.len(),
    })
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
    /// token, a throttled address, a wrong API token) — at most once per address, event and
    /// reason in each [`ADDRESS_WINDOW`]: the first at once, the rest counted and written as
    /// one record with their number when the window ends ([`Services::flush_denials`]). The
    /// log cannot be deleted for 180 days, so anonymous requests must not be able to grow it
    /// at the rate they arrive.
    pub async fn record_anonymous(
        &self,
        origin: &Origin,
        channel: crate::auth::Channel,
        login: &str,
        event: Event,
    ) -> ServiceResult<()> {
        let now = self.clock().now();
        let (first, ended) = self.denials.note(origin, channel, login, &event, now);
        if let Some(ended) = ended {
            self.write_repeats(ended).await?;
        }
        if first {
            let mut tx = self.db().write_accounts().await?;
            let who = Who {
                account_id: None,
                login,
                role: None,
                channel: channel.code(),
                origin,
            };
            write(&mut tx, self.crypto(), who, now, event).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// A refusal of someone not logged in, recorded as [`Services::record_anonymous`] does.
    pub async fn record_anonymous_denial(
        &self,
        origin: &Origin,
        event: Event,
    ) -> ServiceResult<()> {
        self.record_anonymous(
            origin,
            crate::auth::Channel::Web,
            "",
            event.outcome(Outcome::Denied),
        )
        .await
    }

    /// Writes the counts of anonymous refusals whose window has ended. The server calls this
    /// every minute; it is a plain function so a test can call it once.
    pub async fn flush_denials(&self) -> ServiceResult<()> {
        let now = self.clock().now();
        for ended in self.denials.take_ended(Some(now)) {
            self.write_repeats(ended).await?;
        }
        Ok(())
    }

    /// Writes every count of anonymous refusals, ended window or not (the server stopping).
    pub async fn flush_denials_now(&self) -> ServiceResult<()> {
        for ended in self.denials.take_ended(None) {
            self.write_repeats(ended).await?;
        }
        Ok(())
    }

    async fn write_repeats(&self, tally: Tally) -> ServiceResult<()> {
        let Tally {
            origin,
            channel,
            login,
            event,
            since,
            repeats,
        } = tally;
        let mut detail = match event.detail.clone() {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        detail.insert("repeats".to_owned(), json!(repeats));
        detail.insert("window_from".to_owned(), json!(timestamp_text(since)));
        let event = Event {
            detail: Value::Object(detail),
            ..event
        };
        let now = self.clock().now();
        let mut tx = self.db().write_accounts().await?;
        let who = Who {
            account_id: None,
            login: &login,
            role: None,
            channel: channel.code(),
            origin: &origin,
        };
        write(&mut tx, self.crypto(), who, now, event).await?;
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
    /// missing, that the newest record is the head, and every seal: those in the database,
    /// those of the configured seal file and `external` ones (an uploaded or named file). The
    /// check is itself recorded.
    pub async fn verify_audit_chain(
        &self,
        actor: &Actor,
        external: &[SealView],
    ) -> ServiceResult<ChainReport> {
        self.require(actor, Permission::ReadAudit, "audit.verify")
            .await?;
        let mut seals = self.configured_seals()?;
        seals.extend_from_slice(external);
        let mut tx = self.db().read().await?;
        let report = verify(&mut tx, self.crypto(), &seals).await?;
        tx.commit().await?;
        let detail = match &report {
            ChainReport::Intact {
                records,
                unchained,
                external_seals,
            } => {
                json!({ "intact": true, "records": records, "unchained": unchained, "external_seals": external_seals })
            }
            ChainReport::Broken { id, reason } => {
                json!({ "intact": false, "first_broken": id, "reason": reason })
            }
        };
        self.record(actor, Event::new("audit.verify").detail(detail))
            .await?;
        Ok(report)
    }

    /// The seals of the configured seal file (none when there is no file yet).
    fn configured_seals(&self) -> ServiceResult<Vec<SealView>> {
        let Some(path) = &self.seal_file else {
            return Ok(Vec::new());
        };
        match std::fs::read_to_string(path.as_ref()) {
            Ok(text) => parse_seals(&text).map_err(ServiceError::Internal),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(ServiceError::Internal(format!(
                "无法读取封存文件 {}：{e}",
                path.display()
            ))),
        }
    }

    /// Seals the chain: signs its head with SM2, keeps the seal, records it in the chain (with
    /// its signature, so a seal row deleted later shows), appends it to the configured seal
    /// file (outside the data directory) and returns it to be sent off the server as well.
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
        let event = Event::new("audit.seal").detail(json!({
            "last_id": seal.last_id,
            "sealed_at": sealed_at,
            "signature": seal.signature,
        }));
        write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        let view = SealView {
            sealed_at,
            last_id: seal.last_id,
            last_mac: seal.last_mac,
            signature: seal.signature,
            public_key: self.crypto().signing_public_key(),
        };
        // The file first: a seal that did not reach it is not committed either.
        if let Some(path) = &self.seal_file {
            append_seal(path, &view)?;
        }
        tx.commit().await?;
        Ok(view)
    }

    /// Seals the chain when a seal file is configured and its last seal is a day old or
    /// there is none; the server calls this every hour. Returns the new seal, if any.
    pub async fn seal_if_due(&self) -> ServiceResult<Option<SealView>> {
        if self.seal_file.is_none() {
            return Ok(None);
        }
        let newest = self
            .configured_seals()?
            .iter()
            .filter_map(|s| DateTime::parse_from_rfc3339(&s.sealed_at).ok())
            .map(|at| at.with_timezone(&Utc))
            .max();
        if newest.is_some_and(|at| self.clock().now() - at < chrono::TimeDelta::days(1)) {
            return Ok(None);
        }
        self.seal_audit_chain(&Actor::scheduler()).await.map(Some)
    }

    /// `dangjian audit anchor`: binds the start of a chain that began after record 1 (a
    /// database from before the chain) to the audit key, once, from the server's shell.
    /// Returns the start.
    pub async fn cli_anchor_audit_chain(&self) -> ServiceResult<i64> {
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let head = audit::lock_head(&mut tx).await?;
        audit::set_anchor(&mut tx, &anchor_mac(self.crypto(), head.chain_from)).await?;
        let event = Event::new("audit.anchor").detail(json!({ "chain_from": head.chain_from }));
        write(&mut tx, self.crypto(), (&Actor::cli()).into(), now, event).await?;
        tx.commit().await?;
        Ok(head.chain_from)
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
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
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
