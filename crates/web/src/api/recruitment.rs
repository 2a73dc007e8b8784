//! `/api/v1/recruits…` (issue 18, the path and the pipeline): everyone on the path in scope
//! with the next deadline, an application recorded, a person's twenty-five steps, and each
//! step, half-yearly review and 公示 recorded.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::Datelike;
use dangjian_core::recruitment::Step;
use dangjian_service::ServiceError;
use dangjian_service::recruitment::{
    ApplicantForm, DatedNoteForm, EndForm, ExtensionForm, StepForm, Waiting, meeting_label,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RecruitApplicantInput {
    /// The code of the org that received the application.
    pub org: String,
    pub name: String,
    #[schema(pattern = r"^(male|female)$")]
    pub gender: String,
    #[schema(format = Date)]
    pub birth_date: String,
    /// The two-digit code (`01` 汉族 …) or the name.
    pub ethnicity: String,
    /// An education code; empty when not known.
    #[serde(default)]
    pub education: String,
    /// 18 characters, checked against the birth date and gender.
    pub id_number: String,
    #[serde(default)]
    pub police_number: String,
    /// Today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub applied_on: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RecruitStepInput {
    /// The person's version as read: a step recorded on a stale page is refused.
    pub version: i64,
    /// A step's code (`talk`, `activist_chosen`, …).
    #[schema(
        pattern = r"^(application|talk|activist_chosen|activist_filed|contacts_assigned|cultivation|candidate_chosen|candidate_filed|sponsors|political_review|training|committee_review|pre_review|volunteer_form|branch_meeting|approval_talk|approval|filing|placement|oath|probation_education|conversion_application|conversion_meeting|conversion_approval|archive)$"
    )]
    pub step: String,
    /// Today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub note: String,
    /// `contacts_assigned` (one or two) and `sponsors` (two): member ids, full members of the
    /// branch with a vote that day.
    #[serde(default)]
    pub people: Vec<i64>,
    /// `training`: its days and class hours.
    #[serde(default)]
    pub training_days: Option<u32>,
    #[serde(default)]
    pub training_hours: Option<u32>,
    /// `branch_meeting` and `conversion_meeting`: the 支部党员大会 record that voted (its day
    /// is the step's when `on` is empty), the ayes of those present, and the written
    /// opinions of absent voting members, all and in favour.
    #[serde(default)]
    pub meeting: Option<i64>,
    #[serde(default)]
    pub ayes_present: Option<u32>,
    #[serde(default)]
    pub written_total: Option<u32>,
    #[serde(default)]
    pub written_ayes: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RecruitExtensionInput {
    pub version: i64,
    /// The day of the branch meeting's decision; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub on: String,
    /// Six to twelve.
    pub months: u32,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RecruitEndInput {
    pub version: i64,
    /// Today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub on: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RecruitDatedInput {
    /// Today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitDueJson {
    pub step: String,
    #[schema(format = Date)]
    pub by: String,
    /// For the approval: the day past which admission starts again.
    pub lapses: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitLineJson {
    pub id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    /// `applicant`, `activist`, `candidate`, `admission` or `probation`.
    pub stage: String,
    /// The steps that may be recorded now.
    pub next: Vec<String>,
    pub due: Option<RecruitNextJson>,
    pub overdue: bool,
    /// The approval passed its longest limit: admission must be done again.
    pub lapsed: bool,
}

/// What is due next: a step's code, or `activist_review`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitNextJson {
    pub what: String,
    pub label: String,
    #[schema(format = Date)]
    pub by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitStepJson {
    pub step: String,
    pub number: usize,
    #[schema(format = Date)]
    pub done_on: String,
    pub note: String,
    /// Days past its deadline when recorded (0 on time; null when it had none).
    pub days_late: Option<i64>,
    /// A vote: the 支部党员大会 record, the voting members counted against, those present,
    /// the ayes (written ones included) and the written opinions.
    pub meeting_id: Option<i64>,
    pub voters: Option<i64>,
    pub present: Option<i64>,
    pub ayes: Option<i64>,
    pub written: Option<i64>,
    /// The training's days and class hours.
    pub training_days: Option<i64>,
    pub training_hours: Option<i64>,
}

/// A 培养联系人 (`contact`) or 入党介绍人 (`sponsor`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitPersonJson {
    pub role: String,
    pub member_id: i64,
    pub name: String,
}

/// A member who may be chosen, or a 支部党员大会 record a vote may be taken at.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitChoiceJson {
    pub id: i64,
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitJson {
    pub id: i64,
    pub name: String,
    pub org_id: i64,
    /// `2014` or `2026.05`.
    pub rules: String,
    pub stage: String,
    pub version: i64,
    pub steps: Vec<RecruitStepJson>,
    pub deadlines: Vec<RecruitDueJson>,
    /// The steps that may be recorded next.
    pub next: Vec<String>,
    pub reviews: Vec<String>,
    pub next_review: Option<String>,
    pub publicity_from: Option<String>,
    pub probation_ends: Option<String>,
    /// `active`, `withdrawn`, `cancelled` (取消预备党员资格) or `full`.
    pub status: String,
    /// The member made of the person at admission.
    pub member_id: Option<i64>,
    pub extension_months: Option<u32>,
    pub people: Vec<RecruitPersonJson>,
    /// When contact persons or sponsors may be chosen next: who may be.
    pub eligible: Vec<RecruitChoiceJson>,
    /// When a vote is next: the branch's 支部党员大会 records.
    pub meetings: Vec<RecruitChoiceJson>,
    /// The day the admission lapsed (not approved within the longest limit), until it is
    /// begun again.
    pub lapsed_on: Option<String>,
    /// The steps of lapsed admission rounds.
    pub lapsed_steps: Vec<RecruitLapsedJson>,
    pub ended_on: Option<String>,
    pub end_reason: Option<String>,
    /// The files of the materials, each readable at `/recruits/{id}/files/{file}`.
    pub files: Vec<RecruitFileJson>,
    /// The materials due (their step done) and not on file: the archive waits for them.
    pub missing_materials: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitFileJson {
    pub id: i64,
    /// `application_letter`, `thought_report`, `cultivation_record`, `political_review`,
    /// `training_certificate`, `volunteer_form`, `conversion_application` or
    /// `probation_record`.
    pub material: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// SM3 of the bytes, hex.
    pub digest: String,
}

/// `?name=…`: the file's name, whose extension must agree with its bytes.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct RecruitFileQuery {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitLapsedJson {
    pub step: String,
    #[schema(format = Date)]
    pub done_on: String,
    #[schema(format = Date)]
    pub lapsed_on: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RecruitVersionInput {
    pub version: i64,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct RecruitYearQuery {
    /// This year when absent.
    pub year: Option<i32>,
}

/// A branch's figures of the year, or the total (`org_id` null).
#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitFlowsJson {
    pub org_id: Option<i64>,
    pub org_name: String,
    pub applied: u32,
    pub activists: u32,
    pub candidates: u32,
    /// 发展党员: admissions approved in the year.
    pub admitted: u32,
    pub admitted_female: u32,
    /// Of them, 35 or younger at the branch meeting.
    pub admitted_young: u32,
    pub converted: u32,
    pub extended: u32,
    pub cancelled: u32,
    pub withdrawn: u32,
    /// On the path at the year's end: applicants, activists, candidates, in admission,
    /// probationary members.
    pub at_year_end: Vec<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitIdJson {
    pub id: i64,
}

fn due(d: &dangjian_core::recruitment::Due) -> RecruitDueJson {
    RecruitDueJson {
        step: d.step.code().to_owned(),
        by: d.by.to_string(),
        lapses: d.lapses.map(|l| l.to_string()),
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct RecruitPipelineQuery {
    /// `branch`: those with a step the branch may record now; `above`: those with a filing,
    /// review, talk or approval of the committee above; everyone when absent.
    #[param(pattern = r"^(branch|above)?$")]
    pub r#for: Option<String>,
}

/// Everyone on the path in scope with the earliest deadline, the overdue first.
#[utoipa::path(get, path = "/recruits", tag = "recruitment", params(RecruitPipelineQuery),
    responses((status = 200, body = Vec<RecruitLineJson>), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn pipeline(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<RecruitLineJson>>, ApiError> {
    let q: RecruitPipelineQuery = api_query(raw.as_deref())?;
    let waiting = match q.r#for.as_deref().unwrap_or("") {
        "" => None,
        "branch" => Some(Waiting::Branch),
        "above" => Some(Waiting::Above),
        _ => return Err(ApiError::BadRequest("for 无效".to_owned())),
    };
    let lines = state.services.recruitment_pipeline(&actor, waiting).await?;
    Ok(Json(
        lines
            .iter()
            .map(|l| RecruitLineJson {
                id: l.recruit.id,
                name: l.recruit.name.clone(),
                org_id: l.recruit.branch_id,
                org_name: l.recruit.branch_name.clone(),
                stage: l.stage.code().to_owned(),
                next: l.next.iter().map(|s| s.code().to_owned()).collect(),
                due: l.due.as_ref().map(|d| RecruitNextJson {
                    what: d.what.clone(),
                    label: d.label.clone(),
                    by: d.by.to_string(),
                }),
                overdue: l.overdue,
                lapsed: l.lapsed,
            })
            .collect(),
    ))
}

/// Records an application (step 1); the applicant at least eighteen that day.
#[utoipa::path(post, path = "/recruits", tag = "recruitment", request_body = RecruitApplicantInput,
    responses((status = 201, body = RecruitIdJson), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<RecruitApplicantInput>,
) -> Result<(StatusCode, Json<RecruitIdJson>), ApiError> {
    let form = ApplicantForm {
        org: i.org,
        name: i.name,
        gender: i.gender,
        birth_date: i.birth_date,
        ethnicity: i.ethnicity,
        education: i.education,
        id_number: i.id_number,
        police_number: i.police_number,
        applied_on: i.applied_on,
    };
    let id = state.services.add_applicant(&actor, &form).await?;
    Ok((StatusCode::CREATED, Json(RecruitIdJson { id })))
}

/// A person's path: the steps recorded, the deadlines, what may come next.
#[utoipa::path(get, path = "/recruits/{id}", tag = "recruitment", params(("id" = i64, Path)),
    responses((status = 200, body = RecruitJson), (status = 404, body = ApiErrorBody)))]
pub async fn person(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RecruitJson>, ApiError> {
    let p = state.services.recruit_path(&actor, id).await?;
    Ok(Json(RecruitJson {
        id: p.recruit.id,
        name: p.recruit.name.clone(),
        org_id: p.recruit.branch_id,
        rules: p.rules.version.code().to_owned(),
        stage: p.path.stage().code().to_owned(),
        version: p.recruit.version,
        steps: p
            .steps
            .iter()
            .map(|s| RecruitStepJson {
                step: s.step.code().to_owned(),
                number: s.step.number(),
                done_on: s.done_on.to_string(),
                note: s.note.clone(),
                days_late: s.days_late,
                meeting_id: s.held.meeting_id,
                voters: s.held.voters,
                present: s.held.present,
                ayes: s.held.ayes,
                written: s.held.written,
                training_days: s.held.training_days,
                training_hours: s.held.training_hours,
            })
            .collect(),
        deadlines: p.deadlines.iter().map(due).collect(),
        next: p.next.iter().map(|s: &Step| s.code().to_owned()).collect(),
        reviews: p.path.reviews.iter().map(|d| d.to_string()).collect(),
        next_review: p.next_review.map(|d| d.to_string()),
        publicity_from: p.path.publicity_from.map(|d| d.to_string()),
        probation_ends: p.path.probation_ends(&p.rules).map(|d| d.to_string()),
        status: p.recruit.status.clone(),
        member_id: p.recruit.member_id,
        extension_months: p.recruit.extension_months,
        people: p
            .people
            .iter()
            .map(|x| RecruitPersonJson {
                role: x.role.clone(),
                member_id: x.member_id,
                name: x.name.clone(),
            })
            .collect(),
        eligible: p
            .eligible
            .iter()
            .map(|m| RecruitChoiceJson {
                id: m.member_id,
                label: m.name.clone(),
            })
            .collect(),
        meetings: p
            .meetings
            .iter()
            .map(|m| RecruitChoiceJson {
                id: m.id,
                label: meeting_label(m),
            })
            .collect(),
        lapsed_on: p.lapsed.map(|d| d.to_string()),
        lapsed_steps: p
            .lapsed_steps
            .iter()
            .map(|l| RecruitLapsedJson {
                step: l.step.code().to_owned(),
                done_on: l.done_on.to_string(),
                lapsed_on: l.lapsed_on.to_string(),
            })
            .collect(),
        ended_on: p.recruit.ended_on.map(|d| d.to_string()),
        end_reason: p.recruit.end_reason.clone(),
        files: p
            .files
            .iter()
            .map(|f| RecruitFileJson {
                id: f.id,
                material: f.material.code().to_owned(),
                file_name: f.file_name.clone(),
                content_type: f.content_type.clone(),
                size: f.size,
                digest: f.digest.clone(),
            })
            .collect(),
        missing_materials: p.missing.iter().map(|m| m.code().to_owned()).collect(),
    }))
}

/// Records a step on its day: in order, not before what it follows, at its time.
#[utoipa::path(post, path = "/recruits/{id}/steps", tag = "recruitment", params(("id" = i64, Path)),
    request_body = RecruitStepInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<RecruitStepInput>,
) -> Result<StatusCode, ApiError> {
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let person = |k: usize| i.people.get(k).map(i64::to_string).unwrap_or_default();
    if i.people.len() > 2 {
        return Err(ServiceError::invalid("people", "最多两名").into());
    }
    let form = StepForm {
        version: i.version,
        step: i.step.clone(),
        on: i.on.clone(),
        note: i.note.clone(),
        first: person(0),
        second: person(1),
        training_days: number(i.training_days),
        training_hours: number(i.training_hours),
        meeting: i.meeting.map(|m| m.to_string()).unwrap_or_default(),
        ayes_present: number(i.ayes_present),
        written_total: number(i.written_total),
        written_ayes: number(i.written_ayes),
    };
    state
        .services
        .record_recruit_step(&actor, id, &form)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a half-yearly review of an activist.
#[utoipa::path(post, path = "/recruits/{id}/reviews", tag = "recruitment", params(("id" = i64, Path)),
    request_body = RecruitDatedInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<RecruitDatedInput>,
) -> Result<StatusCode, ApiError> {
    let form = DatedNoteForm {
        on: i.on,
        note: i.note,
    };
    state
        .services
        .note_recruit(&actor, id, false, &form)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records the first day of the 公示 before 确定发展对象.
#[utoipa::path(post, path = "/recruits/{id}/publicity", tag = "recruitment", params(("id" = i64, Path)),
    request_body = RecruitDatedInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn publicity(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<RecruitDatedInput>,
) -> Result<StatusCode, ApiError> {
    let form = DatedNoteForm {
        on: i.on,
        note: i.note,
    };
    state.services.note_recruit(&actor, id, true, &form).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Extends the probation of a person admitted: once, by six to twelve months.
#[utoipa::path(post, path = "/recruits/{id}/extension", tag = "recruitment", params(("id" = i64, Path)),
    request_body = RecruitExtensionInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn extension(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<RecruitExtensionInput>,
) -> Result<StatusCode, ApiError> {
    let form = ExtensionForm {
        version: i.version,
        on: i.on,
        months: i.months.to_string(),
        reason: i.reason,
    };
    state
        .services
        .extend_recruit_probation(&actor, id, &form)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a path before its last step: withdrawn, or once admitted 取消预备党员资格.
#[utoipa::path(post, path = "/recruits/{id}/end", tag = "recruitment", params(("id" = i64, Path)),
    request_body = RecruitEndInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn end(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<RecruitEndInput>,
) -> Result<StatusCode, ApiError> {
    let form = EndForm {
        version: i.version,
        on: i.on,
        reason: i.reason,
    };
    state.services.end_recruit(&actor, id, &form).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Begins a lapsed admission again: its round of steps 12–16 kept as lapsed, to record anew.
#[utoipa::path(post, path = "/recruits/{id}/redo", tag = "recruitment", params(("id" = i64, Path)),
    request_body = RecruitVersionInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn redo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<RecruitVersionInput>,
) -> Result<StatusCode, ApiError> {
    state.services.redo_admission(&actor, id, i.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The year's 发展党员 figures of the orgs in scope (党内统计), each branch's and the total.
#[utoipa::path(get, path = "/recruits/statistics", tag = "recruitment", params(RecruitYearQuery),
    responses((status = 200, body = Vec<RecruitFlowsJson>), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn statistics(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<RecruitFlowsJson>>, ApiError> {
    let q: RecruitYearQuery = api_query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    let rows = state.services.recruitment_statistics(&actor, year).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| {
                let f = r.flows;
                RecruitFlowsJson {
                    org_id: r.org_id,
                    org_name: r.org_name,
                    applied: f.applied,
                    activists: f.activists,
                    candidates: f.candidates,
                    admitted: f.admitted,
                    admitted_female: f.admitted_female,
                    admitted_young: f.admitted_young,
                    converted: f.converted,
                    extended: f.extended,
                    cancelled: f.cancelled,
                    withdrawn: f.withdrawn,
                    at_year_end: f.at_year_end.to_vec(),
                }
            })
            .collect(),
    ))
}

/// Adds a file to one of a person's materials (the request body): PDF, PNG, JPG, .docx or
/// .xlsx up to 10 MB, its type read from its bytes, kept with its SM3 digest.
#[utoipa::path(post, path = "/recruits/{id}/materials/{material}", tag = "recruitment",
    params(("id" = i64, Path), ("material" = String, Path), RecruitFileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, material)): ApiPath<(i64, String)>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let q: RecruitFileQuery = api_query(raw.as_deref())?;
    let upload = dangjian_service::Upload {
        file_name: &q.name,
        bytes: &body,
    };
    state
        .services
        .attach_recruit_files(&actor, id, &material, &[upload])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file's bytes (the read audited).
#[utoipa::path(get, path = "/recruits/{id}/files/{file}", tag = "recruitment",
    params(("id" = i64, Path), ("file" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ApiErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, file)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let (row, bytes) = state.services.recruit_file(&actor, id, file).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, row.content_type)],
        bytes,
    )
        .into_response())
}
