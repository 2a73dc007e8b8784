//! `/api/v1/recruits…` (issue 18, the path and the pipeline): everyone on the path in scope
//! with the next deadline, an application recorded, a person's twenty-five steps, and each
//! step, half-yearly review and 公示 recorded.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dangjian_core::recruitment::Step;
use dangjian_service::recruitment::{ApplicantForm, DatedNoteForm, StepForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
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

/// Everyone on the path in scope with the earliest deadline, the overdue first.
#[utoipa::path(get, path = "/recruits", tag = "recruitment",
    responses((status = 200, body = Vec<RecruitLineJson>), (status = 403, body = ApiErrorBody)))]
pub async fn pipeline(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<RecruitLineJson>>, ApiError> {
    let lines = state.services.recruitment_pipeline(&actor).await?;
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
            })
            .collect(),
        deadlines: p.deadlines.iter().map(due).collect(),
        next: p.next.iter().map(|s: &Step| s.code().to_owned()).collect(),
        reviews: p.path.reviews.iter().map(|d| d.to_string()).collect(),
        next_review: p.next_review.map(|d| d.to_string()),
        publicity_from: p.path.publicity_from.map(|d| d.to_string()),
        probation_ends: p.path.probation_ends(&p.rules).map(|d| d.to_string()),
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
    let form = StepForm {
        version: i.version,
        step: i.step,
        on: i.on,
        note: i.note,
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
