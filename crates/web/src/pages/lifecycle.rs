//! Lists of the member lifecycle: transfer letters to receive, probation, mobile members.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;
use dangjian_service::lifecycle::{SettleForm, Transfer};
use dangjian_service::{Actor, ServiceError};

use super::{render, render_invalid};
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
}

impl From<&Transfer> for TransferItem {
    fn from(t: &Transfer) -> Self {
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
    Ok(TransfersPage {
        layout: Layout::new(actor, "/transfers", "组织关系转接").crumb("组织关系转接", None),
        error,
        incoming: incoming.iter().map(TransferItem::from).collect(),
        outgoing: outgoing.iter().map(TransferItem::from).collect(),
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

#[derive(Template)]
#[template(path = "mobile.html")]
struct MobilePage {
    layout: Layout,
    rows: Vec<(i64, String, String, String, String)>,
}

pub async fn mobile(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let rows = state
        .services
        .mobile_members(actor)
        .await?
        .into_iter()
        .map(|(id, name, branch, place, since)| (id, name, branch, place, view::date(since)))
        .collect();
    render(&MobilePage {
        layout: Layout::new(actor, "/mobile", "流动党员").crumb("流动党员", None),
        rows,
    })
}
