//! Lists of the member lifecycle: transfer letters to receive, probation, mobile members
//! (away from their branch, and 流入党员 staying with one).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeDelta};
use dangjian_core::field::FieldErrors;
use dangjian_core::lifecycle::{letter_expires_on, stop_allowed_from, transfer_due_from};
use dangjian_core::role::Permission;
use dangjian_core::rules::RuleBook;
use dangjian_service::inflow::{Inflow, InflowEndForm, InflowForm};
use dangjian_service::lifecycle::{SettleForm, Transfer};
use dangjian_service::{Actor, ServiceError};

use super::{Path, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
use crate::view;

struct TransferItem {
    id: i64,
    member_id: i64,
    member: String,
    letter: String,
    from: String,
    to: String,
    issued: String,
    /// The letter's last valid day (R5.12), and whether it has passed.
    valid_until: String,
    expired: bool,
}

impl TransferItem {
    fn new(t: &Transfer, book: &RuleBook, today: NaiveDate) -> Self {
        let expires = letter_expires_on(t.issued_on, book);
        Self {
            id: t.id,
            member_id: t.member_id,
            member: t.member_name.clone(),
            letter: t.letter_no.clone(),
            from: t.from_branch.clone().unwrap_or_default(),
            to: t
                .to_branch
                .clone()
                .or_else(|| t.external_org.clone())
                .unwrap_or_default(),
            issued: view::date(t.issued_on),
            valid_until: view::date(expires.pred_opt().unwrap_or(expires)),
            expired: today >= expires,
        }
    }
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct TransfersPage {
    layout: Layout,
    error: Option<String>,
    incoming: Vec<TransferItem>,
    outgoing: Vec<TransferItem>,
}

async fn transfers_page(
    state: &AppState,
    actor: &Actor,
    error: Option<String>,
) -> Result<TransfersPage, PageError> {
    let (incoming, outgoing) = state.services.pending_transfers(actor).await?;
    let (book, today) = (state.services.rule_book(), state.services.clock().today());
    let item = |t: &Transfer| TransferItem::new(t, &book, today);
    Ok(TransfersPage {
        layout: Layout::new(actor, "/transfers", "组织关系转接").crumb("组织关系转接", None),
        error,
        incoming: incoming.iter().map(item).collect(),
        outgoing: outgoing.iter().map(item).collect(),
    })
}

pub async fn transfers(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    render(&transfers_page(&state, &session.actor, None).await?)
}

async fn settle(
    state: &AppState,
    actor: &Actor,
    id: i64,
    receive: bool,
    form: &SettleForm,
) -> Result<Response, PageError> {
    match state
        .services
        .settle_transfer(actor, id, receive, form)
        .await
    {
        Ok(()) => Ok(Redirect::to("/transfers").into_response()),
        Err(ServiceError::Invalid(errors)) => render_invalid(
            &transfers_page(
                state,
                actor,
                errors.iter().next().map(|e| e.message.clone()),
            )
            .await?,
        ),
        Err(other) => Err(other.into()),
    }
}

pub async fn receive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<SettleForm>,
) -> Result<Response, PageError> {
    settle(&state, &form.session.actor, id, true, &form.form).await
}

pub async fn give_back(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<SettleForm>,
) -> Result<Response, PageError> {
    settle(&state, &form.session.actor, id, false, &form.form).await
}

struct ProbationItem {
    id: i64,
    name: String,
    branch: String,
    joined: String,
    due: String,
    status: &'static str,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "probation.html")]
struct ProbationPage {
    layout: Layout,
    months: u32,
    soon: i64,
    rows: Vec<ProbationItem>,
}

/// How many days before the end of probation the list says it is due.
const DUE_SOON_DAYS: i64 = 30;

pub async fn probation(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let today = state.services.clock().today();
    let rows = state
        .services
        .probation_list(actor)
        .await?
        .into_iter()
        .map(|(id, name, branch, joined, due)| {
            let (status, class) = if due < today {
                ("已超期", "bad")
            } else if due <= today + TimeDelta::days(DUE_SOON_DAYS) {
                ("即将到期", "warn")
            } else {
                ("预备期内", "ok")
            };
            ProbationItem {
                id,
                name,
                branch,
                joined: view::date(joined),
                due: view::date(due),
                status,
                class,
            }
        })
        .collect();
    render(&ProbationPage {
        layout: Layout::new(actor, "/probation", "预备党员").crumb("预备党员", None),
        months: state.services.rules().development.probation_months,
        soon: DUE_SOON_DAYS,
        rows,
    })
}

/// A stay of a 流入党员, as the page lists it.
struct InflowItem {
    id: i64,
    name: String,
    police_number: String,
    origin: String,
    branch: String,
    since: String,
    until: String,
    note: String,
}

impl From<&Inflow> for InflowItem {
    fn from(s: &Inflow) -> Self {
        Self {
            id: s.id,
            name: s.name.clone(),
            police_number: s.police_number.clone().unwrap_or_default(),
            origin: s.origin_org.clone(),
            branch: s.branch_name.clone(),
            since: view::date(s.since),
            until: s.until.map(view::date).unwrap_or_default(),
            note: s.note.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "mobile.html")]
struct MobilePage {
    layout: Layout,
    /// (id, name, branch, place, since, the relationship should move now)
    rows: Vec<(i64, String, String, String, String, bool)>,
    /// (id, name, branch, since, stop allowed from, stop due now)
    lost: Vec<(i64, String, String, String, String, bool)>,
    /// The rules' periods, for the notes: away, out of contact.
    flow_months: u32,
    lost_months: u32,
    inflow: Vec<InflowItem>,
    ended: Vec<InflowItem>,
    can_write: bool,
    form: InflowForm,
    errors: FieldErrors,
    end_error: Option<String>,
}

async fn mobile_page(
    state: &AppState,
    actor: &Actor,
    form: InflowForm,
    errors: FieldErrors,
    end_error: Option<String>,
) -> Result<MobilePage, PageError> {
    let (book, today) = (state.services.rule_book(), state.services.clock().today());
    let rules = state.services.rules();
    let rows = state
        .services
        .mobile_members(actor)
        .await?
        .into_iter()
        .map(|(id, name, branch, place, since)| {
            let due = today >= transfer_due_from(since, &book);
            (id, name, branch, place, view::date(since), due)
        })
        .collect();
    let lost = state
        .services
        .lost_contact_members(actor)
        .await?
        .into_iter()
        .map(|(id, name, branch, since)| {
            let from = stop_allowed_from(since, &book);
            let due = today >= from;
            (id, name, branch, view::date(since), view::date(from), due)
        })
        .collect();
    let (inflow, ended) = state.services.inflow_members(actor).await?;
    Ok(MobilePage {
        layout: Layout::new(actor, "/mobile", "流动党员").crumb("流动党员", None),
        rows,
        lost,
        flow_months: rules.membership_status.flow_member_threshold_months,
        lost_months: rules.membership_status.lost_contact_suspend_after_months,
        inflow: inflow.iter().map(InflowItem::from).collect(),
        ended: ended.iter().map(InflowItem::from).collect(),
        can_write: actor.permits(Permission::WriteMembers),
        form,
        errors,
        end_error,
    })
}

pub async fn mobile(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let page = mobile_page(
        &state,
        &session.actor,
        InflowForm::default(),
        FieldErrors::new(),
        None,
    )
    .await?;
    render(&page)
}

pub async fn register_inflow(
    State(state): State<AppState>,
    form: SessionForm<InflowForm>,
) -> Result<Response, PageError> {
    let actor = &form.session.actor;
    match state.services.register_inflow(actor, &form.form).await {
        Ok(_) => Ok(Redirect::to("/mobile#inflow").into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&mobile_page(&state, actor, form.form, errors, None).await?)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn end_inflow(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<InflowEndForm>,
) -> Result<Response, PageError> {
    let actor = &form.session.actor;
    match state.services.end_inflow(actor, id, &form.form).await {
        Ok(()) => Ok(Redirect::to("/mobile#inflow").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let message = errors.iter().next().map(|e| e.message.clone());
            let page = mobile_page(
                &state,
                actor,
                InflowForm::default(),
                FieldErrors::new(),
                message,
            )
            .await?;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}
