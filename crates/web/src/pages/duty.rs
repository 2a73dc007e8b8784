//! 责任落实: an org's responsibility list and annual work plans with their tasks, a task's page
//! with its roadmap, sub-tasks and progress, and the secretary's duty-report pack.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use dangjian_core::duty::{DutyKind, TaskState};
use dangjian_core::rectification::State as ItemState;
use dangjian_service::duty::{DutyForm, PlanForm, TaskForm, TaskReportForm, TaskView};
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::rectification::colour_class;
use super::{Kept, Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
use crate::view;

const AREA: &str = "/duty";

/// The colour class of a task's state.
fn task_class(state: TaskState) -> &'static str {
    match state {
        TaskState::Done => "ok",
        TaskState::DueSoon => "warn",
        TaskState::Overdue => "bad",
        TaskState::NotStarted | TaskState::InProgress => "none",
    }
}

struct TaskLine {
    id: i64,
    depth: usize,
    title: String,
    org_name: String,
    person: String,
    timetable: String,
    state: &'static str,
    class: &'static str,
    colour: Option<(&'static str, &'static str)>,
}

fn task_line(t: &TaskView, depth: usize) -> TaskLine {
    TaskLine {
        id: t.task.id,
        depth,
        title: t.task.title.clone(),
        org_name: t.task.org_name.clone(),
        person: t.task.person_name.clone().unwrap_or_default(),
        timetable: format!(
            "{} 至 {}",
            view::date(t.task.starts_on),
            view::date(t.task.deadline)
        ),
        state: t.state.label(),
        class: task_class(t.state),
        colour: t.colour.map(|c| (c.label(), colour_class(c))),
    }
}

/// Each task's depth below the plan, for indenting (parents come before their children).
fn with_depth(tasks: &[TaskView]) -> Vec<TaskLine> {
    let mut depth: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    tasks
        .iter()
        .map(|t| {
            let d = t
                .task
                .parent_id
                .and_then(|p| depth.get(&p))
                .map_or(0, |d| d + 1);
            depth.insert(t.task.id, d);
            task_line(t, d)
        })
        .collect()
}

struct DutyLine {
    kind: &'static str,
    person: String,
    content: String,
    tasks: Vec<i64>,
}

#[derive(Template)]
#[template(path = "duty_board.html")]
struct BoardPage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    year: i32,
    duties: Vec<(&'static str, Vec<DutyLine>)>,
    duty_options: Vec<(String, String)>,
    plans: Vec<(i64, String, Vec<TaskLine>)>,
    received: Vec<TaskLine>,
    kinds: Vec<(&'static str, &'static str)>,
    can_edit: bool,
    /// The plan whose task form was refused.
    failed_plan: i64,
    kept: Kept,
}

impl BoardPage {
    /// What was typed into the new-plan form, when it was refused (a refused task form of a
    /// plan shares its name and fields).
    fn pv(&self, name: &str) -> &str {
        if self.failed_plan == 0 {
            self.kept.v("plans", name)
        } else {
            ""
        }
    }

    /// The refusal at a field of the new-plan form.
    fn pe(&self, field: &str) -> Option<&str> {
        if self.failed_plan == 0 {
            self.kept.err("plans", field)
        } else {
            None
        }
    }

    /// What was typed into the task form of `plan`, when that form was refused.
    fn tv(&self, plan: &i64, name: &str) -> &str {
        if *plan == self.failed_plan {
            self.kept.v("plans", name)
        } else {
            ""
        }
    }

