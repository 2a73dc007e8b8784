//! Rectification over the API: inspections and their findings, an item with its measures and
//! history, each step of the work (cause, measures, progress with evidence, claim,
//! acceptance, reopening), the caller's to-do list and the overview of their scope.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use dangjian_service::rectification::{
    CauseForm, Counts, DecisionForm, FindingForm, InspectionForm, ItemView, LEDGER_HEADINGS,
    MeasureForm, ReportForm,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

/// An inspection as recorded. Dates are `YYYY-MM-DD`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct InspectionInput {
    /// The code of the org whose work was inspected.
    pub org: String,
    pub title: String,
    pub inspector: String,
    pub inspected_from: String,
    pub inspected_to: String,
    pub scope_note: String,
    /// The feedback document's reference (文号), unique.
    pub feedback_ref: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub feedback_on: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FindingInput {
    pub problem: String,
    /// `business_over_party`, `shallow_study`, `irregular_org_life`, `lax_discipline`,
    /// `little_innovation` or `other`.
    pub category: String,
    /// Codes of the orgs that rectify it (at or below the inspected org), separated by commas
    /// or spaces.
    pub orgs: String,
    /// 整改时限, `YYYY-MM-DD`.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub deadline: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemJson {
    pub id: i64,
    pub inspection_id: i64,
    pub finding_position: i64,
    pub problem: String,
    pub category: String,
    pub org_id: i64,
    pub org_name: String,
    /// The stored stage: `not_started`, `in_progress`, `awaiting_acceptance`, `closed`,
    /// `reopened`.
    pub stage: String,
    /// The stage with the clock: adds `due_soon` and `overdue`.
    pub state: String,
    #[schema(format = Date)]
    pub deadline: String,
    /// The earliest open deadline (the item's or an unfinished measure's).
    #[schema(format = Date)]
    pub due_on: String,
    /// `green`, `yellow`, `red`, or null.
    pub colour: Option<String>,
    #[schema(format = Date)]
    pub closed_on: Option<String>,
    pub version: i64,
}

fn item_json(i: &ItemView) -> ItemJson {
    ItemJson {
        id: i.id,
        inspection_id: i.inspection_id,
        finding_position: i.finding_position,
        problem: i.problem.clone(),
        category: i.category.code().to_owned(),
        org_id: i.org_id,
        org_name: i.org_name.clone(),
        stage: i.stage.code().to_owned(),
        state: i.state.code().to_owned(),
        deadline: view::date(i.deadline),
        due_on: view::date(i.due_on),
        colour: i.colour.map(|c| c.code().to_owned()),
        closed_on: i.closed_on.map(view::date),
        version: i.version,
    }
}

/// Counts by state code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsJson(pub BTreeMap<String, i64>);

