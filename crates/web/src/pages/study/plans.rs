//! 学习计划 pages (issue 15, 1): an org's plan of a year, issued to the orgs below and
//! adopted by each.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use dangjian_service::study::{PlanItemForm, PlanView};
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::{YearQuery, after_action, layout, this_year};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::pages::{Kept, Path, query, render};
use crate::session::{Session, SessionForm};

#[derive(Template)]
#[template(path = "study_plan.html")]
struct PlanPage {
    layout: Layout,
    v: PlanView,
    months: Vec<(String, String)>,
    kept: Kept,
}

impl PlanPage {
    fn version(&self) -> i64 {
        self.v.plan.as_ref().map_or(0, |p| p.version)
    }
}

async fn plan_page(
    state: &AppState,
    actor: &Actor,
    org: i64,
    year: i32,
    notice: Option<&str>,
    kept: Kept,
) -> Result<PlanPage, PageError> {
    let v = state.services.study_plan(actor, org, year).await?;
    Ok(PlanPage {
        layout: layout(actor, "学习计划")
            .crumb(format!("{} {}年", v.org.name, year), None)
            .notice(notice),
        months: (1..=12)
            .map(|m| (m.to_string(), format!("{m}月")))
            .collect(),
        v,
        kept,
    })
}

/// An org's study plan of a year.
pub async fn plan(
    State(state): State<AppState>,
    session: Session,
    Path(org): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let year = this_year(&state, q.year);
    let notice = (!q.saved.is_empty()).then_some("已保存");
    render(&plan_page(&state, &session.actor, org, year, notice, Kept::default()).await?)
}

async fn after_plan_action(
    state: &AppState,
    actor: &Actor,
    org: i64,
    year: i32,
    result: Result<(), ServiceError>,
    kept: (&'static str, Vec<(String, String)>),
) -> Result<Response, PageError> {
    let back = format!("/orgs/{org}/study-plan?year={year}&saved=1");
    after_action(result, back, kept, |kept| {
        plan_page(state, actor, org, year, None, kept)
    })
    .await
}

pub async fn add_plan_topic(
    State(state): State<AppState>,
    Path(org): Path<i64>,
    form: SessionForm<PlanItemForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .add_plan_topic(&session.actor, org, &form)
        .await;
    let kept = vec![
        ("month".to_owned(), form.month),
        ("topic".to_owned(), form.topic),
        ("materials".to_owned(), form.materials),
    ];
    after_plan_action(
        &state,
        &session.actor,
        org,
        form.year,
        result,
        ("topic", kept),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanActionForm {
    pub year: i32,
    pub version: i64,
    pub from: i64,
}

pub async fn remove_plan_topic(
    State(state): State<AppState>,
    Path((org, item)): Path<(i64, i64)>,
    form: SessionForm<PlanActionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .remove_plan_topic(&session.actor, org, form.year, form.version, item)
        .await;
    after_plan_action(
        &state,
        &session.actor,
        org,
        form.year,
        result,
        ("remove", Vec::new()),
    )
    .await
}

pub async fn issue_plan(
    State(state): State<AppState>,
    Path(org): Path<i64>,
    form: SessionForm<PlanActionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .issue_study_plan(&session.actor, org, form.year, form.version)
        .await;
    after_plan_action(
        &state,
        &session.actor,
        org,
        form.year,
        result,
        ("issue", Vec::new()),
    )
    .await
}

pub async fn adopt_plan(
    State(state): State<AppState>,
    Path(org): Path<i64>,
    form: SessionForm<PlanActionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .adopt_study_plan(&session.actor, org, form.from, form.version)
        .await;
    after_plan_action(
        &state,
        &session.actor,
        org,
        form.year,
        result,
        ("adopt", Vec::new()),
    )
    .await
}
