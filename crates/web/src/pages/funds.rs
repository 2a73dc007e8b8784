//! 党建经费 pages (issue 17, 5): an org's budget for a year — each line's budget against what
//! is approved and waiting — the office's form to set a line, the form to propose an
//! expenditure (the negative list beside it) and to move money between lines, the vouchers of
//! each expenditure, and the office's decisions.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use dangjian_core::role::Permission;
use dangjian_service::funds::{
    Budget, ExpenseDecisionForm, ExpenseForm, LineForm, TransferForm, status_label,
};
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::{Kept, Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm, from_pairs};

const AREA: &str = "/funds";

/// A line as the page shows it.
pub struct LineLine {
    pub source: String,
    pub category: String,
    pub budget: String,
    pub approved: String,
    pub pending: String,
    pub remaining: String,
}

pub struct ExpenseLine {
    pub id: i64,
    pub spent_on: String,
    pub line: String,
    pub item: String,
    pub amount: String,
    pub description: String,
    pub decision: String,
    pub status: &'static str,
    pub open: bool,
    pub decided: String,
    pub decidable: bool,
    pub version: i64,
    /// (id, file name) of each voucher.
    pub vouchers: Vec<(i64, String)>,
    /// Whether the reader may add vouchers (not to a refused one).
    pub may_attach: bool,
}

/// A transfer between two lines as the page shows it.
pub struct TransferLine {
    pub id: i64,
    pub from: String,
    pub to: String,
    pub amount: String,
    pub reason: String,
    pub status: &'static str,
    pub open: bool,
    pub decided: String,
    pub decidable: bool,
    pub version: i64,
}

/// Who decided, when, and what they said.
fn decided_text(
    by: &Option<String>,
    on: Option<chrono::NaiveDate>,
    note: &Option<String>,
) -> String {
    match (by, on) {
        (Some(by), Some(on)) => format!(
            "{by}（{on}）{}",
            note.as_deref()
                .filter(|n| !n.is_empty())
                .map(|n| format!("：{n}"))
                .unwrap_or_default()
        ),
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "funds_budget.html")]
struct BudgetPage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    year: i32,
    lines: Vec<LineLine>,
    total: LineLine,
    expenses: Vec<ExpenseLine>,
    transfers: Vec<TransferLine>,
    children: Vec<(i64, String)>,
    may_set: bool,
    may_spend: bool,
    sources: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    line_options: Vec<(String, String)>,
    items: Vec<(String, String)>,
    /// The items with a cap, named in the form's hint.
    capped: String,
    prohibited: Vec<String>,
    today: String,
    kept: Kept,
    kept_id: i64,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YearQuery {
    pub year: Option<i32>,
    pub saved: Option<String>,
}

