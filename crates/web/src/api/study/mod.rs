//! `/api/v1/study/…` and `/api/v1/training/…` (issue 15): group study on its own roll or as a
//! part of an organisational-life record, make-ups, training classes with sessions, enrolment,
//! attendance and completion, each member's 学时 of a year with every credit, an org's
//! attainment and the secretaries' and committee members' training ledger. Hours are decimals
//! of 学时 (`1.5`).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::Datelike;
use dangjian_core::study::{Attainment, Hours};
use dangjian_service::Page;
use dangjian_service::study::{
    AbsenceForm, AnswersForm, AttendanceForm, ClassDetail, ClassForm, ClassRow, ClassSessionForm,
    CloseClassForm, CourseDetail, CourseForm, CourseRow, EnrolForm, ExamDetail, ExamForm, ExamRow,
    MeetingStudyForm, MemberYear, PartForm, PublishForm, QuestionForm, QuestionRow, QuizForm,
    SessionRow, SittingDetail, SittingRow, StudyDetail, StudyForm, StudyMakeupForm,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

mod search;
pub use search::*;

const PAGE_SIZE: u32 = 100;

fn hours(h: Hours) -> f64 {
    h.0 as f64 / 100.0
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct StudyQuery {
    /// An org in scope; the account's own (or the top of the tree) when absent.
    pub org: Option<i64>,
    /// This year when absent.
    pub year: Option<i32>,
    /// 1-based; 100 a page (lists).
    pub page: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct OrgQuery {
    /// The org holding the study (in scope).
    pub org: i64,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct YearQuery {
    /// This year when absent.
    pub year: Option<i32>,
}

fn page(number: Option<u32>) -> Page {
    Page {
        number: number.unwrap_or(1).max(1),
        size: PAGE_SIZE,
    }
}

fn year_or_this(state: &AppState, year: Option<i32>) -> i32 {
    year.unwrap_or_else(|| state.services.clock().today().year())
}

async fn org_or_home(
    state: &AppState,
    actor: &dangjian_service::Actor,
    org: Option<i64>,
) -> Result<i64, ApiError> {
    match org {
        Some(id) => Ok(id),
        None => state
            .services
            .study_home(actor)
            .await?
            // A member's study is their own year (`/study/members/{id}`), not an org's.
            .ok_or(ApiError::from(dangjian_service::ServiceError::Forbidden)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsenceInput {
    pub member_id: i64,
    #[schema(pattern = r"^(business_trip|on_duty|watch|sick_leave|personal_leave|other)$")]
    pub reason: String,
}

/// A group study held on its own: everyone on the day's roll attended but those absent.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StudyInput {
    #[schema(pattern = r"^(group_study|central_group|branch_study)$")]
    pub kind: String,
    #[schema(format = Date)]
    pub held_on: String,
    /// Minutes.
    pub minutes: u32,
    pub topic: String,
    pub materials: String,
    #[serde(default)]
    pub absences: Vec<AbsenceInput>,
}

/// The study part of an organisational-life record (its day and roll are the record's).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MeetingStudyInput {
    pub minutes: u32,
    pub topic: String,
    pub materials: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StudyMakeupInput {
    pub member_id: i64,
    #[schema(format = Date)]
    pub on: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudyJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// `group_study`, `central_group` or `branch_study`.
    pub kind: String,
    /// The organisational-life record it was a part of.
    pub meeting_id: Option<i64>,
    #[schema(format = Date)]
    pub held_on: String,
    pub minutes: i64,
    pub topic: String,
    pub materials: String,
    /// 学时 credited to each attendee.
    pub hours: f64,
}

impl From<&SessionRow> for StudyJson {
    fn from(s: &SessionRow) -> Self {
        StudyJson {
            id: s.id,
            org_id: s.org_id,
            org_name: s.org_name.clone(),
            kind: s.kind.code().to_owned(),
            meeting_id: s.meeting_id,
            held_on: s.held_on.to_string(),
            minutes: s.minutes,
            topic: s.topic.clone(),
            materials: s.materials.clone(),
            hours: hours(s.hours),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudyAttendeeJson {
    pub member_id: i64,
    pub name: String,
    pub present: bool,
    pub absence_reason: Option<String>,
    pub makeup_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudyDetailJson {
    pub study: StudyJson,
    pub attendees: Vec<StudyAttendeeJson>,
}

impl From<&StudyDetail> for StudyDetailJson {
    fn from(d: &StudyDetail) -> Self {
        StudyDetailJson {
            study: StudyJson::from(&d.session),
            attendees: d
                .attendees
                .iter()
                .map(|a| StudyAttendeeJson {
                    member_id: a.member_id,
                    name: a.name.clone(),
                    present: a.present,
                    absence_reason: a.absence_reason.map(|r| r.code().to_owned()),
                    makeup_on: a.makeup_on.map(|d| d.to_string()),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudyPageJson {
    pub studies: Vec<StudyJson>,
    pub total: i64,
}

/// The group studies in scope of a year (under one org, or all), newest first.
#[utoipa::path(get, path = "/study/sessions", tag = "study", params(StudyQuery),
    responses((status = 200, body = StudyPageJson), (status = 403, body = ApiErrorBody)))]
pub async fn studies(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<StudyPageJson>, ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let year = year_or_this(&state, q.year);
    let (rows, total) = state
        .services
        .studies(&actor, q.org, year, page(q.page))
        .await?;
    Ok(Json(StudyPageJson {
        studies: rows.iter().map(StudyJson::from).collect(),
        total,
    }))
}

/// Records a group study held on its own by an org in scope, crediting those who attended.
#[utoipa::path(post, path = "/study/sessions", tag = "study", params(OrgQuery), request_body = StudyInput,
    responses((status = 201, body = StudyDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
    ApiJson(i): ApiJson<StudyInput>,
) -> Result<(StatusCode, Json<StudyDetailJson>), ApiError> {
    let q: OrgQuery = api_query(raw.as_deref())?;
    let form = StudyForm {
        kind: i.kind,
        held_on: i.held_on,
        minutes: i.minutes.to_string(),
        topic: i.topic,
        materials: i.materials,
        absences: i
            .absences
            .into_iter()
            .map(|a| AbsenceForm {
                member_id: a.member_id,
                reason: a.reason,
            })
            .collect(),
    };
    let id = state.services.record_study(&actor, q.org, &form).await?;
    let detail = state.services.study(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(StudyDetailJson::from(&detail))))
}

#[utoipa::path(get, path = "/study/sessions/{id}", tag = "study", params(("id" = i64, Path)),
    responses((status = 200, body = StudyDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn study(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<StudyDetailJson>, ApiError> {
    let detail = state.services.study(&actor, id).await?;
    Ok(Json(StudyDetailJson::from(&detail)))
}

/// Records an absentee's make-up of a study held on its own; credited on its day.
#[utoipa::path(post, path = "/study/sessions/{id}/makeups", tag = "study", params(("id" = i64, Path)),
    request_body = StudyMakeupInput,
    responses((status = 200, body = StudyDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn makeup(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<StudyMakeupInput>,
) -> Result<Json<StudyDetailJson>, ApiError> {
    let form = StudyMakeupForm {
        member_id: i.member_id,
        on: i.on,
        note: i.note,
    };
    state
        .services
        .record_study_makeup(&actor, id, &form)
        .await?;
    let detail = state.services.study(&actor, id).await?;
    Ok(Json(StudyDetailJson::from(&detail)))
}

/// Records the study that was a part of an organisational-life record: its roll credits.
#[utoipa::path(post, path = "/meetings/{id}/study", tag = "study", params(("id" = i64, Path)),
    request_body = MeetingStudyInput,
    responses((status = 201, body = StudyDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<MeetingStudyInput>,
) -> Result<(StatusCode, Json<StudyDetailJson>), ApiError> {
    let form = MeetingStudyForm {
        minutes: i.minutes.to_string(),
        topic: i.topic,
        materials: i.materials,
    };
    let study = state
        .services
        .record_meeting_study(&actor, id, &form)
        .await?;
    let detail = state.services.study(&actor, study).await?;
    Ok((StatusCode::CREATED, Json(StudyDetailJson::from(&detail))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttainmentJson {
    pub target_hours: f64,
    /// Concentrated trainings (集中培训) the year asks for.
    pub target_trainings: u32,
    pub credited_hours: f64,
    pub trainings: u32,
    pub hours_short: f64,
    pub met: bool,
}

impl From<&Attainment> for AttainmentJson {
    fn from(a: &Attainment) -> Self {
        AttainmentJson {
            target_hours: hours(a.target.hours),
            target_trainings: a.target.trainings,
            credited_hours: hours(a.credited),
            trainings: a.trainings,
            hours_short: hours(a.hours_short()),
            met: a.met(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceHoursJson {
    /// `group_study` or `class`.
    pub source: String,
    pub hours: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditJson {
    /// `group_study` (a study, `record_id`) or `class` (a class, `record_id`, and its session
    /// `part_id`).
    pub source: String,
    pub record_id: i64,
    pub part_id: i64,
    #[schema(format = Date)]
    pub credited_on: String,
    pub hours: f64,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberYearJson {
    pub member_id: i64,
    pub name: String,
    pub branch: String,
    pub year: i32,
    /// Held to the secretaries' and committee members' target.
    pub leader: bool,
    pub attainment: AttainmentJson,
    pub by_source: Vec<SourceHoursJson>,
    pub credits: Vec<CreditJson>,
}

impl From<&MemberYear> for MemberYearJson {
    fn from(y: &MemberYear) -> Self {
        MemberYearJson {
            member_id: y.member_id,
            name: y.name.clone(),
            branch: y.branch_name.clone(),
            year: y.year,
            leader: y.leader,
            attainment: AttainmentJson::from(&y.attainment),
            by_source: y
                .by_source
                .iter()
                .map(|(s, h)| SourceHoursJson {
                    source: s.code().to_owned(),
                    hours: hours(*h),
                })
                .collect(),
            credits: y
                .credits
                .iter()
                .map(|c| CreditJson {
                    source: c.source.code().to_owned(),
                    record_id: c.record_id,
                    part_id: c.part_id,
                    credited_on: c.credited_on.to_string(),
                    hours: hours(c.hours),
                    title: c.title.clone(),
                })
                .collect(),
        }
    }
}

/// A member's 学时 of a year with every credit (the member themself, or anyone reading them).
#[utoipa::path(get, path = "/study/members/{id}", tag = "study", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = MemberYearJson), (status = 404, body = ApiErrorBody)))]
pub async fn member_year(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<MemberYearJson>, ApiError> {
    let q: YearQuery = api_query(raw.as_deref())?;
    let year = year_or_this(&state, q.year);
    let y = state.services.member_study_year(&actor, id, year).await?;
    Ok(Json(MemberYearJson::from(&y)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberLineJson {
    pub member_id: i64,
    pub name: String,
    pub branch_id: i64,
    pub branch: String,
    pub leader: bool,
    pub attainment: AttainmentJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BranchLineJson {
    pub branch_id: i64,
    pub branch: String,
    pub members: usize,
    pub met: usize,
    pub hours: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgYearJson {
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    /// False when nothing at all was credited under the org that year ("no data").
    pub any_data: bool,
    pub members: usize,
    pub met: usize,
    pub branches: Vec<BranchLineJson>,
    pub lines: Vec<MemberLineJson>,
}

/// An org's year: each member on its roll (and below) against their target, by branch.
#[utoipa::path(get, path = "/study/hours", tag = "study", params(StudyQuery),
    responses((status = 200, body = OrgYearJson), (status = 404, body = ApiErrorBody)))]
pub async fn org_year(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<OrgYearJson>, ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let year = year_or_this(&state, q.year);
    let org = org_or_home(&state, &actor, q.org).await?;
    let y = state.services.org_study_year(&actor, org, year).await?;
    Ok(Json(OrgYearJson {
        org_id: y.org.id,
        org_name: y.org.name.clone(),
        year,
        any_data: y.any_data,
        members: y.members.len(),
        met: y.met(),
        branches: y
            .branches
            .iter()
            .map(|b| BranchLineJson {
                branch_id: b.branch_id,
                branch: b.branch_name.clone(),
                members: b.members,
                met: b.met,
                hours: hours(b.hours),
            })
            .collect(),
        lines: y
            .members
            .iter()
            .map(|m| MemberLineJson {
                member_id: m.member_id,
                name: m.name.clone(),
                branch_id: m.branch_id,
                branch: m.branch_name.clone(),
                leader: m.leader,
                attainment: AttainmentJson::from(&m.attainment),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerClassJson {
    pub class_id: i64,
    pub title: String,
    pub concentrated: bool,
    /// None while the class is open.
    pub completed: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerLineJson {
    pub member_id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    pub post: String,
    pub attainment: AttainmentJson,
    pub lacks_training: bool,
    pub classes: Vec<LedgerClassJson>,
}

/// The secretaries' and committee members' training ledger of a year, those lacking their
/// concentrated training flagged.
#[utoipa::path(get, path = "/training/ledger", tag = "study", params(StudyQuery),
    responses((status = 200, body = Vec<LedgerLineJson>), (status = 404, body = ApiErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<LedgerLineJson>>, ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let year = year_or_this(&state, q.year);
    let org = org_or_home(&state, &actor, q.org).await?;
    let (_, lines) = state.services.training_ledger(&actor, org, year).await?;
    Ok(Json(
        lines
            .iter()
            .map(|l| LedgerLineJson {
                member_id: l.member_id,
                name: l.name.clone(),
                org_id: l.org_id,
                org_name: l.org_name.clone(),
                post: l.post.clone(),
                attainment: AttainmentJson::from(&l.attainment),
                lacks_training: l.lacks_training(),
                classes: l
                    .classes
                    .iter()
                    .map(|(id, title, concentrated, completed)| LedgerClassJson {
                        class_id: *id,
                        title: title.clone(),
                        concentrated: *concentrated,
                        completed: *completed,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// Training classes
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Courses
// ---------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CourseInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// A micro-lecture (微党课).
    #[serde(default)]
    pub micro: bool,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PublishInput {
    pub version: i64,
}

/// A chapter as uploaded (multipart/form-data): its fields, and the file of a PDF, audio or
/// video chapter (its type read from its bytes; a text chapter sends `body` instead).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ChapterUpload {
    pub version: i64,
    pub title: String,
    /// `text`, `pdf`, `audio` or `video`.
    pub media: String,
    /// Its length in minutes: its 学时 follow by the rules.
    pub minutes: i64,
    pub body: Option<String>,
    #[schema(value_type = Option<String>, format = Binary)]
    pub file: Option<Vec<u8>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub description: String,
    pub micro: bool,
    pub published_on: Option<String>,
    pub chapters: i64,
    pub version: i64,
}

impl From<&CourseRow> for CourseJson {
    fn from(c: &CourseRow) -> Self {
        CourseJson {
            id: c.id,
            org_id: c.org_id,
            org_name: c.org_name.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            micro: c.micro,
            published_on: c.published_on.map(|d| d.to_string()),
            chapters: c.chapters,
            version: c.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChapterJson {
    pub id: i64,
    pub position: i64,
    pub title: String,
    /// `text`, `pdf`, `audio` or `video`.
    pub media: String,
    pub body: Option<String>,
    pub file_name: Option<String>,
    /// SM3 of the file.
    pub sm3: Option<String>,
    pub minutes: i64,
    /// 学时 credited when finished.
    pub hours: f64,
    /// The day the member finished it (a member's account).
    pub finished_on: Option<String>,
    /// Its quiz: answered all right (`POST /study/chapters/{id}/answers`), it is finished.
    pub questions: Vec<QuizQuestionJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuizQuestionJson {
    /// The question's number in the bank.
    pub id: i64,
    /// `single`, `multiple`, `judge` or `blank`.
    pub kind: String,
    pub stem: String,
    /// Lettered A, B, … in this order.
    pub options: Vec<String>,
    /// The right answer: only to those who keep the course.
    pub key: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDetailJson {
    pub course: CourseJson,
    pub chapters: Vec<ChapterJson>,
}

impl From<&CourseDetail> for CourseDetailJson {
    fn from(d: &CourseDetail) -> Self {
        CourseDetailJson {
            course: CourseJson::from(&d.course),
            chapters: d
                .chapters
                .iter()
                .map(|c| ChapterJson {
                    id: c.id,
                    position: c.position,
                    title: c.title.clone(),
                    media: c.media.code().to_owned(),
                    body: c.body.clone(),
                    file_name: c.file_name.clone(),
                    sm3: c.file_digest.clone(),
                    minutes: c.minutes,
                    hours: hours(c.hours),
                    finished_on: d.finished(&c.id).map(|d| d.to_string()),
                    questions: d
                        .quiz(&c.id)
                        .iter()
                        .map(|q| QuizQuestionJson {
                            id: q.id,
                            kind: q.kind.code().to_owned(),
                            stem: q.stem.clone(),
                            options: q.options.clone(),
                            key: q.key.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoursePageJson {
    pub courses: Vec<CourseJson>,
    pub total: i64,
}

/// The courses the account may open: published at or above its org (a member's branch), and
/// for those who keep courses every course in their scope.
#[utoipa::path(get, path = "/study/courses", tag = "study", params(StudyQuery),
    responses((status = 200, body = CoursePageJson), (status = 403, body = ApiErrorBody)))]
pub async fn courses(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<CoursePageJson>, ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let (rows, total) = state.services.courses(&actor, page(q.page)).await?;
    Ok(Json(CoursePageJson {
        courses: rows.iter().map(CourseJson::from).collect(),
        total,
    }))
}

/// Opens a course (a draft) offered by an org in scope (the account's own when absent).
#[utoipa::path(post, path = "/study/courses", tag = "study", params(StudyQuery), request_body = CourseInput,
    responses((status = 201, body = CourseDetailJson), (status = 422, body = ApiErrorBody)))]
pub async fn create_course(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
    ApiJson(i): ApiJson<CourseInput>,
) -> Result<(StatusCode, Json<CourseDetailJson>), ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let org = org_or_home(&state, &actor, q.org).await?;
    let form = CourseForm {
        title: i.title,
        description: i.description,
        micro: i.micro,
    };
    let id = state.services.create_course(&actor, org, &form).await?;
    let detail = state.services.course(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(CourseDetailJson::from(&detail))))
}

#[utoipa::path(get, path = "/study/courses/{id}", tag = "study", params(("id" = i64, Path)),
    responses((status = 200, body = CourseDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn course(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CourseDetailJson>, ApiError> {
    let detail = state.services.course(&actor, id).await?;
    Ok(Json(CourseDetailJson::from(&detail)))
}

/// Publishes a draft course with at least one chapter.
#[utoipa::path(post, path = "/study/courses/{id}/publish", tag = "study", params(("id" = i64, Path)),
    request_body = PublishInput,
    responses((status = 200, body = CourseDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PublishInput>,
) -> Result<Json<CourseDetailJson>, ApiError> {
    let form = PublishForm { version: i.version };
    state.services.publish_course(&actor, id, &form).await?;
    let detail = state.services.course(&actor, id).await?;
    Ok(Json(CourseDetailJson::from(&detail)))
}

/// A member finishes a chapter: its 学时 are credited today, once.
#[utoipa::path(post, path = "/study/chapters/{id}/complete", tag = "study", params(("id" = i64, Path)),
    responses((status = 200, body = MemberYearJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MemberYearJson>, ApiError> {
    state.services.complete_chapter(&actor, id).await?;
    own_year(&state, &actor).await
}

/// The member's own year of study (after finishing a chapter).
async fn own_year(
    state: &AppState,
    actor: &dangjian_service::Actor,
) -> Result<Json<MemberYearJson>, ApiError> {
    let dangjian_core::role::Scope::OwnRecord { member_id } = actor.scope else {
        return Err(dangjian_service::ServiceError::NotFound.into());
    };
    let year = year_or_this(state, None);
    let y = state
        .services
        .member_study_year(actor, member_id, year)
        .await?;
    Ok(Json(MemberYearJson::from(&y)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizAnswerInput {
    /// 1-based, in the order of the chapter's `questions`.
    pub position: i64,
    /// A choice's letters (`B`, `AC`), `对` or `错`, or the words of a blank.
    pub answer: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizAnswersInput {
    pub answers: Vec<QuizAnswerInput>,
}

/// A member answers a chapter's quiz: all right, the chapter is finished and its 学时
/// credited once; otherwise 422 names each question missed (`q1`, `q2`, …) without the
/// right answer, and nothing is recorded.
#[utoipa::path(post, path = "/study/chapters/{id}/answers", tag = "study", params(("id" = i64, Path)),
    request_body = QuizAnswersInput,
    responses((status = 200, body = MemberYearJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn answer_quiz(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<QuizAnswersInput>,
) -> Result<Json<MemberYearJson>, ApiError> {
    let answers: Vec<(i64, String)> = i
        .answers
        .into_iter()
        .map(|a| (a.position, a.answer))
        .collect();
    state
        .services
        .answer_chapter_quiz(&actor, id, &answers)
        .await?;
    own_year(&state, &actor).await
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct QuizQuestionInput {
    pub version: i64,
    /// The number of a question in the bank of the course's org or an org above.
    pub question: i64,
}

/// Adds a question of the bank to a chapter's quiz (a draft course).
#[utoipa::path(post, path = "/study/chapters/{id}/questions", tag = "study", params(("id" = i64, Path)),
    request_body = QuizQuestionInput,
    responses((status = 201, body = CourseDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_quiz_question(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<QuizQuestionInput>,
) -> Result<(StatusCode, Json<CourseDetailJson>), ApiError> {
    let form = QuizForm {
        version: i.version,
        question: i.question.to_string(),
    };
    let course = state
        .services
        .add_chapter_question(&actor, id, &form)
        .await?;
    let detail = state.services.course(&actor, course).await?;
    Ok((StatusCode::CREATED, Json(CourseDetailJson::from(&detail))))
}

/// Takes a question out of a chapter's quiz (a draft course).
#[utoipa::path(post, path = "/study/chapters/{id}/questions/{question}/delete", tag = "study",
    params(("id" = i64, Path), ("question" = i64, Path)), request_body = PublishInput,
    responses((status = 200, body = CourseDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn remove_quiz_question(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, question)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<PublishInput>,
) -> Result<Json<CourseDetailJson>, ApiError> {
    let course = state
        .services
        .remove_chapter_question(&actor, id, question, i.version)
        .await?;
    let detail = state.services.course(&actor, course).await?;
    Ok(Json(CourseDetailJson::from(&detail)))
}

/// A chapter's file; a `Range` request gets its part (206), so a player seeks.
#[utoipa::path(get, path = "/study/chapters/{id}/file", tag = "study", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = ApiErrorBody), (status = 416)))]
pub async fn chapter_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    let (blob, name) = state.services.chapter_file(&actor, id).await?;
    let range = headers
        .get(axum::http::header::RANGE)
        .and_then(|v| v.to_str().ok());
    Ok(crate::pages::study::media_response(
        &state.services,
        blob,
        &name,
        range,
    ))
}

/// Adds a chapter to a draft course (multipart/form-data; the file streamed, up to the
/// deployment's media limit).
#[utoipa::path(post, path = "/study/courses/{id}/chapters", tag = "study", params(("id" = i64, Path)),
    request_body(content = ChapterUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = CourseDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_chapter(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<CourseDetailJson>), ApiError> {
    use crate::pages::study::{UploadFail, receive_chapter};
    let multipart = multipart
        .map_err(|_| ApiError::BadRequest("请以 multipart/form-data 表单上传章节".to_owned()))?;
    state.services.may_add_chapter(&actor, id).await?;
    let (_, form, spool) = match receive_chapter(&state.services, multipart).await {
        Ok(received) => received,
        Err(UploadFail::Field(e)) => return Err(e.into()),
        Err(UploadFail::Bad(message)) => return Err(ApiError::BadRequest(message.to_owned())),
    };
    state.services.add_chapter(&actor, id, &form, spool).await?;
    let detail = state.services.course(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(CourseDetailJson::from(&detail))))
}

// ---------------------------------------------------------------------------------------
// Exams
// ---------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    #[schema(pattern = r"^(single|multiple|judge|blank)$")]
    pub kind: String,
    pub stem: String,
    /// The options of a choice question, in order (A, B, …).
    #[serde(default)]
    pub options: Vec<String>,
    /// `B`, `ACD`, `对`/`错`, or a blank's accepted answers separated by `|`.
    pub key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionJson {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub stem: String,
    pub options: Vec<String>,
    pub key: String,
}

impl From<&QuestionRow> for QuestionJson {
    fn from(q: &QuestionRow) -> Self {
        QuestionJson {
            id: q.id,
            org_id: q.org_id,
            kind: q.kind.code().to_owned(),
            stem: q.stem.clone(),
            options: q.options.clone(),
            key: q.key.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionPageJson {
    pub questions: Vec<QuestionJson>,
    pub total: i64,
}

/// The question bank in scope.
#[utoipa::path(get, path = "/study/questions", tag = "study", params(StudyQuery),
    responses((status = 200, body = QuestionPageJson), (status = 403, body = ApiErrorBody)))]
pub async fn questions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<QuestionPageJson>, ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let (rows, total) = state.services.questions(&actor, None, page(q.page)).await?;
    Ok(Json(QuestionPageJson {
        questions: rows.iter().map(QuestionJson::from).collect(),
        total,
    }))
}

/// Adds a question to the bank of an org in scope (the account's own when absent).
#[utoipa::path(post, path = "/study/questions", tag = "study", params(StudyQuery), request_body = QuestionInput,
    responses((status = 201, body = QuestionJson), (status = 422, body = ApiErrorBody)))]
pub async fn add_question(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
    ApiJson(i): ApiJson<QuestionInput>,
) -> Result<(StatusCode, Json<QuestionJson>), ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let org = org_or_home(&state, &actor, q.org).await?;
    let form = QuestionForm {
        kind: i.kind,
        stem: i.stem,
        options: i.options.join("\n"),
        key: i.key,
    };
    let id = state.services.add_question(&actor, org, &form).await?;
    let (rows, _) = state
        .services
        .questions(&actor, None, Page { number: 1, size: 1 })
        .await?;
    let row = rows
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(dangjian_service::ServiceError::NotFound)?;
    Ok((StatusCode::CREATED, Json(QuestionJson::from(&row))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedJson {
    pub imported: usize,
}

/// Imports the bank's template (the request body, .xlsx) into an org in scope: every row
/// checked, all or none added.
#[utoipa::path(post, path = "/study/questions/import", tag = "study", params(StudyQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ImportedJson), (status = 422, body = ApiErrorBody)))]
pub async fn import_questions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ImportedJson>), ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let org = org_or_home(&state, &actor, q.org).await?;
    let imported = state.services.import_questions(&actor, org, &body).await?;
    Ok((StatusCode::CREATED, Json(ImportedJson { imported })))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ExamInput {
    pub title: String,
    pub minutes: u32,
    pub pass_percent: u32,
    pub max_attempts: u32,
    #[schema(format = Date)]
    pub opens_on: String,
    #[schema(format = Date)]
    pub closes_on: String,
}

/// A part of the paper: a bank question (`question`), or `count` drawn of `kind`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PartInput {
    pub version: i64,
    pub question: Option<i64>,
    #[schema(pattern = r"^(|single|multiple|judge|blank)$")]
    pub kind: String,
    pub count: Option<u32>,
    pub points: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExamJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub minutes: i64,
    pub pass_percent: i64,
    pub max_attempts: i64,
    #[schema(format = Date)]
    pub opens_on: String,
    #[schema(format = Date)]
    pub closes_on: String,
    pub published_on: Option<String>,
    pub version: i64,
}

impl From<&ExamRow> for ExamJson {
    fn from(x: &ExamRow) -> Self {
        ExamJson {
            id: x.id,
            org_id: x.org_id,
            org_name: x.org_name.clone(),
            title: x.title.clone(),
            minutes: x.minutes,
            pass_percent: x.pass_percent,
            max_attempts: x.max_attempts,
            opens_on: x.opens_on.to_string(),
            closes_on: x.closes_on.to_string(),
            published_on: x.published_on.map(|d| d.to_string()),
            version: x.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SittingSummaryJson {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub attempt: i64,
    pub submitted_at: Option<String>,
    pub score: Option<i64>,
    pub total: i64,
    pub passed: Option<bool>,
}

impl From<&SittingRow> for SittingSummaryJson {
    fn from(s: &SittingRow) -> Self {
        SittingSummaryJson {
            id: s.id,
            member_id: s.member_id,
            member_name: s.member_name.clone(),
            attempt: s.attempt,
            submitted_at: s.submitted_at.map(|t| t.to_rfc3339()),
            score: s.score,
            total: s.total,
            passed: s.passed,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionResultJson {
    pub question_id: i64,
    pub stem: String,
    pub answered: i64,
    pub right: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExamDetailJson {
    pub exam: ExamJson,
    pub total_points: i64,
    pub parts: usize,
    /// The member's own sittings.
    pub mine: Vec<SittingSummaryJson>,
    /// Why the member may not start now.
    pub start_refused: Option<String>,
    /// For the exam's keepers: every sitting and each question's results.
    pub sittings: Vec<SittingSummaryJson>,
    pub by_question: Vec<QuestionResultJson>,
}

impl From<&ExamDetail> for ExamDetailJson {
    fn from(d: &ExamDetail) -> Self {
        ExamDetailJson {
            exam: ExamJson::from(&d.exam),
            total_points: d.total,
            parts: d.parts.len(),
            mine: d.mine.iter().map(SittingSummaryJson::from).collect(),
            start_refused: d.start_refused.clone(),
            sittings: d.sittings.iter().map(SittingSummaryJson::from).collect(),
            by_question: d
                .by_question
                .iter()
                .map(|(id, stem, answered, right)| QuestionResultJson {
                    question_id: *id,
                    stem: stem.clone(),
                    answered: *answered,
                    right: *right,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExamPageJson {
    pub exams: Vec<ExamJson>,
    pub total: i64,
}

/// The exams the account may open.
#[utoipa::path(get, path = "/study/exams", tag = "study", params(StudyQuery),
    responses((status = 200, body = ExamPageJson), (status = 403, body = ApiErrorBody)))]
pub async fn exams(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<ExamPageJson>, ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let (rows, total) = state.services.exams(&actor, page(q.page)).await?;
    Ok(Json(ExamPageJson {
        exams: rows.iter().map(ExamJson::from).collect(),
        total,
    }))
}

/// Opens an exam (a draft) held by an org in scope (the account's own when absent).
#[utoipa::path(post, path = "/study/exams", tag = "study", params(StudyQuery), request_body = ExamInput,
    responses((status = 201, body = ExamDetailJson), (status = 422, body = ApiErrorBody)))]
pub async fn create_exam(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
    ApiJson(i): ApiJson<ExamInput>,
) -> Result<(StatusCode, Json<ExamDetailJson>), ApiError> {
    let q: StudyQuery = api_query(raw.as_deref())?;
    let org = org_or_home(&state, &actor, q.org).await?;
    let form = ExamForm {
        title: i.title,
        minutes: i.minutes.to_string(),
        pass_percent: i.pass_percent.to_string(),
        max_attempts: i.max_attempts.to_string(),
        opens_on: i.opens_on,
        closes_on: i.closes_on,
    };
    let id = state.services.create_exam(&actor, org, &form).await?;
    let detail = state.services.exam(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(ExamDetailJson::from(&detail))))
}

#[utoipa::path(get, path = "/study/exams/{id}", tag = "study", params(("id" = i64, Path)),
    responses((status = 200, body = ExamDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn exam(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ExamDetailJson>, ApiError> {
    let detail = state.services.exam(&actor, id).await?;
    Ok(Json(ExamDetailJson::from(&detail)))
}

/// Adds a part to a draft exam's paper.
#[utoipa::path(post, path = "/study/exams/{id}/parts", tag = "study", params(("id" = i64, Path)),
    request_body = PartInput,
    responses((status = 200, body = ExamDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_part(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PartInput>,
) -> Result<Json<ExamDetailJson>, ApiError> {
    let form = PartForm {
        version: i.version,
        question: i.question.map(|q| q.to_string()).unwrap_or_default(),
        kind: i.kind,
        count: i.count.map(|c| c.to_string()).unwrap_or_default(),
        points: i.points.to_string(),
    };
    state.services.add_exam_part(&actor, id, &form).await?;
    let detail = state.services.exam(&actor, id).await?;
    Ok(Json(ExamDetailJson::from(&detail)))
}

/// Publishes a draft exam with a paper.
#[utoipa::path(post, path = "/study/exams/{id}/publish", tag = "study", params(("id" = i64, Path)),
    request_body = PublishInput,
    responses((status = 200, body = ExamDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn publish_exam(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PublishInput>,
) -> Result<Json<ExamDetailJson>, ApiError> {
    state.services.publish_exam(&actor, id, i.version).await?;
    let detail = state.services.exam(&actor, id).await?;
    Ok(Json(ExamDetailJson::from(&detail)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaperQuestionJson {
    pub position: i64,
    pub kind: String,
    pub stem: String,
    /// The options in the order this sitting shows them (A, B, …).
    pub options: Vec<String>,
    pub points: i64,
    pub given: Option<String>,
    /// After the sitting is handed in: whether it was right, and the key as shown.
    pub correct: Option<bool>,
    pub key: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SittingJson {
    pub sitting: SittingSummaryJson,
    pub exam_id: i64,
    /// Seconds left on the server's clock; 0 once over.
    pub seconds_left: i64,
    pub questions: Vec<PaperQuestionJson>,
}

impl From<&SittingDetail> for SittingJson {
    fn from(d: &SittingDetail) -> Self {
        let over = d.sitting.submitted_at.is_some();
        SittingJson {
            sitting: SittingSummaryJson::from(&d.sitting),
            exam_id: d.exam.id,
            seconds_left: match d.clock {
                dangjian_core::exam::SittingClock::Running { seconds_left } => seconds_left,
                dangjian_core::exam::SittingClock::Over => 0,
            },
            questions: d
                .questions
                .iter()
                .map(|(p, q)| PaperQuestionJson {
                    position: p.position,
                    kind: q.kind.code().to_owned(),
                    stem: q.stem.clone(),
                    options: p
                        .shown
                        .iter()
                        .filter_map(|i| q.options.get(*i).cloned())
                        .collect(),
                    points: p.points,
                    given: p.given.clone(),
                    correct: p.correct,
                    key: over.then(|| match q.kind {
                        dangjian_core::exam::QuestionKind::Single
                        | dangjian_core::exam::QuestionKind::Multiple => p
                            .shown
                            .iter()
                            .enumerate()
                            .filter(|(_, o)| q.key.contains(dangjian_core::exam::letter(**o)))
                            .map(|(i, _)| dangjian_core::exam::letter(i))
                            .collect(),
                        _ => q.key.clone(),
                    }),
                })
                .collect(),
        }
    }
}

/// A member starts a sitting: its own paper, order and clock.
#[utoipa::path(post, path = "/study/exams/{id}/sittings", tag = "study", params(("id" = i64, Path)),
    responses((status = 201, body = SittingJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<SittingJson>), ApiError> {
    let sitting = state.services.start_sitting(&actor, id).await?;
    let detail = state.services.sitting(&actor, sitting).await?;
    Ok((StatusCode::CREATED, Json(SittingJson::from(&detail))))
}

/// A sitting: the member's own (resumable), or one of an exam the account keeps.
#[utoipa::path(get, path = "/study/sittings/{id}", tag = "study", params(("id" = i64, Path)),
    responses((status = 200, body = SittingJson), (status = 404, body = ApiErrorBody)))]
pub async fn sitting(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SittingJson>, ApiError> {
    let detail = state.services.sitting(&actor, id).await?;
    Ok(Json(SittingJson::from(&detail)))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub position: i64,
    /// Letters as shown (`B`, `ACD`), `对`/`错`, or a blank's text.
    pub given: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersInput {
    #[serde(default)]
    pub answers: Vec<AnswerInput>,
    /// Hand the sitting in.
    #[serde(default)]
    pub submit: bool,
}

/// Saves answers while the sitting runs; `submit` hands it in and grades it.
#[utoipa::path(post, path = "/study/sittings/{id}/answers", tag = "study", params(("id" = i64, Path)),
    request_body = AnswersInput,
    responses((status = 200, body = SittingJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<AnswersInput>,
) -> Result<Json<SittingJson>, ApiError> {
    let form = AnswersForm {
        answers: i
            .answers
            .into_iter()
            .map(|a| (a.position, a.given))
            .collect(),
        submit: i.submit,
    };
    state.services.answer_sitting(&actor, id, &form).await?;
    let detail = state.services.sitting(&actor, id).await?;
    Ok(Json(SittingJson::from(&detail)))
}

// ---------------------------------------------------------------------------------------
// Study plans
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanTopicJson {
    pub id: i64,
    pub month: u32,
    pub topic: String,
    pub materials: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedPlanJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub issued_on: Option<String>,
    pub topics: Vec<PlanTopicJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudyPlanJson {
    /// None before the org has a plan of the year.
    pub plan_id: Option<i64>,
    pub org_id: i64,
    pub year: i32,
    /// 0 before the org has a plan of the year.
    pub version: i64,
    pub issued_on: Option<String>,
    /// The org whose issued plan this one adopted.
    pub adopted_from: Option<String>,
    pub topics: Vec<PlanTopicJson>,
    /// Plans issued by the orgs above.
    pub issued_above: Vec<IssuedPlanJson>,
}

fn topics(items: &[dangjian_service::study::PlanItemRow]) -> Vec<PlanTopicJson> {
    items
        .iter()
        .map(|t| PlanTopicJson {
            id: t.id,
            month: t.month,
            topic: t.topic.clone(),
            materials: t.materials.clone(),
        })
        .collect()
}

impl From<&dangjian_service::study::PlanView> for StudyPlanJson {
    fn from(v: &dangjian_service::study::PlanView) -> Self {
        StudyPlanJson {
            plan_id: v.plan.as_ref().map(|p| p.id),
            org_id: v.org.id,
            year: v.year,
            version: v.plan.as_ref().map_or(0, |p| p.version),
            issued_on: v
                .plan
                .as_ref()
                .and_then(|p| p.issued_on)
                .map(|d| d.to_string()),
            adopted_from: v.adopted_from.clone(),
            topics: topics(&v.items),
            issued_above: v
                .issued_above
                .iter()
                .map(|(p, items)| IssuedPlanJson {
                    id: p.id,
                    org_id: p.org_id,
                    org_name: p.org_name.clone(),
                    issued_on: p.issued_on.map(|d| d.to_string()),
                    topics: topics(items),
                })
                .collect(),
        }
    }
}

/// An org's study plan of a year, with the plans issued to it from above.
#[utoipa::path(get, path = "/orgs/{id}/study-plan", tag = "study", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = StudyPlanJson), (status = 404, body = ApiErrorBody)))]
pub async fn study_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<StudyPlanJson>, ApiError> {
    let q: YearQuery = api_query(raw.as_deref())?;
    let year = year_or_this(&state, q.year);
    let v = state.services.study_plan(&actor, id, year).await?;
    Ok(Json(StudyPlanJson::from(&v)))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PlanTopicInput {
    pub year: i32,
    /// The plan's version as read (0 when the org has none yet).
    pub version: i64,
    pub month: u32,
    pub topic: String,
    pub materials: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PlanActionInput {
    pub year: i32,
    pub version: i64,
    /// The issued plan to adopt (adopting only).
    #[serde(default)]
    pub from: Option<i64>,
}

/// Adds a topic to an org's study plan of a year.
#[utoipa::path(post, path = "/orgs/{id}/study-plan/topics", tag = "study", params(("id" = i64, Path)),
    request_body = PlanTopicInput,
    responses((status = 201, body = StudyPlanJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_plan_topic(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PlanTopicInput>,
) -> Result<(StatusCode, Json<StudyPlanJson>), ApiError> {
    let form = dangjian_service::study::PlanItemForm {
        year: i.year,
        version: i.version,
        month: i.month.to_string(),
        topic: i.topic,
        materials: i.materials,
    };
    state.services.add_plan_topic(&actor, id, &form).await?;
    let v = state.services.study_plan(&actor, id, i.year).await?;
    Ok((StatusCode::CREATED, Json(StudyPlanJson::from(&v))))
}

/// Removes a topic of an org's study plan.
#[utoipa::path(post, path = "/orgs/{id}/study-plan/topics/{topic}/delete", tag = "study",
    params(("id" = i64, Path), ("topic" = i64, Path)), request_body = PlanActionInput,
    responses((status = 200, body = StudyPlanJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn remove_plan_topic(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, topic)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<PlanActionInput>,
) -> Result<Json<StudyPlanJson>, ApiError> {
    state
        .services
        .remove_plan_topic(&actor, id, i.year, i.version, topic)
        .await?;
    let v = state.services.study_plan(&actor, id, i.year).await?;
    Ok(Json(StudyPlanJson::from(&v)))
}

/// Issues an org's study plan of a year to the orgs below.
#[utoipa::path(post, path = "/orgs/{id}/study-plan/issue", tag = "study", params(("id" = i64, Path)),
    request_body = PlanActionInput,
    responses((status = 200, body = StudyPlanJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn issue_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PlanActionInput>,
) -> Result<Json<StudyPlanJson>, ApiError> {
    state
        .services
        .issue_study_plan(&actor, id, i.year, i.version)
        .await?;
    let v = state.services.study_plan(&actor, id, i.year).await?;
    Ok(Json(StudyPlanJson::from(&v)))
}

/// Adopts a plan an org above issued: its topics copied into the org's plan, to change.
#[utoipa::path(post, path = "/orgs/{id}/study-plan/adopt", tag = "study", params(("id" = i64, Path)),
    request_body = PlanActionInput,
    responses((status = 200, body = StudyPlanJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn adopt_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PlanActionInput>,
) -> Result<Json<StudyPlanJson>, ApiError> {
    let from = i
        .from
        .ok_or_else(|| dangjian_service::ServiceError::invalid("from", "请选择要采用的学习计划"))?;
    state
        .services
        .adopt_study_plan(&actor, id, from, i.version)
        .await?;
    let v = state.services.study_plan(&actor, id, i.year).await?;
    Ok(Json(StudyPlanJson::from(&v)))
}
