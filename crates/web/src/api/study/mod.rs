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
    AbsenceForm, MeetingStudyForm, MemberYear, SessionRow, StudyDetail, StudyForm, StudyMakeupForm,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

mod search;
pub use search::*;

mod classes;
mod courses;
mod exams;
mod plans;
pub use classes::*;
pub use courses::*;
pub use exams::*;
pub use plans::*;

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