async fn budget_page(
    state: &AppState,
    actor: &Actor,
    org: i64,
    year: Option<i32>,
    kept: Kept,
    kept_id: i64,
    saved: bool,
) -> Result<BudgetPage, PageError> {
    let year = year.unwrap_or_else(|| state.services.clock().today().year());
    let Budget {
        org,
        year,
        lines,
        total,
        expenses,
        transfers,
        vouchers,
        children,
    } = state.services.fund_budget(actor, org, year).await?;
    let rules = state.services.rules();
    let activity = &rules.party_building_funds.activity_rules;
    let line_name = |id: i64| {
        lines
            .iter()
            .find(|l| l.id == id)
            .map(|l| format!("{} · {}", l.source, l.category_name))
            .unwrap_or_default()
    };
    let may_decide = actor.permits(Permission::ApproveFunds);
    let expense_lines = expenses
        .iter()
        .map(|e| ExpenseLine {
            id: e.id,
            spent_on: e.spent_on.to_string(),
            line: line_name(e.line_id),
            item: e.item.clone(),
            amount: e.amount.to_string(),
            description: e.description.clone(),
            decision: e.decision.clone(),
            status: status_label(&e.status),
            open: e.status == "proposed",
            decided: decided_text(&e.decided_by, e.decided_on, &e.decision_note),
            decidable: may_decide && e.status == "proposed" && e.proposed_by != actor.login,
            version: e.version,
            vouchers: vouchers
                .iter()
                .filter(|v| v.expense_id == e.id)
                .map(|v| (v.id, v.file_name.clone()))
                .collect(),
            may_attach: actor.permits(Permission::SpendFunds) && e.status != "refused",
        })
        .collect();
    let transfer_lines = transfers
        .iter()
        .map(|t| TransferLine {
            id: t.id,
            from: line_name(t.from_line),
            to: line_name(t.to_line),
            amount: t.amount.to_string(),
            reason: t.reason.clone(),
            status: status_label(&t.status),
            open: t.status == "proposed",
            decided: decided_text(&t.decided_by, t.decided_on, &t.decision_note),
            decidable: may_decide && t.status == "proposed" && t.proposed_by != actor.login,
            version: t.version,
        })
        .collect();
    let row = |source: String, category: String, s: dangjian_core::funds::LineState| LineLine {
        source,
        category,
        budget: s.budget.yuan_text(),
        approved: s.approved.yuan_text(),
        pending: s.pending.yuan_text(),
        remaining: s.remaining().yuan_text(),
    };
    Ok(BudgetPage {
        layout: Layout::new(actor, AREA, format!("{} {}年党建经费", org.name, year))
            .crumb("党建经费", Some(AREA.to_owned()))
            .crumb(org.name.clone(), None),
        org_id: org.id,
        org_name: org.name,
        year,
        line_options: lines
            .iter()
            .map(|l| {
                (
                    l.id.to_string(),
                    format!(
                        "{} · {}（余额 {}）",
                        l.source,
                        l.category_name,
                        l.state.remaining()
                    ),
                )
            })
            .collect(),
        lines: lines
            .iter()
            .map(|l| row(l.source.clone(), l.category_name.clone(), l.state))
            .collect(),
        total: row("合计".to_owned(), String::new(), total),
        expenses: expense_lines,
        transfers: transfer_lines,
        children: children.into_iter().map(|o| (o.id, o.name)).collect(),
        may_set: actor.permits(Permission::ApproveFunds),
        may_spend: actor.permits(Permission::SpendFunds),
        sources: rules
            .party_building_funds
            .funding_sources
            .iter()
            .map(|s| (s.clone(), s.clone()))
            .collect(),
        categories: rules
            .funds
            .categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect(),
        items: activity
            .expense_items
            .iter()
            .map(|i| (i.clone(), i.clone()))
            .collect(),
        capped: rules
            .funds
            .caps
            .iter()
            .map(|c| c.item.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        prohibited: activity.prohibited.clone(),
        today: state.services.clock().today().to_string(),
        kept,
        kept_id,
        saved,
    })
}

pub async fn home(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    match state.services.funds_home(&session.actor).await? {
        Some(org) => Ok(Redirect::to(&format!("/funds/orgs/{org}")).into_response()),
        None => Err(ServiceError::NotFound.into()),
    }
}

pub async fn budget(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    render(
        &budget_page(
            &state,
            &session.actor,
            id,
            q.year,
            Kept::default(),
            0,
            q.saved.is_some(),
        )
        .await?,
    )
}

/// Runs one of the budget page's forms; a refusal comes back at its fields, on the page of
/// the year it was sent from.
async fn budget_form(
    state: &AppState,
    actor: &Actor,
    org: i64,
    (active, kept_id): (&'static str, i64),
    year: Option<i32>,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let services = &state.services;
    let (result, year) = match active {
        "line" => {
            let form: LineForm = from_pairs(pairs.clone())?;
            let year = form.year.trim().parse().ok().or(year);
            (
                services.set_fund_line(actor, org, &form).await.map(|_| ()),
                year,
            )
        }
        "expense" => {
            let form: ExpenseForm = from_pairs(pairs.clone())?;
            (
                services.propose_expense(actor, &form).await.map(|_| ()),
                year,
            )
        }
        "transfer" => {
            let form: TransferForm = from_pairs(pairs.clone())?;
            let done = services.propose_fund_transfer(actor, &form).await;
            (done.map(|_| ()), year)
        }
        "decide_transfer" => {
            let form: ExpenseDecisionForm = from_pairs(pairs.clone())?;
            let done = services.decide_fund_transfer(actor, kept_id, &form).await;
            (done, year)
        }
        _ => {
            let form: ExpenseDecisionForm = from_pairs(pairs.clone())?;
            (services.decide_expense(actor, kept_id, &form).await, year)
        }
    };
    match result {
        Ok(()) => {
            let year = year.map(|y: i32| format!("&year={y}")).unwrap_or_default();
            Ok(Redirect::to(&format!("/funds/orgs/{org}?saved=1{year}")).into_response())
        }
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active,
                values: pairs,
                errors,
            };
            render_invalid(&budget_page(state, actor, org, year, kept, kept_id, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// The year a form was sent from (its action carries `?year=`).
fn sent_from(raw: Option<&str>) -> Result<Option<i32>, PageError> {
    Ok(query::<YearQuery>(raw)?.year)
}

pub async fn set_line(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let year = sent_from(raw.as_deref())?;
    budget_form(
        &state,
        &form.session.actor,
        id,
        ("line", 0),
        year,
        form.form,
    )
    .await
}

pub async fn propose(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let year = sent_from(raw.as_deref())?;
    budget_form(
        &state,
        &form.session.actor,
        id,
        ("expense", 0),
        year,
        form.form,
    )
    .await
}

pub async fn decide(
    State(state): State<AppState>,
    Path((id, expense)): Path<(i64, i64)>,
    RawQuery(raw): RawQuery,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let year = sent_from(raw.as_deref())?;
    let target = ("decide", expense);
    budget_form(&state, &form.session.actor, id, target, year, form.form).await
}

pub async fn transfer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let year = sent_from(raw.as_deref())?;
    budget_form(
        &state,
        &form.session.actor,
        id,
        ("transfer", 0),
        year,
        form.form,
    )
    .await
}

pub async fn decide_transfer(
    State(state): State<AppState>,
    Path((id, transfer)): Path<(i64, i64)>,
    RawQuery(raw): RawQuery,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let year = sent_from(raw.as_deref())?;
    let target = ("decide_transfer", transfer);
    budget_form(&state, &form.session.actor, id, target, year, form.form).await
}

/// Takes vouchers of an expenditure (multipart: the CSRF token, then the files).
pub async fn add_vouchers(
    State(state): State<AppState>,
    session: Session,
    Path((id, expense)): Path<(i64, i64)>,
    RawQuery(raw): RawQuery,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let year = sent_from(raw.as_deref())?;
    let files = super::file_uploads(&state, actor, multipart, "/funds/vouchers").await?;
    let uploads: Vec<dangjian_service::Upload<'_>> = files
        .iter()
        .map(|(name, bytes)| dangjian_service::Upload {
            file_name: name,
            bytes,
        })
        .collect();
    match state
        .services
        .attach_vouchers(actor, expense, &uploads)
        .await
    {
        Ok((year, _)) => {
            Ok(Redirect::to(&format!("/funds/orgs/{id}?saved=1&year={year}")).into_response())
        }
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "voucher",
                values: Vec::new(),
                errors,
            };
            render_invalid(&budget_page(&state, actor, id, year, kept, expense, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// A voucher, as a download (the read audited).
pub async fn voucher(
    State(state): State<AppState>,
    session: Session,
    Path((_, expense, voucher)): Path<(i64, i64, i64)>,
) -> Result<Response, PageError> {
    let (row, bytes) = state
        .services
        .fund_voucher(&session.actor, expense, voucher)
        .await?;
    Ok(super::download(
        &row.file_name,
        "voucher",
        row.content_type,
        bytes,
    ))
}

/// The year's funds as a workbook (budget against actual, expenditures, transfers).
pub async fn report_xlsx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    let bytes = state.services.funds_xlsx(&session.actor, id, year).await?;
    let org = state.services.org_name(&session.actor, id).await?;
    Ok(super::xlsx(bytes, &format!("{org}-党建经费-{year}年.xlsx")))
}
