//! 关爱表彰 pages (issue 16, 6–7): the care to-do list and the 光荣在党50年 list, commendations
//! proposed and approved, care visits, and the hardship register.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use dangjian_core::care::{CommendationStatus, HardshipKind, HonourLevel, HonourSystem, Occasion};
use dangjian_core::field::FieldErrors;
use dangjian_core::role::Permission;
use dangjian_service::care::{
    CareTodo, CloseForm, CommendationRow, DecisionForm, FollowUpForm, FollowUpRow, HardshipForm,
    HardshipRow, ProposalForm, VisitForm, VisitRow,
};
use dangjian_service::{Actor, Page, ServiceError};
use serde::Deserialize;

use super::{Kept, Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};

const AREA: &str = "/care";
const PAGE_SIZE: u32 = 50;

fn layout(actor: &Actor, title: &str) -> Layout {
    let layout = Layout::new(actor, AREA, title.to_owned());
    if title == "关爱表彰" {
        layout.crumb("关爱表彰", None)
    } else {
        layout
            .crumb("关爱表彰", Some(AREA.to_owned()))
            .crumb(title.to_owned(), None)
    }
}

#[derive(Template)]
#[template(path = "care_home.html")]
struct HomePage {
    layout: Layout,
    todo: CareTodo,
    year: i32,
    /// (member id, name, branch, full member since)
    fifty: Vec<(i64, String, String, String)>,
    notice_days: u32,
    follow_up_days: u32,
}

pub async fn home(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let actor = &session.actor;
    let todo = state.services.care_todo(actor).await?;
    let year = state.services.clock().today().year();
    let fifty = state
        .services
        .glorious_fifty(actor, year)
        .await?
        .into_iter()
        .map(|a| (a.member_id, a.name, a.branch_name, a.joined_on.to_string()))
        .collect();
    let rules = state.services.rules();
    render(&HomePage {
        layout: layout(actor, "关爱表彰"),
        todo,
        year,
        fifty,
        notice_days: rules.care.political_birthday_notice_days,
        follow_up_days: rules.care.hardship_follow_up_days,
    })
}

/// A commendation's line.
pub struct CommendationLine {
    pub id: i64,
    pub honoured: String,
    pub system: &'static str,
    pub kind: String,
    pub level: &'static str,
    pub proposed_on: String,
    pub status: &'static str,
    pub decided: String,
    pub open: bool,
}

impl From<&CommendationRow> for CommendationLine {
    fn from(c: &CommendationRow) -> Self {
        CommendationLine {
            id: c.id,
            honoured: match &c.member_name {
                Some(name) => format!("{name}（{}）", c.org_name),
                None => c.org_name.clone(),
            },
            system: c.system.label(),
            kind: c.kind.clone(),
            level: c.level.label(),
            proposed_on: c.proposed_on.to_string(),
            status: c.status.label(),
            decided: match (&c.approver, c.decided_on) {
                (Some(by), Some(on)) => format!("{by}（{on}）"),
                _ => String::new(),
            },
            open: c.status == CommendationStatus::Proposed,
        }
    }
}

