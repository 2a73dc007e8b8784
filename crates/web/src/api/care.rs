//! `/api/v1/care/…` (issue 16, 6–7): commendations and awards, care visits, the hardship
//! register, the care to-do list and the 光荣在党50年 list; `/api/v1/members/{id}/honours`.
//! Amounts are whole fen.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::Datelike;
use dangjian_service::Page;
use dangjian_service::care::{
    CloseForm, CommendationRow, DecisionForm, FollowUpForm, FollowUpRow, HardshipForm, HardshipRow,
    ProposalForm, VisitForm, VisitRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

const PAGE_SIZE: u32 = 100;

/// A proposal for a member (by 警号 or member number) or an org (by code).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    #[schema(pattern = r"^(party|police)$")]
    pub system: String,
    /// One of the system's kinds in the rules (优秀共产党员 …, 嘉奖 …).
    #[serde(default)]
    pub kind: String,
    #[schema(pattern = r"^(national|provincial|municipal|county|base)$")]
    pub level: String,
    #[serde(default)]
    pub member: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub citation: String,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub proposed_on: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CommendationDecisionInput {
    #[serde(default)]
    pub version: i64,
    #[schema(pattern = r"^(approve|reject)$")]
    pub decision: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub decided_on: String,
    #[serde(default)]
    pub approver: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    #[serde(default)]
    pub member: String,
    #[schema(
        pattern = r"^(festival|illness|hardship|elderly|political_birthday|injury|bereaved|other)$"
    )]
    pub occasion: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub visited_on: String,
    #[serde(default)]
    pub visitors: String,
    #[serde(default)]
    pub notes: String,
    /// Fen given, if any.
    #[serde(default)]
    pub amount_fen: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HardshipInput {
    #[serde(default)]
    pub member: String,
    #[schema(pattern = r"^(illness|disaster|injury|family|other)$")]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub registered_on: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpInput {
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub followed_on: String,
    pub note: String,
    pub amount_fen: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CloseInput {
    pub version: i64,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub closed_on: String,
    pub note: String,
}

/// Fen as the yuan text the service reads.
fn yuan(fen: Option<u64>) -> String {
    fen.map(|f| format!("{}.{:02}", f / 100, f % 100))
        .unwrap_or_default()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommendationJson {
    pub id: i64,
    /// `party` or `police`.
    pub system: String,
    pub kind: String,
    pub level: String,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub org_id: i64,
    pub org_name: String,
    pub citation: String,
    #[schema(format = Date)]
    pub proposed_on: String,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    pub decided_on: Option<String>,
    pub approver: Option<String>,
    pub version: i64,
}

impl From<&CommendationRow> for CommendationJson {
    fn from(c: &CommendationRow) -> Self {
        CommendationJson {
            id: c.id,
            system: c.system.code().to_owned(),
            kind: c.kind.clone(),
            level: c.level.code().to_owned(),
            member_id: c.member_id,
            member_name: c.member_name.clone(),
            org_id: c.org_id,
            org_name: c.org_name.clone(),
            citation: c.citation.clone(),
            proposed_on: c.proposed_on.to_string(),
            status: c.status.code().to_owned(),
            decided_on: c.decided_on.map(|d| d.to_string()),
            approver: c.approver.clone(),
            version: c.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommendationPageJson {
    pub commendations: Vec<CommendationJson>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitJson {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub occasion: String,
    #[schema(format = Date)]
    pub visited_on: String,
    pub visitors: String,
    pub notes: String,
    pub amount_fen: Option<i64>,
}

impl From<&VisitRow> for VisitJson {
    fn from(v: &VisitRow) -> Self {
        VisitJson {
            id: v.id,
            member_id: v.member_id,
            member_name: v.member_name.clone(),
            occasion: v.occasion.clone(),
            visited_on: v.visited_on.to_string(),
            visitors: v.visitors.clone(),
            notes: v.notes.clone(),
            amount_fen: v.amount.map(|a| a.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPageJson {
    pub visits: Vec<VisitJson>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HardshipJson {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub kind: String,
    pub description: String,
    #[schema(format = Date)]
    pub registered_on: String,
    pub closed_on: Option<String>,
    pub last_follow_up: Option<String>,
    /// Support given in all, in fen.
    pub support_fen: i64,
    pub version: i64,
}

impl From<&HardshipRow> for HardshipJson {
    fn from(h: &HardshipRow) -> Self {
        HardshipJson {
            id: h.id,
            member_id: h.member_id,
            member_name: h.member_name.clone(),
            kind: h.kind.clone(),
            description: h.description.clone(),
            registered_on: h.registered_on.to_string(),
            closed_on: h.closed_on.map(|d| d.to_string()),
            last_follow_up: h.last_follow_up.map(|d| d.to_string()),
            support_fen: h.support.0,
            version: h.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpJson {
    #[schema(format = Date)]
    pub followed_on: String,
    pub note: String,
    pub amount_fen: Option<i64>,
}

impl From<&FollowUpRow> for FollowUpJson {
    fn from(f: &FollowUpRow) -> Self {
        FollowUpJson {
            followed_on: f.followed_on.to_string(),
            note: f.note.clone(),
            amount_fen: f.amount.map(|a| a.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HardshipCaseJson {
    pub case: HardshipJson,
    pub follow_ups: Vec<FollowUpJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BirthdayJson {
    pub member_id: i64,
    pub name: String,
    pub branch: String,
    #[schema(format = Date)]
    pub on: String,
    pub years: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CareTodoJson {
    pub birthdays: Vec<BirthdayJson>,
    pub follow_ups_due: Vec<HardshipJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiftyYearsJson {
    pub member_id: i64,
    pub name: String,
    pub branch: String,
    #[schema(format = Date)]
    pub full_member_on: String,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct CarePageQuery {
    /// 1-based; 100 a page.
    pub page: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct YearQuery {
    /// This year when absent.
    pub year: Option<i32>,
}

fn page(number: Option<u32>) -> Page {
    Page {
        number: number.unwrap_or(1).max(1),
        size: PAGE_SIZE,
    }
}

/// The proposals and honours in scope, newest first.
#[utoipa::path(get, path = "/care/commendations", tag = "care", params(CarePageQuery),
    responses((status = 200, body = CommendationPageJson), (status = 403, body = ApiErrorBody)))]
pub async fn commendations(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<CommendationPageJson>, ApiError> {
    let q: CarePageQuery = api_query(raw.as_deref())?;
    let (rows, total) = state
        .services
        .commendations(&actor, None, page(q.page))
        .await?;
    Ok(Json(CommendationPageJson {
        commendations: rows.iter().map(CommendationJson::from).collect(),
        total,
    }))
}

/// Proposes a commendation or award, checked against the nominee's eligibility.
#[utoipa::path(post, path = "/care/commendations", tag = "care", request_body = ProposalInput,
    responses((status = 201, body = CommendationJson), (status = 422, body = ApiErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<ProposalInput>,
) -> Result<(StatusCode, Json<CommendationJson>), ApiError> {
    let form = ProposalForm {
        system: i.system,
        kind: i.kind,
        level: i.level,
        member: i.member,
        org: i.org,
        citation: i.citation,
        proposed_on: i.proposed_on,
    };
    let id = state.services.propose_commendation(&actor, &form).await?;
    let row = state.services.commendation(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(CommendationJson::from(&row))))
}

#[utoipa::path(get, path = "/care/commendations/{id}", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = CommendationJson), (status = 404, body = ApiErrorBody)))]
pub async fn commendation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CommendationJson>, ApiError> {
    let row = state.services.commendation(&actor, id).await?;
    Ok(Json(CommendationJson::from(&row)))
}

/// Approves or refuses a proposal; an approval checks the nominee again on its day.
#[utoipa::path(post, path = "/care/commendations/{id}/decision", tag = "care", params(("id" = i64, Path)),
    request_body = CommendationDecisionInput,
    responses((status = 200, body = CommendationJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<CommendationDecisionInput>,
) -> Result<Json<CommendationJson>, ApiError> {
    let form = DecisionForm {
        version: i.version,
        decision: i.decision,
        decided_on: i.decided_on,
        approver: i.approver,
        note: i.note,
    };
    state
        .services
        .decide_commendation(&actor, id, &form)
        .await?;
    let row = state.services.commendation(&actor, id).await?;
    Ok(Json(CommendationJson::from(&row)))
}

/// The approved honours of a member in scope.
#[utoipa::path(get, path = "/members/{id}/honours", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CommendationJson>), (status = 404, body = ApiErrorBody)))]
pub async fn honours(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<CommendationJson>>, ApiError> {
    let rows = state.services.member_honours(&actor, id).await?;
    Ok(Json(rows.iter().map(CommendationJson::from).collect()))
}

/// The visits in scope, newest first.
#[utoipa::path(get, path = "/care/visits", tag = "care", params(CarePageQuery),
    responses((status = 200, body = VisitPageJson), (status = 403, body = ApiErrorBody)))]
pub async fn visits(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<VisitPageJson>, ApiError> {
    let q: CarePageQuery = api_query(raw.as_deref())?;
    let (rows, total) = state.services.visits(&actor, None, page(q.page)).await?;
    Ok(Json(VisitPageJson {
        visits: rows.iter().map(VisitJson::from).collect(),
        total,
    }))
}

/// Records a care visit to a member in scope.
#[utoipa::path(post, path = "/care/visits", tag = "care", request_body = VisitInput,
    responses((status = 201, body = VisitPageJson), (status = 422, body = ApiErrorBody)))]
pub async fn record_visit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<VisitInput>,
) -> Result<(StatusCode, Json<VisitPageJson>), ApiError> {
    let form = VisitForm {
        member: i.member,
        occasion: i.occasion,
        visited_on: i.visited_on,
        visitors: i.visitors,
        notes: i.notes,
        amount: yuan(i.amount_fen),
    };
    state.services.record_visit(&actor, &form).await?;
    let (rows, total) = state.services.visits(&actor, None, page(None)).await?;
    Ok((
        StatusCode::CREATED,
        Json(VisitPageJson {
            visits: rows.iter().map(VisitJson::from).collect(),
            total,
        }),
    ))
}

/// The hardship cases in scope, open first.
#[utoipa::path(get, path = "/care/hardship", tag = "care",
    responses((status = 200, body = Vec<HardshipJson>), (status = 403, body = ApiErrorBody)))]
pub async fn hardship_cases(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<HardshipJson>>, ApiError> {
    let rows = state.services.hardship_cases(&actor).await?;
    Ok(Json(rows.iter().map(HardshipJson::from).collect()))
}

async fn case_json(
    state: &AppState,
    actor: &dangjian_service::Actor,
    id: i64,
) -> Result<HardshipCaseJson, ApiError> {
    let (case, follow_ups) = state.services.hardship_case(actor, id).await?;
    Ok(HardshipCaseJson {
        case: HardshipJson::from(&case),
        follow_ups: follow_ups.iter().map(FollowUpJson::from).collect(),
    })
}

/// Registers a member in scope as in hardship.
#[utoipa::path(post, path = "/care/hardship", tag = "care", request_body = HardshipInput,
    responses((status = 201, body = HardshipCaseJson), (status = 422, body = ApiErrorBody)))]
pub async fn register_hardship(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<HardshipInput>,
) -> Result<(StatusCode, Json<HardshipCaseJson>), ApiError> {
    let form = HardshipForm {
        member: i.member,
        kind: i.kind,
        description: i.description,
        registered_on: i.registered_on,
    };
    let id = state.services.register_hardship(&actor, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(case_json(&state, &actor, id).await?),
    ))
}

#[utoipa::path(get, path = "/care/hardship/{id}", tag = "care", params(("id" = i64, Path)),
    responses((status = 200, body = HardshipCaseJson), (status = 404, body = ApiErrorBody)))]
pub async fn hardship_case(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<HardshipCaseJson>, ApiError> {
    Ok(Json(case_json(&state, &actor, id).await?))
}

/// Records a follow-up of an open case, with any support given.
#[utoipa::path(post, path = "/care/hardship/{id}/follow-ups", tag = "care", params(("id" = i64, Path)),
    request_body = FollowUpInput,
    responses((status = 201, body = HardshipCaseJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<FollowUpInput>,
) -> Result<(StatusCode, Json<HardshipCaseJson>), ApiError> {
    let form = FollowUpForm {
        followed_on: i.followed_on,
        note: i.note,
        amount: yuan(i.amount_fen),
    };
    state.services.follow_up_hardship(&actor, id, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(case_json(&state, &actor, id).await?),
    ))
}

/// Closes an open case.
#[utoipa::path(post, path = "/care/hardship/{id}/close", tag = "care", params(("id" = i64, Path)),
    request_body = CloseInput,
    responses((status = 200, body = HardshipCaseJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<CloseInput>,
) -> Result<Json<HardshipCaseJson>, ApiError> {
    let form = CloseForm {
        version: i.version,
        closed_on: i.closed_on,
        note: i.note,
    };
    state.services.close_hardship(&actor, id, &form).await?;
    Ok(Json(case_json(&state, &actor, id).await?))
}

/// Whom a visit or follow-up is due for.
#[utoipa::path(get, path = "/care/todo", tag = "care",
    responses((status = 200, body = CareTodoJson), (status = 403, body = ApiErrorBody)))]
pub async fn todo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<CareTodoJson>, ApiError> {
    let t = state.services.care_todo(&actor).await?;
    Ok(Json(CareTodoJson {
        birthdays: t
            .birthdays
            .into_iter()
            .map(|(member_id, name, branch, on, years)| BirthdayJson {
                member_id,
                name,
                branch,
                on: on.to_string(),
                years,
            })
            .collect(),
        follow_ups_due: t.follow_ups_due.iter().map(HardshipJson::from).collect(),
    }))
}

/// The members in scope whose fifty years in the party fall due in the year.
#[utoipa::path(get, path = "/care/glorious-fifty", tag = "care", params(YearQuery),
    responses((status = 200, body = Vec<FiftyYearsJson>), (status = 403, body = ApiErrorBody)))]
pub async fn glorious_fifty(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<FiftyYearsJson>>, ApiError> {
    let q: YearQuery = api_query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    if !(1921..=9999).contains(&year) {
        return Err(ApiError::BadRequest("year 无效".to_owned()));
    }
    let rows = state.services.glorious_fifty(&actor, year).await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| FiftyYearsJson {
                member_id: a.member_id,
                name: a.name,
                branch: a.branch_name,
                full_member_on: a.joined_on.to_string(),
            })
            .collect(),
    ))
}
