//! Plans of organisational life: an org's year of meetings generated from the rules in one
//! step (with the org's own fixed day for 主题党日), then adjusted item by item. The plan is
//! what a reviewer holds a record against ("topic not matching the plan").

use chrono::{Datelike, NaiveDate};
use dangjian_core::compliance::{self, Input};
use dangjian_core::member::parse_date;
use dangjian_core::orglife::MeetingKind;
use dangjian_core::role::Permission;
use dangjian_core::text;
use dangjian_store::Conn;
use dangjian_store::orglife::{self, PlanFields, PlanItem};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::year_range;
use crate::orgs::Org;
use crate::scope::visible_org;

pub use dangjian_store::orglife::PlanItem as Item;

/// A plan item as the form sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanForm {
    pub kind: String,
    pub planned_on: String,
    pub topic: String,
    pub note: String,
}

/// Generating a year's plan: the year and the org's fixed day for 主题党日 (the rules'
/// default when empty).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenerateForm {
    pub year: String,
    pub theme_day: String,
}

/// An org's plan for a year.
#[derive(Debug, Clone)]
pub struct OrgPlan {
    pub org: Org,
    pub year: i32,
    pub items: Vec<PlanItem>,
    pub can_edit: bool,
    pub kinds: Vec<MeetingKind>,
}

struct Parsed {
    kind: MeetingKind,
    planned_on: NaiveDate,
    topic: Option<String>,
    note: Option<String>,
}

fn parse(form: &PlanForm, org: &Org, year: i32) -> ServiceResult<Parsed> {
    let mut e = dangjian_core::field::FieldErrors::new();
    let kind = match MeetingKind::from_code(form.kind.trim()) {
        Some(kind) if MeetingKind::recordable_by(org.kind).contains(&kind) => Some(kind),
        _ => {
            e.add("kind", format!("{}不开展这类会议", org.kind.label()));
            None
        }
    };
    let planned_on = match parse_date(form.planned_on.trim()) {
        Ok(d) if d.year() == year => Some(d),
        Ok(_) => {
            e.add("planned_on", format!("计划日期应在{year}年内"));
            None
        }
        Err(err) => {
            e.add("planned_on", err.to_string());
            None
        }
    };
    let topic = e
        .check("topic", text::optional(&form.topic, "计划议题", 500))
        .flatten();
    let note = e
        .check("note", text::optional(&form.note, "备注", 500))
        .flatten();
    match (kind, planned_on) {
        (Some(kind), Some(planned_on)) if e.is_empty() => Ok(Parsed {
            kind,
            planned_on,
            topic,
            note,
        }),
        _ => Err(ServiceError::Invalid(e)),
    }
}

fn year_field(raw: &str, today: NaiveDate) -> ServiceResult<i32> {
    match raw.trim() {
        "" => Ok(today.year()),
        raw => {
            let year = raw
                .parse::<i32>()
                .map_err(|_| ServiceError::invalid("year", "年份无效"))?;
            year_range(year)?;
            Ok(year)
        }
    }
}

impl Services {
    /// An org's plan for a year.
    pub async fn org_plan(&self, actor: &Actor, org_id: i64, year: i32) -> ServiceResult<OrgPlan> {
        let org = self.orglife_org(actor, org_id).await?;
        year_range(year)?;
        let mut tx = self.db().read().await?;
        let items = orglife::plan_of(&mut tx, org.id, year).await?;
        tx.commit().await?;
        Ok(OrgPlan {
            can_edit: actor.permits(Permission::RecordMeetings) && org.dissolved_on.is_none(),
            kinds: MeetingKind::recordable_by(org.kind),
            org,
            year,
            items,
        })
    }

    /// Loads an org for a change of its plan, inside the change's transaction.
    async fn plan_org(&self, conn: &mut Conn, actor: &Actor, org_id: i64) -> ServiceResult<Org> {
        let org = visible_org(conn, actor, org_id).await?;
        if org.dissolved_on.is_some() {
            return Err(ServiceError::invalid("org", format!("{}已撤销", org.name)));
        }
        Ok(org)
    }