#[derive(Template)]
#[template(path = "care_commendations.html")]
struct CommendationsPage {
    layout: Layout,
    lines: Vec<CommendationLine>,
    page: u32,
    has_next: bool,
    /// `system|kind` options, grouped by system.
    kinds: Vec<(String, Vec<(String, String)>)>,
    chosen: String,
    levels: Vec<(&'static str, &'static str)>,
    form: ProposalForm,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageQuery {
    pub page: u32,
}

async fn commendations_page(
    state: &AppState,
    actor: &Actor,
    number: u32,
    form: ProposalForm,
    errors: FieldErrors,
) -> Result<CommendationsPage, PageError> {
    let page = Page {
        number: number.max(1),
        size: PAGE_SIZE,
    };
    let (rows, total) = state.services.commendations(actor, None, page).await?;
    let rules = state.services.rules();
    Ok(CommendationsPage {
        layout: layout(actor, "表彰奖励"),
        lines: rows.iter().map(CommendationLine::from).collect(),
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        page: page.number,
        kinds: HonourSystem::ALL
            .iter()
            .map(|s| {
                (
                    s.label().to_owned(),
                    s.kinds(rules)
                        .iter()
                        .map(|k| (format!("{}|{k}", s.code()), k.clone()))
                        .collect(),
                )
            })
            .collect(),
        chosen: format!("{}|{}", form.system, form.kind),
        levels: HonourLevel::ALL
            .iter()
            .map(|l| (l.code(), l.label()))
            .collect(),
        form,
        errors,
    })
}

pub async fn commendations(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: PageQuery = query(raw.as_deref())?;
    let page = commendations_page(
        &state,
        &session.actor,
        q.page,
        ProposalForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

/// The page's proposal form: the kind as `system|kind` in one select.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProposalPageForm {
    pub kind: String,
    pub level: String,
    pub member: String,
    pub org: String,
    pub citation: String,
    pub proposed_on: String,
}

pub async fn propose(
    State(state): State<AppState>,
    form: SessionForm<ProposalPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let (system, kind) = form.kind.split_once('|').unwrap_or(("", ""));
    let service_form = ProposalForm {
        system: system.to_owned(),
        kind: kind.to_owned(),
        level: form.level,
        member: form.member,
        org: form.org,
        citation: form.citation,
        proposed_on: form.proposed_on,
    };
    match state
        .services
        .propose_commendation(&session.actor, &service_form)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/care/commendations/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(mut errors) | ServiceError::Conflict(mut errors)) => {
            if let Some(message) = errors.get("system").map(str::to_owned) {
                errors.add("kind", message);
            }
            let page = commendations_page(&state, &session.actor, 1, service_form, errors).await?;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "care_commendation.html")]
struct CommendationPage {
    layout: Layout,
    c: CommendationRow,
    line: CommendationLine,
    can_decide: bool,
    kept: Kept,
    saved: bool,
}

async fn commendation_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<CommendationPage, PageError> {
    let c = state.services.commendation(actor, id).await?;
    Ok(CommendationPage {
        layout: layout(actor, "表彰奖励").crumb(c.kind.clone(), None),
        line: CommendationLine::from(&c),
        can_decide: actor.permits(Permission::ApproveHonours)
            && c.status == CommendationStatus::Proposed,
        c,
        kept,
        saved,
    })
}

pub async fn commendation(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved"));
    render(&commendation_page(&state, &session.actor, id, Kept::default(), saved).await?)
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<DecisionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .decide_commendation(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/care/commendations/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "decide",
                values: vec![
                    ("decision".to_owned(), form.decision),
                    ("decided_on".to_owned(), form.decided_on),
                    ("approver".to_owned(), form.approver),
                    ("note".to_owned(), form.note),
                ],
                errors,
            };
            render_invalid(&commendation_page(&state, &session.actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "care_visits.html")]
struct VisitsPage {
    layout: Layout,
    visits: Vec<VisitRow>,
    page: u32,
    has_next: bool,
    occasions: Vec<(&'static str, &'static str)>,
    form: VisitForm,
    errors: FieldErrors,
}

impl VisitsPage {
    fn occasion(&self, code: &str) -> &'static str {
        Occasion::from_code(code).map_or("", Occasion::label)
    }
}

async fn visits_page(
    state: &AppState,
    actor: &Actor,
    number: u32,
    form: VisitForm,
    errors: FieldErrors,
) -> Result<VisitsPage, PageError> {
    let page = Page {
        number: number.max(1),
        size: PAGE_SIZE,
    };
    let (visits, total) = state.services.visits(actor, None, page).await?;
    Ok(VisitsPage {
        layout: layout(actor, "走访慰问"),
        visits,
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        page: page.number,
        occasions: Occasion::ALL
            .iter()
            .map(|o| (o.code(), o.label()))
            .collect(),
        form,
        errors,
    })
}

pub async fn visits(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: PageQuery = query(raw.as_deref())?;
    let page = visits_page(
        &state,
        &session.actor,
        q.page,
        VisitForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn record_visit(
    State(state): State<AppState>,
    form: SessionForm<VisitForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.record_visit(&session.actor, &form).await {
        Ok(_) => Ok(Redirect::to("/care/visits?saved=1").into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&visits_page(&state, &session.actor, 1, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "care_hardship.html")]
struct HardshipListPage {
    layout: Layout,
    cases: Vec<HardshipRow>,
    kinds: Vec<(&'static str, &'static str)>,
    form: HardshipForm,
    errors: FieldErrors,
}

fn kind_label(code: &str) -> &'static str {
    HardshipKind::from_code(code).map_or("", HardshipKind::label)
}

impl HardshipListPage {
    fn kind(&self, code: &str) -> &'static str {
        kind_label(code)
    }
}

async fn hardship_list(
    state: &AppState,
    actor: &Actor,
    form: HardshipForm,
    errors: FieldErrors,
) -> Result<HardshipListPage, PageError> {
    Ok(HardshipListPage {
        layout: layout(actor, "困难党员帮扶"),
        cases: state.services.hardship_cases(actor).await?,
        kinds: HardshipKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        form,
        errors,
    })
}

pub async fn hardship(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let page = hardship_list(
        &state,
        &session.actor,
        HardshipForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn register_hardship(
    State(state): State<AppState>,
    form: SessionForm<HardshipForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .register_hardship(&session.actor, &form)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/care/hardship/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&hardship_list(&state, &session.actor, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "care_hardship_case.html")]
struct HardshipCasePage {
    layout: Layout,
    case: HardshipRow,
    kind: &'static str,
    follow_ups: Vec<FollowUpRow>,
    kept: Kept,
    saved: bool,
}

async fn hardship_case_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<HardshipCasePage, PageError> {
    let (case, follow_ups) = state.services.hardship_case(actor, id).await?;
    Ok(HardshipCasePage {
        layout: layout(actor, "困难党员帮扶").crumb(case.member_name.clone(), None),
        kind: kind_label(&case.kind),
        case,
        follow_ups,
        kept,
        saved,
    })
}

pub async fn hardship_case(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved"));
    render(&hardship_case_page(&state, &session.actor, id, Kept::default(), saved).await?)
}

pub async fn follow_up(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<FollowUpForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .follow_up_hardship(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/care/hardship/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "follow_up",
                values: vec![
                    ("followed_on".to_owned(), form.followed_on),
                    ("note".to_owned(), form.note),
                    ("amount".to_owned(), form.amount),
                ],
                errors,
            };
            render_invalid(&hardship_case_page(&state, &session.actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<CloseForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .close_hardship(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/care/hardship/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "close",
                values: vec![
                    ("closed_on".to_owned(), form.closed_on),
                    ("note".to_owned(), form.note),
                ],
                errors,
            };
            render_invalid(&hardship_case_page(&state, &session.actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}
