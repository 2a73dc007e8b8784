//! `/api/v1/members`.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use dangjian_core::member::{Category, MemberForm, MemberStatus};
use dangjian_service::Page;
use dangjian_service::members::{MemberView, Search};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

/// A member. The ID number and phone are always masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberJson {
    pub id: i64,
    pub name: String,
    /// `male` or `female`.
    pub gender: &'static str,
    pub birth_date: String,
    /// 民族, by name.
    pub ethnicity: String,
    pub education: Option<&'static str>,
    /// e.g. `3****************4`.
    pub id_number_masked: String,
    pub phone_masked: Option<String>,
    /// 警号; null for members who have none (文职人员, 工勤人员, retired members).
    pub police_number: Option<String>,
    /// The member number (党员编号, e.g. `DY1024`) that names a member without a 警号 in
    /// forms and requests that take a 警号.
    pub member_number: String,
    pub police_rank: Option<&'static str>,
    pub position: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub branch_id: i64,
    pub branch_code: String,
    pub branch_name: String,
    /// `probationary` or `full`.
    pub category: &'static str,
    /// `active`, `lost_contact`, `stopped`, `left` or `deceased`.
    pub status: &'static str,
    #[schema(format = Date)]
    pub joined_on: String,
    #[schema(format = Date)]
    pub full_membership_on: Option<String>,
    /// 党龄 in whole years from full membership; null while probationary.
    pub party_age: Option<i32>,
}

impl From<&MemberView> for MemberJson {
    fn from(m: &MemberView) -> Self {
        Self {
            id: m.id,
            name: m.name.clone(),
            gender: m.gender.code(),
            birth_date: view::date(m.birth_date),
            ethnicity: m.ethnicity.clone(),
            education: m.education.map(|e| e.code()),
            id_number_masked: m.id_number_masked.clone(),
            phone_masked: m.phone_masked.clone(),
            police_number: m.police_number.clone(),
            member_number: dangjian_core::member::record_number(m.id),
            police_rank: m.police_rank.map(|r| r.code()),
            position: m.position.clone(),
            unit_id: m.unit_id,
            unit_name: m.unit_name.clone(),
            branch_id: m.branch_id,
            branch_code: m.branch_code.clone(),
            branch_name: m.branch_name.clone(),
            category: m.category.code(),
            status: m.status.code(),
            joined_on: view::date(m.joined_on),
            full_membership_on: m.full_membership_on.map(view::date),
            party_age: m.party_age,
        }
    }
}

/// One page of members.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPageJson {
    pub items: Vec<MemberJson>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Fields of a member to create or update, as strings (dates `YYYY-MM-DD`, enumerations by
/// code). On update an empty `id_number` or `phone` keeps the stored value; `clear_phone`
/// removes the phone.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MemberInput {
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    /// GB/T 3304 code (`01`) or name (`汉族`).
    pub ethnicity: String,
    pub education: String,
    pub id_number: String,
    pub phone: String,
    pub police_number: String,
    pub police_rank: String,
    pub position: String,
    /// Unit code; the branch's unit when empty.
    pub unit: String,
    /// The branch's org code.
    pub branch: String,
    pub category: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub joined_on: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub full_membership_on: String,
    pub status: String,
    /// When a change of branch, category or status takes effect; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub effective_on: String,
    pub clear_phone: bool,
    /// On create, for a member transferred in from outside the bureau: the letter's number
    /// and the sending organisation (both or neither).
    pub transfer_letter: String,
    pub transfer_from: String,
}

impl From<MemberInput> for MemberForm {
    fn from(i: MemberInput) -> Self {
        MemberForm {
            name: i.name,
            gender: i.gender,
            birth_date: i.birth_date,
            ethnicity: i.ethnicity,
            education: i.education,
            id_number: i.id_number,
            phone: i.phone,
            police_number: i.police_number,
            police_rank: i.police_rank,
            position: i.position,
            unit: i.unit,
            branch: i.branch,
            category: i.category,
            joined_on: i.joined_on,
            full_membership_on: i.full_membership_on,
            status: i.status,
            effective_on: i.effective_on,
            clear_phone: if i.clear_phone {
                "on".to_owned()
            } else {
                String::new()
            },
            transfer_letter: i.transfer_letter,
            transfer_from: i.transfer_from,
        }
    }
}

