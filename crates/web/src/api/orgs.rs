//! `/api/v1/orgs`.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use dangjian_core::org::{OrgForm, OrgKind};
use dangjian_service::orgs::{Filter, Org};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

/// A party organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgJson {
    pub id: i64,
    /// 组织编码.
    pub code: String,
    pub name: String,
    /// `committee` 党委, `general_branch` 党总支, `branch` 党支部, `group` 党小组.
    pub kind: &'static str,
    pub parent_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub is_joint: bool,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub founded_on: String,
    #[schema(format = Date)]
    pub dissolved_on: Option<String>,
    /// The member id of the current secretary, if any.
    pub secretary_id: Option<i64>,
    pub secretary_name: Option<String>,
    /// Members on the roll in the org and everything below it.
    pub member_count: i64,
    pub child_count: i64,
}

impl From<&Org> for OrgJson {
    fn from(o: &Org) -> Self {
        Self {
            id: o.id,
            code: o.code.clone(),
            name: o.name.clone(),
            kind: o.kind.code(),
            parent_id: o.parent_id,
            unit_id: o.unit_id,
            unit_name: o.unit_name.clone(),
            is_joint: o.is_joint,
            founded_on: view::date(o.founded_on),
            dissolved_on: o.dissolved_on.map(view::date),
            secretary_id: o.secretary_id,
            secretary_name: o.secretary_name.clone(),
            member_count: o.member_count,
            child_count: o.child_count,
        }
    }
}

/// Fields of an org to create or update. On update, `parent` and `founded_on` are ignored:
/// an org moves by its own action, and its founding date is history.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgInput {
    pub code: String,
    pub name: String,
    /// `committee`, `general_branch`, `branch` or `group`.
    pub kind: String,
    /// The parent's code; empty only for the root committee.
    #[serde(default)]
    pub parent: Option<String>,
    /// The police unit's code.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub is_joint: bool,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub founded_on: Option<String>,
}

impl From<OrgInput> for OrgForm {
    fn from(input: OrgInput) -> Self {
        OrgForm {
            code: input.code,
            name: input.name,
            kind: input.kind,
            parent: input.parent.unwrap_or_default(),
            unit: input.unit.unwrap_or_default(),
            is_joint: if input.is_joint {
                "on".to_owned()
            } else {
                String::new()
            },
            founded_on: input.founded_on.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct OrgQuery {
    /// Part of the name or code.
    pub q: Option<String>,
    /// An org kind code.
    pub kind: Option<String>,
    /// Include dissolved orgs.
    pub include_dissolved: Option<bool>,
    /// Only orgs without a current secretary.
    pub without_secretary: Option<bool>,
    /// At most this many (1–1000, default 200).
    pub limit: Option<i64>,
}

/// Orgs in the caller's scope, in tree order.
#[utoipa::path(get, path = "/orgs", tag = "orgs", params(OrgQuery),
    responses((status = 200, body = Vec<OrgJson>), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<OrgJson>>, ApiError> {
    let q: OrgQuery = api_query(raw.as_deref())?;
    let kind = match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => None,
        Some(code) => Some(
            OrgKind::from_code(code).ok_or_else(|| ApiError::BadRequest("kind 无效".to_owned()))?,
        ),
    };
    let filter = Filter {
        text: q.q.as_deref().and_then(view::nonempty),
        kind,
        include_dissolved: q.include_dissolved.unwrap_or(false),
        without_secretary: q.without_secretary.unwrap_or(false),
    };
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let found = state.services.search_orgs(&actor, &filter, limit).await?;
    Ok(Json(found.iter().map(OrgJson::from).collect()))
}

/// One org.
#[utoipa::path(get, path = "/orgs/{id}", tag = "orgs", params(("id" = i64, Path)),
    responses((status = 200, body = OrgJson), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrgJson>, ApiError> {
    let detail = state.services.org_detail(&actor, id).await?;
    Ok(Json(OrgJson::from(&detail.org)))
}

/// Creates an org under a parent in the caller's scope.
#[utoipa::path(post, path = "/orgs", tag = "orgs", request_body = OrgInput,
    responses((status = 201, body = OrgJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<(StatusCode, Json<OrgJson>), ApiError> {
    let id = state.services.create_org(&actor, &input.into()).await?;
    let detail = state.services.org_detail(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(OrgJson::from(&detail.org))))
}

/// Updates an org's code, name, kind, unit and joint flag.
#[utoipa::path(put, path = "/orgs/{id}", tag = "orgs", params(("id" = i64, Path)), request_body = OrgInput,
    responses((status = 200, body = OrgJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<Json<OrgJson>, ApiError> {
    state.services.update_org(&actor, id, &input.into()).await?;
    let detail = state.services.org_detail(&actor, id).await?;
    Ok(Json(OrgJson::from(&detail.org)))
}

/// An org's move below another parent, dated.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MoveInput {
    /// The new parent's code.
    pub parent: String,
    /// `YYYY-MM-DD`, not after today; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub on: String,
}

/// Moves an org (with everything below it) under another parent from a date. The org must lie
/// below the top of the caller's scope and the new parent inside it; kinds stand only where
/// they may (a branch under a committee or general branch, never a cycle).
#[utoipa::path(post, path = "/orgs/{id}/move", tag = "orgs", params(("id" = i64, Path)), request_body = MoveInput,
    responses((status = 200, body = OrgJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn relocate(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MoveInput>,
) -> Result<Json<OrgJson>, ApiError> {
    let form = dangjian_service::orgs::MoveForm {
        parent: input.parent,
        on: input.on,
    };
    state.services.move_org(&actor, id, &form).await?;
    let detail = state.services.org_detail(&actor, id).await?;
    Ok(Json(OrgJson::from(&detail.org)))
}

/// The day an org is dissolved.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DissolveInput {
    /// `YYYY-MM-DD`, not after today; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub on: String,
}

/// Dissolves an org from a date: kept in the history, nothing deleted. Refused while orgs
/// below it or members on its roll remain.
#[utoipa::path(post, path = "/orgs/{id}/dissolve", tag = "orgs", params(("id" = i64, Path)), request_body = DissolveInput,
    responses((status = 200, body = OrgJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn dissolve(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DissolveInput>,
) -> Result<Json<OrgJson>, ApiError> {
    let form = dangjian_service::orgs::DissolveForm { on: input.on };
    state.services.dissolve_org(&actor, id, &form).await?;
    let detail = state.services.org_detail(&actor, id).await?;
    Ok(Json(OrgJson::from(&detail.org)))
}
