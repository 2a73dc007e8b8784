//! 整改: each person's to-do list by colour, the committee's overview, inspections with their
//! findings, and an item's page with cause, measures, progress with evidence, claim,
//! acceptance and reopening.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_core::rectification::{Colour, FindingCategory, State as ItemState};
use dangjian_core::role::Permission;
use dangjian_service::rectification::{
    CauseForm, Counts, DecisionForm, FindingForm, InspectionForm, ItemView, LEDGER_HEADINGS,
    MeasureForm, ReportForm,
};
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::{Kept, Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
use crate::view;

const AREA: &str = "/rectification";

/// The colour class of a state.
pub fn state_class(state: ItemState) -> &'static str {
    match state {
        ItemState::Closed => "ok",
        ItemState::AwaitingAcceptance | ItemState::DueSoon => "warn",
        ItemState::Overdue | ItemState::Reopened => "bad",
        ItemState::NotStarted | ItemState::InProgress => "none",
    }
}

/// The class of an escalation colour.
pub fn colour_class(colour: Colour) -> &'static str {
    match colour {
        Colour::Green => "green",
        Colour::Yellow => "yellow",
        Colour::Red => "red",
    }
}

/// An item as a line of a table.
struct ItemLine {
    id: i64,
    inspection_id: i64,
    inspection: String,
    position: i64,
    problem: String,
    category: &'static str,
    org_name: String,
    state: &'static str,
    class: &'static str,
    deadline: String,
    due_on: String,
    /// The assigned org still owes work (the clock runs).
    open: bool,
    colour: Option<(&'static str, &'static str)>,
}

fn line(i: &ItemView) -> ItemLine {
    ItemLine {
        id: i.id,
        inspection_id: i.inspection_id,
        inspection: i.inspection_title.clone(),
        position: i.finding_position,
        problem: i.problem.clone(),
        category: i.category.label(),
        org_name: i.org_name.clone(),
        state: i.state.label(),
        class: state_class(i.state),
        deadline: view::date(i.deadline),
        due_on: view::date(i.due_on),
        open: i.stage.is_open(),
        colour: i.colour.map(|c| (c.label(), colour_class(c))),
    }
}

/// A row of counts by state: (label, class, count) in the order of the states, and the total.
struct CountRow {
    label: String,
    cells: Vec<(&'static str, &'static str, i64)>,
    total: i64,
}

fn count_row(label: impl Into<String>, c: &Counts) -> CountRow {
    CountRow {
        label: label.into(),
        cells: ItemState::ALL
            .iter()
            .map(|s| (s.label(), state_class(*s), c.get(*s)))
            .collect(),
        total: c.total(),
    }
}

struct MeasureLine {
    item_id: i64,
    content: String,
    deadline: String,
    colour: (&'static str, &'static str),
    role: &'static str,
}

#[derive(Template)]
#[template(path = "rect_home.html")]
struct HomePage {
    layout: Layout,
    can_rectify: bool,
    green_days: u32,
    yellow_days: u32,
    measures: Vec<MeasureLine>,
    tasks: Vec<(i64, String, String, (&'static str, &'static str))>,
    as_secretary: Vec<ItemLine>,
    to_accept: Vec<ItemLine>,
    due: Vec<ItemLine>,
}

pub async fn home(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let actor = &session.actor;
    let todo = state.services.rectification_todo(actor).await?;
    let layout = Layout::new(actor, AREA, "整改落实").crumb("整改落实", None);
    render(&HomePage {
        layout,
        can_rectify: actor.permits(Permission::Rectify),
        green_days: state.services.rules().escalation.green_days_before,
        yellow_days: state.services.rules().escalation.yellow_days_before,
        measures: todo
            .measures
            .iter()
            .map(|m| MeasureLine {
                item_id: m.item_id,
                content: m.content.clone(),
                deadline: view::date(m.deadline),
                colour: (m.colour.label(), colour_class(m.colour)),
                role: m.as_.label(),
            })
            .collect(),
        tasks: todo
            .tasks
            .iter()
            .map(|t| {
                (
                    t.task_id,
                    t.title.clone(),
                    view::date(t.deadline),
                    (t.colour.label(), colour_class(t.colour)),
                )
            })
            .collect(),
        as_secretary: todo.as_secretary.iter().map(line).collect(),
        to_accept: todo.to_accept.iter().map(line).collect(),
        due: todo.due.iter().map(line).collect(),
    })
}

