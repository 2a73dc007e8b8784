//! `/api/v1/orgs/{id}/funds…` and `/api/v1/funds/…` (issue 17, 5): an org's budget for a year
//! (budget against actual per line), the lines the committee office sets, expenditures and
//! their approval and vouchers, transfers between lines and their approval. Amounts are
//! whole fen.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::Datelike;
use dangjian_service::funds::{
    ExpenseDecisionForm, ExpenseForm, ExpenseRow, LineForm, Transfer, TransferForm, Voucher,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn number(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FundLineInput {
    pub year: i32,
    /// One of the funding sources of the rules file (财政党建经费, 党费, 上级下拨党费, 其他).
    pub source: String,
    /// A category code of the rules file's `[funds]` (training, meetings, …).
    pub category: String,
    pub amount_fen: u64,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FundExpenseInput {
    pub line_id: i64,
    /// One of the expense items of the rules file (资料费, 伙食费, …).
    pub item: String,
    pub amount_fen: u64,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub spent_on: String,
    #[serde(default)]
    pub description: String,
    /// The collective decision behind it (会议及日期).
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub persons: Option<u32>,
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub half_days: Option<u32>,
    #[serde(default)]
    pub vehicles: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FundDecisionInput {
    #[serde(default)]
    pub version: i64,
    #[schema(pattern = r"^(approve|refuse)$")]
    pub decision: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub decided_on: String,
    #[serde(default)]
    pub note: String,
}

/// A transfer (调剂) from one line of an org's year to another of the same source.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FundTransferInput {
    pub from_line: i64,
    pub to_line: i64,
    pub amount_fen: u64,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundLineJson {
    pub id: i64,
    pub source: String,
    pub category: String,
    pub category_name: String,
    pub budget_fen: i64,
    pub approved_fen: i64,
    pub pending_fen: i64,
    pub remaining_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundExpenseJson {
    pub id: i64,
    pub line_id: i64,
    pub item: String,
    pub amount_fen: i64,
    #[schema(format = Date)]
    pub spent_on: String,
    pub description: String,
    pub decision: String,
    /// `proposed`, `approved` or `refused`.
    pub status: String,
    pub decided_on: Option<String>,
    pub decision_note: Option<String>,
    pub version: i64,
    /// The vouchers (invoices, receipts) kept for it.
    pub vouchers: Vec<FundVoucherJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundVoucherJson {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// SM3 of the bytes, hex.
    pub digest: String,
}

impl From<&Voucher> for FundVoucherJson {
    fn from(v: &Voucher) -> Self {
        FundVoucherJson {
            id: v.id,
            file_name: v.file_name.clone(),
            content_type: v.content_type.clone(),
            size: v.size,
            digest: v.digest.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundTransferJson {
    pub id: i64,
    pub from_line: i64,
    pub to_line: i64,
    pub amount_fen: i64,
    pub reason: String,
    /// `proposed`, `approved` or `refused`.
    pub status: String,
    pub decided_on: Option<String>,
    pub decision_note: Option<String>,
    pub version: i64,
}

impl From<&Transfer> for FundTransferJson {
    fn from(t: &Transfer) -> Self {
        FundTransferJson {
            id: t.id,
            from_line: t.from_line,
            to_line: t.to_line,
            amount_fen: t.amount.0,
            reason: t.reason.clone(),
            status: t.status.clone(),
            decided_on: t.decided_on.map(|d| d.to_string()),
            decision_note: t.decision_note.clone(),
            version: t.version,
        }
    }
}

impl FundExpenseJson {
    fn of(e: &ExpenseRow, vouchers: &[Voucher]) -> Self {
        FundExpenseJson {
            id: e.id,
            line_id: e.line_id,
            item: e.item.clone(),
            amount_fen: e.amount.0,
            spent_on: e.spent_on.to_string(),
            description: e.description.clone(),
            decision: e.decision.clone(),
            status: e.status.clone(),
            decided_on: e.decided_on.map(|d| d.to_string()),
            decision_note: e.decision_note.clone(),
            version: e.version,
            vouchers: vouchers
                .iter()
                .filter(|v| v.expense_id == e.id)
                .map(FundVoucherJson::from)
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundBudgetJson {
    pub org_id: i64,
    pub year: i32,
    pub lines: Vec<FundLineJson>,
    pub budget_fen: i64,
    pub approved_fen: i64,
    pub expenses: Vec<FundExpenseJson>,
    pub transfers: Vec<FundTransferJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundIdJson {
    pub id: i64,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct FundYearQuery {
    /// This year when absent.
    pub year: Option<i32>,
}

/// An org's budget for a year: each line's budget, approved, waiting and remaining, and the
/// expenditures.
#[utoipa::path(get, path = "/orgs/{id}/funds", tag = "funds", params(("id" = i64, Path), FundYearQuery),
    responses((status = 200, body = FundBudgetJson), (status = 404, body = ApiErrorBody)))]
pub async fn budget(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FundBudgetJson>, ApiError> {
    let q: FundYearQuery = api_query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    let b = state.services.fund_budget(&actor, id, year).await?;
    Ok(Json(FundBudgetJson {
        org_id: b.org.id,
        year: b.year,
        lines: b
            .lines
            .iter()
            .map(|l| FundLineJson {
                id: l.id,
                source: l.source.clone(),
                category: l.category.clone(),
                category_name: l.category_name.clone(),
                budget_fen: l.state.budget.0,
                approved_fen: l.state.approved.0,
                pending_fen: l.state.pending.0,
                remaining_fen: l.state.remaining().0,
            })
            .collect(),
        budget_fen: b.total.budget.0,
        approved_fen: b.total.approved.0,
        expenses: b
            .expenses
            .iter()
            .map(|e| FundExpenseJson::of(e, &b.vouchers))
            .collect(),
        transfers: b.transfers.iter().map(FundTransferJson::from).collect(),
    }))
}

/// Sets a line of an org's budget (the committee office).
#[utoipa::path(post, path = "/orgs/{id}/funds/lines", tag = "funds", params(("id" = i64, Path)),
    request_body = FundLineInput,
    responses((status = 201, body = FundIdJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_line(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<FundLineInput>,
) -> Result<(StatusCode, Json<FundIdJson>), ApiError> {
    let form = LineForm {
        year: i.year.to_string(),
        source: i.source,
        category: i.category,
        amount: yuan(i.amount_fen),
    };
    let id = state.services.set_fund_line(&actor, id, &form).await?;
    Ok((StatusCode::CREATED, Json(FundIdJson { id })))
}

/// Proposes an expenditure against a line.
#[utoipa::path(post, path = "/funds/expenses", tag = "funds", request_body = FundExpenseInput,
    responses((status = 201, body = FundIdJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<FundExpenseInput>,
) -> Result<(StatusCode, Json<FundIdJson>), ApiError> {
    let form = ExpenseForm {
        line: i.line_id.to_string(),
        item: i.item,
        amount: yuan(i.amount_fen),
        spent_on: i.spent_on,
        description: i.description,
        decision: i.decision,
        persons: number(i.persons),
        days: number(i.days),
        half_days: number(i.half_days),
        vehicles: number(i.vehicles),
    };
    let id = state.services.propose_expense(&actor, &form).await?;
    Ok((StatusCode::CREATED, Json(FundIdJson { id })))
}

/// Approves or refuses an expenditure (the committee office, not the proposer).
#[utoipa::path(post, path = "/funds/expenses/{id}/decision", tag = "funds", params(("id" = i64, Path)),
    request_body = FundDecisionInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<FundDecisionInput>,
) -> Result<StatusCode, ApiError> {
    let form = ExpenseDecisionForm {
        version: i.version,
        decision: i.decision,
        decided_on: i.decided_on,
        note: i.note,
    };
    state.services.decide_expense(&actor, id, &form).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Proposes a transfer between two lines of an org's year (same source; no more than the
/// line leaving it has uncommitted).
#[utoipa::path(post, path = "/funds/transfers", tag = "funds", request_body = FundTransferInput,
    responses((status = 201, body = FundIdJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn propose_transfer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<FundTransferInput>,
) -> Result<(StatusCode, Json<FundIdJson>), ApiError> {
    let form = TransferForm {
        from_line: i.from_line.to_string(),
        to_line: i.to_line.to_string(),
        amount: yuan(i.amount_fen),
        reason: i.reason,
    };
    let id = state.services.propose_fund_transfer(&actor, &form).await?;
    Ok((StatusCode::CREATED, Json(FundIdJson { id })))
}

/// Approves (moving the budgets) or refuses a transfer (the committee office, not the
/// proposer).
#[utoipa::path(post, path = "/funds/transfers/{id}/decision", tag = "funds", params(("id" = i64, Path)),
    request_body = FundDecisionInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide_transfer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<FundDecisionInput>,
) -> Result<StatusCode, ApiError> {
    let form = ExpenseDecisionForm {
        version: i.version,
        decision: i.decision,
        decided_on: i.decided_on,
        note: i.note,
    };
    state
        .services
        .decide_fund_transfer(&actor, id, &form)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct FundVoucherQuery {
    /// The file's name, with its extension (the type is checked against the bytes).
    pub name: String,
}

/// Adds a voucher (the request body): PDF, PNG, JPG, .docx or .xlsx up to 10 MB, its type
/// read from its bytes, kept with its SM3 digest; not to a refused expenditure. Answers the
/// voucher's id.
#[utoipa::path(post, path = "/funds/expenses/{id}/vouchers", tag = "funds",
    params(("id" = i64, Path), FundVoucherQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = FundIdJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_voucher(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<FundIdJson>), ApiError> {
    let q: FundVoucherQuery = api_query(raw.as_deref())?;
    let upload = dangjian_service::Upload {
        file_name: &q.name,
        bytes: &body,
    };
    let (_, ids) = state
        .services
        .attach_vouchers(&actor, id, &[upload])
        .await?;
    let id = ids
        .first()
        .copied()
        .ok_or(dangjian_service::ServiceError::NotFound)?;
    Ok((StatusCode::CREATED, Json(FundIdJson { id })))
}

/// A voucher's bytes (the read audited).
#[utoipa::path(get, path = "/funds/expenses/{id}/vouchers/{voucher}", tag = "funds",
    params(("id" = i64, Path), ("voucher" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ApiErrorBody)))]
pub async fn voucher(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, voucher)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let (row, bytes) = state.services.fund_voucher(&actor, id, voucher).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, row.content_type)],
        bytes,
    )
        .into_response())
}