#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct MemberQuery {
    /// Part of the name.
    pub name: Option<String>,
    /// Exact 警号.
    pub police_number: Option<String>,
    /// A whole 身份证号 (matched through its keyed digest). Needs `reason`; each lookup is
    /// audited, and an account may make only the security policy's number of them a day.
    pub id_number: Option<String>,
    /// Why the whole ID number is looked up (1–100 characters; required with `id_number`).
    pub reason: Option<String>,
    /// Members working in the unit with this code.
    pub unit: Option<String>,
    /// Members of this org (by code) and everything below it.
    pub org: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    /// 1-based.
    pub page: Option<u32>,
    /// 1–100, default 20.
    pub per_page: Option<u32>,
}

/// The search a query asks for; an unknown category or status is a 400, not an empty page.
fn search_of(q: &MemberQuery) -> Result<Search, ApiError> {
    fn parse<T>(
        value: &Option<String>,
        name: &str,
        from: fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(code) => from(code)
                .map(Some)
                .ok_or_else(|| ApiError::BadRequest(format!("{name} 无效"))),
        }
    }
    Ok(Search {
        name: q.name.as_deref().and_then(view::nonempty),
        police_number: q.police_number.as_deref().and_then(view::nonempty),
        id_number: q.id_number.as_deref().and_then(view::nonempty),
        reason: q.reason.clone(),
        org: q.org.as_deref().and_then(view::nonempty),
        unit: q.unit.as_deref().and_then(view::nonempty),
        category: parse(&q.category, "category", Category::from_code)?,
        status: parse(&q.status, "status", MemberStatus::from_code)?,
        ..Search::default()
    })
}

/// Members in the caller's scope, one page at a time.
#[utoipa::path(get, path = "/members", tag = "members", params(MemberQuery),
    responses((status = 200, body = MemberPageJson), (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<MemberPageJson>, ApiError> {
    let q: MemberQuery = api_query(raw.as_deref())?;
    let search = search_of(&q)?;
    let page = Page {
        number: q.page.unwrap_or(1).clamp(1, 1_000_000),
        size: q.per_page.unwrap_or(20).clamp(1, 100),
    };
    let result = state.services.search_members(&actor, &search, page).await?;
    Ok(Json(MemberPageJson {
        items: result.members.iter().map(MemberJson::from).collect(),
        total: result.total,
        page: page.number,
        per_page: page.size,
    }))
}

/// One member.
#[utoipa::path(get, path = "/members/{id}", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = MemberJson), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MemberJson>, ApiError> {
    let detail = state.services.member_detail(&actor, id).await?;
    Ok(Json(MemberJson::from(&detail.member)))
}

/// Adds a member to a branch in the caller's scope.
#[utoipa::path(post, path = "/members", tag = "members", request_body = MemberInput,
    responses((status = 201, body = MemberJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<MemberInput>,
) -> Result<(StatusCode, Json<MemberJson>), ApiError> {
    let id = state.services.create_member(&actor, &input.into()).await?;
    let detail = state.services.member_detail(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(MemberJson::from(&detail.member))))
}

/// Updates a member's own fields. Branch, category and status change by transitions, not
/// here: the values given for them are ignored.
#[utoipa::path(put, path = "/members/{id}", tag = "members", params(("id" = i64, Path)), request_body = MemberInput,
    responses((status = 200, body = MemberJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MemberInput>,
) -> Result<Json<MemberJson>, ApiError> {
    state
        .services
        .update_member(&actor, id, &input.into())
        .await?;
    let detail = state.services.member_detail(&actor, id).await?;
    Ok(Json(MemberJson::from(&detail.member)))
}

/// The roster matching the same filters as the list (paging ignored), as a workbook with
/// the import template's columns: ID numbers and phones masked, each sheet watermarked with
/// the exporting account, and the export audited with its row count.
#[utoipa::path(get, path = "/members/export", tag = "members", params(MemberQuery),
    responses((status = 200, description = "党员名册.xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q: MemberQuery = api_query(raw.as_deref())?;
    let (bytes, _) = state
        .services
        .export_members(&actor, &search_of(&q)?)
        .await?;
    Ok(crate::pages::xlsx(bytes, "党员名册.xlsx"))
}
