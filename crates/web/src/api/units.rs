//! `/api/v1/units`: the police units in their tree, and the units a joint org covers.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use dangjian_service::units::{TreeUnit, UnitForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

/// A police unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitJson {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `bureau`, `sub_bureau`, `department`, `detachment`, `brigade`, `police_station`,
    /// `detention_center` or `other`.
    pub kind: String,
    pub parent_id: Option<i64>,
    pub parent_code: Option<String>,
    /// How deep it stands in the tree (0 at the top), in the list's tree order.
    pub depth: usize,
    #[schema(format = Date)]
    pub valid_from: Option<String>,
    /// The day it was abolished (it exists before that day).
    #[schema(format = Date)]
    pub valid_to: Option<String>,
    /// Active orgs set up in it, and active joint orgs that name it.
    pub orgs: i64,
    pub covered_by: i64,
}

impl From<TreeUnit> for UnitJson {
    fn from(t: TreeUnit) -> Self {
        let u = t.unit;
        UnitJson {
            id: u.id,
            code: u.code,
            name: u.name,
            kind: u.kind.code().to_owned(),
            parent_id: u.parent_id,
            parent_code: t.parent_code,
            depth: t.depth,
            valid_from: u.valid_from.map(view::date),
            valid_to: u.valid_to.map(view::date),
            orgs: u.org_count,
            covered_by: u.covered_by,
        }
    }
}

/// A unit as written: the parent by its code (empty or absent for a top unit), the days as
/// `YYYY-MM-DD` or empty.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    #[schema(pattern = r"^[A-Za-z0-9_-]{1,32}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    #[schema(
        pattern = r"^(bureau|sub_bureau|department|detachment|brigade|police_station|detention_center|other)$"
    )]
    pub kind: String,
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub valid_from: String,
    #[serde(default)]
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub valid_to: String,
}

impl From<UnitInput> for UnitForm {
    fn from(i: UnitInput) -> Self {
        UnitForm {
            code: i.code,
            name: i.name,
            kind: i.kind,
            parent: i.parent,
            valid_from: i.valid_from,
            valid_to: i.valid_to,
        }
    }
}

/// Every unit, in tree order (each under its parent).
#[utoipa::path(get, path = "/units", tag = "units",
    responses((status = 200, body = Vec<UnitJson>), (status = 403, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<UnitJson>>, ApiError> {
    let units = state.services.units(&actor).await?;
    Ok(Json(units.into_iter().map(UnitJson::from).collect()))
}

/// One unit.
#[utoipa::path(get, path = "/units/{id}", tag = "units", params(("id" = i64, Path)),
    responses((status = 200, body = UnitJson), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UnitJson>, ApiError> {
    Ok(Json(state.services.unit(&actor, id).await?.into()))
}

/// Creates a unit (the committee office).
#[utoipa::path(post, path = "/units", tag = "units", request_body = UnitInput,
    responses((status = 201, body = UnitJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<(StatusCode, Json<UnitJson>), ApiError> {
    let id = state.services.create_unit(&actor, &input.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.services.unit(&actor, id).await?.into()),
    ))
}

/// Updates a unit: its code, name, kind, parent and days. A parent below the unit, or an
/// abolition while units below it or orgs in it remain, is refused at its field.
#[utoipa::path(put, path = "/units/{id}", tag = "units", params(("id" = i64, Path)), request_body = UnitInput,
    responses((status = 200, body = UnitJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<Json<UnitJson>, ApiError> {
    state
        .services
        .update_unit(&actor, id, &input.into())
        .await?;
    Ok(Json(state.services.unit(&actor, id).await?.into()))
}

/// How many units an import created and updated.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitImportJson {
    pub created: usize,
    pub updated: usize,
}

/// Creates or updates the units of a sheet (.xlsx as the body; headings 单位编码, 单位名称,
/// 单位类别, 上级单位编码, 成立日期, 撤销日期), all or none; a refusal names each problem by row
/// and column.
#[utoipa::path(post, path = "/units/import", tag = "units",
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = UnitImportJson), (status = 400, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    body: Bytes,
) -> Result<Json<UnitImportJson>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::BadRequest("请求体应为 .xlsx 表格文件".to_owned()));
    }
    let done = state.services.import_units(&actor, &body).await?;
    Ok(Json(UnitImportJson {
        created: done.created,
        updated: done.updated,
    }))
}

/// The units a joint org covers besides its own.
#[utoipa::path(get, path = "/orgs/{id}/units", tag = "units", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<UnitJson>), (status = 404, body = ApiErrorBody)))]
pub async fn covered(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<UnitJson>>, ApiError> {
    let units = state.services.covered_units(&actor, id).await?;
    Ok(Json(units.into_iter().map(UnitJson::from).collect()))
}

/// The unit codes a joint org covers besides its own.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CoversInput {
    pub units: Vec<String>,
}

/// Sets the units a joint org (联合党支部) covers besides its own; an empty list names none.
#[utoipa::path(put, path = "/orgs/{id}/units", tag = "units", params(("id" = i64, Path)), request_body = CoversInput,
    responses((status = 200, body = Vec<UnitJson>), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_covered(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CoversInput>,
) -> Result<Json<Vec<UnitJson>>, ApiError> {
    state
        .services
        .set_covered_units(&actor, id, &input.units.join(" "))
        .await?;
    covered(State(state), ApiActor(actor), ApiPath(id)).await
}