fn counts_json(c: &Counts) -> CountsJson {
    CountsJson(c.0.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub inspector: String,
    pub inspected_from: String,
    pub inspected_to: String,
    pub scope_note: String,
    pub feedback_ref: String,
    #[schema(format = Date)]
    pub feedback_on: String,
}

fn inspection_json(i: &dangjian_service::rectification::InspectionRow) -> InspectionJson {
    InspectionJson {
        id: i.id,
        org_id: i.org_id,
        org_name: i.org_name.clone(),
        title: i.title.clone(),
        inspector: i.inspector.clone(),
        inspected_from: view::date(i.inspected_from),
        inspected_to: view::date(i.inspected_to),
        scope_note: i.scope_note.clone(),
        feedback_ref: i.feedback_ref.clone(),
        feedback_on: view::date(i.feedback_on),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionSummaryJson {
    pub inspection: InspectionJson,
    /// The caller's items of it, by state.
    pub items: CountsJson,
}

/// Inspections the caller sees, with their items in scope counted by state.
#[utoipa::path(get, path = "/inspections", tag = "rectification",
    responses((status = 200, body = Vec<InspectionSummaryJson>), (status = 403, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<InspectionSummaryJson>>, ApiError> {
    let list = state.services.inspections(&actor).await?;
    Ok(Json(
        list.iter()
            .map(|(i, c)| InspectionSummaryJson {
                inspection: inspection_json(i),
                items: counts_json(c),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionFindingJson {
    pub id: i64,
    pub position: i64,
    pub problem: String,
    pub category: String,
    /// Its items in the caller's scope, by state.
    pub items: CountsJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionDetailJson {
    pub inspection: InspectionJson,
    pub findings: Vec<InspectionFindingJson>,
    /// One page (100) of the items in scope, by finding then org.
    pub items: Vec<ItemJson>,
    /// How many items match, over all pages.
    pub matching: i64,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct InspectionQuery {
    /// Only the items of this finding.
    pub finding: Option<i64>,
    /// 1-based; 100 items a page.
    pub page: Option<u32>,
}

async fn inspection_detail(
    state: &AppState,
    actor: &dangjian_service::Actor,
    id: i64,
    q: &InspectionQuery,
) -> Result<InspectionDetailJson, ApiError> {
    let page = dangjian_service::Page {
        number: q.page.unwrap_or(1).clamp(1, 100_000),
        size: 100,
    };
    let d = state
        .services
        .inspection(actor, id, q.finding, page)
        .await?;
    Ok(InspectionDetailJson {
        inspection: inspection_json(&d.inspection),
        findings: d
            .findings
            .iter()
            .map(|(f, c)| InspectionFindingJson {
                id: f.id,
                position: f.position,
                problem: f.problem.clone(),
                category: f.category.code().to_owned(),
                items: counts_json(c),
            })
            .collect(),
        items: d.items.iter().map(item_json).collect(),
        matching: d.matching,
    })
}

/// Records an inspection of an org in scope.
#[utoipa::path(post, path = "/inspections", tag = "rectification", request_body = InspectionInput,
    responses((status = 201, body = InspectionDetailJson), (status = 422, body = ApiErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<InspectionInput>,
) -> Result<(StatusCode, Json<InspectionDetailJson>), ApiError> {
    let form = InspectionForm {
        org: i.org,
        title: i.title,
        inspector: i.inspector,
        inspected_from: i.inspected_from,
        inspected_to: i.inspected_to,
        scope_note: i.scope_note,
        feedback_ref: i.feedback_ref,
        feedback_on: i.feedback_on,
    };
    let id = state.services.create_inspection(&actor, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(inspection_detail(&state, &actor, id, &InspectionQuery::default()).await?),
    ))
}

/// An inspection with its findings counted by state and a page of the caller's items.
#[utoipa::path(get, path = "/inspections/{id}", tag = "rectification", params(("id" = i64, Path), InspectionQuery),
    responses((status = 200, body = InspectionDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<InspectionDetailJson>, ApiError> {
    let q: InspectionQuery = api_query(raw.as_deref())?;
    Ok(Json(inspection_detail(&state, &actor, id, &q).await?))
}

/// Adds a finding and assigns it to orgs, each with its own item.
#[utoipa::path(post, path = "/inspections/{id}/findings", tag = "rectification",
    params(("id" = i64, Path)), request_body = FindingInput,
    responses((status = 201, body = InspectionDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_finding(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<FindingInput>,
) -> Result<(StatusCode, Json<InspectionDetailJson>), ApiError> {
    let form = FindingForm {
        problem: f.problem,
        category: f.category,
        orgs: f.orgs,
        deadline: f.deadline,
    };
    state.services.add_finding(&actor, id, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(inspection_detail(&state, &actor, id, &InspectionQuery::default()).await?),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationLedgerJson {
    pub headings: Vec<String>,
    /// One row per measure (or per item without measures), columns as `headings`.
    pub rows: Vec<Vec<String>>,
}

/// The rectification ledger (整改台账) of an inspection, as the caller's scope sees it.
#[utoipa::path(get, path = "/inspections/{id}/ledger", tag = "rectification", params(("id" = i64, Path)),
    responses((status = 200, body = RectificationLedgerJson), (status = 404, body = ApiErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RectificationLedgerJson>, ApiError> {
    let l = state.services.rectification_ledger(&actor, id).await?;
    Ok(Json(RectificationLedgerJson {
        headings: LEDGER_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
        rows: l.rows.iter().map(|r| r.to_vec()).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneJson {
    #[schema(format = Date)]
    pub due_on: String,
    pub content: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureJson {
    pub id: i64,
    pub position: i64,
    pub content: String,
    pub leader_member_id: i64,
    pub leader_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub person_member_id: i64,
    pub person_name: String,
    #[schema(format = Date)]
    pub deadline: String,
    pub milestones: Vec<MilestoneJson>,
    #[schema(format = Date)]
    pub done_on: Option<String>,
    pub colour: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationEventJson {
    /// `plan`, `report`, `claim`, `accept`, `return` or `reopen`.
    pub action: String,
    pub stage_after: String,
    pub note: Option<String>,
    pub evidence: Option<String>,
    pub measure_id: Option<i64>,
    pub login: String,
    pub at: String,
    /// Evidence files of this step: (id, name).
    pub files: Vec<(i64, String)>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationJson {
    pub item: ItemJson,
    pub cause: Option<String>,
    pub measures: Vec<MeasureJson>,
    pub events: Vec<RectificationEventJson>,
    /// What a completion claim still lacks.
    pub claim_gaps: Vec<String>,
    pub can_work: bool,
    pub can_accept: bool,
    pub can_reopen: bool,
}

async fn rectification_json(
    state: &AppState,
    actor: &dangjian_service::Actor,
    id: i64,
) -> Result<RectificationJson, ApiError> {
    let d = state.services.rectification(actor, id).await?;
    Ok(RectificationJson {
        item: item_json(&d.item),
        cause: d.cause.clone(),
        measures: d
            .measures
            .iter()
            .map(|(m, colour)| MeasureJson {
                id: m.id,
                position: m.position,
                content: m.content.content.clone(),
                leader_member_id: m.content.leader_member_id,
                leader_name: m.leader_name.clone(),
                org_id: m.content.org_id,
                org_name: m.org_name.clone(),
                person_member_id: m.content.person_member_id,
                person_name: m.person_name.clone(),
                deadline: view::date(m.content.deadline),
                milestones: m
                    .content
                    .milestones
                    .iter()
                    .map(|s| MilestoneJson {
                        due_on: view::date(s.due_on),
                        content: s.content.clone(),
                    })
                    .collect(),
                done_on: m.done_on.map(view::date),
                colour: colour.map(|c| c.code().to_owned()),
            })
            .collect(),
        events: d
            .events
            .iter()
            .map(|e| RectificationEventJson {
                action: e.action.clone(),
                stage_after: e.stage_after.code().to_owned(),
                note: e.note.clone(),
                evidence: e.evidence.clone(),
                measure_id: e.measure_id,
                login: e.login.clone(),
                at: e.at.to_rfc3339(),
                files: d
                    .files
                    .iter()
                    .filter(|f| f.event_id == e.id)
                    .map(|f| (f.id, f.file_name.clone()))
                    .collect(),
            })
            .collect(),
        claim_gaps: d.claim_gaps.iter().map(|(_, m)| (*m).to_owned()).collect(),
        can_work: d.can_work,
        can_accept: d.can_accept,
        can_reopen: d.can_reopen,
    })
}

/// An item with its measures, history and what the caller may do.
#[utoipa::path(get, path = "/rectifications/{id}", tag = "rectification", params(("id" = i64, Path)),
    responses((status = 200, body = RectificationJson), (status = 404, body = ApiErrorBody)))]
pub async fn item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RectificationJson>, ApiError> {
    Ok(Json(rectification_json(&state, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CauseInput {
    /// The version read.
    pub version: i64,
    pub cause: String,
}

/// Writes the cause analysis.
#[utoipa::path(put, path = "/rectifications/{id}/cause", tag = "rectification",
    params(("id" = i64, Path)), request_body = CauseInput,
    responses((status = 200, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn cause(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<CauseInput>,
) -> Result<Json<RectificationJson>, ApiError> {
    let form = CauseForm {
        version: i.version,
        cause: i.cause,
    };
    state.services.save_cause(&actor, id, &form).await?;
    Ok(Json(rectification_json(&state, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MeasureInput {
    pub version: i64,
    pub content: String,
    /// 警号 of the responsible leader and person.
    pub leader: String,
    pub person: String,
    /// Code of the responsible org; empty for the item's org.
    pub org: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub deadline: String,
    /// One milestone a line: `YYYY-MM-DD 内容`.
    pub milestones: String,
}

impl From<MeasureInput> for MeasureForm {
    fn from(i: MeasureInput) -> Self {
        MeasureForm {
            version: i.version,
            content: i.content,
            leader: i.leader,
            org: i.org,
            person: i.person,
            deadline: i.deadline,
            milestones: i.milestones,
        }
    }
}

/// Adds a measure.
#[utoipa::path(post, path = "/rectifications/{id}/measures", tag = "rectification",
    params(("id" = i64, Path)), request_body = MeasureInput,
    responses((status = 201, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_measure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<MeasureInput>,
) -> Result<(StatusCode, Json<RectificationJson>), ApiError> {
    state
        .services
        .save_measure(&actor, id, None, &i.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(rectification_json(&state, &actor, id).await?),
    ))
}

/// Rewrites an unfinished measure.
#[utoipa::path(put, path = "/rectifications/{id}/measures/{measure}", tag = "rectification",
    params(("id" = i64, Path), ("measure" = i64, Path)), request_body = MeasureInput,
    responses((status = 200, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_measure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, measure)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<MeasureInput>,
) -> Result<Json<RectificationJson>, ApiError> {
    state
        .services
        .save_measure(&actor, id, Some(measure), &i.into())
        .await?;
    Ok(Json(rectification_json(&state, &actor, id).await?))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct VersionQuery {
    pub version: i64,
}

/// Removes an unfinished measure no report refers to.
#[utoipa::path(delete, path = "/rectifications/{id}/measures/{measure}", tag = "rectification",
    params(("id" = i64, Path), ("measure" = i64, Path), VersionQuery),
    responses((status = 200, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn delete_measure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, measure)): ApiPath<(i64, i64)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<RectificationJson>, ApiError> {
    let q: VersionQuery = api_query(raw.as_deref())?;
    state
        .services
        .delete_measure(&actor, id, measure, q.version)
        .await?;
    Ok(Json(rectification_json(&state, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct ReportInput {
    pub version: i64,
    pub progress: String,
    /// Where the evidence is (a document number); a report that finishes a measure needs
    /// this or a file.
    pub evidence: String,
    /// The id of a measure this report finishes.
    pub finishes: Option<i64>,
}

impl From<ReportInput> for ReportForm {
    fn from(i: ReportInput) -> Self {
        ReportForm {
            version: i.version,
            progress: i.progress,
            evidence: i.evidence,
            finishes: i.finishes,
        }
    }
}

/// Reports progress (evidence by reference; see `/reports/file` to send a file with it).
#[utoipa::path(post, path = "/rectifications/{id}/reports", tag = "rectification",
    params(("id" = i64, Path)), request_body = ReportInput,
    responses((status = 201, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<ReportInput>,
) -> Result<(StatusCode, Json<RectificationJson>), ApiError> {
    state
        .services
        .report_progress(&actor, id, &i.into(), &[])
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(rectification_json(&state, &actor, id).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct ReportFileQuery {
    pub version: i64,
    pub progress: String,
    pub evidence: String,
    pub finishes: Option<i64>,
    /// The file's name, whose extension must agree with its bytes.
    pub name: String,
}

/// Reports progress with one evidence file (the request body): PDF, PNG, JPG, .docx or
/// .xlsx up to 10 MB, its type read from its bytes.
#[utoipa::path(post, path = "/rectifications/{id}/reports/file", tag = "rectification",
    params(("id" = i64, Path), ReportFileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn report_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<RectificationJson>), ApiError> {
    let q: ReportFileQuery = api_query(raw.as_deref())?;
    let form = ReportForm {
        version: q.version,
        progress: q.progress,
        evidence: q.evidence,
        finishes: q.finishes,
    };
    let upload = dangjian_service::Upload {
        file_name: &q.name,
        bytes: &body,
    };
    state
        .services
        .report_progress(&actor, id, &form, &[upload])
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(rectification_json(&state, &actor, id).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionInput {
    pub version: i64,
    /// Acceptance only: `accept` (验收通过并销号) or `return`.
    pub decision: String,
    /// The completion statement, the acceptance opinion or return reason, or what the
    /// follow-up review found.
    pub note: String,
    /// Reopening only: the new 整改时限, after today.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub deadline: String,
}

impl From<DecisionInput> for DecisionForm {
    fn from(i: DecisionInput) -> Self {
        DecisionForm {
            version: i.version,
            decision: i.decision,
            note: i.note,
            deadline: i.deadline,
        }
    }
}

/// Claims the item rectified; refused with what is missing while it lacks cause, finished
/// measures or evidence.
#[utoipa::path(post, path = "/rectifications/{id}/claim", tag = "rectification",
    params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DecisionInput>,
) -> Result<Json<RectificationJson>, ApiError> {
    state
        .services
        .claim_rectified(&actor, id, &i.into())
        .await?;
    Ok(Json(rectification_json(&state, &actor, id).await?))
}

/// Accepts and signs off a claim, or returns it: only from above the org, never by the
/// claimant.
#[utoipa::path(post, path = "/rectifications/{id}/decision", tag = "rectification",
    params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DecisionInput>,
) -> Result<Json<RectificationJson>, ApiError> {
    state.services.decide_claim(&actor, id, &i.into()).await?;
    Ok(Json(rectification_json(&state, &actor, id).await?))
}

/// Reopens a closed item after a follow-up review (回头看), with a new deadline.
#[utoipa::path(post, path = "/rectifications/{id}/reopen", tag = "rectification",
    params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = RectificationJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DecisionInput>,
) -> Result<Json<RectificationJson>, ApiError> {
    state
        .services
        .reopen_rectification(&actor, id, &i.into())
        .await?;
    Ok(Json(rectification_json(&state, &actor, id).await?))
}

/// An evidence file's bytes.
#[utoipa::path(get, path = "/rectifications/{id}/files/{file}", tag = "rectification",
    params(("id" = i64, Path), ("file" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ApiErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, file)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let (row, bytes) = state.services.evidence_file(&actor, id, file).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, row.content_type)],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDueJson {
    pub measure_id: i64,
    pub item_id: i64,
    pub content: String,
    #[schema(format = Date)]
    pub deadline: String,
    pub colour: String,
    /// `responsible_person` or `leader_in_charge`.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDueJson {
    pub task_id: i64,
    pub title: String,
    #[schema(format = Date)]
    pub deadline: String,
    pub colour: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationTodoJson {
    pub measures: Vec<MeasureDueJson>,
    /// Work-plan tasks the caller's member is responsible for, by colour.
    pub tasks: Vec<TaskDueJson>,
    pub as_secretary: Vec<ItemJson>,
    pub to_accept: Vec<ItemJson>,
    pub due: Vec<ItemJson>,
}

/// The caller's rectification to-do list by colour.
#[utoipa::path(get, path = "/rectification/todo", tag = "rectification",
    responses((status = 200, body = RectificationTodoJson), (status = 403, body = ApiErrorBody)))]
pub async fn todo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<RectificationTodoJson>, ApiError> {
    let t = state.services.rectification_todo(&actor).await?;
    Ok(Json(RectificationTodoJson {
        measures: t
            .measures
            .iter()
            .map(|m| MeasureDueJson {
                measure_id: m.measure_id,
                item_id: m.item_id,
                content: m.content.clone(),
                deadline: view::date(m.deadline),
                colour: m.colour.code().to_owned(),
                role: m.as_.code().to_owned(),
            })
            .collect(),
        tasks: t
            .tasks
            .iter()
            .map(|x| TaskDueJson {
                task_id: x.task_id,
                title: x.title.clone(),
                deadline: view::date(x.deadline),
                colour: x.colour.code().to_owned(),
            })
            .collect(),
        as_secretary: t.as_secretary.iter().map(item_json).collect(),
        to_accept: t.to_accept.iter().map(item_json).collect(),
        due: t.due.iter().map(item_json).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgCountsJson {
    pub org_id: i64,
    pub org_name: String,
    pub counts: CountsJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryCountsJson {
    pub category: String,
    pub counts: CountsJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationOverviewJson {
    /// The org the counts are rolled up under.
    pub org_id: i64,
    pub by_state: CountsJson,
    pub by_org: Vec<OrgCountsJson>,
    pub by_category: Vec<CategoryCountsJson>,
    /// The most overdue open items first (at most 200).
    pub overdue: Vec<ItemJson>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct OverviewQuery {
    /// The org to roll up under (default: the top of the caller's scope).
    pub org: Option<i64>,
}

/// The overview of an org's subtree: items by state and category; by org as the org's own
/// and each org directly below with its subtree; the overdue list.
#[utoipa::path(get, path = "/rectification/overview", tag = "rectification", params(OverviewQuery),
    responses((status = 200, body = RectificationOverviewJson), (status = 403, body = ApiErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<RectificationOverviewJson>, ApiError> {
    let q: OverviewQuery = api_query(raw.as_deref())?;
    let o = state.services.rectification_overview(&actor, q.org).await?;
    Ok(Json(RectificationOverviewJson {
        org_id: o.root.id,
        by_state: counts_json(&o.by_state),
        by_org: o
            .by_org
            .iter()
            .map(|(id, name, c)| OrgCountsJson {
                org_id: *id,
                org_name: name.clone(),
                counts: counts_json(c),
            })
            .collect(),
        by_category: o
            .by_category
            .iter()
            .map(|(cat, c)| CategoryCountsJson {
                category: cat.code().to_owned(),
                counts: counts_json(c),
            })
            .collect(),
        overdue: o.overdue.iter().map(item_json).collect(),
    }))
}

/// An inspection's rectification ledger as a workbook, one row per measure; audited.
#[utoipa::path(get, path = "/inspections/{id}/ledger.xlsx", tag = "rectification", params(("id" = i64, Path)),
    responses((status = 200, description = "整改台账.xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = ApiErrorBody)))]
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response, ApiError> {
    let bytes = state.services.rectification_ledger_xlsx(&actor, id).await?;
    Ok(crate::pages::xlsx(bytes, &format!("整改台账-{id}.xlsx")))
}

/// The same ledger as a Word document; audited.
#[utoipa::path(get, path = "/inspections/{id}/ledger.docx", tag = "rectification", params(("id" = i64, Path)),
    responses((status = 200, description = "整改台账.docx", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 404, body = ApiErrorBody)))]
pub async fn ledger_docx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response, ApiError> {
    let bytes = state.services.rectification_ledger_docx(&actor, id).await?;
    Ok(crate::pages::download(
        &format!("整改台账-{id}.docx"),
        "ledger.docx",
        crate::pages::DOCX.to_owned(),
        bytes,
    ))
}
