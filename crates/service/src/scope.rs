//! Data scope, applied once for every use case. Reads load the object, end their transaction,
//! and only then audit a refusal, so the audit write never waits on (or holds a second
//! connection beside) a transaction of the same request. Changes run the same audited check
//! before their write transaction opens and load the object again inside it, silently, in
//! case it left the scope in between.

use dangjian_core::member::MemberRef;
use dangjian_core::org::Code;
use dangjian_store::members::MemberRow;
use dangjian_store::{Conn, members, orgs};
use serde_json::json;

use crate::Services;
use crate::audit::Event;
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orgs::Org;

/// The message for an org code that does not exist or lies outside the scope: the two are
/// not told apart.
pub(crate) const UNKNOWN_ORG: &str = "没有这个组织编码，或不在您的管理范围内";

/// Whether the actor's scope lies above the org with this id and path (so that no one reviews
/// or accepts their own org's work). The committee office's whole-tree scope is above all.
pub(crate) fn above(scope: &dangjian_core::role::Scope, org: &Org) -> bool {
    above_path(scope, org.id, &org.path)
}

pub(crate) fn above_path(
    scope: &dangjian_core::role::Scope,
    org_id: i64,
    path: &dangjian_core::org::OrgPath,
) -> bool {
    use dangjian_core::role::Scope;
    match scope {
        Scope::Everything => true,
        Scope::Subtree {
            org_id: root,
            path: root_path,
        } => *root != org_id && path.is_within(root_path),
        Scope::OwnRecord { .. } | Scope::Nothing => false,
    }
}

/// What stands in history for an org outside the actor's scope.
pub(crate) const OUTSIDE_SCOPE: &str = "（范围外组织）";

impl Services {
    /// An org the actor may see; not found when missing or out of scope (the latter audited).
    pub(crate) async fn load_org(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<Org> {
        let mut tx = self.db().read().await?;
        let org = orgs::get(&mut tx, id).await?;
        tx.commit().await?;
        match org {
            Some(org) if actor.scope.covers_org(&org.path) => Ok(org),
            Some(_) => Err(self.out_of_scope(actor, event, "org", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// A member the actor may see; not found when missing or out of scope (the latter audited).
    pub(crate) async fn load_member(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<MemberRow> {
        let mut tx = self.db().read().await?;
        let member = members::get(&mut tx, id).await?;
        tx.commit().await?;
        match member {
            Some(m) if actor.scope.covers_member(m.id, &m.branch_path) => Ok(m),
            Some(_) => Err(self.out_of_scope(actor, event, "member", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Refuses a reference by code to an existing org outside the scope, auditing it as a
    /// probe. Run before the change's transaction; unknown codes pass here and are refused
    /// inside it.
    pub(crate) async fn check_org_code(
        &self,
        actor: &Actor,
        code: &str,
        field: &'static str,
        event: &'static str,
    ) -> ServiceResult<()> {
        let Ok(code) = Code::parse(code) else {
            return Ok(());
        };
        let mut tx = self.db().read().await?;
        let org = orgs::by_code(&mut tx, code.as_str()).await?;
        tx.commit().await?;
        match org {
            Some(org) if !actor.scope.covers_org(&org.path) => {
                let event = Event::new(event)
                    .object("org", org.id)
                    .detail(json!({ "reason": "scope", "field": field }));
                self.record_denial(actor, event).await?;
                Err(ServiceError::invalid(field, UNKNOWN_ORG))
            }
            _ => Ok(()),
        }
    }

    /// The same for a member named by 警号 or member number.
    pub(crate) async fn check_police_number(
        &self,
        actor: &Actor,
        raw: &str,
        field: &'static str,
        event: &'static str,
    ) -> ServiceResult<()> {
        let Ok(reference) = MemberRef::parse(raw) else {
            return Ok(());
        };
        let mut tx = self.db().read().await?;
        let member = member_by_ref(&mut tx, &reference).await?;
        tx.commit().await?;
        match member {
            Some(m) if !actor.scope.covers_member(m.id, &m.branch_path) => {
                let event = Event::new(event)
                    .object("member", m.id)
                    .detail(json!({ "reason": "scope", "field": field }));
                self.record_denial(actor, event).await?;
                Err(ServiceError::invalid(field, NO_SUCH_MEMBER))
            }
            _ => Ok(()),
        }
    }
}

/// The standing org that a typed code names within the actor's scope, read inside a change's
/// transaction; `None` for a malformed code, an unknown one, one out of scope or dissolved
/// (the form says [`UNKNOWN_ORG`] for all four alike).
pub(crate) async fn org_by_code_in_scope(
    conn: &mut Conn,
    actor: &Actor,
    raw: &str,
) -> ServiceResult<Option<Org>> {
    Ok(match Code::parse(raw.trim()) {
        Ok(code) => orgs::by_code(conn, code.as_str())
            .await?
            .filter(|o| actor.scope.covers_org(&o.path) && o.dissolved_on.is_none()),
        Err(_) => None,
    })
}

/// Loads an org inside a change's transaction, after [`Services::load_org`] passed.
pub(crate) async fn visible_org(conn: &mut Conn, actor: &Actor, id: i64) -> ServiceResult<Org> {
    orgs::get(conn, id)
        .await?
        .filter(|org| actor.scope.covers_org(&org.path))
        .ok_or(ServiceError::NotFound)
}

/// Loads a member inside a change's transaction, after [`Services::load_member`] passed.
pub(crate) async fn visible_member(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<MemberRow> {
    members::get(conn, id)
        .await?
        .filter(|m| actor.scope.covers_member(m.id, &m.branch_path))
        .ok_or(ServiceError::NotFound)
}

/// An org by code for use inside a change: it must exist, be in scope and be active.
pub(crate) async fn org_by_code(
    conn: &mut Conn,
    actor: &Actor,
    code: &str,
    field: &'static str,
) -> ServiceResult<Org> {
    let code = Code::parse(code).map_err(|e| ServiceError::invalid(field, e.to_string()))?;
    match orgs::by_code(conn, code.as_str()).await? {
        Some(org) if actor.scope.covers_org(&org.path) && org.dissolved_on.is_none() => Ok(org),
        Some(org) if actor.scope.covers_org(&org.path) => {
            Err(ServiceError::invalid(field, format!("{}已撤销", org.name)))
        }
        _ => Err(ServiceError::invalid(field, UNKNOWN_ORG)),
    }
}

/// How an org appears in a history the actor reads: by name and code inside the scope, as
/// "outside the scope" beyond it.
pub(crate) async fn org_label(conn: &mut Conn, actor: &Actor, id: i64) -> ServiceResult<String> {
    Ok(match orgs::get(conn, id).await? {
        Some(org) if actor.scope.covers_org(&org.path) => format!("{}（{}）", org.name, org.code),
        _ => OUTSIDE_SCOPE.to_owned(),
    })
}

/// Why a form's named member is refused: none, or out of scope (answered alike).
pub(crate) const NO_SUCH_MEMBER: &str = "没有这个警号或党员编号的党员，或不在您的管理范围内";

/// The member a form names by 警号 or by member number (`DY…`, for members without a 警号),
/// if there is one. Not scoped: callers keep to the actor's scope and answer alike for none
/// and out of scope.
pub(crate) async fn member_by_ref(
    conn: &mut Conn,
    reference: &MemberRef,
) -> ServiceResult<Option<dangjian_store::members::MemberRow>> {
    Ok(match reference {
        MemberRef::PoliceNumber(number) => members::by_police_number(conn, number.as_str()).await?,
        MemberRef::Record(id) => members::get(conn, *id).await?,
    })
}
