//! Study plans (学习计划, issue 15, 1): an org plans its year's study — each topic with its
//! materials and month —, issues the plan to the orgs below, and each of them adopts it: a
//! copy of the topics it then changes as it needs (adopting with changes), so no branch types
//! the upper plan again. The plan is shown beside the org's plan of organisational life.

use dangjian_core::field::FieldErrors;
use dangjian_core::role::Permission;
use dangjian_store::search::Group;
use dangjian_store::study::{self as store, PlanItemRow, PlanRow};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{required, required_long, year_range};
use crate::orgs::Org;
use crate::rectification::invalid;

const STALE: &str = "学习计划已被他人修改，请刷新后重试";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanItemForm {
    pub year: i32,
    /// The plan's version as seen (0 when the org has no plan for the year yet).
    pub version: i64,
    pub month: String,
    pub topic: String,
    pub materials: String,
}

/// An org's study plan of a year, and the plans issued to it from above.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub org: Org,
    pub year: i32,
    pub plan: Option<PlanRow>,
    pub items: Vec<PlanItemRow>,
    /// The plan it was adopted from (its org's name).
    pub adopted_from: Option<String>,
    /// Plans issued by the orgs above, with their topics.
    pub issued_above: Vec<(PlanRow, Vec<PlanItemRow>)>,
    pub can_edit: bool,
}

impl Services {
    /// An org's study plan of `year` (for those who read its study).
    pub async fn study_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<PlanView> {
        self.require(actor, Permission::ReadStudy, "study.plan.view")
            .await?;
        let org = self.load_org(actor, org_id, "study.plan.view").await?;
        year_range(year)?;
        let mut tx = self.db().read().await?;
        let plan = store::plan_of(&mut tx, org.id, year).await?;
        let items = match &plan {
            Some(p) => store::plan_items(&mut tx, p.id).await?,
            None => Vec::new(),
        };
        let adopted_from = match plan.as_ref().and_then(|p| p.adopted_from) {
            Some(from) => store::plan_by_id(&mut tx, from).await?.map(|p| p.org_name),
            None => None,
        };
        let mut issued_above = Vec::new();
        for p in store::issued_above(&mut tx, &org.path, year).await? {
            let topics = store::plan_items(&mut tx, p.id).await?;
            issued_above.push((p, topics));
        }
        tx.commit().await?;
        Ok(PlanView {
            can_edit: actor.permits(Permission::RecordStudy) && org.dissolved_on.is_none(),
            org,
            year,
            plan,
            items,
            adopted_from,
            issued_above,
        })
    }

    /// The org's plan for a change at the version seen, made when it has none yet (version 0).
    async fn plan_for_change(
        &self,
        conn: &mut dangjian_store::Conn,
        actor: &Actor,
        org: &Org,
        year: i32,
        version: i64,
    ) -> ServiceResult<i64> {
        match store::plan_of(conn, org.id, year).await? {
            Some(p) => {
                if !store::touch_plan(conn, p.id, version).await? {
                    return Err(ServiceError::conflict("version", STALE));
                }
                Ok(p.id)
            }
            None if version == 0 => {
                Ok(
                    store::insert_plan(conn, org.id, year, None, &actor.login, self.clock().now())
                        .await?,
                )
            }
            None => Err(ServiceError::conflict("version", STALE)),
        }
    }

    /// Adds a topic (its month, topic and materials) to an org's plan of a year.
    pub async fn add_plan_topic(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &PlanItemForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "study.plan")
            .await?;
        let org = self.load_org(actor, org_id, "study.plan").await?;
        year_range(form.year)?;
        let mut e = FieldErrors::new();
        let month = match form.month.trim().parse::<u32>() {
            Ok(m) if (1..=12).contains(&m) => m,
            _ => {
                e.add("month", "请选择月份");
                0
            }
        };
        let topic = required(&form.topic, "学习专题", 200, "topic", &mut e);
        let materials = required_long(&form.materials, "学习材料", 4000, "materials", &mut e);
        invalid(e)?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let plan = self
            .plan_for_change(&mut tx, actor, &org, form.year, form.version)
            .await?;
        let item = store::insert_plan_item(&mut tx, plan, month, &topic, &materials).await?;
        let event = Event::new("study.plan")
            .object("org", org.id)
            .detail(json!({ "year": form.year, "added": item, "month": month }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.reindex(Group::Plan(plan)).await;
        Ok(())
    }

    /// Removes a topic from an org's plan.
    pub async fn remove_plan_topic(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
        version: i64,
        item: i64,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "study.plan")
            .await?;
        let org = self.load_org(actor, org_id, "study.plan").await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let Some(plan) = store::plan_of(&mut tx, org.id, year).await? else {
            return Err(ServiceError::NotFound);
        };
        if !store::touch_plan(&mut tx, plan.id, version).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        if !store::delete_plan_item(&mut tx, plan.id, item).await? {
            return Err(ServiceError::NotFound);
        }
        let event = Event::new("study.plan")
            .object("org", org.id)
            .detail(json!({ "year": year, "removed": item }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.reindex(Group::Plan(plan.id)).await;
        Ok(())
    }

    /// Issues an org's plan of a year to the orgs below.
    pub async fn issue_study_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
        version: i64,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "study.plan.issue")
            .await?;
        let org = self.load_org(actor, org_id, "study.plan.issue").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let Some(plan) = store::plan_of(&mut tx, org.id, year).await? else {
            return Err(ServiceError::invalid(
                "version",
                "学习计划还没有专题，不能下发",
            ));
        };
        if store::plan_items(&mut tx, plan.id).await?.is_empty() {
            return Err(ServiceError::invalid(
                "version",
                "学习计划还没有专题，不能下发",
            ));
        }
        if !store::touch_plan(&mut tx, plan.id, version).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        store::issue_plan(&mut tx, plan.id, today).await?;
        let event = Event::new("study.plan.issue")
            .object("org", org.id)
            .detail(json!({ "year": year, "plan": plan.id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adopts the plan an org above issued: its topics are copied into the org's plan of
    /// that year (made when it has none), to be changed as the org needs.
    pub async fn adopt_study_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        from: i64,
        version: i64,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "study.plan.adopt")
            .await?;
        let org = self.load_org(actor, org_id, "study.plan.adopt").await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let source = store::plan_by_id(&mut tx, from).await?;
        let Some(source) = source else {
            return Err(ServiceError::NotFound);
        };
        let issued = store::issued_above(&mut tx, &org.path, source.year).await?;
        if !issued.iter().any(|p| p.id == source.id) {
            return Err(ServiceError::invalid(
                "from",
                "只能采用上级组织已下发的学习计划",
            ));
        }
        let plan = self
            .plan_for_change(&mut tx, actor, &org, source.year, version)
            .await?;
        for item in store::plan_items(&mut tx, source.id).await? {
            store::insert_plan_item(&mut tx, plan, item.month, &item.topic, &item.materials)
                .await?;
        }
        store::set_adopted_from(&mut tx, plan, source.id).await?;
        let event = Event::new("study.plan.adopt")
            .object("org", org.id)
            .detail(json!({ "year": source.year, "from": source.id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.reindex(Group::Plan(plan)).await;
        Ok(())
    }

    /// The topics of an org's study plan of a year, for the org-life plan beside it (empty
    /// for those who do not read study).
    pub async fn study_plan_topics(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<Vec<PlanItemRow>> {
        if !actor.permits(Permission::ReadStudy) {
            return Ok(Vec::new());
        }
        Ok(self.study_plan(actor, org_id, year).await?.items)
    }
}
