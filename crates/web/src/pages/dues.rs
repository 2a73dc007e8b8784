//! 党费 pages (issue 17, 1–3): the reconciliation of an org for a month with the list of who
//! owes (and the six-month rule), a branch's month sheet where the keeper marks who paid, a
//! member's dues (their own on a phone), and hardship reductions for the office to decide.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use dangjian_core::dues::{DuesCategory, Lapse, Month, MonthState, PaymentKind};
use dangjian_core::money::{Fen, Rate};
use dangjian_core::role::{Permission, Scope};
use dangjian_service::dues::{
    ASSESSMENT_REASONS, Arrear, AssessmentForm, Ledger, MemberDues, PaymentForm,
    ReductionDecisionForm, ReductionForm, ReductionRow, SheetRow, receipt_number,
};
use dangjian_service::orgs::Org;
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::{Kept, Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm, from_pairs};

const AREA: &str = "/dues";

fn layout(actor: &Actor, title: &str) -> Layout {
    let layout = Layout::new(actor, AREA, title.to_owned());
    if title == "党费" {
        layout.crumb("党费", None)
    } else {
        layout
            .crumb("党费", Some(AREA.to_owned()))
            .crumb(title.to_owned(), None)
    }
}

fn lapse_text(lapse: Option<Lapse>, max: u32) -> String {
    match lapse {
        None => String::new(),
        Some(Lapse::Warning(n)) => format!("已连续{n}个月未交"),
        Some(Lapse::Reached(n)) => {
            format!("已连续{n}个月未交（满{max}个月）：由支部大会讨论，无正当理由的按自行脱党处理")
        }
    }
}

fn month_or_now(state: &AppState, raw: &str) -> Result<Month, PageError> {
    match raw.trim() {
        "" => Ok(Month::of(state.services.clock().today())),
        text => {
            Month::parse(text).ok_or_else(|| PageError::BadRequest("月份格式为 2026-03".to_owned()))
        }
    }
}

/// A line of the arrears list.
pub struct ArrearLine {
    pub member_id: i64,
    pub name: String,
    pub branch: String,
    pub owed: String,
    pub months: usize,
    pub lapse: String,
    pub reached: bool,
}

fn arrear_lines(rows: Vec<Arrear>, max: u32) -> Vec<ArrearLine> {
    rows.into_iter()
        .map(|a| ArrearLine {
            member_id: a.member_id,
            name: a.name,
            branch: a.branch_name,
            owed: a.owed.to_string(),
            months: a.months_owed,
            reached: matches!(a.lapse, Some(Lapse::Reached(_))),
            lapse: lapse_text(a.lapse, max),
        })
        .collect()
}

/// A line of the reconciliation.
pub struct LedgerRow {
    pub org_id: i64,
    pub name: String,
    pub members: u64,
    pub due: String,
    pub paid: String,
    pub unpaid: String,
    pub rate: String,
}

fn ledger_row(org_id: i64, name: String, t: dangjian_core::dues::Totals) -> LedgerRow {
    LedgerRow {
        org_id,
        name,
        members: t.members,
        due: t.due.yuan_text(),
        paid: t.paid.yuan_text(),
        unpaid: t.owed.yuan_text(),
        rate: if t.due.0 > 0 {
            format!("{:.1}%", t.paid.0 as f64 * 100.0 / t.due.0 as f64)
        } else {
            "—".to_owned()
        },
    }
}

