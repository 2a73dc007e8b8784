//! 党组织考核评价 (issue 19, 1–2). The committee office writes an indicator set for a kind of
//! org and publishes it; from then on it is read only (a change is the next version). An org
//! above (the office at the top, or a committee for the orgs below it) opens a round for a
//! year or a quarter; the orgs score themselves on the assessor's indicators with evidence;
//! moving to the upper assessment reads the computed indicators from the other areas'
//! records, each with what the records held and a link to them (无数据 where an area kept
//! none for the org); the org above scores the rest; each org then sees its result and may
//! object, and every objection is answered before the grades are published. The org page
//! shows the latest published grade; the export feeds the police performance appraisal.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, TimeDelta};
use dangjian_core::assess::rating::{
    self as core, ExportField, IndicatorDraft, Method, RoundStage, check_answer, check_indicator,
    check_publish, check_score, grade_for,
};
use dangjian_core::field::FieldErrors;
use dangjian_core::org::OrgKind;
use dangjian_core::role::{Permission, Scope};
use dangjian_core::rules_second::OrgRating;
use dangjian_store::assess::rating::{
    self as store, Answer, IndicatorRow, NewIndicator, NewRound, NewSet, ObjectionRow, ResultRow,
    RoundOrgRow, RoundRow, ScoreRow, SetRow,
};
use dangjian_store::orgs;
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{required, required_long};
use crate::rectification::invalid;
use crate::scope::{UNKNOWN_ORG, org_by_code_in_scope};

