//! `/api/v1/dues/…` and `/api/v1/members/{id}/dues…` (issue 17, 1–3): assessments (the pay
//! returned only to the dues keeper and the member), the month's run, payments one member at
//! a time or a batch for a month, hardship reductions and their approval, the arrears list
//! with the six-month rule, and the reconciliation. Amounts are whole fen.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::Datelike;
use dangjian_core::dues::{Lapse, Month};
use dangjian_service::dues::{
    AssessmentForm, PaymentForm, PaymentRow, ReductionDecisionForm, ReductionForm, ReductionRow,
    receipt_number,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

/// Fen as the yuan text the service reads.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// An assessment: the category and the pay in fen, or a farmer's monthly amount.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DuesAssessmentInput {
    #[schema(
        pattern = r"^(employed|annual_salary|retired|student|unemployed|relief_dependent|minimum_living|farmer)$"
    )]
    pub category: String,
    /// `YYYY-MM`; this month when empty.
    #[schema(pattern = r"^(\d{4}-\d{2})?$")]
    #[serde(default)]
    pub from_month: String,
    #[serde(default)]
    pub income_fen: Option<u64>,
    #[serde(default)]
    pub income_tax_fen: Option<u64>,
    #[serde(default)]
    pub insurance_fen: Option<u64>,
    /// A farmer's monthly amount.
    #[serde(default)]
    pub amount_fen: Option<u64>,
    #[schema(pattern = r"^(annual|pay_change|correction)$")]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DuesPaymentInput {
    #[schema(pattern = r"^(in_person|proxy|quarterly|bank|voluntary)$")]
    pub kind: String,
    #[schema(pattern = r"^(\d{4}-\d{2})?$")]
    #[serde(default)]
    pub from_month: String,
    #[schema(pattern = r"^(\d{4}-\d{2})?$")]
    #[serde(default)]
    pub to_month: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub proxy: String,
    #[serde(default)]
    pub reason: String,
    /// Voluntary payments only.
    #[serde(default)]
    pub amount_fen: Option<u64>,
}

