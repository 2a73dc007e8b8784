//! `/api/v1/training/…` (issue 15, 4): training classes with sessions, enrolment,
//! attendance and completion, and the secretaries' and committee members' training ledger.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use dangjian_service::study::{
    AttendanceForm, ClassDetail, ClassForm, ClassRow, ClassSessionForm, CloseClassForm, EnrolForm,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{StudyQuery, hours, org_or_home, page, year_or_this};
use crate::AppState;
use crate::api::{ApiJson, ApiPath, api_query};
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ClassInput {
    pub title: String,
    pub organiser: String,
    #[serde(default)]
    pub place: String,
    #[schema(format = Date)]
    pub starts_on: String,
    #[schema(format = Date)]
    pub ends_on: String,
    /// A concentrated training (集中培训): counts toward the leaders' annual one.
    #[serde(default)]
    pub concentrated: bool,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ClassSessionInput {
    pub version: i64,
    #[schema(format = Date)]
    pub held_on: String,
    pub topic: String,
    pub lecturer: String,
    /// 学时, e.g. `4` or `1.5`.
    pub hours: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EnrolInput {
    pub version: i64,
    /// 警号 or member numbers, separated by spaces or commas.
    pub members: String,
    /// An org code: its roster (with the orgs below).
    pub org: String,
    #[schema(pattern = r"^(|all|leaders)$")]
    pub whom: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AttendanceInput {
    pub version: i64,
    /// The enrolled members who attended.
    pub present: Vec<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CloseClassInput {
    pub version: i64,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub closed_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub organiser: String,
    pub place: String,
    #[schema(format = Date)]
    pub starts_on: String,
    #[schema(format = Date)]
    pub ends_on: String,
    pub concentrated: bool,
    pub closed_on: Option<String>,
    pub enrolled: i64,
    pub completed: i64,
    pub version: i64,
}

impl From<&ClassRow> for ClassJson {
    fn from(c: &ClassRow) -> Self {
        ClassJson {
            id: c.id,
            org_id: c.org_id,
            org_name: c.org_name.clone(),
            title: c.title.clone(),
            organiser: c.organiser.clone(),
            place: c.place.clone(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            concentrated: c.concentrated,
            closed_on: c.closed_on.map(|d| d.to_string()),
            enrolled: c.enrolled,
            completed: c.completed,
            version: c.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassSessionJson {
    pub id: i64,
    #[schema(format = Date)]
    pub held_on: String,
    pub topic: String,
    pub lecturer: String,
    pub hours: f64,
    pub attendance_taken: bool,
    pub present: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentJson {
    pub member_id: i64,
    pub name: String,
    pub branch: String,
    /// 学时 of the sessions attended.
    pub attended_hours: f64,
    /// None until the class is closed.
    pub completed: Option<bool>,
    pub certificate: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassDetailJson {
    pub class: ClassJson,
    pub total_hours: f64,
    pub sessions: Vec<ClassSessionJson>,
    pub enrolments: Vec<EnrolmentJson>,
}

impl From<&ClassDetail> for ClassDetailJson {
    fn from(d: &ClassDetail) -> Self {
        ClassDetailJson {
            class: ClassJson::from(&d.class),
            total_hours: hours(d.total),
            sessions: d
                .sessions
                .iter()
                .map(|s| ClassSessionJson {
                    id: s.id,
                    held_on: s.held_on.to_string(),
                    topic: s.topic.clone(),
                    lecturer: s.lecturer.clone(),
                    hours: hours(s.hours),
                    attendance_taken: s.attendance_taken,
                    present: s.present,
                })
                .collect(),
            enrolments: d
                .enrolments
                .iter()
                .map(|e| EnrolmentJson {
                    member_id: e.member_id,
                    name: e.name.clone(),
                    branch: e.branch_name.clone(),
                    attended_hours: hours(e.attended),
                    completed: e.completed,
                    certificate: e.certificate.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassPageJson {
    pub classes: Vec<ClassJson>,
    pub total: i64,
}

/// The training classes in scope running in a year, newest first.
#[utoipa::path(get, path = "/training/classes", tag = "study", params(StudyQuery),
    responses((status = 200, body = ClassPageJson), (status = 403, body = ApiErrorBody)))]
pub async fn classes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<ClassPageJson>, ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let year = year_or_this(&state, q.year);
    let (rows, total) = state.services.classes(&actor, year, page(q.page)).await?;
    Ok(Json(ClassPageJson {
        classes: rows.iter().map(ClassJson::from).collect(),
        total,
    }))
}

/// Opens a training class run by an org in scope (the account's own when `org` is absent).
#[utoipa::path(post, path = "/training/classes", tag = "study", params(StudyQuery), request_body = ClassInput,
    responses((status = 201, body = ClassDetailJson), (status = 422, body = ApiErrorBody)))]
pub async fn create_class(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
    ApiJson(i): ApiJson<ClassInput>,
) -> Result<(StatusCode, Json<ClassDetailJson>), ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let org = org_or_home(&state, &actor, q.org).await?;
    let form = ClassForm {
        title: i.title,
        organiser: i.organiser,
        place: i.place,
        starts_on: i.starts_on,
        ends_on: i.ends_on,
        concentrated: i.concentrated,
    };
    let id = state.services.create_class(&actor, org, &form).await?;
    let detail = state.services.class(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(ClassDetailJson::from(&detail))))
}

#[utoipa::path(get, path = "/training/classes/{id}", tag = "study", params(("id" = i64, Path)),
    responses((status = 200, body = ClassDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn class(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ClassDetailJson>, ApiError> {
    let detail = state.services.class(&actor, id).await?;
    Ok(Json(ClassDetailJson::from(&detail)))
}

/// Adds a session to an open class.
#[utoipa::path(post, path = "/training/classes/{id}/sessions", tag = "study", params(("id" = i64, Path)),
    request_body = ClassSessionInput,
    responses((status = 201, body = ClassDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_session(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<ClassSessionInput>,
) -> Result<(StatusCode, Json<ClassDetailJson>), ApiError> {
    let form = ClassSessionForm {
        version: i.version,
        held_on: i.held_on,
        topic: i.topic,
        lecturer: i.lecturer,
        hours: i.hours,
    };
    state.services.add_class_session(&actor, id, &form).await?;
    let detail = state.services.class(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(ClassDetailJson::from(&detail))))
}

/// Enrols members from the roster (named, or an org's members or leaders).
#[utoipa::path(post, path = "/training/classes/{id}/enrolments", tag = "study", params(("id" = i64, Path)),
    request_body = EnrolInput,
    responses((status = 200, body = ClassDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<EnrolInput>,
) -> Result<Json<ClassDetailJson>, ApiError> {
    let form = EnrolForm {
        version: i.version,
        members: i.members,
        org: i.org,
        whom: i.whom,
    };
    state.services.enrol(&actor, id, &form).await?;
    let detail = state.services.class(&actor, id).await?;
    Ok(Json(ClassDetailJson::from(&detail)))
}

/// Takes (or corrects) a session's attendance; its hours are credited to those present.
#[utoipa::path(post, path = "/training/classes/{id}/sessions/{session}/attendance", tag = "study",
    params(("id" = i64, Path), ("session" = i64, Path)), request_body = AttendanceInput,
    responses((status = 200, body = ClassDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn attendance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, session)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<AttendanceInput>,
) -> Result<Json<ClassDetailJson>, ApiError> {
    let form = AttendanceForm {
        version: i.version,
        present: i.present,
    };
    state
        .services
        .take_attendance(&actor, id, session, &form)
        .await?;
    let detail = state.services.class(&actor, id).await?;
    Ok(Json(ClassDetailJson::from(&detail)))
}

/// Closes a class: completion and certificates by the share of hours attended.
#[utoipa::path(post, path = "/training/classes/{id}/close", tag = "study", params(("id" = i64, Path)),
    request_body = CloseClassInput,
    responses((status = 200, body = ClassDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<CloseClassInput>,
) -> Result<Json<ClassDetailJson>, ApiError> {
    let form = CloseClassForm {
        version: i.version,
        closed_on: i.closed_on,
    };
    state.services.close_class(&actor, id, &form).await?;
    let detail = state.services.class(&actor, id).await?;
    Ok(Json(ClassDetailJson::from(&detail)))
}
