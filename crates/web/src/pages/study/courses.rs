//! 微党课与网络课程 pages (issue 15, 3): the courses an account may open, a course with its
//! chapters and their media, the chapter quizzes, and a member finishing a chapter.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::exam::{QuestionKind, letter, quiz_field};
use dangjian_core::field::FieldErrors;
use dangjian_core::role::Permission;
use dangjian_core::study::MediaKind;
use dangjian_service::blobs::Spool;
use dangjian_service::study::{
    ChapterForm, CourseDetail, CourseForm, CourseRow, PublishForm, QuizForm,
};
use dangjian_service::{Actor, Page, ServiceError};
use serde::Deserialize;

use super::{PAGE_SIZE, Start, YearQuery, layout, start};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::pages::{Kept, Path, query, render, render_invalid};
use crate::session::{Session, SessionForm};

/// Why a chapter upload was refused before it reached the service.
pub(crate) enum UploadFail {
    /// At the form's `file` field (too large): the service's own refusal.
    Field(ServiceError),
    /// The request itself (a broken or foreign multipart body).
    Bad(&'static str),
}

/// Receives a chapter's multipart form: its fields, and its file streamed into a spool as it
/// arrives (never whole in memory). Gives the CSRF token it carried, for pages to check.
pub(crate) async fn receive_chapter(
    services: &dangjian_service::Services,
    mut multipart: axum::extract::Multipart,
) -> Result<(Option<String>, ChapterForm, Option<Spool>), UploadFail> {
    let mut csrf = None;
    let mut form = ChapterForm::default();
    let mut spool = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| UploadFail::Bad("上传内容无效或上传中断"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let mut received = services.spool().map_err(UploadFail::Field)?;
            while let Some(bytes) = field
                .chunk()
                .await
                .map_err(|_| UploadFail::Bad("上传中断，请重新上传"))?
            {
                received.write(&bytes).map_err(UploadFail::Field)?;
            }
            if received.size() > 0 {
                form.file_name = file_name;
                spool = Some(received);
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|_| UploadFail::Bad("上传内容无效"))?;
        match name.as_str() {
            "csrf" => csrf = Some(text),
            "version" => form.version = text.trim().parse().unwrap_or(0),
            "title" => form.title = text,
            "media" => form.media = text,
            "minutes" => form.minutes = text,
            "body" => form.body = text,
            _ => return Err(UploadFail::Bad("表单含有不允许的字段")),
        }
    }
    Ok((csrf, form, spool))
}

/// A stored file as a response: the part a `Range` header asks for (206), or the whole
/// (200), read chunk by chunk as the client takes it, so a video seeks and memory stays flat.
pub(crate) fn media_response(
    services: &dangjian_service::Services,
    blob: dangjian_service::blobs::BlobRow,
    name: &str,
    range: Option<&str>,
) -> Response {
    use axum::http::{StatusCode, header};
    let size = u64::try_from(blob.size).unwrap_or(0);
    let (status, start, end) = match range {
        Some(r) => match dangjian_core::study::byte_range(r, size) {
            Some((s, e)) => (StatusCode::PARTIAL_CONTENT, s, e),
            None => {
                return (
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    [(header::CONTENT_RANGE, format!("bytes */{size}"))],
                )
                    .into_response();
            }
        },
        None if size == 0 => (StatusCode::OK, 0, 0),
        None => (StatusCode::OK, 0, size - 1),
    };
    let length = if size == 0 { 0 } else { end - start + 1 };
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    let services = services.clone();
    let chunk = u64::try_from(blob.chunk_size).unwrap_or(1).max(1);
    let digest = blob.digest.clone();
    if length > 0 {
        tokio::spawn(async move {
            for n in start / chunk..=end / chunk {
                let from = start.max(n * chunk) - n * chunk;
                let to = end.min(n * chunk + chunk - 1) - n * chunk;
                let part = services
                    .blob_part(&digest, n as i64, from as usize, to as usize)
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string()));
                let failed = part.is_err();
                if sender.send(part).await.is_err() || failed {
                    break;
                }
            }
        });
    }
    let mut headers = vec![
        (header::CONTENT_TYPE, blob.mime.clone()),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
        (header::CONTENT_LENGTH, length.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("inline; filename*=UTF-8''{}", crate::session::encode(name)),
        ),
    ];
    if status == StatusCode::PARTIAL_CONTENT {
        headers.push((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
    }
    (
        status,
        axum::response::AppendHeaders(headers),
        axum::body::Body::from_stream(Chunks(receiver)),
    )
        .into_response()
}

/// The parts of a file as they are read.
struct Chunks(tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>);

impl futures_core::Stream for Chunks {
    type Item = std::io::Result<Vec<u8>>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// A chapter's file, for the player in the page.
pub async fn chapter_file(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let (blob, name) = state.services.chapter_file(&session.actor, id).await?;
    let range = headers
        .get(axum::http::header::RANGE)
        .and_then(|v| v.to_str().ok());
    Ok(media_response(&state.services, blob, &name, range))
}

#[derive(Template)]
#[template(path = "study_courses.html")]
struct CoursesPage {
    layout: Layout,
    rows: Vec<CourseRow>,
    page: u32,
    has_next: bool,
    can_create: bool,
    form: CourseForm,
    errors: FieldErrors,
}

async fn courses_page(
    state: &AppState,
    actor: &Actor,
    number: u32,
    form: CourseForm,
    errors: FieldErrors,
) -> Result<CoursesPage, PageError> {
    let page = Page {
        number: number.max(1),
        size: PAGE_SIZE,
    };
    let (rows, total) = state.services.courses(actor, page).await?;
    Ok(CoursesPage {
        layout: layout(actor, "微党课与网络课程"),
        rows,
        page: page.number,
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        can_create: actor.permits(Permission::RecordStudy),
        form,
        errors,
    })
}

pub async fn courses(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let page = courses_page(
        &state,
        &session.actor,
        q.page.unwrap_or(1),
        CourseForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn create_course(
    State(state): State<AppState>,
    form: SessionForm<CourseForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let org = match start(&state, actor, None).await? {
        Start::Org(org) => org,
        Start::Own(to) => return Ok(to),
    };
    match state.services.create_course(actor, org, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/study/courses/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&courses_page(&state, actor, 1, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "study_course.html")]
struct CoursePage {
    layout: Layout,
    d: CourseDetail,
    media: Vec<(&'static str, &'static str)>,
    kept: Kept,
    /// The chapter whose quiz (or quiz question form) `kept` is of.
    quiz_chapter: Option<i64>,
}

impl CoursePage {
    fn count(&self, chapter: &i64) -> i64 {
        self.d.counts.get(chapter).copied().unwrap_or(0)
    }

    fn of_chapter(&self, chapter: &i64) -> bool {
        self.quiz_chapter == Some(*chapter)
    }

    /// The refusal of question `n` of a chapter's quiz as last answered.
    fn quiz_err(&self, chapter: &i64, n: &usize) -> Option<&str> {
        self.of_chapter(chapter)
            .then(|| self.kept.err("quiz", quiz_field(*n)))
            .flatten()
    }

    /// What was answered to question `n` of a chapter's quiz (kept when it was refused).
    fn given(&self, chapter: &i64, n: &usize) -> &str {
        if self.of_chapter(chapter) {
            self.kept.v("quiz", quiz_field(*n))
        } else {
            ""
        }
    }

    fn chose(&self, chapter: &i64, n: &usize, value: &str) -> bool {
        let given = self.given(chapter, n);
        !given.is_empty() && (given == value || (value.len() == 1 && given.contains(value)))
    }

    fn question_err(&self, chapter: &i64) -> Option<&str> {
        self.of_chapter(chapter)
            .then(|| {
                self.kept
                    .err("question", "question")
                    .or(self.kept.err("question", "version"))
            })
            .flatten()
    }

    /// The options of a quiz question with their letters.
    fn lettered<'a>(&self, options: &'a [String]) -> Vec<(char, &'a String)> {
        options
            .iter()
            .enumerate()
            .map(|(i, o)| (letter(i), o))
            .collect()
    }
}

async fn course_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    kept: Kept,
) -> Result<CoursePage, PageError> {
    let d = state.services.course(actor, id).await?;
    Ok(CoursePage {
        layout: layout(actor, "微党课与网络课程")
            .crumb(d.course.title.clone(), None)
            .notice(notice),
        media: MediaKind::ALL
            .iter()
            .map(|m| (m.code(), m.label()))
            .collect(),
        d,
        kept,
        quiz_chapter: None,
    })
}

pub async fn course(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    render(&course_page(&state, &session.actor, id, notice, Kept::default()).await?)
}

/// Adds a chapter (multipart: the CSRF token and the fields, then the file).
pub async fn add_chapter(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let multipart =
        multipart.map_err(|_| PageError::BadRequest("上传内容无效，请从页面上传".to_owned()))?;
    state.services.may_add_chapter(actor, id).await?;
    let path = format!("/study/courses/{id}/chapters");
    let result = match receive_chapter(&state.services, multipart).await {
        Ok((csrf, form, spool)) => {
            crate::session::check_csrf(&state, actor, csrf.as_deref(), &path).await?;
            let outcome = state.services.add_chapter(actor, id, &form, spool).await;
            (form, outcome.map(|_| ()))
        }
        Err(UploadFail::Field(e)) => (ChapterForm::default(), Err(e)),
        Err(UploadFail::Bad(message)) => return Err(PageError::BadRequest(message.to_owned())),
    };
    match result {
        (_, Ok(())) => Ok(Redirect::to(&format!("/study/courses/{id}?saved=1")).into_response()),
        (form, Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors))) => {
            let kept = Kept {
                active: "chapter",
                values: vec![
                    ("title".to_owned(), form.title),
                    ("media".to_owned(), form.media),
                    ("minutes".to_owned(), form.minutes),
                    ("body".to_owned(), form.body),
                ],
                errors,
            };
            render_invalid(&course_page(&state, actor, id, None, kept).await?)
        }
        (_, Err(other)) => Err(other.into()),
    }
}

pub async fn publish_course(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<PublishForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    match state.services.publish_course(actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/study/courses/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "publish",
                values: Vec::new(),
                errors,
            };
            render_invalid(&course_page(&state, actor, id, None, kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompleteForm {
    pub course: i64,
}

/// The course page again with a chapter's refused quiz or quiz question form.
async fn course_with(
    state: &AppState,
    actor: &Actor,
    course: i64,
    chapter: i64,
    kept: Kept,
) -> Result<Response, PageError> {
    let mut page = course_page(state, actor, course, None, kept).await?;
    page.quiz_chapter = Some(chapter);
    render_invalid(&page)
}

/// A member answers a chapter's quiz: all right, the chapter is finished; otherwise the
/// questions missed are marked and the answers kept.
pub async fn answer_quiz(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let mut course = 0;
    let mut answers: Vec<(i64, String)> = Vec::new();
    for (key, value) in form {
        if key == "course" {
            course = value.parse().unwrap_or(0);
        } else if let Some(n) = key.strip_prefix('q').and_then(|n| n.parse::<i64>().ok()) {
            match answers.iter_mut().find(|(p, _)| *p == n) {
                Some((_, given)) => given.push_str(&value),
                None => answers.push((n, value)),
            }
        }
    }
    match state
        .services
        .answer_chapter_quiz(&session.actor, id, &answers)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/study/courses/{course}?saved=1#chapter-{id}")).into_response(),
        ),
        Err(ServiceError::Invalid(errors)) => {
            let values = answers
                .into_iter()
                .filter_map(|(n, v)| {
                    let n = usize::try_from(n).ok()?;
                    Some((quiz_field(n).to_owned(), v))
                })
                .collect();
            let kept = Kept {
                active: "quiz",
                values,
                errors,
            };
            course_with(&state, &session.actor, course, id, kept).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuizQuestionForm {
    pub course: i64,
    pub version: i64,
    pub question: String,
}

/// Adds a question of the bank to a chapter's quiz.
pub async fn add_quiz_question(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<QuizQuestionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let quiz = QuizForm {
        version: form.version,
        question: form.question.clone(),
    };
    match state
        .services
        .add_chapter_question(&session.actor, id, &quiz)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/study/courses/{}?saved=1#chapter-{id}",
            form.course
        ))
        .into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "question",
                values: vec![("question".to_owned(), form.question)],
                errors,
            };
            course_with(&state, &session.actor, form.course, id, kept).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoveQuizForm {
    pub course: i64,
    pub version: i64,
}

/// Takes a question out of a chapter's quiz.
pub async fn remove_quiz_question(
    State(state): State<AppState>,
    Path((id, question)): Path<(i64, i64)>,
    form: SessionForm<RemoveQuizForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .remove_chapter_question(&session.actor, id, question, form.version)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/study/courses/{}?saved=1#chapter-{id}",
            form.course
        ))
        .into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "question",
                values: Vec::new(),
                errors,
            };
            course_with(&state, &session.actor, form.course, id, kept).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A member marks a chapter finished.
pub async fn complete_chapter(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<CompleteForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    state.services.complete_chapter(&session.actor, id).await?;
    Ok(Redirect::to(&format!(
        "/study/courses/{}?saved=1#chapter-{id}",
        form.course
    ))
    .into_response())
}
