//! `/api/v1/orgs/{id}/funds…` and `/api/v1/funds/…` (issue 17, 5): an org's budget for a year
//! (budget against actual per line), the lines the committee office sets, expenditures and
//! their approval. Amounts are whole fen.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::Datelike;
use dangjian_service::funds::{ExpenseDecisionForm, ExpenseForm, ExpenseRow, LineForm};
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
}

impl From<&ExpenseRow> for FundExpenseJson {
    fn from(e: &ExpenseRow) -> Self {
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
        expenses: b.expenses.iter().map(FundExpenseJson::from).collect(),
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
