//! `/api/v1/study/courses…` and `/api/v1/study/chapters/…` (issue 15, 3): courses, chapters
//! and their files (ranges), chapter quizzes, and a member finishing a chapter.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use dangjian_service::study::{CourseDetail, CourseForm, CourseRow, PublishForm, QuizForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MemberYearJson, StudyQuery, hours, org_or_home, page, year_or_this};
use crate::AppState;
use crate::api::{ApiJson, ApiPath, api_query};
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

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