/// Several members paying one month in full (the monthly collection day).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DuesBatchInput {
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub members: Vec<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DuesRunInput {
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DuesReductionInput {
    #[schema(pattern = r"^(\d{4}-\d{2})?$")]
    #[serde(default)]
    pub from_month: String,
    #[schema(pattern = r"^(\d{4}-\d{2})?$")]
    #[serde(default)]
    pub to_month: String,
    /// The reduced monthly amount; 0 for 免交.
    #[serde(default)]
    pub amount_fen: u64,
    #[serde(default)]
    pub reason: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub branch_decided_on: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DuesReductionDecisionInput {
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
pub struct DuesAssessedJson {
    pub monthly_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesRunJson {
    pub charged: usize,
    /// Members on the roll with no assessment for the month: not charged.
    pub unassessed: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesPaidJson {
    /// The payments written.
    pub payments: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesBatchPaidJson {
    /// Members whose month was paid now (those already paid are skipped).
    pub paid: usize,
}

/// The pay behind an assessment (only for the dues keeper and the member).
#[derive(Debug, Serialize, ToSchema)]
pub struct DuesPayJson {
    pub income_fen: i64,
    pub income_tax_fen: i64,
    pub insurance_fen: i64,
    pub base_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesAssessmentJson {
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub from_month: String,
    pub category: String,
    pub monthly_fen: i64,
    pub reason: String,
    pub pay: Option<DuesPayJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesMonthJson {
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    pub due_fen: i64,
    pub paid_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesPaymentJson {
    pub id: i64,
    pub receipt: String,
    pub member_id: i64,
    pub member_name: String,
    pub org_name: String,
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    pub kind: String,
    pub amount_fen: i64,
    #[schema(format = Date)]
    pub paid_on: String,
    pub proxy: Option<String>,
    pub reason: Option<String>,
    /// A voluntary payment remitted whole to the centre.
    pub to_centre: bool,
    /// The bank's reference of a payment imported from its collection records.
    pub bank_ref: Option<String>,
}

impl From<&PaymentRow> for DuesPaymentJson {
    fn from(p: &PaymentRow) -> Self {
        DuesPaymentJson {
            id: p.id,
            receipt: receipt_number(p),
            member_id: p.member_id,
            member_name: p.member_name.clone(),
            org_name: p.org_name.clone(),
            month: p.month.to_string(),
            kind: p.kind.code().to_owned(),
            amount_fen: p.amount.0,
            paid_on: p.paid_on.to_string(),
            proxy: p.proxy.clone(),
            reason: p.reason.clone(),
            to_centre: p.to_centre,
            bank_ref: p.bank_ref.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesReductionJson {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub branch_name: String,
    pub from_month: String,
    pub to_month: String,
    pub monthly_fen: i64,
    pub reason: String,
    #[schema(format = Date)]
    pub branch_decided_on: String,
    /// `proposed`, `approved` or `refused`.
    pub status: String,
    pub decided_on: Option<String>,
    pub version: i64,
}

impl From<&ReductionRow> for DuesReductionJson {
    fn from(r: &ReductionRow) -> Self {
        DuesReductionJson {
            id: r.id,
            member_id: r.member_id,
            member_name: r.member_name.clone(),
            branch_name: r.branch_name.clone(),
            from_month: r.from_month.to_string(),
            to_month: r.to_month.to_string(),
            monthly_fen: r.monthly.0,
            reason: r.reason.clone(),
            branch_decided_on: r.branch_decided_on.to_string(),
            status: r.status.clone(),
            decided_on: r.decided_on.map(|d| d.to_string()),
            version: r.version,
        }
    }
}

/// The six-month rule's standing: `warning` or `reached`, with the months unpaid in a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuesLapseJson {
    pub level: String,
    pub months: u32,
}

fn lapse_json(lapse: Option<Lapse>) -> Option<DuesLapseJson> {
    lapse.map(|l| match l {
        Lapse::Warning(months) => DuesLapseJson {
            level: "warning".to_owned(),
            months,
        },
        Lapse::Reached(months) => DuesLapseJson {
            level: "reached".to_owned(),
            months,
        },
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDuesJson {
    pub member_id: i64,
    pub name: String,
    pub assessments: Vec<DuesAssessmentJson>,
    pub months: Vec<DuesMonthJson>,
    pub payments: Vec<DuesPaymentJson>,
    pub reductions: Vec<DuesReductionJson>,
    pub arrears_fen: i64,
    pub lapse: Option<DuesLapseJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesSheetLineJson {
    pub member_id: i64,
    pub name: String,
    pub police_number: Option<String>,
    /// None when the month is not charged (not run, or not assessed).
    pub due_fen: Option<i64>,
    pub paid_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesSheetJson {
    pub org_id: i64,
    pub org_name: String,
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    pub lines: Vec<DuesSheetLineJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesArrearJson {
    pub member_id: i64,
    pub name: String,
    pub branch_name: String,
    pub owed_fen: i64,
    pub months_owed: usize,
    pub lapse: Option<DuesLapseJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesTotalsJson {
    /// Members charged in the last month of the period.
    pub members: u64,
    pub due_fen: i64,
    pub paid_fen: i64,
    /// The sum of each month's shortfall (an overpayment is no credit against another's).
    pub owed_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesLedgerLineJson {
    pub org_id: i64,
    pub org_name: String,
    pub totals: DuesTotalsJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuesLedgerJson {
    pub from: String,
    pub to: String,
    pub total: DuesTotalsJson,
    pub lines: Vec<DuesLedgerLineJson>,
}

fn totals_json(t: dangjian_core::dues::Totals) -> DuesTotalsJson {
    DuesTotalsJson {
        members: t.members,
        due_fen: t.due.0,
        paid_fen: t.paid.0,
        owed_fen: t.owed.0,
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct DuesYearQuery {
    /// This year when absent.
    pub year: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct DuesMonthQuery {
    /// `YYYY-MM`; this month when absent.
    #[param(pattern = r"^\d{4}-\d{2}$")]
    pub month: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct DuesLedgerQuery {
    /// An org in scope; the top of the scope when absent.
    pub org: Option<i64>,
    /// `YYYY-MM`; this month when absent.
    #[param(pattern = r"^\d{4}-\d{2}$")]
    pub from: Option<String>,
    /// `YYYY-MM`; `from` when absent; at most 12 months after it.
    #[param(pattern = r"^\d{4}-\d{2}$")]
    pub to: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct DuesReductionQuery {
    #[param(pattern = r"^(proposed|approved|refused)$")]
    pub status: Option<String>,
}

fn month_param(
    state: &AppState,
    raw: Option<&str>,
    field: &'static str,
) -> Result<Month, ApiError> {
    match raw {
        None | Some("") => Ok(Month::of(state.services.clock().today())),
        Some(text) => Month::parse(text).ok_or_else(|| {
            ApiError::Service(dangjian_service::ServiceError::invalid(
                field,
                "月份格式为 2026-03",
            ))
        }),
    }
}

/// A member's dues for a year: assessments, months, payments, reductions, what is owed.
#[utoipa::path(get, path = "/members/{id}/dues", tag = "dues", params(("id" = i64, Path), DuesYearQuery),
    responses((status = 200, body = MemberDuesJson), (status = 404, body = ApiErrorBody)))]
pub async fn member_dues(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<MemberDuesJson>, ApiError> {
    let q: DuesYearQuery = api_query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    let d = state.services.member_dues(&actor, id, year).await?;
    Ok(Json(MemberDuesJson {
        member_id: d.member.id,
        name: d.member.name.clone(),
        assessments: d
            .assessments
            .iter()
            .map(|a| DuesAssessmentJson {
                from_month: a.from_month.to_string(),
                category: a.category.code().to_owned(),
                monthly_fen: a.monthly.0,
                reason: a.reason.clone(),
                pay: a.pay.map(|p| DuesPayJson {
                    income_fen: p.income,
                    income_tax_fen: p.income_tax,
                    insurance_fen: p.insurance,
                    base_fen: p.base,
                }),
            })
            .collect(),
        months: d
            .months
            .iter()
            .map(|m| DuesMonthJson {
                month: m.month.to_string(),
                due_fen: m.due.0,
                paid_fen: m.paid.0,
            })
            .collect(),
        payments: d.payments.iter().map(DuesPaymentJson::from).collect(),
        reductions: d.reductions.iter().map(DuesReductionJson::from).collect(),
        arrears_fen: d.arrears.0,
        lapse: lapse_json(d.lapse),
    }))
}

/// Assesses a member's monthly dues from a month on (the dues keeper).
#[utoipa::path(post, path = "/members/{id}/dues/assessments", tag = "dues", params(("id" = i64, Path)),
    request_body = DuesAssessmentInput,
    responses((status = 201, body = DuesAssessedJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn assess(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DuesAssessmentInput>,
) -> Result<(StatusCode, Json<DuesAssessedJson>), ApiError> {
    let form = AssessmentForm {
        category: i.category,
        from_month: i.from_month,
        income: i.income_fen.map(yuan).unwrap_or_default(),
        income_tax: i.income_tax_fen.map(yuan).unwrap_or_default(),
        insurance: i.insurance_fen.map(yuan).unwrap_or_default(),
        amount: i.amount_fen.map(yuan).unwrap_or_default(),
        reason: i.reason,
    };
    let monthly = state.services.assess_dues(&actor, id, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(DuesAssessedJson {
            monthly_fen: monthly.0,
        }),
    ))
}

/// Records a member's payments for months, or a voluntary payment.
#[utoipa::path(post, path = "/members/{id}/dues/payments", tag = "dues", params(("id" = i64, Path)),
    request_body = DuesPaymentInput,
    responses((status = 201, body = DuesPaidJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn pay(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DuesPaymentInput>,
) -> Result<(StatusCode, Json<DuesPaidJson>), ApiError> {
    let form = PaymentForm {
        kind: i.kind,
        from_month: i.from_month,
        to_month: i.to_month,
        paid_on: i.paid_on,
        proxy: i.proxy,
        reason: i.reason,
        amount: i.amount_fen.map(yuan).unwrap_or_default(),
    };
    let payments = state.services.pay_dues(&actor, id, &form).await?;
    Ok((StatusCode::CREATED, Json(DuesPaidJson { payments })))
}

/// Marks members as having paid a month in full.
#[utoipa::path(post, path = "/dues/payments", tag = "dues", request_body = DuesBatchInput,
    responses((status = 201, body = DuesBatchPaidJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn pay_batch(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<DuesBatchInput>,
) -> Result<(StatusCode, Json<DuesBatchPaidJson>), ApiError> {
    let paid = state
        .services
        .pay_dues_batch(&actor, &i.members, &i.month, &i.paid_on)
        .await?;
    Ok((StatusCode::CREATED, Json(DuesBatchPaidJson { paid })))
}

/// A payment in scope, with its receipt number.
#[utoipa::path(get, path = "/dues/payments/{id}", tag = "dues", params(("id" = i64, Path)),
    responses((status = 200, body = DuesPaymentJson), (status = 404, body = ApiErrorBody)))]
pub async fn payment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DuesPaymentJson>, ApiError> {
    let row = state.services.dues_payment(&actor, id).await?;
    Ok(Json(DuesPaymentJson::from(&row)))
}

/// Writes the month's charges for the members in scope not yet charged (idempotent).
#[utoipa::path(post, path = "/dues/runs", tag = "dues", request_body = DuesRunInput,
    responses((status = 201, body = DuesRunJson), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<DuesRunInput>,
) -> Result<(StatusCode, Json<DuesRunJson>), ApiError> {
    let report = state.services.run_dues_month(&actor, &i.month).await?;
    Ok((
        StatusCode::CREATED,
        Json(DuesRunJson {
            charged: report.charged,
            unassessed: report.unassessed,
        }),
    ))
}

/// The branch's decision on a hardship case, for the committee to approve.
#[utoipa::path(post, path = "/members/{id}/dues/reductions", tag = "dues", params(("id" = i64, Path)),
    request_body = DuesReductionInput,
    responses((status = 201, body = DuesReductionJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn propose_reduction(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DuesReductionInput>,
) -> Result<(StatusCode, Json<DuesReductionJson>), ApiError> {
    let form = ReductionForm {
        from_month: i.from_month,
        to_month: i.to_month,
        amount: yuan(i.amount_fen),
        reason: i.reason,
        branch_decided_on: i.branch_decided_on,
    };
    let rid = state
        .services
        .propose_dues_reduction(&actor, id, &form)
        .await?;
    let rows = state.services.dues_reductions(&actor, None).await?;
    let row = rows
        .iter()
        .find(|r| r.id == rid)
        .ok_or(ApiError::Service(dangjian_service::ServiceError::NotFound))?;
    Ok((StatusCode::CREATED, Json(DuesReductionJson::from(row))))
}

/// The reductions in scope.
#[utoipa::path(get, path = "/dues/reductions", tag = "dues", params(DuesReductionQuery),
    responses((status = 200, body = Vec<DuesReductionJson>), (status = 403, body = ApiErrorBody)))]
pub async fn reductions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<DuesReductionJson>>, ApiError> {
    let q: DuesReductionQuery = api_query(raw.as_deref())?;
    let rows = state
        .services
        .dues_reductions(&actor, q.status.as_deref())
        .await?;
    Ok(Json(rows.iter().map(DuesReductionJson::from).collect()))
}

/// The committee's approval or refusal of a reduction.
#[utoipa::path(post, path = "/dues/reductions/{id}/decision", tag = "dues", params(("id" = i64, Path)),
    request_body = DuesReductionDecisionInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide_reduction(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DuesReductionDecisionInput>,
) -> Result<StatusCode, ApiError> {
    let form = ReductionDecisionForm {
        version: i.version,
        decision: i.decision,
        decided_on: i.decided_on,
        note: i.note,
    };
    state
        .services
        .decide_dues_reduction(&actor, id, &form)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The members of an org for a month: due and paid.
#[utoipa::path(get, path = "/dues/orgs/{id}/sheet", tag = "dues", params(("id" = i64, Path), DuesMonthQuery),
    responses((status = 200, body = DuesSheetJson), (status = 404, body = ApiErrorBody)))]
pub async fn sheet(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<DuesSheetJson>, ApiError> {
    let q: DuesMonthQuery = api_query(raw.as_deref())?;
    let (org, month, rows) = state
        .services
        .dues_sheet(&actor, id, q.month.as_deref().unwrap_or(""))
        .await?;
    Ok(Json(DuesSheetJson {
        org_id: org.id,
        org_name: org.name,
        month: month.to_string(),
        lines: rows
            .iter()
            .map(|r| DuesSheetLineJson {
                member_id: r.member_id,
                name: r.name.clone(),
                police_number: r.police_number.clone(),
                due_fen: r.due.map(|d| d.0),
                paid_fen: r.paid.0,
            })
            .collect(),
    }))
}

/// Who owes dues in scope, with the six-month rule's standing.
#[utoipa::path(get, path = "/dues/arrears", tag = "dues",
    responses((status = 200, body = Vec<DuesArrearJson>), (status = 403, body = ApiErrorBody)))]
pub async fn arrears(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<DuesArrearJson>>, ApiError> {
    let rows = state.services.dues_arrears(&actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| DuesArrearJson {
                member_id: a.member_id,
                name: a.name,
                branch_name: a.branch_name,
                owed_fen: a.owed.0,
                months_owed: a.months_owed,
                lapse: lapse_json(a.lapse),
            })
            .collect(),
    ))
}

/// The reconciliation: each org directly below the one asked for, every figure the sum of
/// what lies below it.
#[utoipa::path(get, path = "/dues/ledger", tag = "dues", params(DuesLedgerQuery),
    responses((status = 200, body = DuesLedgerJson), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<DuesLedgerJson>, ApiError> {
    let q: DuesLedgerQuery = api_query(raw.as_deref())?;
    let from = month_param(&state, q.from.as_deref(), "from")?;
    let to = match q.to.as_deref() {
        None | Some("") => from,
        Some(_) => month_param(&state, q.to.as_deref(), "to")?,
    };
    let ledger = state.services.dues_ledger(&actor, q.org, from, to).await?;
    Ok(Json(DuesLedgerJson {
        from: ledger.from.to_string(),
        to: ledger.to.to_string(),
        total: totals_json(ledger.total),
        lines: ledger
            .lines
            .iter()
            .map(|l| DuesLedgerLineJson {
                org_id: l.org.id,
                org_name: l.org.name.clone(),
                totals: totals_json(l.totals),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureLineJson {
    pub member_id: i64,
    pub name: String,
    pub police_number: Option<String>,
    pub months: i64,
    pub due_fen: i64,
    pub paid_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureUseJson {
    #[schema(format = Date)]
    pub spent_on: String,
    pub item: String,
    pub description: String,
    pub amount_fen: i64,
    pub decision: String,
}

/// The annual disclosure of an org's dues: each member's year, the totals, voluntary
/// payments, what is kept and remitted, and the uses paid from dues.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureJson {
    pub org_id: i64,
    pub year: i32,
    pub lines: Vec<DisclosureLineJson>,
    pub due_fen: i64,
    pub paid_fen: i64,
    pub voluntary_fen: i64,
    pub to_centre_fen: i64,
    pub kept_fen: i64,
    pub remitted_fen: i64,
    pub uses: Vec<DisclosureUseJson>,
}

/// The annual disclosure of an org's dues (a member: their own branch's).
#[utoipa::path(get, path = "/dues/orgs/{id}/disclosure", tag = "dues", params(("id" = i64, Path), DuesYearQuery),
    responses((status = 200, body = DisclosureJson), (status = 404, body = ApiErrorBody)))]
pub async fn disclosure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<DisclosureJson>, ApiError> {
    let q: DuesYearQuery = api_query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    let d = state.services.dues_disclosure(&actor, id, year).await?;
    Ok(Json(DisclosureJson {
        org_id: d.org.id,
        year: d.year,
        lines: d
            .lines
            .iter()
            .map(|l| DisclosureLineJson {
                member_id: l.member_id,
                name: l.name.clone(),
                police_number: l.police_number.clone(),
                months: l.months,
                due_fen: l.due.0,
                paid_fen: l.paid.0,
            })
            .collect(),
        due_fen: d.due.0,
        paid_fen: d.paid.0,
        voluntary_fen: d.voluntary.0,
        to_centre_fen: d.to_centre.0,
        kept_fen: d.kept.0,
        remitted_fen: d.remitted.0,
        uses: d
            .uses
            .iter()
            .map(|u| DisclosureUseJson {
                spent_on: u.spent_on.to_string(),
                item: u.item.clone(),
                description: u.description.clone(),
                amount_fen: u.amount.0,
                decision: u.decision.clone(),
            })
            .collect(),
    }))
}