const NAME: usize = 60;
const LONG: usize = 2000;
const STALE: &str = "该考核已被他人推进或修改，请刷新后重试";
const SET_STALE: &str = "该指标体系已被他人修改或已发布，请刷新后重试";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SetForm {
    pub name: String,
    /// `committee`, `general_branch` or `branch`.
    pub org_kind: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndicatorForm {
    pub version: i64,
    pub name: String,
    pub method: String,
    pub weight: String,
    /// Points taken off per record, for deductions ("2", "0.5").
    pub per_item: String,
    /// How the assessor scores it and what evidence counts.
    pub guide: String,
}

/// A change guarded by the version the reader saw.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VersionForm {
    pub version: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoundForm {
    /// The published set's id.
    pub set: String,
    /// The organiser's code; empty: the account's own org (the top for the office).
    pub organiser: String,
    pub year: String,
    /// 1–4, or empty for the whole year.
    pub quarter: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreForm {
    pub indicator: String,
    pub points: String,
    /// The evidence (self) or the reason (upper).
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelfSubmitForm {
    pub summary: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ObjectionForm {
    pub indicator: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnswerForm {
    /// `upheld` or `rejected`.
    pub decision: String,
    /// The corrected points, when upheld.
    pub points: String,
    pub answer: String,
}

/// A set with its indicators.
#[derive(Debug, Clone)]
pub struct SetView {
    pub set: SetRow,
    pub indicators: Vec<IndicatorRow>,
    /// The full score the rules ask the weights to make.
    pub total_points: u32,
    /// A draft, and the actor is the committee office.
    pub may_edit: bool,
}

/// A round as its organiser or one of its orgs sees it.
#[derive(Debug, Clone)]
pub struct RoundView {
    pub round: RoundRow,
    pub indicators: Vec<IndicatorRow>,
    /// The orgs of the round within the actor's scope.
    pub orgs: Vec<RoundOrgRow>,
    pub objections: Vec<ObjectionRow>,
    /// The actor stands for the organiser (scores, answers, moves the round on).
    pub organiser_side: bool,
    /// Upper scores still to give (org × assessor indicator), at the upper stage.
    pub unscored: usize,
}

/// One org's page of a round.
#[derive(Debug, Clone)]
pub struct RoundOrgView {
    pub round: RoundRow,
    pub indicators: Vec<IndicatorRow>,
    pub org: RoundOrgRow,
    pub scores: HashMap<i64, ScoreRow>,
    pub objections: Vec<ObjectionRow>,
    pub organiser_side: bool,
    /// The upper scores and the result are shown (the organiser, or the round fed back);
    /// otherwise the service has left them out.
    pub shows_result: bool,
}

fn indicator_of<'a>(
    indicators: &'a [IndicatorRow],
    raw: &str,
    e: &mut FieldErrors,
) -> Option<&'a IndicatorRow> {
    let found = raw
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| indicators.iter().find(|i| i.id == id));
    if found.is_none() {
        e.add("indicator", "请选择本考核的一项指标");
    }
    found
}

pub(super) fn weight(i: &IndicatorRow) -> u32 {
    u32::try_from(i.weight).unwrap_or(0)
}

pub(super) fn tenths(p: u32) -> i64 {
    i64::from(p)
}

/// Each org's total and grade from its scores.
fn results(
    indicators: &[IndicatorRow],
    scores: &[ScoreRow],
    orgs: &[i64],
    scheme: &OrgRating,
) -> Vec<(i64, ResultRow)> {
    let by_key: HashMap<(i64, i64), Option<i64>> = scores
        .iter()
        .map(|s| ((s.org_id, s.indicator_id), s.points))
        .collect();
    orgs.iter()
        .map(|org| {
            let items: Vec<(u32, Option<u32>)> = indicators
                .iter()
                .map(|i| {
                    let p = by_key
                        .get(&(*org, i.id))
                        .copied()
                        .flatten()
                        .and_then(|p| u32::try_from(p).ok());
                    (weight(i), p)
                })
                .collect();
            let t = core::total(&items, scheme.min_share_with_data);
            let grade = t
                .scaled
                .and_then(|s| grade_for(s, &scheme.grades))
                .map(|b| b.label.clone());
            (
                *org,
                ResultRow {
                    raw: i64::from(t.raw),
                    weight_with_data: i64::from(t.weight_with_data),
                    total: t.scaled.map(i64::from),
                    grade,
                },
            )
        })
        .collect()
}

impl Services {
    fn org_rating(&self, day: NaiveDate) -> OrgRating {
        self.rule_book().on(day).assessment.org_rating.clone()
    }

    fn rating_scheme(&self, round: &RoundRow) -> OrgRating {
        let (_, to) = round.period().range();
        self.org_rating(to - TimeDelta::days(1))
    }

    /// Every indicator set, newest version first within a name.
    pub async fn indicator_sets(&self, actor: &Actor) -> ServiceResult<Vec<SetRow>> {
        self.require(actor, Permission::AssessOrgs, "indicator_set.list")
            .await?;
        let mut tx = self.db().read().await?;
        let sets = store::sets(&mut tx).await?;
        tx.commit().await?;
        Ok(sets)
    }

    pub async fn indicator_set(&self, actor: &Actor, id: i64) -> ServiceResult<SetView> {
        self.require(actor, Permission::AssessOrgs, "indicator_set.view")
            .await?;
        let mut tx = self.db().read().await?;
        let set = store::set_by_id(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let indicators = store::indicators(&mut tx, id).await?;
        tx.commit().await?;
        Ok(SetView {
            may_edit: set.published_on.is_none() && actor.scope == Scope::Everything,
            total_points: self.org_rating(self.clock().today()).total_points,
            set,
            indicators,
        })
    }

    /// Sets are the bureau's: only the committee office (whole-tree scope) writes them.
    async fn require_bureau(&self, actor: &Actor, event: &'static str) -> ServiceResult<()> {
        self.require(actor, Permission::AssessOrgs, event).await?;
        if actor.scope != Scope::Everything {
            let event = Event::new(event).detail(json!({ "reason": "bureau_only" }));
            self.record_denial(actor, event).await?;
            return Err(ServiceError::Forbidden);
        }
        Ok(())
    }

    /// Starts a draft set (version 1 of its name); returns its id.
    pub async fn create_indicator_set(&self, actor: &Actor, form: &SetForm) -> ServiceResult<i64> {
        self.require_bureau(actor, "indicator_set.create").await?;
        let mut e = FieldErrors::new();
        let name = required(&form.name, "指标体系名称", NAME, "name", &mut e);
        let kind = OrgKind::from_code(form.org_kind.trim()).filter(|k| core::assessable(*k));
        if kind.is_none() {
            e.add("org_kind", "请选择党委、党总支或党支部");
        }
        invalid(e)?;
        let Some(kind) = kind else {
            return Err(ServiceError::invalid(
                "org_kind",
                "请选择党委、党总支或党支部",
            ));
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if store::last_version(&mut tx, &name).await? > 0 {
            return Err(ServiceError::invalid(
                "name",
                format!("已有名为“{name}”的指标体系；修订请在其页面上“另存新版本”"),
            ));
        }
        let new = NewSet {
            name: &name,
            org_kind: kind,
            version: 1,
            previous_id: None,
            by: &actor.login,
        };
        let id = store::insert_set(&mut tx, &new, now).await?;
        let event = Event::new("indicator_set.create").object("indicator_set", id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds an indicator to a draft.
    pub async fn add_indicator(
        &self,
        actor: &Actor,
        set_id: i64,
        form: &IndicatorForm,
    ) -> ServiceResult<()> {
        self.require_bureau(actor, "indicator_set.add").await?;
        let total_points = self.org_rating(self.clock().today()).total_points;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let method = Method::from_code(form.method.trim());
        if method.is_none() {
            e.add("method", "请选择计分方式");
        }
        let weight = form.weight.trim().parse::<u32>().ok();
        if weight.is_none() {
            e.add("weight", format!("分值须为1到{total_points}的整数"));
        }
        let per_item = match form.per_item.trim() {
            "" => Some(0),
            raw => core::parse_points(raw),
        };
        if per_item.is_none() {
            e.add("per_item", "每起扣分须为数字（最多一位小数）");
        }
        let mut tx = self.db().write().await?;
        let set = store::set_by_id(&mut tx, set_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let existing = store::indicators(&mut tx, set_id).await?;
        if let (Some(method), Some(weight), Some(per_item)) = (method, weight, per_item) {
            let taken: Vec<&str> = existing.iter().map(|i| i.name.as_str()).collect();
            let draft = IndicatorDraft {
                name: &form.name,
                method,
                weight,
                per_item,
                guide: &form.guide,
            };
            if let Err((field, message)) = check_indicator(&draft, &taken, total_points) {
                e.add(field, message);
            }
        }
        let guide = e
            .check(
                "guide",
                dangjian_core::text::optional_long(&form.guide, "评分标准", LONG),
            )
            .flatten()
            .unwrap_or_default();
        invalid(e)?;
        let (Some(method), Some(weight), Some(per_item)) = (method, weight, per_item) else {
            return Err(ServiceError::invalid("method", "请选择计分方式"));
        };
        if !store::touch_set(&mut tx, set.id, form.version).await? {
            return Err(ServiceError::conflict("name", SET_STALE));
        }
        let new = NewIndicator {
            name: form.name.trim(),
            method,
            weight: i64::from(weight),
            per_item: i64::from(per_item),
            guide: &guide,
        };
        store::insert_indicator(&mut tx, set.id, &new).await?;
        let event = Event::new("indicator_set.add")
            .object("indicator_set", set.id)
            .detail(json!({ "method": method.code(), "weight": weight }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_indicator(
        &self,
        actor: &Actor,
        set_id: i64,
        indicator_id: i64,
        form: &VersionForm,
    ) -> ServiceResult<()> {
        self.require_bureau(actor, "indicator_set.remove").await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if !store::touch_set(&mut tx, set_id, form.version).await? {
            return Err(ServiceError::conflict("name", SET_STALE));
        }
        if !store::delete_indicator(&mut tx, set_id, indicator_id).await? {
            return Err(ServiceError::NotFound);
        }
        let event = Event::new("indicator_set.remove")
            .object("indicator_set", set_id)
            .detail(json!({ "indicator": indicator_id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes a draft whose weights make the full score; it is read only from then on.
    pub async fn publish_indicator_set(
        &self,
        actor: &Actor,
        set_id: i64,
        form: &VersionForm,
    ) -> ServiceResult<()> {
        self.require_bureau(actor, "indicator_set.publish").await?;
        let total_points = self.org_rating(self.clock().today()).total_points;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let indicators = store::indicators(&mut tx, set_id).await?;
        let weights: Vec<u32> = indicators.iter().map(weight).collect();
        check_publish(&weights, total_points).map_err(|m| ServiceError::invalid("weight", m))?;
        if !store::publish_set(
            &mut tx,
            set_id,
            form.version,
            now.date_naive(),
            &actor.login,
        )
        .await?
        {
            return Err(ServiceError::conflict("name", SET_STALE));
        }
        let event = Event::new("indicator_set.publish").object("indicator_set", set_id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts the next version of a published set as a draft copy; returns its id.
    pub async fn revise_indicator_set(&self, actor: &Actor, set_id: i64) -> ServiceResult<i64> {
        self.require_bureau(actor, "indicator_set.revise").await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let set = store::set_by_id(&mut tx, set_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if set.published_on.is_none() {
            return Err(ServiceError::conflict(
                "name",
                "这是草稿，可直接修改；发布后才另存新版本",
            ));
        }
        let last = store::last_version(&mut tx, &set.name).await?;
        if last != set.version {
            return Err(ServiceError::conflict(
                "name",
                format!("“{}”已有第{last}版，请在最新版本上修订", set.name),
            ));
        }
        let new = NewSet {
            name: &set.name,
            org_kind: set.org_kind,
            version: last + 1,
            previous_id: Some(set.id),
            by: &actor.login,
        };
        let id = store::insert_set(&mut tx, &new, now).await?;
        store::copy_indicators(&mut tx, set.id, id).await?;
        let event = Event::new("indicator_set.revise")
            .object("indicator_set", id)
            .detail(json!({ "from": set.id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The rounds the actor organises or whose orgs are in their scope.
    pub async fn assessment_rounds(&self, actor: &Actor) -> ServiceResult<Vec<RoundRow>> {
        self.require(actor, Permission::AssessOrgs, "round.list")
            .await?;
        let mut tx = self.db().read().await?;
        let rounds = store::rounds(&mut tx, &actor.scope).await?;
        tx.commit().await?;
        Ok(rounds)
    }

    /// Opens a round of a published set for the orgs of its kind below the organiser.
    pub async fn open_round(&self, actor: &Actor, form: &RoundForm) -> ServiceResult<i64> {
        self.require(actor, Permission::AssessOrgs, "round.open")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let period = match core::Period::parse(&form.year, &form.quarter) {
            Ok(p) => Some(p),
            Err((field, message)) => {
                e.add(field, message);
                None
            }
        };
        if let Some(p) = period {
            let this = today.format("%Y").to_string().parse::<i32>().unwrap_or(0);
            if p.year != this && p.year != this - 1 {
                e.add("year", format!("只能开展{}年或{this}年的考核", this - 1));
            } else if p.range().0 > today {
                e.add("quarter", "该季度尚未开始");
            }
        }
        let mut tx = self.db().write().await?;
        let set = match form.set.trim().parse::<i64>() {
            Ok(id) => store::set_by_id(&mut tx, id)
                .await?
                .filter(|s| s.published_on.is_some()),
            Err(_) => None,
        };
        if set.is_none() {
            e.add("set", "请选择已发布的指标体系");
        }
        let organiser = match form.organiser.trim() {
            "" => match &actor.scope {
                Scope::Subtree { org_id, .. } => orgs::get(&mut tx, *org_id).await?,
                Scope::Everything => match store::top_org(&mut tx).await? {
                    Some(id) => orgs::get(&mut tx, id).await?,
                    None => None,
                },
                _ => None,
            },
            raw => org_by_code_in_scope(&mut tx, actor, raw).await?,
        }
        .filter(|o| actor.scope.covers_org(&o.path) && o.dissolved_on.is_none());
        if organiser.is_none() {
            e.add("organiser", UNKNOWN_ORG);
        }
        invalid(e)?;
        let (Some(set), Some(organiser), Some(period)) = (set, organiser, period) else {
            return Err(ServiceError::invalid("set", "请选择已发布的指标体系"));
        };
        let seeds =
            store::assessable_under(&mut tx, organiser.id, &organiser.path, set.org_kind).await?;
        if seeds.is_empty() {
            return Err(ServiceError::invalid(
                "organiser",
                format!(
                    "{}之下没有{}，无可考核的组织",
                    organiser.name,
                    set.org_kind.label()
                ),
            ));
        }
        let new = NewRound {
            set_id: set.id,
            organiser_id: organiser.id,
            year: period.year,
            quarter: period.quarter.unwrap_or(0),
            by: &actor.login,
        };
        let Some(id) = store::insert_round(&mut tx, &new, &seeds, now).await? else {
            return Err(ServiceError::invalid(
                "year",
                format!(
                    "{}已开展{}的“{}”考核",
                    organiser.name,
                    period.label(),
                    set.name
                ),
            ));
        };
        let event = Event::new("round.open")
            .object("round", id)
            .detail(json!({ "set": set.id, "organiser": organiser.id, "orgs": seeds.len() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A round the actor may see, and whether they stand for its organiser.
    async fn round_for(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<(RoundRow, bool)> {
        self.require(actor, Permission::AssessOrgs, event).await?;
        let mut tx = self.db().read().await?;
        let round = store::round_by_id(&mut tx, id).await?;
        let Some(round) = round else {
            return Err(ServiceError::NotFound);
        };
        let organiser_side = actor.scope.covers_org(&round.organiser_path);
        let org_side = match &actor.scope {
            Scope::Subtree { path, .. } => {
                !store::round_orgs(&mut tx, id, &actor.scope)
                    .await?
                    .is_empty()
                    || path.is_within(&round.organiser_path)
            }
            _ => false,
        };
        tx.commit().await?;
        if !organiser_side && !org_side {
            return Err(self.out_of_scope(actor, event, "round", id).await);
        }
        Ok((round, organiser_side))
    }

    pub async fn assessment_round(&self, actor: &Actor, id: i64) -> ServiceResult<RoundView> {
        let (round, organiser_side) = self.round_for(actor, id, "round.view").await?;
        let mut tx = self.db().read().await?;
        let indicators = store::indicators(&mut tx, round.set_id).await?;
        let mut orgs = store::round_orgs(&mut tx, id, &actor.scope).await?;
        if !shows_result(&round, organiser_side) {
            for o in &mut orgs {
                o.result = None;
            }
        }
        let objections = store::objections(&mut tx, id, &actor.scope).await?;
        let unscored = if organiser_side && round.stage == RoundStage::Upper {
            let scores = store::scores(&mut tx, id, None).await?;
            unscored(&indicators, &scores, &orgs)
        } else {
            0
        };
        tx.commit().await?;
        Ok(RoundView {
            round,
            indicators,
            orgs,
            objections,
            organiser_side,
            unscored,
        })
    }

    /// One org of a round, in the actor's scope.
    pub async fn round_org(
        &self,
        actor: &Actor,
        round_id: i64,
        org_id: i64,
    ) -> ServiceResult<RoundOrgView> {
        let (round, organiser_side) = self.round_for(actor, round_id, "round.view").await?;
        let mut tx = self.db().read().await?;
        let org = store::round_org(&mut tx, round_id, org_id).await?;
        let Some(org) = org.filter(|o| actor.scope.covers_org(&o.org_path)) else {
            tx.commit().await?;
            return Err(self.out_of_scope(actor, "round.view", "org", org_id).await);
        };
        let indicators = store::indicators(&mut tx, round.set_id).await?;
        let mut scores = store::scores(&mut tx, round_id, Some(org_id)).await?;
        let objections = store::objections(&mut tx, round_id, &actor.scope)
            .await?
            .into_iter()
            .filter(|o| o.org_id == org_id)
            .collect();
        tx.commit().await?;
        let shows = shows_result(&round, organiser_side);
        let mut org = org;
        if !shows {
            // The upper scores and the result are the organiser's until fed back.
            org.result = None;
            let assessor: HashSet<i64> = indicators
                .iter()
                .filter(|i| i.method == Method::Assessor)
                .map(|i| i.id)
                .collect();
            for s in scores
                .iter_mut()
                .filter(|s| assessor.contains(&s.indicator_id))
            {
                s.points = None;
                s.note = None;
                s.scored_by = None;
            }
        }
        Ok(RoundOrgView {
            shows_result: shows,
            round,
            indicators,
            org,
            scores: scores.into_iter().map(|s| (s.indicator_id, s)).collect(),
            objections,
            organiser_side,
        })
    }

    /// The round, its org in scope and the assessor indicator a form names, at `stage`.
    async fn round_org_for_change(
        &self,
        actor: &Actor,
        round_id: i64,
        org_id: i64,
        stage: RoundStage,
        event: &'static str,
    ) -> ServiceResult<(RoundRow, bool, Vec<IndicatorRow>)> {
        let (round, organiser_side) = self.round_for(actor, round_id, event).await?;
        let mut tx = self.db().read().await?;
        let org = store::round_org(&mut tx, round_id, org_id).await?;
        let indicators = store::indicators(&mut tx, round.set_id).await?;
        tx.commit().await?;
        if !org.is_some_and(|o| actor.scope.covers_org(&o.org_path)) {
            return Err(self.out_of_scope(actor, event, "org", org_id).await);
        }
        if round.stage != stage {
            return Err(ServiceError::conflict(
                "stage",
                format!("考核现处于“{}”阶段，不能办理此事", round.stage.label()),
            ));
        }
        Ok((round, organiser_side, indicators))
    }

    /// An org's own score on an assessor indicator, with its evidence (before it submits).
    pub async fn self_score(
        &self,
        actor: &Actor,
        round_id: i64,
        org_id: i64,
        form: &ScoreForm,
    ) -> ServiceResult<()> {
        let (_, _, indicators) = self
            .round_org_for_change(
                actor,
                round_id,
                org_id,
                RoundStage::SelfAssessment,
                "round.self_score",
            )
            .await?;
        let mut e = FieldErrors::new();
        let indicator = indicator_of(&indicators, &form.indicator, &mut e)
            .filter(|i| i.method == Method::Assessor);
        let points = match indicator {
            Some(i) => match check_score(&form.points, weight(i), &form.note, false) {
                Ok(p) => Some(p),
                Err((field, message)) => {
                    e.add(field, message);
                    None
                }
            },
            None => {
                e.add("indicator", "只有上级评分的指标需要自评打分");
                None
            }
        };
        let note = required_long(&form.note, "自评依据和佐证材料", LONG, "note", &mut e);
        invalid(e)?;
        let (Some(indicator), Some(points)) = (indicator, points) else {
            return Err(ServiceError::invalid("indicator", "请选择指标"));
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let submitted = store::round_org(&mut tx, round_id, org_id)
            .await?
            .and_then(|o| o.self_submitted_on);
        if submitted.is_some() {
            return Err(ServiceError::conflict(
                "points",
                "本组织已提交自评，不能再修改",
            ));
        }
        if !store::touch_round(&mut tx, round_id, RoundStage::SelfAssessment).await? {
            return Err(ServiceError::conflict("points", STALE));
        }
        store::set_self_score(
            &mut tx,
            round_id,
            org_id,
            indicator.id,
            tenths(points),
            &note,
        )
        .await?;
        let event = Event::new("round.self_score")
            .object("round", round_id)
            .detail(json!({ "org": org_id, "indicator": indicator.id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Submits an org's self-assessment once every assessor indicator has its own score.
    pub async fn submit_self_assessment(
        &self,
        actor: &Actor,
        round_id: i64,
        org_id: i64,
        form: &SelfSubmitForm,
    ) -> ServiceResult<()> {
        let (_, _, indicators) = self
            .round_org_for_change(
                actor,
                round_id,
                org_id,
                RoundStage::SelfAssessment,
                "round.self_submit",
            )
            .await?;
        let mut e = FieldErrors::new();
        let summary = required_long(&form.summary, "自评总结", LONG * 2, "summary", &mut e);
        invalid(e)?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let scores = store::scores(&mut tx, round_id, Some(org_id)).await?;
        let missing: Vec<&str> = indicators
            .iter()
            .filter(|i| i.method == Method::Assessor)
            .filter(|i| {
                !scores
                    .iter()
                    .any(|s| s.indicator_id == i.id && s.self_points.is_some())
            })
            .map(|i| i.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(ServiceError::invalid(
                "summary",
                format!("还有指标未自评：{}", missing.join("、")),
            ));
        }
        if !store::submit_self(&mut tx, round_id, org_id, &summary, now.date_naive()).await? {
            return Err(ServiceError::conflict("summary", "本组织已提交自评"));
        }
        let event = Event::new("round.self_submit")
            .object("round", round_id)
            .detail(json!({ "org": org_id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organiser's score on an assessor indicator of an org, with the reason below full.
    pub async fn upper_score(
        &self,
        actor: &Actor,
        round_id: i64,
        org_id: i64,
        form: &ScoreForm,
    ) -> ServiceResult<()> {
        let (_, organiser_side, indicators) = self
            .round_org_for_change(actor, round_id, org_id, RoundStage::Upper, "round.score")
            .await?;
        if !organiser_side {
            let event = Event::new("round.score")
                .object("round", round_id)
                .detail(json!({ "reason": "not_organiser", "org": org_id }));
            self.record_denial(actor, event).await?;
            return Err(ServiceError::Forbidden);
        }
        let mut e = FieldErrors::new();
        let indicator = indicator_of(&indicators, &form.indicator, &mut e)
            .filter(|i| i.method == Method::Assessor);
        let points = match indicator {
            Some(i) => match check_score(&form.points, weight(i), &form.note, true) {
                Ok(p) => Some(p),
                Err((field, message)) => {
                    e.add(field, message);
                    None
                }
            },
            None => {
                e.add("indicator", "计算类指标的得分取自记录，不能手工评分");
                None
            }
        };
        let note = e
            .check(
                "note",
                dangjian_core::text::optional_long(&form.note, "评分理由", LONG),
            )
            .flatten()
            .unwrap_or_default();
        invalid(e)?;
        let (Some(indicator), Some(points)) = (indicator, points) else {
            return Err(ServiceError::invalid("indicator", "请选择指标"));
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if !store::touch_round(&mut tx, round_id, RoundStage::Upper).await? {
            return Err(ServiceError::conflict("points", STALE));
        }
        store::set_points(
            &mut tx,
            round_id,
            org_id,
            indicator.id,
            tenths(points),
            &note,
            &actor.login,
        )
        .await?;
        let event = Event::new("round.score")
            .object("round", round_id)
            .detail(json!({ "org": org_id, "indicator": indicator.id, "points": points }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a round on: to the upper assessment (reading the computed indicators from the
    /// records), to feedback (every upper score given; totals and grades computed), and to
    /// publication (every objection answered).
    pub async fn advance_round(
        &self,
        actor: &Actor,
        round_id: i64,
        form: &VersionForm,
    ) -> ServiceResult<RoundStage> {
        let (round, organiser_side) = self.round_for(actor, round_id, "round.advance").await?;
        if !organiser_side {
            let event = Event::new("round.advance")
                .object("round", round_id)
                .detail(json!({ "reason": "not_organiser" }));
            self.record_denial(actor, event).await?;
            return Err(ServiceError::Forbidden);
        }
        let Some(next) = round.stage.next() else {
            return Err(ServiceError::conflict("stage", "考核结果已公布"));
        };
        let mut tx = self.db().read().await?;
        let indicators = store::indicators(&mut tx, round.set_id).await?;
        let orgs = store::round_orgs(&mut tx, round_id, &Scope::Everything).await?;
        tx.commit().await?;
        let computed = if next == RoundStage::Upper {
            self.read_records(&round, &indicators, &orgs).await?
        } else {
            Vec::new()
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        match next {
            RoundStage::Feedback => {
                let scores = store::scores(&mut tx, round_id, None).await?;
                let missing = unscored(&indicators, &scores, &orgs);
                if missing > 0 {
                    return Err(ServiceError::conflict(
                        "stage",
                        format!("还有{missing}项上级评分未完成，评完后才能反馈结果"),
                    ));
                }
                let ids: Vec<i64> = orgs.iter().map(|o| o.org_id).collect();
                let rows = results(&indicators, &scores, &ids, &self.rating_scheme(&round));
                store::put_results(&mut tx, round_id, None, &rows).await?;
            }
            RoundStage::Published if round.open_objections > 0 => {
                return Err(ServiceError::conflict(
                    "stage",
                    format!("还有{}条异议未答复，答复后才能公布", round.open_objections),
                ));
            }
            _ => {}
        }
        if !store::set_round_stage(&mut tx, round_id, form.version, next, now).await? {
            return Err(ServiceError::conflict("stage", STALE));
        }
        if next == RoundStage::Upper {
            let ids: Vec<i64> = indicators
                .iter()
                .filter(|i| i.method.is_computed())
                .map(|i| i.id)
                .collect();
            store::put_computed(&mut tx, round_id, &ids, &computed).await?;
        }
        // An objection filed in a stale view cannot slip in between the count and the move.
        if next == RoundStage::Published
            && !store::objections(&mut tx, round_id, &Scope::Everything)
                .await?
                .iter()
                .all(|o| o.upheld.is_some())
        {
            return Err(ServiceError::conflict("stage", STALE));
        }
        let event = Event::new("round.advance")
            .object("round", round_id)
            .detail(json!({ "to": next.code() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// An org's objection to one indicator's score, while the result is fed back.
    pub async fn object_to_score(
        &self,
        actor: &Actor,
        round_id: i64,
        org_id: i64,
        form: &ObjectionForm,
    ) -> ServiceResult<i64> {
        let (_, organiser_side, indicators) = self
            .round_org_for_change(
                actor,
                round_id,
                org_id,
                RoundStage::Feedback,
                "round.object",
            )
            .await?;
        // The organiser answers objections; it does not raise them against its own scores.
        if organiser_side {
            let event = Event::new("round.object")
                .object("round", round_id)
                .detail(json!({ "reason": "organiser", "org": org_id }));
            self.record_denial(actor, event).await?;
            return Err(ServiceError::Forbidden);
        }
        let mut e = FieldErrors::new();
        let indicator = indicator_of(&indicators, &form.indicator, &mut e).map(|i| i.id);
        let reason = required_long(&form.reason, "异议理由", LONG, "reason", &mut e);
        invalid(e)?;
        let Some(indicator) = indicator else {
            return Err(ServiceError::invalid("indicator", "请选择本考核的一项指标"));
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if !store::touch_round(&mut tx, round_id, RoundStage::Feedback).await? {
            return Err(ServiceError::conflict("reason", STALE));
        }
        let Some(id) = store::insert_objection(
            &mut tx,
            round_id,
            org_id,
            indicator,
            &reason,
            &actor.login,
            now,
        )
        .await?
        else {
            return Err(ServiceError::invalid(
                "indicator",
                "对该指标已有待答复的异议",
            ));
        };
        let event = Event::new("round.object")
            .object("objection", id)
            .detail(json!({ "round": round_id, "org": org_id, "indicator": indicator }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The organiser answers an objection; an upheld one corrects the score and the org's
    /// total and grade.
    pub async fn answer_objection(
        &self,
        actor: &Actor,
        round_id: i64,
        objection_id: i64,
        form: &AnswerForm,
    ) -> ServiceResult<()> {
        let (round, organiser_side) = self.round_for(actor, round_id, "round.answer").await?;
        if !organiser_side {
            let event = Event::new("round.answer")
                .object("objection", objection_id)
                .detail(json!({ "reason": "not_organiser" }));
            self.record_denial(actor, event).await?;
            return Err(ServiceError::Forbidden);
        }
        if round.stage != RoundStage::Feedback {
            return Err(ServiceError::conflict(
                "answer",
                format!("考核现处于“{}”阶段，不能答复异议", round.stage.label()),
            ));
        }
        let mut tx = self.db().read().await?;
        let objection = store::objection_by_id(&mut tx, objection_id)
            .await?
            .filter(|o| o.round_id == round_id)
            .ok_or(ServiceError::NotFound)?;
        let indicators = store::indicators(&mut tx, round.set_id).await?;
        let current = store::scores(&mut tx, round_id, Some(objection.org_id))
            .await?
            .into_iter()
            .find(|s| s.indicator_id == objection.indicator_id)
            .and_then(|s| s.points);
        tx.commit().await?;
        let Some(indicator) = indicators.iter().find(|i| i.id == objection.indicator_id) else {
            return Err(ServiceError::NotFound);
        };
        let mut e = FieldErrors::new();
        let upheld = match form.decision.trim() {
            "upheld" => Some(true),
            "rejected" => Some(false),
            _ => {
                e.add("decision", "请选择异议成立或不成立");
                None
            }
        };
        let new_points = match form.points.trim() {
            "" => None,
            raw => {
                let p = core::parse_points(raw);
                if p.is_none() {
                    e.add("points", "请填写得分（最多一位小数）");
                }
                p
            }
        };
        let current_tenths = current.and_then(|p| u32::try_from(p).ok());
        if let Some(upheld) = upheld
            && let Err((field, message)) = check_answer(
                upheld,
                &form.answer,
                new_points,
                current_tenths,
                weight(indicator),
            )
        {
            e.add(field, message);
        }
        let answer = required_long(&form.answer, "答复意见", LONG, "answer", &mut e);
        invalid(e)?;
        let upheld = upheld == Some(true);
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if !store::touch_round(&mut tx, round_id, RoundStage::Feedback).await? {
            return Err(ServiceError::conflict("answer", STALE));
        }
        let points_after = if upheld { new_points.map(tenths) } else { None };
        let done = store::answer_objection(
            &mut tx,
            objection_id,
            &Answer {
                upheld,
                answer: &answer,
                points_before: current,
                points_after,
                by: &actor.login,
            },
            now,
        )
        .await?;
        if !done {
            return Err(ServiceError::conflict("answer", "该异议已答复"));
        }
        if let Some(points) = points_after {
            store::set_points(
                &mut tx,
                round_id,
                objection.org_id,
                objection.indicator_id,
                points,
                &format!("异议成立：{answer}"),
                &actor.login,
            )
            .await?;
            let scores = store::scores(&mut tx, round_id, Some(objection.org_id)).await?;
            let rows = results(
                &indicators,
                &scores,
                &[objection.org_id],
                &self.rating_scheme(&round),
            );
            store::put_results(&mut tx, round_id, Some(objection.org_id), &rows).await?;
        }
        let event = Event::new("round.answer")
            .object("objection", objection_id)
            .detail(json!({ "round": round_id, "upheld": upheld }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A published round's scores in the columns the performance appraisal takes (the rules
    /// file's mapping): (file name, workbook).
    pub async fn performance_xlsx(
        &self,
        actor: &Actor,
        round_id: i64,
    ) -> ServiceResult<(String, Vec<u8>)> {
        use crate::excel::{Cell, Sheet};
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let view = self.assessment_round(actor, round_id).await?;
        if !view.organiser_side || view.round.stage != RoundStage::Published {
            return Err(ServiceError::conflict(
                "stage",
                "考核结果公布后，组织方才能导出绩效考核表",
            ));
        }
        let period = view.round.period().label();
        let columns = self.rating_scheme(&view.round).performance_export;
        let rows = view
            .orgs
            .iter()
            .map(|o| {
                columns
                    .iter()
                    .map(|c| {
                        let result = o.result.as_ref();
                        match ExportField::from_code(&c.field) {
                            Some(ExportField::OrgCode) => Cell::Text(o.code.clone()),
                            Some(ExportField::OrgName) => Cell::Text(o.name.clone()),
                            Some(ExportField::UnitCode) => {
                                Cell::Text(o.unit_code.clone().unwrap_or_default())
                            }
                            Some(ExportField::Period) => Cell::Text(period.clone()),
                            Some(ExportField::Total) => match result.and_then(|r| r.total) {
                                Some(t) => Cell::Number(t as f64 / 10.0),
                                None => Cell::Text("数据不足".to_owned()),
                            },
                            Some(ExportField::Grade) => Cell::Text(
                                result
                                    .and_then(|r| r.grade.clone())
                                    .unwrap_or_else(|| "数据不足".to_owned()),
                            ),
                            Some(ExportField::Secretary) => {
                                Cell::Text(o.secretary.clone().unwrap_or_default())
                            }
                            None => Cell::Text(String::new()),
                        }
                    })
                    .collect()
            })
            .collect();
        let title = format!(
            "{}{period}党建工作考核结果（{}）",
            view.round.organiser_name, view.round.set_name
        );
        let sheets = [Sheet {
            name: "党建考核".to_owned(),
            title,
            headings: columns.iter().map(|c| c.header.clone()).collect(),
            rows,
        }];
        let event = Event::new("round.export")
            .object("round", round_id)
            .detail(json!({ "rows": view.orgs.len() }));
        self.record(actor, event).await?;
        let now = self.clock().now();
        let login = actor.login.clone();
        let bytes =
            crate::off_workers(move || crate::excel::workbook(&sheets, &login, now)).await?;
        Ok((
            format!("{}-{period}党建考核.xlsx", view.round.organiser_name),
            bytes,
        ))
    }

    /// The latest published grade of an org (the org page's secretary card):
    /// (period, grade or 数据不足, total in tenths).
    pub async fn latest_org_grade(
        &self,
        actor: &Actor,
        org_id: i64,
    ) -> ServiceResult<Option<(String, String, Option<i64>)>> {
        self.load_org(actor, org_id, "org.view").await?;
        let mut tx = self.db().read().await?;
        let found = store::latest_published(&mut tx, org_id).await?;
        tx.commit().await?;
        Ok(found.map(|(round, result)| {
            (
                round.period().label(),
                result.grade.unwrap_or_else(|| "数据不足".to_owned()),
                result.total,
            )
        }))
    }
}

/// Whether the reader sees the upper scores, totals and grades: the organiser always, the
/// orgs assessed once the round is fed back.
fn shows_result(round: &RoundRow, organiser_side: bool) -> bool {
    organiser_side || matches!(round.stage, RoundStage::Feedback | RoundStage::Published)
}

/// Upper scores still missing: each org × assessor indicator without points.
fn unscored(indicators: &[IndicatorRow], scores: &[ScoreRow], orgs: &[RoundOrgRow]) -> usize {
    let scored: HashSet<(i64, i64)> = scores
        .iter()
        .filter(|s| s.points.is_some())
        .map(|s| (s.org_id, s.indicator_id))
        .collect();
    let assessor: Vec<i64> = indicators
        .iter()
        .filter(|i| i.method == Method::Assessor)
        .map(|i| i.id)
        .collect();
    orgs.iter()
        .map(|o| {
            assessor
                .iter()
                .filter(|i| !scored.contains(&(o.org_id, **i)))
                .count()
        })
        .sum()
}
