//! Writing and reading the audit log. Every use case writes its record in its own transaction,
//! so a change and its record commit or fail together; reading is the audit administrator's
//! alone, and each query is itself recorded.

use chrono::{DateTime, Utc};
use dangjian_core::role::Permission;
use dangjian_store::audit::{self, AuditFilter, AuditRow};
use dangjian_store::{Conn, Page};
use serde_json::{Value, json};

use crate::Services;
use crate::auth::{Actor, Origin};
use crate::error::ServiceResult;

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

/// Appends one record.
pub(crate) async fn write(
    conn: &mut Conn,
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
    let row = AuditRow {
        id: 0,
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
    };
    audit::insert(conn, &row).await?;
    Ok(())
}

impl Services {
    /// Records, in a transaction of its own, a refusal: an out-of-scope id, a missing
    /// permission, a CSRF failure. The caller answers the request with its error afterwards.
    pub async fn record_denial(&self, actor: &Actor, event: Event) -> ServiceResult<()> {
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        write(&mut tx, actor.into(), now, event.outcome(Outcome::Denied)).await?;
        tx.commit().await?;
        Ok(())
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
        write(&mut tx, who, now, event.outcome(Outcome::Denied)).await?;
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
            actor.into(),
            now,
            Event::new("audit.query").detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(result)
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