    /// The refusal at a field of the task form of `plan`.
    fn te(&self, plan: &i64, field: &str) -> Option<&str> {
        if *plan == self.failed_plan {
            self.kept.err("plans", field)
        } else {
            None
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct YearQuery {
    year: String,
    saved: String,
}

fn year_of(state: &AppState, raw: &str) -> Result<i32, PageError> {
    if raw.trim().is_empty() {
        return Ok(state.services.clock().today().year());
    }
    raw.trim()
        .parse()
        .map_err(|_| PageError::BadRequest("年份无效".to_owned()))
}

pub async fn home(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    match state.services.home_org(&session.actor).await? {
        Some(id) => Ok(Redirect::to(&format!("/orgs/{id}/duty")).into_response()),
        None => Err(PageError::from(ServiceError::NotFound)),
    }
}

async fn board_page(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    year: i32,
    notice: Option<&str>,
    failed_plan: i64,
    kept: Kept,
) -> Result<BoardPage, PageError> {
    let b = state.services.duty_board(actor, org_id, year).await?;
    let layout = Layout::new(
        actor,
        AREA,
        format!("{} {}年责任清单与工作任务", b.org.name, year),
    )
    .crumb("责任落实", Some(AREA.to_owned()))
    .crumb(b.org.name.clone(), None)
    .notice(notice);
    let duties = DutyKind::ALL
        .iter()
        .map(|k| {
            let lines = b
                .duties
                .iter()
                .filter(|d| d.kind == *k)
                .map(|d| DutyLine {
                    kind: d.kind.label(),
                    person: d.member_name.clone().unwrap_or_default(),
                    content: d.content.clone(),
                    tasks: d.task_ids.clone(),
                })
                .collect();
            (k.label(), lines)
        })
        .collect();
    Ok(BoardPage {
        layout,
        org_id: b.org.id,
        org_name: b.org.name.clone(),
        year,
        duty_options: b
            .duties
            .iter()
            .map(|d| {
                let short: String = d.content.chars().take(30).collect();
                (d.id.to_string(), format!("{}：{}", d.kind.label(), short))
            })
            .collect(),
        duties,
        plans: b
            .plans
            .iter()
            .map(|(p, tasks)| (p.id, p.title.clone(), with_depth(tasks)))
            .collect(),
        received: b.received.iter().map(|t| task_line(t, 0)).collect(),
        kinds: DutyKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        can_edit: b.can_edit,
        failed_plan,
        kept,
    })
}

pub async fn board(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let year = year_of(&state, &q.year)?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    let page = board_page(&state, &session.actor, id, year, notice, 0, Kept::default()).await?;
    render(&page)
}

/// Back to the board, or the board again with the refused form kept.
#[allow(clippy::too_many_arguments)]
async fn after_board(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    year: i32,
    result: Result<(), ServiceError>,
    active: &'static str,
    failed_plan: i64,
    values: Vec<(String, String)>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/orgs/{org_id}/duty?year={year}&saved=1#{active}"))
                .into_response(),
        ),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active,
                values,
                errors,
            };
            let page = board_page(state, actor, org_id, year, None, failed_plan, kept).await?;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DutyPageForm {
    year: String,
    kind: String,
    police_number: String,
    content: String,
}

pub async fn add_duty(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<DutyPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let year = year_of(&state, &form.year)?;
    let service_form = DutyForm {
        kind: form.kind.clone(),
        police_number: form.police_number.clone(),
        content: form.content.clone(),
    };
    let result = state
        .services
        .add_duty(&session.actor, id, &service_form)
        .await
        .map(|_| ());
    let kept = vec![
        ("kind".to_owned(), form.kind),
        ("police_number".to_owned(), form.police_number),
        ("content".to_owned(), form.content),
    ];
    after_board(&state, &session.actor, id, year, result, "duties", 0, kept).await
}

pub async fn add_plan(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<PlanForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let year = year_of(&state, &form.year)?;
    let result = state
        .services
        .create_work_plan(&session.actor, id, &form)
        .await
        .map(|_| ());
    let kept = vec![("title".to_owned(), form.title)];
    after_board(&state, &session.actor, id, year, result, "plans", 0, kept).await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TaskPageForm {
    title: String,
    person: String,
    starts_on: String,
    deadline: String,
    milestones: String,
    orgs: String,
    duty: String,
}

impl TaskPageForm {
    fn service(&self) -> Result<TaskForm, PageError> {
        Ok(TaskForm {
            title: self.title.clone(),
            person: self.person.clone(),
            starts_on: self.starts_on.clone(),
            deadline: self.deadline.clone(),
            milestones: self.milestones.clone(),
            orgs: self.orgs.clone(),
            duty: match self.duty.trim() {
                "" => None,
                d => Some(
                    d.parse()
                        .map_err(|_| PageError::BadRequest("责任事项无效".to_owned()))?,
                ),
            },
        })
    }

    fn kept(self) -> Vec<(String, String)> {
        vec![
            ("title".to_owned(), self.title),
            ("person".to_owned(), self.person),
            ("starts_on".to_owned(), self.starts_on),
            ("deadline".to_owned(), self.deadline),
            ("milestones".to_owned(), self.milestones),
            ("orgs".to_owned(), self.orgs),
            ("duty".to_owned(), self.duty),
        ]
    }
}

/// Adds a task to a plan; the board of the plan's org comes back.
pub async fn add_task(
    State(state): State<AppState>,
    Path(plan): Path<i64>,
    form: SessionForm<TaskPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let (org_id, year) = state.services.work_plan_org(&session.actor, plan).await?;
    let result = state
        .services
        .add_task(&session.actor, plan, None, &form.service()?)
        .await
        .map(|_| ());
    let anchor = "plans";
    after_board(
        &state,
        &session.actor,
        org_id,
        year,
        result,
        anchor,
        plan,
        form.kept(),
    )
    .await
}

struct ReportLine {
    note: String,
    finished: bool,
    login: String,
    at: String,
}

#[derive(Template)]
#[template(path = "task_detail.html")]
struct TaskPage {
    layout: Layout,
    task: TaskLine,
    plan_title: String,
    milestones: Vec<(String, String)>,
    children: Vec<TaskLine>,
    reports: Vec<ReportLine>,
    duties: Vec<(&'static str, String)>,
    /// Items it could still be linked to: (id, label).
    other_duties: Vec<(String, String)>,
    can_report: bool,
    can_break_down: bool,
    kept: Kept,
}

async fn task_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    kept: Kept,
) -> Result<TaskPage, PageError> {
    let d = state.services.task(actor, id).await?;
    let t = &d.view.task;
    let mut layout =
        Layout::new(actor, AREA, t.title.clone()).crumb("责任落实", Some(AREA.to_owned()));
    if actor.scope.covers_org(&t.org_path) {
        layout = layout.crumb(
            t.org_name.clone(),
            Some(format!("/orgs/{}/duty?year={}", t.org_id, t.year)),
        );
    }
    Ok(TaskPage {
        layout: layout.crumb("任务", None).notice(notice),
        task: task_line(&d.view, 0),
        plan_title: t.plan_title.clone(),
        milestones: d
            .milestones
            .iter()
            .map(|m| (view::date(m.due_on), m.content.clone()))
            .collect(),
        children: d.children.iter().map(|c| task_line(c, 0)).collect(),
        reports: d
            .reports
            .iter()
            .map(|r| ReportLine {
                note: r.note.clone(),
                finished: r.finished,
                login: r.login.clone(),
                at: view::instant(r.at),
            })
            .collect(),
        duties: d
            .duties
            .iter()
            .map(|x| (x.kind.label(), x.content.clone()))
            .collect(),
        other_duties: d
            .other_duties
            .iter()
            .map(|x| {
                let short: String = x.content.chars().take(30).collect();
                (x.id.to_string(), format!("{}：{}", x.kind.label(), short))
            })
            .collect(),
        can_report: d.can_report,
        can_break_down: d.can_break_down,
        kept,
    })
}

pub async fn task(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    render(&task_page(&state, &session.actor, id, notice, Kept::default()).await?)
}

async fn after_task(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    active: &'static str,
    values: Vec<(String, String)>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/tasks/{id}?saved=1#{active}")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active,
                values,
                errors,
            };
            render_invalid(&task_page(state, actor, id, None, kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// Breaks a task down, or issues it to orgs below.
pub async fn add_sub_task(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<TaskPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let detail = state.services.task(&session.actor, id).await?;
    let result = state
        .services
        .add_task(
            &session.actor,
            detail.view.task.plan_id,
            Some(id),
            &form.service()?,
        )
        .await
        .map(|_| ());
    after_task(&state, &session.actor, id, result, "children", form.kept()).await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ReportPageForm {
    note: String,
    finished: String,
}

pub async fn report(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ReportPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let service_form = TaskReportForm {
        note: form.note.clone(),
        finished: !form.finished.is_empty(),
    };
    let result = state
        .services
        .report_task(&session.actor, id, &service_form)
        .await;
    let kept = vec![("note".to_owned(), form.note)];
    after_task(&state, &session.actor, id, result, "reports", kept).await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LinkPageForm {
    duty: String,
}

/// Links the task to an item of a responsibility list it carries out.
pub async fn link_duty(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<LinkPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = match form.duty.trim().parse() {
        Ok(duty) => state.services.link_duty(&session.actor, duty, id).await,
        Err(_) => Err(ServiceError::invalid("duty", "请选择责任事项")),
    };
    let kept = vec![("duty".to_owned(), form.duty)];
    after_task(&state, &session.actor, id, result, "duties", kept).await
}

#[derive(Template)]
#[template(path = "duty_report.html")]
struct ReportPage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    year: i32,
    secretary: String,
    duties: Vec<DutyLine>,
    task_counts: Vec<(&'static str, usize)>,
    tasks: Vec<TaskLine>,
    rectification: Vec<(&'static str, i64)>,
    open_items: Vec<(i64, String, String, &'static str, String)>,
    /// The year's organisational life in words.
    org_life: Option<String>,
}

/// The secretary's duty-report pack (抓党建述职), assembled from the records.
pub async fn duty_report(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let year = year_of(&state, &q.year)?;
    let r = state.services.duty_report(actor, id, year).await?;
    let title = format!("{} {}年抓党建工作述职材料", r.org.name, year);
    render(&ReportPage {
        layout: Layout::new(actor, AREA, title)
            .crumb("责任落实", Some(AREA.to_owned()))
            .crumb(
                r.org.name.clone(),
                Some(format!("/orgs/{id}/duty?year={year}")),
            )
            .crumb("述职材料", None),
        org_id: r.org.id,
        org_name: r.org.name.clone(),
        year,
        secretary: r.secretary.clone().unwrap_or_else(|| "（空缺）".to_owned()),
        duties: r
            .duties
            .iter()
            .map(|d| DutyLine {
                kind: d.kind.label(),
                person: d.member_name.clone().unwrap_or_default(),
                content: d.content.clone(),
                tasks: d.task_ids.clone(),
            })
            .collect(),
        task_counts: TaskState::ALL
            .iter()
            .map(|s| (s.label(), r.task_counts.get(s).copied().unwrap_or(0)))
            .collect(),
        tasks: r.tasks.iter().map(|t| task_line(t, 0)).collect(),
        rectification: ItemState::ALL
            .iter()
            .map(|s| (s.label(), r.rectification.get(*s)))
            .collect(),
        open_items: r
            .open_items
            .iter()
            .map(|i| {
                (
                    i.id,
                    i.problem.clone(),
                    i.org_name.clone(),
                    i.state.label(),
                    view::date(i.due_on),
                )
            })
            .collect(),
        org_life: r.org_life.map(|t| t.to_string()),
    })
}

pub async fn duty_report_docx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let year = year_of(&state, &q.year)?;
    let bytes = state
        .services
        .duty_report_docx(&session.actor, id, year)
        .await?;
    let org = state.services.org_name(&session.actor, id).await?;
    Ok(super::download(
        &format!("{org}-抓党建述职材料-{year}年.docx"),
        "duty-report.docx",
        super::DOCX.to_owned(),
        bytes,
    ))
}