#[derive(Template)]
#[template(path = "rect_overview.html")]
struct OverviewPage {
    layout: Layout,
    root_name: String,
    /// The org one level up, to climb back (none at the top of the actor's scope).
    up: Option<i64>,
    states: Vec<&'static str>,
    total: CountRow,
    /// Each org below (its id, to drill into it; the root's own line has none) and counts.
    by_org: Vec<(Option<i64>, CountRow)>,
    by_category: Vec<CountRow>,
    overdue: Vec<ItemLine>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OverviewQuery {
    org: String,
}

pub async fn overview(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: OverviewQuery = query(raw.as_deref())?;
    let under = match q.org.trim() {
        "" => None,
        id => Some(
            id.parse()
                .map_err(|_| PageError::BadRequest("组织编号无效".to_owned()))?,
        ),
    };
    let o = state.services.rectification_overview(actor, under).await?;
    let layout = Layout::new(actor, AREA, format!("整改总览 · {}", o.root.name))
        .crumb("整改落实", Some(AREA.to_owned()))
        .crumb("整改总览", None);
    render(&OverviewPage {
        layout,
        root_name: o.root.name.clone(),
        up: if o.at_top { None } else { o.root.parent_id },
        states: ItemState::ALL.iter().map(|s| s.label()).collect(),
        total: count_row("合计", &o.by_state),
        by_org: o
            .by_org
            .iter()
            .map(|(id, name, c)| {
                (
                    (*id != o.root.id).then_some(*id),
                    count_row(name.clone(), c),
                )
            })
            .collect(),
        by_category: o
            .by_category
            .iter()
            .map(|(cat, c)| count_row(cat.label(), c))
            .collect(),
        overdue: o.overdue.iter().map(line).collect(),
    })
}

struct InspectionLine {
    id: i64,
    title: String,
    inspector: String,
    org_name: String,
    feedback_ref: String,
    feedback_on: String,
    total: i64,
    closed: i64,
    overdue: i64,
    awaiting: i64,
}

#[derive(Template)]
#[template(path = "inspection_list.html")]
struct ListPage {
    layout: Layout,
    can_create: bool,
    inspections: Vec<InspectionLine>,
}

pub async fn list(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let actor = &session.actor;
    let list = state.services.inspections(actor).await?;
    let layout = Layout::new(actor, AREA, "检查反馈")
        .crumb("整改落实", Some(AREA.to_owned()))
        .crumb("检查反馈", None);
    render(&ListPage {
        layout,
        can_create: actor.permits(Permission::Rectify),
        inspections: list
            .iter()
            .map(|(i, c)| InspectionLine {
                id: i.id,
                title: i.title.clone(),
                inspector: i.inspector.clone(),
                org_name: i.org_name.clone(),
                feedback_ref: i.feedback_ref.clone(),
                feedback_on: view::date(i.feedback_on),
                total: c.total(),
                closed: c.get(ItemState::Closed),
                overdue: c.get(ItemState::Overdue),
                awaiting: c.get(ItemState::AwaitingAcceptance),
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "inspection_form.html")]
struct FormPage {
    layout: Layout,
    form: InspectionForm,
    errors: FieldErrors,
}

fn form_page(actor: &Actor, form: InspectionForm, errors: FieldErrors) -> FormPage {
    FormPage {
        layout: Layout::new(actor, AREA, "登记检查反馈")
            .crumb("整改落实", Some(AREA.to_owned()))
            .crumb("检查反馈", Some("/inspections".to_owned()))
            .crumb("登记", None),
        form,
        errors,
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    state
        .services
        .require(actor, Permission::Rectify, "inspection.create")
        .await?;
    render(&form_page(
        actor,
        InspectionForm::default(),
        FieldErrors::new(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    form: SessionForm<InspectionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .create_inspection(&session.actor, &form)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/inspections/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&form_page(&session.actor, form, errors))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "inspection_detail.html")]
struct DetailPage {
    layout: Layout,
    id: i64,
    title: String,
    inspector: String,
    org_name: String,
    period: String,
    scope_note: String,
    feedback_ref: String,
    feedback_on: String,
    /// (id, position, problem, category, counts by state, total).
    findings: Vec<FindingLine>,
    /// The finding whose items are listed, if one was chosen.
    finding: Option<i64>,
    items: Vec<ItemLine>,
    page: u32,
    pages: i64,
    can_add: bool,
    states: Vec<&'static str>,
    categories: Vec<(&'static str, &'static str)>,
    form: FindingForm,
    errors: FieldErrors,
}

struct FindingLine {
    id: i64,
    position: i64,
    problem: String,
    category: &'static str,
    counts: CountRow,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct InspectionQuery {
    saved: String,
    finding: String,
    page: String,
}

/// Items listed a page on an inspection's page.
const ITEMS_PER_PAGE: u32 = 50;

#[allow(clippy::too_many_arguments)]
async fn detail_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    finding: Option<i64>,
    page: u32,
    form: FindingForm,
    errors: FieldErrors,
) -> Result<DetailPage, PageError> {
    let at = dangjian_service::Page {
        number: page,
        size: ITEMS_PER_PAGE,
    };
    let d = state.services.inspection(actor, id, finding, at).await?;
    let i = &d.inspection;
    let layout = Layout::new(actor, AREA, i.title.clone())
        .crumb("整改落实", Some(AREA.to_owned()))
        .crumb("检查反馈", Some("/inspections".to_owned()))
        .crumb(i.title.clone(), None)
        .notice(notice);
    Ok(DetailPage {
        layout,
        id,
        title: i.title.clone(),
        inspector: i.inspector.clone(),
        org_name: i.org_name.clone(),
        period: format!(
            "{} 至 {}",
            view::date(i.inspected_from),
            view::date(i.inspected_to)
        ),
        scope_note: i.scope_note.clone(),
        feedback_ref: i.feedback_ref.clone(),
        feedback_on: view::date(i.feedback_on),
        findings: d
            .findings
            .iter()
            .map(|(f, c)| FindingLine {
                id: f.id,
                position: f.position,
                problem: f.problem.clone(),
                category: f.category.label(),
                counts: count_row(String::new(), c),
            })
            .collect(),
        finding,
        items: d.items.iter().map(line).collect(),
        page,
        pages: view::page_count(d.matching, ITEMS_PER_PAGE),
        can_add: d.can_add_findings,
        states: ItemState::ALL.iter().map(|s| s.label()).collect(),
        categories: FindingCategory::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        form,
        errors,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: InspectionQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    let finding = match q.finding.trim() {
        "" => None,
        f => Some(
            f.parse()
                .map_err(|_| PageError::BadRequest("问题编号无效".to_owned()))?,
        ),
    };
    let number = q.page.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000);
    let page = detail_page(
        &state,
        &session.actor,
        id,
        notice,
        finding,
        number,
        FindingForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn add_finding(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<FindingForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.add_finding(&session.actor, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/inspections/{id}?saved=1#findings")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let page = detail_page(&state, &session.actor, id, None, None, 1, form, errors).await?;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

struct MeasureView {
    id: i64,
    position: i64,
    content: String,
    leader: String,
    org: String,
    person: String,
    deadline: String,
    milestones: Vec<(String, String)>,
    done_on: Option<String>,
    colour: Option<(&'static str, &'static str)>,
}

struct EventView {
    action: &'static str,
    stage: &'static str,
    note: String,
    evidence: String,
    measure: Option<i64>,
    login: String,
    at: String,
    files: Vec<(i64, String)>,
}

fn action_label(action: &str) -> &'static str {
    match action {
        "plan" => "制定整改方案",
        "report" => "报送整改进展",
        "claim" => "申请销号",
        "accept" => "验收通过并销号",
        "return" => "验收退回",
        "reopen" => "回头看重新打开",
        _ => "其他",
    }
}

#[derive(Template)]
#[template(path = "rectification_detail.html")]
struct ItemPage {
    layout: Layout,
    item: ItemLine,
    version: i64,
    closed_on: Option<String>,
    cause: String,
    measures: Vec<MeasureView>,
    open_measures: Vec<(i64, String)>,
    events: Vec<EventView>,
    gaps: Vec<&'static str>,
    can_work: bool,
    can_accept: bool,
    can_reopen: bool,
    /// The measure whose values fill the measure form, when one is being edited.
    editing: Option<i64>,
    kept: Kept,
}

async fn item_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    editing: Option<i64>,
    kept: Kept,
) -> Result<ItemPage, PageError> {
    let d = state.services.rectification(actor, id).await?;
    // Editing an unfinished measure: its values fill the form (unless a refused edit is kept).
    let mut kept = kept;
    if let Some(m) = editing.and_then(|e| {
        d.measures
            .iter()
            .find(|(m, _)| m.id == e && m.done_on.is_none())
    }) && kept.active.is_empty()
    {
        let (m, _) = m;
        let milestones: Vec<String> = m
            .content
            .milestones
            .iter()
            .map(|s| format!("{} {}", view::date(s.due_on), s.content))
            .collect();
        kept.values = vec![
            ("content".to_owned(), m.content.content.clone()),
            ("leader".to_owned(), m.leader_police_number.clone()),
            ("person".to_owned(), m.person_police_number.clone()),
            ("org".to_owned(), m.org_code.clone()),
            ("deadline".to_owned(), view::date(m.content.deadline)),
            ("milestones".to_owned(), milestones.join("\n")),
        ];
    }
    let editing = editing.filter(|e| {
        d.measures
            .iter()
            .any(|(m, _)| m.id == *e && m.done_on.is_none())
    });
    let layout = Layout::new(actor, AREA, format!("整改事项 · {}", d.item.org_name))
        .crumb("整改落实", Some(AREA.to_owned()))
        .crumb(
            d.item.inspection_title.clone(),
            Some(format!("/inspections/{}", d.item.inspection_id)),
        )
        .crumb(format!("问题{}", d.item.finding_position), None)
        .notice(notice);
    let cause = if kept.active == "cause" {
        kept.v("cause", "cause").to_owned()
    } else {
        d.cause.clone().unwrap_or_default()
    };
    Ok(ItemPage {
        layout,
        version: d.item.version,
        closed_on: d.item.closed_on.map(view::date),
        item: line(&d.item),
        cause,
        open_measures: d
            .measures
            .iter()
            .filter(|(m, _)| m.done_on.is_none())
            .map(|(m, _)| (m.id, format!("{}. {}", m.position, m.content.content)))
            .collect(),
        measures: d
            .measures
            .iter()
            .map(|(m, colour)| MeasureView {
                id: m.id,
                position: m.position,
                content: m.content.content.clone(),
                leader: m.leader_name.clone(),
                org: m.org_name.clone(),
                person: m.person_name.clone(),
                deadline: view::date(m.content.deadline),
                milestones: m
                    .content
                    .milestones
                    .iter()
                    .map(|s| (view::date(s.due_on), s.content.clone()))
                    .collect(),
                done_on: m.done_on.map(view::date),
                colour: colour.map(|c| (c.label(), colour_class(c))),
            })
            .collect(),
        events: d
            .events
            .iter()
            .rev()
            .map(|e| EventView {
                action: action_label(&e.action),
                stage: e.stage_after.label(),
                note: e.note.clone().unwrap_or_default(),
                evidence: e.evidence.clone().unwrap_or_default(),
                measure: e.measure_id.and_then(|m| {
                    d.measures
                        .iter()
                        .find(|(x, _)| x.id == m)
                        .map(|(x, _)| x.position)
                }),
                login: e.login.clone(),
                at: view::instant(e.at),
                files: d
                    .files
                    .iter()
                    .filter(|f| f.event_id == e.id)
                    .map(|f| (f.id, f.file_name.clone()))
                    .collect(),
            })
            .collect(),
        gaps: d.claim_gaps.iter().map(|(_, m)| *m).collect(),
        can_work: d.can_work,
        can_accept: d.can_accept,
        can_reopen: d.can_reopen,
        editing,
        kept,
    })
}

pub async fn item(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: ItemQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    let editing = q.edit.trim().parse().ok();
    let page = item_page(&state, &session.actor, id, notice, editing, Kept::default()).await?;
    render(&page)
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ItemQuery {
    saved: String,
    /// A measure to edit.
    edit: String,
}

/// Back to the item's page when the step was taken, or the page again with the refusal at
/// the form's fields and what was typed kept.
async fn after_step(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    active: &'static str,
    values: Vec<(String, String)>,
    editing: Option<i64>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/rectifications/{id}?saved=1#{active}")).into_response())
        }
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active,
                values,
                errors,
            };
            let page = item_page(state, actor, id, None, editing, kept).await?;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

fn version_of(raw: &str) -> Result<i64, PageError> {
    raw.trim()
        .parse()
        .map_err(|_| PageError::BadRequest("缺少整改事项版本号".to_owned()))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CausePageForm {
    version: String,
    cause: String,
}

pub async fn save_cause(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<CausePageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let service_form = CauseForm {
        version: version_of(&form.version)?,
        cause: form.cause.clone(),
    };
    let result = state
        .services
        .save_cause(&session.actor, id, &service_form)
        .await;
    let kept = vec![("cause".to_owned(), form.cause)];
    after_step(&state, &session.actor, id, result, "cause", kept, None).await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MeasurePageForm {
    version: String,
    content: String,
    leader: String,
    org: String,
    person: String,
    deadline: String,
    milestones: String,
}

pub async fn add_measure(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<MeasurePageForm>,
) -> Result<Response, PageError> {
    save_measure(state, id, None, form).await
}

pub async fn update_measure(
    State(state): State<AppState>,
    Path((id, measure)): Path<(i64, i64)>,
    form: SessionForm<MeasurePageForm>,
) -> Result<Response, PageError> {
    save_measure(state, id, Some(measure), form).await
}

async fn save_measure(
    state: AppState,
    id: i64,
    measure: Option<i64>,
    form: SessionForm<MeasurePageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let service_form = MeasureForm {
        version: version_of(&form.version)?,
        content: form.content.clone(),
        leader: form.leader.clone(),
        org: form.org.clone(),
        person: form.person.clone(),
        deadline: form.deadline.clone(),
        milestones: form.milestones.clone(),
    };
    let result = state
        .services
        .save_measure(&session.actor, id, measure, &service_form)
        .await;
    let kept = vec![
        ("content".to_owned(), form.content),
        ("leader".to_owned(), form.leader),
        ("org".to_owned(), form.org),
        ("person".to_owned(), form.person),
        ("deadline".to_owned(), form.deadline),
        ("milestones".to_owned(), form.milestones),
    ];
    after_step(
        &state,
        &session.actor,
        id,
        result,
        "measures",
        kept,
        measure,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct VersionForm {
    version: String,
}

pub async fn delete_measure(
    State(state): State<AppState>,
    Path((id, measure)): Path<(i64, i64)>,
    form: SessionForm<VersionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let version = version_of(&form.version)?;
    let result = state
        .services
        .delete_measure(&session.actor, id, measure, version)
        .await;
    after_step(
        &state,
        &session.actor,
        id,
        result,
        "measures",
        Vec::new(),
        None,
    )
    .await
}

/// Takes a progress report (multipart: the CSRF token, the fields, then up to five files).
pub async fn report(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let mut csrf = None;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut files: Vec<(String, axum::body::Bytes)> = Vec::new();
    let bad = |m: &str| PageError::BadRequest(m.to_owned());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| bad("上传内容无效或过大"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| bad("文件过大或上传中断"))?;
                // A file input left empty sends a part with no name and no bytes.
                if !(file_name.is_empty() && bytes.is_empty()) {
                    files.push((file_name, bytes));
                }
            }
            "csrf" | "version" | "progress" | "evidence" | "finishes" => {
                let text = field.text().await.map_err(|_| bad("上传内容无效"))?;
                if name == "csrf" {
                    csrf = Some(text);
                } else {
                    fields.push((name, text));
                }
            }
            _ => return Err(bad("表单含有不允许的字段")),
        }
    }
    crate::session::check_csrf(&state, actor, csrf.as_deref(), "/rectifications/reports").await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let finishes = get("finishes");
    let form = ReportForm {
        version: version_of(&get("version"))?,
        progress: get("progress"),
        evidence: get("evidence"),
        finishes: if finishes.trim().is_empty() {
            None
        } else {
            Some(finishes.trim().parse().map_err(|_| bad("完成的措施无效"))?)
        },
    };
    let uploads: Vec<dangjian_service::Upload<'_>> = files
        .iter()
        .map(|(name, bytes)| dangjian_service::Upload {
            file_name: name,
            bytes,
        })
        .collect();
    let result = state
        .services
        .report_progress(actor, id, &form, &uploads)
        .await;
    after_step(&state, actor, id, result, "report", fields, None).await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionPageForm {
    version: String,
    decision: String,
    note: String,
    deadline: String,
}

impl DecisionPageForm {
    fn service(&self) -> Result<DecisionForm, PageError> {
        Ok(DecisionForm {
            version: version_of(&self.version)?,
            decision: self.decision.clone(),
            note: self.note.clone(),
            deadline: self.deadline.clone(),
        })
    }

    fn kept(self) -> Vec<(String, String)> {
        vec![
            ("note".to_owned(), self.note),
            ("deadline".to_owned(), self.deadline),
        ]
    }
}

pub async fn claim(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<DecisionPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .claim_rectified(&session.actor, id, &form.service()?)
        .await;
    after_step(
        &state,
        &session.actor,
        id,
        result,
        "claim",
        form.kept(),
        None,
    )
    .await
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<DecisionPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .decide_claim(&session.actor, id, &form.service()?)
        .await;
    after_step(
        &state,
        &session.actor,
        id,
        result,
        "accept",
        form.kept(),
        None,
    )
    .await
}

pub async fn reopen(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<DecisionPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .reopen_rectification(&session.actor, id, &form.service()?)
        .await;
    after_step(
        &state,
        &session.actor,
        id,
        result,
        "reopen",
        form.kept(),
        None,
    )
    .await
}

/// An evidence file, as a download.
pub async fn file(
    State(state): State<AppState>,
    session: Session,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (row, bytes) = state
        .services
        .evidence_file(&session.actor, id, file)
        .await?;
    Ok(super::download(
        &row.file_name,
        "evidence",
        row.content_type,
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "rectification_ledger.html")]
struct LedgerPage {
    layout: Layout,
    id: i64,
    title: String,
    headings: &'static [&'static str],
    rows: Vec<[String; 14]>,
    items: usize,
}

/// The rectification ledger (整改台账) of an inspection, for printing.
pub async fn ledger(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let l = state.services.rectification_ledger(actor, id).await?;
    let title = format!("{} 整改台账", l.inspection.title);
    render(&LedgerPage {
        layout: Layout::new(actor, AREA, title.clone())
            .crumb("整改落实", Some(AREA.to_owned()))
            .crumb(
                l.inspection.title.clone(),
                Some(format!("/inspections/{id}")),
            )
            .crumb("整改台账", None),
        id,
        title,
        headings: &LEDGER_HEADINGS,
        rows: l.rows,
        items: l.items,
    })
}

pub async fn ledger_xlsx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let bytes = state
        .services
        .rectification_ledger_xlsx(&session.actor, id)
        .await?;
    Ok(super::xlsx(bytes, &format!("整改台账-{id}.xlsx")))
}

pub async fn ledger_docx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let bytes = state
        .services
        .rectification_ledger_docx(&session.actor, id)
        .await?;
    Ok(super::download(
        &format!("整改台账-{id}.docx"),
        "ledger.docx",
        super::DOCX.to_owned(),
        bytes,
    ))
}