#[derive(Template)]
#[template(path = "dues_home.html")]
struct HomePage {
    layout: Layout,
    month: String,
    month_label: String,
    org: Option<(i64, String)>,
    lines: Vec<LedgerRow>,
    total: LedgerRow,
    arrears: Vec<ArrearLine>,
    may_run: bool,
    /// Whether the reader keeps dues (and may import the pay and bank sheets).
    may_import: bool,
    /// January of the month's year: where the reconciliation export starts.
    year_start: String,
    lapse_months: u32,
    proposed: usize,
    run: Option<(usize, usize)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HomeQuery {
    pub month: String,
    pub org: Option<i64>,
    pub charged: Option<usize>,
    pub unassessed: Option<usize>,
}

pub async fn home(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    if let Scope::OwnRecord { member_id } = actor.scope {
        return Ok(Redirect::to(&format!("/dues/members/{member_id}")).into_response());
    }
    let q: HomeQuery = query(raw.as_deref())?;
    let month = month_or_now(&state, &q.month)?;
    let Ledger {
        org, total, lines, ..
    } = state
        .services
        .dues_ledger(actor, q.org, month, month)
        .await?;
    let max = state
        .services
        .rules()
        .dues
        .lapse_after_consecutive_unpaid_months;
    let arrears = arrear_lines(state.services.dues_arrears(actor).await?, max);
    let proposed = state
        .services
        .dues_reductions(actor, Some("proposed"))
        .await?
        .len();
    render(&HomePage {
        layout: layout(actor, "党费"),
        month: month.to_string(),
        month_label: month.label(),
        total: ledger_row(0, "合计".to_owned(), total),
        lines: lines
            .into_iter()
            .map(|l| ledger_row(l.org.id, l.org.name, l.totals))
            .collect(),
        org: org.map(|o| (o.id, o.name)),
        arrears,
        may_run: actor.permits(Permission::RecordDues) || actor.permits(Permission::ApproveDues),
        may_import: actor.permits(Permission::RecordDues),
        year_start: month.plus(1 - month.month() as i32).to_string(),
        lapse_months: max,
        proposed,
        run: q.charged.zip(q.unassessed),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunForm {
    pub month: String,
}

pub async fn run(
    State(state): State<AppState>,
    form: SessionForm<RunForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let report = state
        .services
        .run_dues_month(&session.actor, &form.month)
        .await?;
    Ok(Redirect::to(&format!(
        "/dues?month={}&charged={}&unassessed={}",
        form.month.trim(),
        report.charged,
        report.unassessed
    ))
    .into_response())
}

/// A line of a branch's month.
pub struct SheetLine {
    pub member_id: i64,
    pub name: String,
    pub police_number: String,
    pub due: String,
    pub paid: String,
    pub status: &'static str,
    pub payable: bool,
}

fn sheet_line(r: &SheetRow) -> SheetLine {
    let (status, payable) = match r.due {
        None if r.assessed.is_none() => ("未生成或未核定", false),
        None => ("未生成", false),
        Some(due) if r.paid >= due => ("已交清", false),
        Some(_) if !r.here => ("已转出，由现所在支部收缴", false),
        Some(_) if r.paid.0 > 0 => ("部分交纳", true),
        Some(_) => ("未交", true),
    };
    SheetLine {
        member_id: r.member_id,
        name: r.name.clone(),
        police_number: r.police_number.clone().unwrap_or_default(),
        due: r.due.map(Fen::yuan_text).unwrap_or_else(|| "—".to_owned()),
        paid: r.paid.yuan_text(),
        status,
        payable,
    }
}

#[derive(Template)]
#[template(path = "dues_sheet.html")]
struct SheetPage {
    layout: Layout,
    org: Org,
    month: String,
    month_label: String,
    lines: Vec<SheetLine>,
    due: String,
    paid: String,
    unassessed: i64,
    may_record: bool,
    paid_on: String,
    error: Option<String>,
    saved: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SheetQuery {
    pub month: String,
    pub paid: Option<usize>,
}

async fn sheet_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    month: &str,
    error: Option<String>,
    saved: Option<usize>,
) -> Result<SheetPage, PageError> {
    let (org, at, rows) = state.services.dues_sheet(actor, id, month).await?;
    let unassessed = state.services.dues_unassessed(actor, &org, at).await?;
    let due: Fen = rows.iter().filter_map(|r| r.due).sum();
    let paid: Fen = rows.iter().map(|r| r.paid).sum();
    Ok(SheetPage {
        layout: layout(actor, &format!("{} {}", org.name, at.label())),
        month: at.to_string(),
        month_label: at.label(),
        lines: rows.iter().map(sheet_line).collect(),
        due: due.to_string(),
        paid: paid.to_string(),
        unassessed,
        may_record: actor.permits(Permission::RecordDues),
        paid_on: state.services.clock().today().to_string(),
        org,
        error,
        saved,
    })
}

pub async fn sheet(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: SheetQuery = query(raw.as_deref())?;
    render(&sheet_page(&state, &session.actor, id, &q.month, None, q.paid).await?)
}

pub async fn pay_batch(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let mut month = String::new();
    let mut paid_on = String::new();
    let mut members = Vec::new();
    for (key, value) in form {
        match key.as_str() {
            "month" => month = value,
            "paid_on" => paid_on = value,
            "member" => members.push(
                value
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| PageError::BadRequest("党员编号无效".to_owned()))?,
            ),
            _ => {
                return Err(PageError::BadRequest(
                    "表单含有无效或不允许的字段".to_owned(),
                ));
            }
        }
    }
    match state
        .services
        .pay_dues_batch(&session.actor, &members, &month, &paid_on)
        .await
    {
        Ok(n) => Ok(
            Redirect::to(&format!("/dues/orgs/{id}?month={}&paid={n}", month.trim()))
                .into_response(),
        ),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let message = errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；");
            render_invalid(
                &sheet_page(&state, &session.actor, id, &month, Some(message), None).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// An assessment as the member page shows it.
pub struct AssessmentLine {
    pub from: String,
    pub category: &'static str,
    pub monthly: String,
    pub reason: &'static str,
    pub recorded_by: String,
    /// (income, tax, insurance, base, rate) when the reader may see pay.
    pub pay: Option<(String, String, String, String, String)>,
}

/// A month of the member's year.
pub struct MonthLine {
    pub label: String,
    pub due: String,
    pub paid: String,
    pub status: &'static str,
}

pub struct PaymentLine {
    pub id: i64,
    pub receipt: String,
    pub month: String,
    pub kind: &'static str,
    pub amount: String,
    pub paid_on: String,
    pub note: String,
    pub to_centre: bool,
}

pub struct ReductionLine {
    pub id: i64,
    pub member_id: i64,
    pub member: String,
    pub branch: String,
    pub months: String,
    pub amount: String,
    pub reason: String,
    pub branch_decided_on: String,
    pub status: &'static str,
    pub decided: String,
    pub open: bool,
    pub version: i64,
}

fn reduction_line(r: &ReductionRow) -> ReductionLine {
    ReductionLine {
        id: r.id,
        member_id: r.member_id,
        member: r.member_name.clone(),
        branch: r.branch_name.clone(),
        months: format!("{} 至 {}", r.from_month.label(), r.to_month.label()),
        amount: if r.monthly.0 == 0 {
            "免交".to_owned()
        } else {
            format!("每月{}", r.monthly)
        },
        reason: r.reason.clone(),
        branch_decided_on: r.branch_decided_on.to_string(),
        status: match r.status.as_str() {
            "proposed" => "待上级党委审批",
            "approved" => "已批准",
            _ => "不予批准",
        },
        decided: match (&r.decided_by, r.decided_on) {
            (Some(by), Some(on)) => format!("{by}（{on}）"),
            _ => String::new(),
        },
        open: r.status == "proposed",
        version: r.version,
    }
}

fn month_line(label: String, state: Option<&MonthState>, ahead: bool) -> MonthLine {
    match state {
        None => MonthLine {
            label,
            due: "—".to_owned(),
            paid: "—".to_owned(),
            status: if ahead { "未到" } else { "无应交记录" },
        },
        Some(s) => MonthLine {
            label,
            due: s.due.to_string(),
            paid: s.paid.to_string(),
            status: if s.due.0 == 0 {
                "免交"
            } else if s.paid >= s.due {
                "已交清"
            } else if s.paid.0 > 0 {
                "部分交纳"
            } else {
                "未交"
            },
        },
    }
}

#[derive(Template)]
#[template(path = "dues_member.html")]
struct MemberPage {
    layout: Layout,
    member_id: i64,
    name: String,
    branch: String,
    branch_id: i64,
    year: i32,
    assessments: Vec<AssessmentLine>,
    months: Vec<MonthLine>,
    payments: Vec<PaymentLine>,
    reductions: Vec<ReductionLine>,
    arrears: String,
    owes: bool,
    lapse: String,
    may_record: bool,
    shows_pay: bool,
    categories: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    deduct_insurance: bool,
    kept: Kept,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemberQuery {
    pub year: Option<i32>,
    pub saved: Option<String>,
}

async fn member_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    year: Option<i32>,
    kept: Kept,
    saved: bool,
) -> Result<MemberPage, PageError> {
    let year = year.unwrap_or_else(|| state.services.clock().today().year());
    let d: MemberDues = state.services.member_dues(actor, id, year).await?;
    let rules = state.services.rules();
    let own = matches!(actor.scope, Scope::OwnRecord { .. });
    let months = (1..=12)
        .filter_map(|m| Month::new(year, m))
        .map(|m| {
            let ahead = m > Month::of(state.services.clock().today());
            month_line(m.label(), d.months.iter().find(|s| s.month == m), ahead)
        })
        .collect();
    let title = if own {
        "我的党费".to_owned()
    } else {
        format!("{}的党费", d.member.name)
    };
    Ok(MemberPage {
        layout: layout(actor, &title),
        member_id: d.member.id,
        name: d.member.name.clone(),
        branch: d.member.branch_name.clone(),
        branch_id: d.member.branch_id,
        year,
        assessments: d
            .assessments
            .iter()
            .map(|a| AssessmentLine {
                from: a.from_month.label(),
                category: a.category.label(),
                monthly: a.monthly.to_string(),
                reason: ASSESSMENT_REASONS
                    .iter()
                    .find(|(code, _)| *code == a.reason)
                    .map_or("", |(_, label)| label),
                recorded_by: a.recorded_by.clone(),
                pay: a.pay.map(|p| {
                    // The rate of the rules the amount was assessed by.
                    let rate = state
                        .services
                        .rule_book()
                        .on(a.from_month.first_day())
                        .dues
                        .rate(a.category, Fen(p.base))
                        .map(Rate::percent_text)
                        .unwrap_or_default();
                    (
                        Fen(p.income).to_string(),
                        Fen(p.income_tax).to_string(),
                        Fen(p.insurance).to_string(),
                        Fen(p.base).to_string(),
                        rate,
                    )
                }),
            })
            .collect(),
        months,
        payments: d
            .payments
            .iter()
            .map(|p| PaymentLine {
                id: p.id,
                receipt: receipt_number(p),
                month: p.month.label(),
                kind: p.kind.label(),
                amount: p.amount.to_string(),
                paid_on: p.paid_on.to_string(),
                note: [
                    p.proxy.as_ref().map(|x| format!("代交人：{x}")),
                    p.reason.as_ref().map(|x| format!("补交理由：{x}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("；"),
                to_centre: p.to_centre,
            })
            .collect(),
        reductions: d.reductions.iter().map(reduction_line).collect(),
        owes: d.arrears.0 > 0,
        arrears: d.arrears.to_string(),
        lapse: lapse_text(d.lapse, rules.dues.lapse_after_consecutive_unpaid_months),
        may_record: actor.permits(Permission::RecordDues),
        shows_pay: d.assessments.iter().any(|a| a.pay.is_some()),
        categories: DuesCategory::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        reasons: ASSESSMENT_REASONS.to_vec(),
        kinds: PaymentKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        deduct_insurance: rules.dues.deduct_personal_social_insurance_and_housing_fund,
        kept,
        saved,
    })
}

pub async fn member(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: MemberQuery = query(raw.as_deref())?;
    render(
        &member_page(
            &state,
            &session.actor,
            id,
            q.year,
            Kept::default(),
            q.saved.is_some(),
        )
        .await?,
    )
}

/// Runs one of the member page's forms; a refusal comes back at its fields.
async fn member_form(
    state: &AppState,
    session: &Session,
    id: i64,
    active: &'static str,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let result = match active {
        "assess" => {
            let form: AssessmentForm = from_pairs(pairs.clone())?;
            state
                .services
                .assess_dues(actor, id, &form)
                .await
                .map(|_| ())
        }
        "pay" => {
            let form: PaymentForm = from_pairs(pairs.clone())?;
            state.services.pay_dues(actor, id, &form).await.map(|_| ())
        }
        _ => {
            let form: ReductionForm = from_pairs(pairs.clone())?;
            state
                .services
                .propose_dues_reduction(actor, id, &form)
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/dues/members/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active,
                values: pairs,
                errors,
            };
            render_invalid(&member_page(state, actor, id, None, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn assess(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    member_form(&state, &form.session, id, "assess", form.form).await
}

pub async fn pay(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    member_form(&state, &form.session, id, "pay", form.form).await
}

pub async fn reduce(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    member_form(&state, &form.session, id, "reduce", form.form).await
}

#[derive(Template)]
#[template(path = "dues_reductions.html")]
struct ReductionsPage {
    layout: Layout,
    lines: Vec<ReductionLine>,
    may_decide: bool,
    today: String,
    kept: Kept,
    kept_id: i64,
}

async fn reductions_page(
    state: &AppState,
    actor: &Actor,
    kept: Kept,
    kept_id: i64,
) -> Result<ReductionsPage, PageError> {
    let rows = state.services.dues_reductions(actor, None).await?;
    let mut lines: Vec<ReductionLine> = rows.iter().map(reduction_line).collect();
    lines.sort_by_key(|l| !l.open);
    Ok(ReductionsPage {
        layout: layout(actor, "困难党员少交免交党费"),
        lines,
        may_decide: actor.permits(Permission::ApproveDues),
        today: state.services.clock().today().to_string(),
        kept,
        kept_id,
    })
}

pub async fn reductions(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    render(&reductions_page(&state, &session.actor, Kept::default(), 0).await?)
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ReductionDecisionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .decide_dues_reduction(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to("/dues/reductions?saved=1").into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "decide",
                values: vec![
                    ("decided_on".to_owned(), form.decided_on),
                    ("note".to_owned(), form.note),
                ],
                errors,
            };
            render_invalid(&reductions_page(&state, &session.actor, kept, id).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "dues_disclosure.html")]
struct DisclosurePage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    year: i32,
    /// name, 警号, months, due, paid, owed
    lines: Vec<(String, String, i64, String, String, String)>,
    due: String,
    paid: String,
    owed: String,
    voluntary: String,
    to_centre: String,
    kept: String,
    remitted: String,
    retention: String,
    /// day, item, what, amount, decision
    uses: Vec<(String, String, String, String, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YearQuery {
    pub year: Option<i32>,
}

fn year_or_this(state: &AppState, raw: Option<&str>) -> Result<i32, PageError> {
    let q: YearQuery = query(raw)?;
    Ok(q.year
        .unwrap_or_else(|| state.services.clock().today().year()))
}

pub async fn disclosure(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let year = year_or_this(&state, raw.as_deref())?;
    let d = state.services.dues_disclosure(actor, id, year).await?;
    render(&DisclosurePage {
        layout: layout(
            actor,
            &format!("{} {}年党费收缴使用情况", d.org.name, d.year),
        ),
        org_id: d.org.id,
        org_name: d.org.name.clone(),
        year: d.year,
        lines: d
            .lines
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    l.police_number.clone().unwrap_or_default(),
                    l.months,
                    l.due.yuan_text(),
                    l.paid.yuan_text(),
                    (l.due - l.paid).yuan_text(),
                )
            })
            .collect(),
        due: d.due.yuan_text(),
        paid: d.paid.yuan_text(),
        owed: (d.due - d.paid).yuan_text(),
        voluntary: d.voluntary.yuan_text(),
        to_centre: d.to_centre.yuan_text(),
        kept: d.kept.yuan_text(),
        remitted: d.remitted.yuan_text(),
        retention: d.retention.percent_text(),
        uses: d
            .uses
            .iter()
            .map(|u| {
                (
                    u.spent_on.to_string(),
                    u.item.clone(),
                    u.description.clone(),
                    u.amount.yuan_text(),
                    u.decision.clone(),
                )
            })
            .collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonthOnly {
    pub month: String,
}

/// The period of a reconciliation export: this year's January to this month unless given.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeriodQuery {
    pub org: Option<i64>,
    pub from: String,
    pub to: String,
}

pub async fn ledger_xlsx(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: PeriodQuery = query(raw.as_deref())?;
    let to = month_or_now(&state, &q.to)?;
    let from = match q.from.trim() {
        "" => to.plus(1 - to.month() as i32),
        text => Month::parse(text)
            .ok_or_else(|| PageError::BadRequest("月份格式为 2026-03".to_owned()))?,
    };
    let bytes = state
        .services
        .dues_ledger_xlsx(&session.actor, q.org, from, to)
        .await?;
    let org = match q.org {
        Some(id) => format!("{}-", state.services.org_name(&session.actor, id).await?),
        None => String::new(),
    };
    Ok(super::xlsx(
        bytes,
        &format!("{org}党费对账-{from}至{to}.xlsx"),
    ))
}

pub async fn sheet_xlsx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: MonthOnly = query(raw.as_deref())?;
    let bytes = state
        .services
        .dues_month_xlsx(&session.actor, id, &q.month)
        .await?;
    let month = month_or_now(&state, &q.month)?;
    let org = state.services.org_name(&session.actor, id).await?;
    Ok(super::xlsx(bytes, &format!("{org}-党费收缴-{month}.xlsx")))
}

pub async fn disclosure_xlsx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let year = year_or_this(&state, raw.as_deref())?;
    let bytes = state
        .services
        .dues_disclosure_xlsx(&session.actor, id, year)
        .await?;
    let org = state.services.org_name(&session.actor, id).await?;
    Ok(super::xlsx(
        bytes,
        &format!("{org}-党费收缴使用情况-{year}年.xlsx"),
    ))
}

#[derive(Template)]
#[template(path = "dues_receipt.html")]
struct ReceiptPage {
    layout: Layout,
    member_id: i64,
    number: String,
    member: String,
    org: String,
    month: String,
    kind: &'static str,
    note: String,
    amount: String,
    capitals: String,
    paid_on: String,
    recorded_by: String,
    to_centre: bool,
}

/// A payment's receipt, to print.
pub async fn receipt(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let p = state.services.dues_payment(actor, id).await?;
    render(&ReceiptPage {
        layout: layout(actor, "党费收据"),
        member_id: p.member_id,
        number: receipt_number(&p),
        member: p.member_name.clone(),
        org: p.org_name.clone(),
        month: p.month.label(),
        kind: p.kind.label(),
        note: match (&p.proxy, &p.bank_ref) {
            (Some(proxy), _) => format!("代交人：{proxy}"),
            (None, Some(reference)) => format!("银行流水号：{reference}"),
            (None, None) => String::new(),
        },
        amount: p.amount.to_string(),
        capitals: p.amount.in_capitals().unwrap_or_default(),
        paid_on: p.paid_on.to_string(),
        recorded_by: p.recorded_by.clone(),
        to_centre: p.to_centre,
    })
}
