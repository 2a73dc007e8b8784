//! 典型经验 (issue 19, 6): an org in scope submits a practice — the problem, what it did, the
//! effect and its evidence — the committee office publishes it (or says why not), every org of
//! the bureau reads what is published, and an org records that it adopted one and what it
//! brought. Published practices are read across scopes on purpose: spreading them is the
//! point; what waits or was not published stays within the scope of its org.

use dangjian_core::assess::{PracticeStatus, may_adopt};
use dangjian_core::field::FieldErrors;
use dangjian_core::role::Permission;
use dangjian_store::assess::{self as store, AdoptionRow, NewPractice, PracticeRow};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::care::day_or_today;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional_long, required, required_long};
use crate::rectification::invalid;
use crate::scope::{UNKNOWN_ORG, org_by_code_in_scope};

const TITLE: usize = 100;
const LONG: usize = 5000;
const STALE: &str = "该典型经验已被他人处理，请刷新后重试";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PracticeForm {
    /// The submitting org's code.
    pub org: String,
    pub title: String,
    pub problem: String,
    pub practice: String,
    /// The effect and its evidence (figures, records, feedback).
    pub effect: String,
}

/// The committee office's decision: `publish` or `return`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PracticeDecisionForm {
    pub version: i64,
    pub decision: String,
    pub decided_on: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdoptionForm {
    /// The adopting org's code.
    pub org: String,
    pub adopted_on: String,
    pub result: String,
}

/// A practice with the orgs that adopted it.
#[derive(Debug, Clone)]
pub struct PracticeView {
    pub practice: PracticeRow,
    pub adoptions: Vec<AdoptionRow>,
}

impl Services {
    /// The org of `raw` in scope and not dissolved, or the refusal at `field`.
    async fn org_in_scope(
        &self,
        conn: &mut dangjian_store::Conn,
        actor: &Actor,
        raw: &str,
        e: &mut FieldErrors,
    ) -> ServiceResult<Option<dangjian_store::orgs::OrgRow>> {
        let org = org_by_code_in_scope(conn, actor, raw).await?;
        if org.is_none() {
            e.add("org", UNKNOWN_ORG);
        }
        Ok(org)
    }