    /// Generates an org's plan for a year from the rules: one item per meeting each period
    /// requires. Refused when the year already has a plan (adjust it, or clear it first).
    pub async fn generate_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &GenerateForm,
    ) -> ServiceResult<usize> {
        self.require(actor, Permission::RecordMeetings, "plan.generate")
            .await?;
        self.load_org(actor, org_id, "plan.generate").await?;
        let today = self.clock().today();
        let year = year_field(&form.year, today)?;
        let theme_day = match form.theme_day.trim() {
            "" => self.rules().plans.theme_party_day_of_month,
            raw => raw
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=31).contains(d))
                .ok_or_else(|| ServiceError::invalid("theme_day", "固定日应为1到31之间的整数"))?,
        };
        let (from, to) = year_range(year)?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let org = self.plan_org(&mut tx, actor, org_id).await?;
        if !orglife::plan_of(&mut tx, org.id, year).await?.is_empty() {
            return Err(ServiceError::conflict(
                "year",
                format!("{year}年已有计划，可逐项调整，或清空后重新生成"),
            ));
        }
        let facts =
            orglife::engine_facts(&mut tx, &actor.scope, Some(org.id), from, to, false).await?;
        let Some(facts_org) = facts.orgs.first() else {
            return Err(ServiceError::NotFound);
        };
        let meetings = &self.rules().meetings;
        let versions = self.versions();
        let slots = compliance::evaluate(&Input {
            versions: &versions,
            settings: self.rules().compliance,
            org: facts_org,
            records: &[],
            members: &[],
            committee: &[],
            from,
            to,
            today,
        });
        let planned = compliance::plan_dates(&slots, meetings, theme_day);
        for (kind, on) in &planned {
            let item = PlanFields {
                kind: *kind,
                planned_on: *on,
                topic: None,
                note: None,
            };
            orglife::insert_plan_item(&mut tx, org.id, year, &item, &actor.login, now).await?;
        }
        let event = Event::new("plan.generate")
            .object("org", org.id)
            .detail(json!({
                "year": year, "theme_day": theme_day, "items": planned.len(),
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(planned.len())
    }

    /// Adds an item to an org's plan for a year.
    pub async fn add_plan_item(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
        form: &PlanForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordMeetings, "plan.change")
            .await?;
        self.load_org(actor, org_id, "plan.change").await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let org = self.plan_org(&mut tx, actor, org_id).await?;
        let p = parse(form, &org, year)?;
        let fields = PlanFields {
            kind: p.kind,
            planned_on: p.planned_on,
            topic: p.topic.as_deref(),
            note: p.note.as_deref(),
        };
        let id =
            orglife::insert_plan_item(&mut tx, org.id, year, &fields, &actor.login, now).await?;
        let event = Event::new("plan.change")
            .object("plan_item", id)
            .detail(json!({ "action": "add", "org": org.id, "kind": p.kind.code(), "on": p.planned_on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A plan item the actor may see, with its org.
    async fn visible_plan_item(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<(PlanItem, Org)> {
        let item = orglife::plan_item(conn, id)
            .await?
            .filter(|i| actor.scope.covers_org(&i.org_path))
            .ok_or(ServiceError::NotFound)?;
        let org = self.plan_org(conn, actor, item.org_id).await?;
        Ok((item, org))
    }

    /// Changes a plan item (its kind, day, topic or note); `delete` removes it.
    pub async fn change_plan_item(
        &self,
        actor: &Actor,
        id: i64,
        form: &PlanForm,
        delete: bool,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordMeetings, "plan.change")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (item, org) = match self.visible_plan_item(&mut tx, actor, id).await {
            Err(ServiceError::NotFound) => {
                drop(tx);
                return Err(self.out_of_scope_or_missing(actor, id).await);
            }
            other => other?,
        };
        let detail = if delete {
            orglife::delete_plan_item(&mut tx, id).await?;
            json!({ "action": "delete", "org": org.id })
        } else {
            let p = parse(form, &org, item.year)?;
            let fields = PlanFields {
                kind: p.kind,
                planned_on: p.planned_on,
                topic: p.topic.as_deref(),
                note: p.note.as_deref(),
            };
            orglife::update_plan_item(&mut tx, id, &fields, &actor.login, now).await?;
            json!({ "action": "update", "org": org.id, "kind": p.kind.code(), "on": p.planned_on.to_string() })
        };
        let event = Event::new("plan.change")
            .object("plan_item", id)
            .detail(detail);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(org.id)
    }

    /// Not found for a plan item that is missing, audited as a probe when it exists outside
    /// the scope.
    async fn out_of_scope_or_missing(&self, actor: &Actor, id: i64) -> ServiceError {
        let exists = match self.db().read().await {
            Ok(mut tx) => orglife::plan_item(&mut tx, id)
                .await
                .ok()
                .flatten()
                .is_some(),
            Err(_) => false,
        };
        if exists {
            self.out_of_scope(actor, "plan.change", "plan_item", id)
                .await
        } else {
            ServiceError::NotFound
        }
    }

    /// Clears an org's plan for a year, so that it can be generated again.
    pub async fn clear_plan(&self, actor: &Actor, org_id: i64, year: i32) -> ServiceResult<u64> {
        self.require(actor, Permission::RecordMeetings, "plan.change")
            .await?;
        self.load_org(actor, org_id, "plan.change").await?;
        year_range(year)?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let org = self.plan_org(&mut tx, actor, org_id).await?;
        let removed = orglife::clear_plan(&mut tx, org.id, year).await?;
        let event = Event::new("plan.change")
            .object("org", org.id)
            .detail(json!({ "action": "clear", "year": year, "items": removed }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(removed)
    }
}
