//! `/api/v1/orgs/{id}/study-plan…` (issue 15, 1): an org's study plan of a year, issued and
//! adopted.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{YearQuery, year_or_this};
use crate::AppState;
use crate::api::{ApiJson, ApiPath, api_query};
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanTopicJson {
    pub id: i64,
    pub month: u32,
    pub topic: String,
    pub materials: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedPlanJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub issued_on: Option<String>,
    pub topics: Vec<PlanTopicJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudyPlanJson {
    /// None before the org has a plan of the year.
    pub plan_id: Option<i64>,
    pub org_id: i64,
    pub year: i32,
    /// 0 before the org has a plan of the year.
    pub version: i64,
    pub issued_on: Option<String>,
    /// The org whose issued plan this one adopted.
    pub adopted_from: Option<String>,
    pub topics: Vec<PlanTopicJson>,
    /// Plans issued by the orgs above.
    pub issued_above: Vec<IssuedPlanJson>,
}

fn topics(items: &[dangjian_service::study::PlanItemRow]) -> Vec<PlanTopicJson> {
    items
        .iter()
        .map(|t| PlanTopicJson {
            id: t.id,
            month: t.month,
            topic: t.topic.clone(),
            materials: t.materials.clone(),
        })
        .collect()
}

impl From<&dangjian_service::study::PlanView> for StudyPlanJson {
    fn from(v: &dangjian_service::study::PlanView) -> Self {
        StudyPlanJson {
            plan_id: v.plan.as_ref().map(|p| p.id),
            org_id: v.org.id,
            year: v.year,
            version: v.plan.as_ref().map_or(0, |p| p.version),
            issued_on: v
                .plan
                .as_ref()
                .and_then(|p| p.issued_on)
                .map(|d| d.to_string()),
            adopted_from: v.adopted_from.clone(),
            topics: topics(&v.items),
            issued_above: v
                .issued_above
                .iter()
                .map(|(p, items)| IssuedPlanJson {
                    id: p.id,
                    org_id: p.org_id,
                    org_name: p.org_name.clone(),
                    issued_on: p.issued_on.map(|d| d.to_string()),
                    topics: topics(items),
                })
                .collect(),
        }
    }
}

/// An org's study plan of a year, with the plans issued to it from above.
#[utoipa::path(get, path = "/orgs/{id}/study-plan", tag = "study", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = StudyPlanJson), (status = 404, body = ApiErrorBody)))]
pub async fn study_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<StudyPlanJson>, ApiError> {
    let q: YearQuery = api_query(raw.as_deref())?;
    let year = year_or_this(&state, q.year);
    let v = state.services.study_plan(&actor, id, year).await?;
    Ok(Json(StudyPlanJson::from(&v)))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PlanTopicInput {
    pub year: i32,
    /// The plan's version as read (0 when the org has none yet).
    pub version: i64,
    pub month: u32,
    pub topic: String,
    pub materials: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PlanActionInput {
    pub year: i32,
    pub version: i64,
    /// The issued plan to adopt (adopting only).
    #[serde(default)]
    pub from: Option<i64>,
}

/// Adds a topic to an org's study plan of a year.
#[utoipa::path(post, path = "/orgs/{id}/study-plan/topics", tag = "study", params(("id" = i64, Path)),
    request_body = PlanTopicInput,
    responses((status = 201, body = StudyPlanJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_plan_topic(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PlanTopicInput>,
) -> Result<(StatusCode, Json<StudyPlanJson>), ApiError> {
    let form = dangjian_service::study::PlanItemForm {
        year: i.year,
        version: i.version,
        month: i.month.to_string(),
        topic: i.topic,
        materials: i.materials,
    };
    state.services.add_plan_topic(&actor, id, &form).await?;
    let v = state.services.study_plan(&actor, id, i.year).await?;
    Ok((StatusCode::CREATED, Json(StudyPlanJson::from(&v))))
}

/// Removes a topic of an org's study plan.
#[utoipa::path(post, path = "/orgs/{id}/study-plan/topics/{topic}/delete", tag = "study",
    params(("id" = i64, Path), ("topic" = i64, Path)), request_body = PlanActionInput,
    responses((status = 200, body = StudyPlanJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn remove_plan_topic(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, topic)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<PlanActionInput>,
) -> Result<Json<StudyPlanJson>, ApiError> {
    state
        .services
        .remove_plan_topic(&actor, id, i.year, i.version, topic)
        .await?;
    let v = state.services.study_plan(&actor, id, i.year).await?;
    Ok(Json(StudyPlanJson::from(&v)))
}

/// Issues an org's study plan of a year to the orgs below.
#[utoipa::path(post, path = "/orgs/{id}/study-plan/issue", tag = "study", params(("id" = i64, Path)),
    request_body = PlanActionInput,
    responses((status = 200, body = StudyPlanJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn issue_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PlanActionInput>,
) -> Result<Json<StudyPlanJson>, ApiError> {
    state
        .services
        .issue_study_plan(&actor, id, i.year, i.version)
        .await?;
    let v = state.services.study_plan(&actor, id, i.year).await?;
    Ok(Json(StudyPlanJson::from(&v)))
}

/// Adopts a plan an org above issued: its topics copied into the org's plan, to change.
#[utoipa::path(post, path = "/orgs/{id}/study-plan/adopt", tag = "study", params(("id" = i64, Path)),
    request_body = PlanActionInput,
    responses((status = 200, body = StudyPlanJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn adopt_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PlanActionInput>,
) -> Result<Json<StudyPlanJson>, ApiError> {
    let from = i
        .from
        .ok_or_else(|| dangjian_service::ServiceError::invalid("from", "请选择要采用的学习计划"))?;
    state
        .services
        .adopt_study_plan(&actor, id, from, i.version)
        .await?;
    let v = state.services.study_plan(&actor, id, i.year).await?;
    Ok(Json(StudyPlanJson::from(&v)))
}