    /// Submits a practice of an org in scope; returns its id.
    pub async fn submit_practice(&self, actor: &Actor, form: &PracticeForm) -> ServiceResult<i64> {
        self.require(actor, Permission::ReviewMembers, "practice.submit")
            .await?;
        self.check_org_code(actor, form.org.trim(), "org", "practice.submit")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let title = required(&form.title, "标题", TITLE, "title", &mut e);
        let problem = required_long(&form.problem, "针对的问题", LONG, "problem", &mut e);
        let practice = required_long(&form.practice, "主要做法", LONG, "practice", &mut e);
        let effect = required_long(&form.effect, "成效与佐证", LONG, "effect", &mut e);
        let mut tx = self.db().write().await?;
        let org = self.org_in_scope(&mut tx, actor, &form.org, &mut e).await?;
        invalid(e)?;
        let Some(org) = org else {
            return Err(ServiceError::invalid("org", UNKNOWN_ORG));
        };
        let new = NewPractice {
            org_id: org.id,
            title: &title,
            problem: &problem,
            practice: &practice,
            effect: &effect,
            submitted_on: today,
            by: &actor.login,
        };
        let id = store::insert_practice(&mut tx, &new, now).await?;
        let event = Event::new("practice.submit")
            .object("practice", id)
            .detail(json!({ "org": org.id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every published practice and the others of the orgs in scope.
    pub async fn practices(&self, actor: &Actor) -> ServiceResult<Vec<PracticeRow>> {
        self.require(actor, Permission::ReviewMembers, "practice.list")
            .await?;
        let mut tx = self.db().read().await?;
        let found = store::practices(&mut tx, &actor.scope).await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn practice_for(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<PracticeRow> {
        let mut tx = self.db().read().await?;
        let row = store::practice_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(p)
                if p.status == PracticeStatus::Published || actor.scope.covers_org(&p.org_path) =>
            {
                Ok(p)
            }
            Some(_) => Err(self.out_of_scope(actor, event, "practice", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// A practice the actor may read, with its adoptions.
    pub async fn practice(&self, actor: &Actor, id: i64) -> ServiceResult<PracticeView> {
        self.require(actor, Permission::ReviewMembers, "practice.view")
            .await?;
        let practice = self.practice_for(actor, id, "practice.view").await?;
        let mut tx = self.db().read().await?;
        let adoptions = store::adoptions(&mut tx, id).await?;
        tx.commit().await?;
        Ok(PracticeView {
            practice,
            adoptions,
        })
    }

    /// The committee office publishes a practice in its scope, or returns it with the reason.
    pub async fn decide_practice(
        &self,
        actor: &Actor,
        id: i64,
        form: &PracticeDecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ApproveReviews, "practice.decide")
            .await?;
        let p = self.practice_for(actor, id, "practice.decide").await?;
        if !actor.scope.covers_org(&p.org_path) {
            return Err(self
                .out_of_scope(actor, "practice.decide", "practice", id)
                .await);
        }
        if p.status != PracticeStatus::Submitted || p.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let status = match form.decision.trim() {
            "publish" => Some(PracticeStatus::Published),
            "return" => Some(PracticeStatus::Returned),
            _ => {
                e.add("decision", "请选择发布或不予发布");
                None
            }
        };
        let on = day_or_today(&form.decided_on, today, "decided_on", &mut e);
        if on < p.submitted_on {
            e.add(
                "decided_on",
                format!("不能早于报送日期（{}）", p.submitted_on),
            );
        }
        let note = optional_long(&form.note, "审核意见", LONG, "note", &mut e).unwrap_or_default();
        if status == Some(PracticeStatus::Returned) && note.is_empty() {
            e.add("note", "不予发布的，请写明理由");
        }
        invalid(e)?;
        let Some(status) = status else {
            return Err(ServiceError::invalid("decision", "请选择发布或不予发布"));
        };
        let mut tx = self.db().write().await?;
        if !store::decide_practice(&mut tx, id, form.version, status, on, &actor.login, &note)
            .await?
        {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("practice.decide")
            .object("practice", id)
            .detail(json!({ "status": status.code(), "on": on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An org in scope records that it adopted a published practice, and what it brought.
    pub async fn adopt_practice(
        &self,
        actor: &Actor,
        id: i64,
        form: &AdoptionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ReviewMembers, "practice.adopt")
            .await?;
        self.check_org_code(actor, form.org.trim(), "org", "practice.adopt")
            .await?;
        let p = self.practice_for(actor, id, "practice.adopt").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let on = day_or_today(&form.adopted_on, today, "adopted_on", &mut e);
        if p.decided_on.is_some_and(|d| on < d) {
            e.add("adopted_on", "学习借鉴的日期不能早于发布日期");
        }
        let result = required_long(&form.result, "借鉴效果", LONG, "result", &mut e);
        let mut tx = self.db().write().await?;
        let org = self.org_in_scope(&mut tx, actor, &form.org, &mut e).await?;
        if let Some(o) = &org
            && let Err((field, message)) = may_adopt(p.status, p.org_id, o.id)
        {
            e.add(field, message);
        }
        invalid(e)?;
        let Some(org) = org else {
            return Err(ServiceError::invalid("org", UNKNOWN_ORG));
        };
        if !store::insert_adoption(&mut tx, id, org.id, on, &result, &actor.login, now).await? {
            return Err(ServiceError::invalid(
                "org",
                format!("{}已登记学习借鉴这条经验", org.name),
            ));
        }
        let event = Event::new("practice.adopt")
            .object("practice", id)
            .detail(json!({ "org": org.id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
