//! `/api/v1/study/questions…`, `/study/exams…` and `/study/sittings/…` (issue 15, 5): the
//! question bank, exams, sittings and results.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use dangjian_service::Page;
use dangjian_service::study::{
    AnswersForm, ExamDetail, ExamForm, ExamRow, PartForm, QuestionForm, QuestionRow, SittingDetail,
    SittingRow,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{PublishInput, StudyQuery, org_or_home, page};
use crate::AppState;
use crate::api::{ApiJson, ApiPath, api_query};
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

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
