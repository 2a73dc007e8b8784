//! The responsibility system over the API: an org's responsibility list and work plans with
//! their tasks, a task with its sub-tasks and reports, adding to each, and the secretary's
//! duty-report pack.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::Datelike;
use dangjian_core::duty::TaskState;
use dangjian_service::duty::{DutyForm, PlanForm, TaskForm, TaskReportForm, TaskView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, CreatedJson, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct YearQuery {
    /// Defaults to this year.
    pub year: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyJson {
    pub id: i64,
    /// `primary_responsibility`, `first_responsible` or `dual_duty`.
    pub kind: String,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub content: String,
    /// The tasks that carry it out.
    pub task_ids: Vec<i64>,
}

fn duty_json(d: &dangjian_service::duty::DutyRow) -> DutyJson {
    DutyJson {
        id: d.id,
        kind: d.kind.code().to_owned(),
        member_id: d.member_id,
        member_name: d.member_name.clone(),
        content: d.content.clone(),
        task_ids: d.task_ids.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskJson {
    pub id: i64,
    pub plan_id: i64,
    pub parent_id: Option<i64>,
    pub org_id: i64,
    pub org_name: String,
    pub person_member_id: Option<i64>,
    pub person_name: Option<String>,
    pub title: String,
    #[schema(format = Date)]
    pub starts_on: String,
    #[schema(format = Date)]
    pub deadline: String,
    #[schema(format = Date)]
    pub done_on: Option<String>,
    /// `not_started`, `in_progress`, `due_soon`, `overdue` or `done`.
    pub state: String,
    /// `green`, `yellow`, `red`, or null.
    pub colour: Option<String>,
}

fn task_json(t: &TaskView) -> TaskJson {
    TaskJson {
        id: t.task.id,
        plan_id: t.task.plan_id,
        parent_id: t.task.parent_id,
        org_id: t.task.org_id,
        org_name: t.task.org_name.clone(),
        person_member_id: t.task.person_member_id,
        person_name: t.task.person_name.clone(),
        title: t.task.title.clone(),
        starts_on: view::date(t.task.starts_on),
        deadline: view::date(t.task.deadline),
        done_on: t.task.done_on.map(view::date),
        state: t.state.code().to_owned(),
        colour: t.colour.map(|c| c.code().to_owned()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanJson {
    pub id: i64,
    pub title: String,
    /// Every task of the plan, parents before their children.
    pub tasks: Vec<TaskJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardJson {
    pub org_id: i64,
    pub year: i32,
    pub duties: Vec<DutyJson>,
    pub plans: Vec<PlanJson>,
    /// Tasks the org owns in plans of orgs above it.
    pub received: Vec<TaskJson>,
}

/// An org's responsibility list and its work plans of a year.
#[utoipa::path(get, path = "/orgs/{id}/duties", tag = "duty", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = BoardJson), (status = 404, body = ApiErrorBody)))]
pub async fn board(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<BoardJson>, ApiError> {
    let q: YearQuery = api_query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    let b = state.services.duty_board(&actor, id, year).await?;
    Ok(Json(BoardJson {
        org_id: b.org.id,
        year,
        duties: b.duties.iter().map(duty_json).collect(),
        plans: b
            .plans
            .iter()
            .map(|(p, tasks)| PlanJson {
                id: p.id,
                title: p.title.clone(),
                tasks: tasks.iter().map(task_json).collect(),
            })
            .collect(),
        received: b.received.iter().map(task_json).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DutyInput {
    /// `primary_responsibility`, `first_responsible` (the org's secretary) or `dual_duty`
    /// (a member of its committee).
    #[schema(pattern = r"^(primary_responsibility|first_responsible|dual_duty)$")]
    pub kind: String,
    /// 警号 of the person (not for primary responsibility).
    #[serde(default)]
    pub police_number: String,
    pub content: String,
}

/// Adds an item to an org's responsibility list.
#[utoipa::path(post, path = "/orgs/{id}/duties", tag = "duty", params(("id" = i64, Path)),
    request_body = DutyInput,
    responses((status = 201, body = CreatedJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_duty(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DutyInput>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let form = DutyForm {
        kind: i.kind,
        police_number: i.police_number,
        content: i.content,
    };
    let id = state.services.add_duty(&actor, id, &form).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlanInput {
    pub year: i32,
    pub title: String,
}

/// Starts an org's annual work plan.
#[utoipa::path(post, path = "/orgs/{id}/work-plans", tag = "duty", params(("id" = i64, Path)),
    request_body = PlanInput,
    responses((status = 201, body = CreatedJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PlanInput>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let form = PlanForm {
        year: i.year.to_string(),
        title: i.title,
    };
    let id = state.services.create_work_plan(&actor, id, &form).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TaskInput {
    pub title: String,
    /// 警号 of the person responsible (optional).
    pub person: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub starts_on: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub deadline: String,
    /// One milestone a line: `YYYY-MM-DD 内容`.
    pub milestones: String,
    /// Codes of orgs below the owner to issue the task to, each keeping its own progress.
    pub orgs: String,
    /// An item of the owner's responsibility list the task carries out.
    pub duty: Option<i64>,
}

impl From<TaskInput> for TaskForm {
    fn from(i: TaskInput) -> Self {
        TaskForm {
            title: i.title,
            person: i.person,
            starts_on: i.starts_on,
            deadline: i.deadline,
            milestones: i.milestones,
            orgs: i.orgs,
            duty: i.duty,
        }
    }
}

/// Adds a task to a work plan (and issues it to the named orgs below).
#[utoipa::path(post, path = "/work-plans/{id}/tasks", tag = "duty", params(("id" = i64, Path)),
    request_body = TaskInput,
    responses((status = 201, body = CreatedJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<TaskInput>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let id = state.services.add_task(&actor, id, None, &i.into()).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportJson {
    pub note: String,
    pub finished: bool,
    pub login: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetailJson {
    pub task: TaskJson,
    pub plan_title: String,
    /// (day, content) of each milestone.
    pub milestones: Vec<(String, String)>,
    /// The tasks below it in the caller's scope, each with its own progress.
    pub children: Vec<TaskJson>,
    pub reports: Vec<ReportJson>,
    pub duties: Vec<DutyJson>,
}

async fn task_detail(
    state: &AppState,
    actor: &dangjian_service::Actor,
    id: i64,
) -> Result<TaskDetailJson, ApiError> {
    let d = state.services.task(actor, id).await?;
    Ok(TaskDetailJson {
        task: task_json(&d.view),
        plan_title: d.view.task.plan_title.clone(),
        milestones: d
            .milestones
            .iter()
            .map(|m| (view::date(m.due_on), m.content.clone()))
            .collect(),
        children: d.children.iter().map(task_json).collect(),
        reports: d
            .reports
            .iter()
            .map(|r| ReportJson {
                note: r.note.clone(),
                finished: r.finished,
                login: r.login.clone(),
                at: r.at.to_rfc3339(),
            })
            .collect(),
        duties: d.duties.iter().map(duty_json).collect(),
    })
}

/// A task with its roadmap, sub-tasks, reports and the duties it carries out.
#[utoipa::path(get, path = "/tasks/{id}", tag = "duty", params(("id" = i64, Path)),
    responses((status = 200, body = TaskDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TaskDetailJson>, ApiError> {
    Ok(Json(task_detail(&state, &actor, id).await?))
}

/// Breaks a task down, or issues it to orgs below.
#[utoipa::path(post, path = "/tasks/{id}/tasks", tag = "duty", params(("id" = i64, Path)),
    request_body = TaskInput,
    responses((status = 201, body = TaskDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_sub_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<TaskInput>,
) -> Result<(StatusCode, Json<TaskDetailJson>), ApiError> {
    let plan = state.services.task(&actor, id).await?.view.task.plan_id;
    state
        .services
        .add_task(&actor, plan, Some(id), &i.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(task_detail(&state, &actor, id).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TaskReportInput {
    pub note: String,
    /// The task is finished with this report.
    pub finished: bool,
}

/// Reports progress on a task.
#[utoipa::path(post, path = "/tasks/{id}/reports", tag = "duty", params(("id" = i64, Path)),
    request_body = TaskReportInput,
    responses((status = 201, body = TaskDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<TaskReportInput>,
) -> Result<(StatusCode, Json<TaskDetailJson>), ApiError> {
    let form = TaskReportForm {
        note: i.note,
        finished: i.finished,
    };
    state.services.report_task(&actor, id, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(task_detail(&state, &actor, id).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LinkInput {
    pub task_id: i64,
}

/// Links an item of a responsibility list to a task that carries it out.
#[utoipa::path(post, path = "/duties/{id}/tasks", tag = "duty", params(("id" = i64, Path)),
    request_body = LinkInput,
    responses((status = 201, body = TaskDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<LinkInput>,
) -> Result<(StatusCode, Json<TaskDetailJson>), ApiError> {
    state.services.link_duty(&actor, id, i.task_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(task_detail(&state, &actor, i.task_id).await?),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyReportJson {
    pub org_id: i64,
    pub year: i32,
    pub secretary: Option<String>,
    pub duties: Vec<DutyJson>,
    pub tasks: Vec<TaskJson>,
    /// Tasks by state code.
    pub task_counts: std::collections::BTreeMap<String, usize>,
    /// Rectification items of the org and the orgs below, by state code.
    pub rectification: std::collections::BTreeMap<String, i64>,
    /// The org's own organisational life for the year, national requirements apart from the
    /// bureau's own.
    pub org_life: Option<super::orglife::TallyJson>,
}

/// The secretary's annual duty-report pack (抓党建述职), assembled from the records.
#[utoipa::path(get, path = "/orgs/{id}/duty-report", tag = "duty", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = DutyReportJson), (status = 404, body = ApiErrorBody)))]
pub async fn duty_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<DutyReportJson>, ApiError> {
    let q: YearQuery = api_query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    let r = state.services.duty_report(&actor, id, year).await?;
    Ok(Json(DutyReportJson {
        org_id: r.org.id,
        year,
        secretary: r.secretary.clone(),
        duties: r.duties.iter().map(duty_json).collect(),
        tasks: r.tasks.iter().map(task_json).collect(),
        task_counts: TaskState::ALL
            .iter()
            .map(|s| {
                (
                    s.code().to_owned(),
                    r.task_counts.get(s).copied().unwrap_or(0),
                )
            })
            .collect(),
        rectification: r
            .rectification
            .0
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect(),
        org_life: r.org_life.map(super::orglife::tally_json),
    }))
}
