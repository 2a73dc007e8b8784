//! 考试 pages (issue 15, 5): the question bank and its import, exams and their papers, a
//! member's sitting with its clock, and the results.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::exam::QuestionKind;
use dangjian_core::field::FieldErrors;
use dangjian_core::role::{Permission, Scope};
use dangjian_service::study::Part;
use dangjian_service::study::{
    AnswersForm, ExamDetail, ExamForm, ExamRow, PartForm, PublishForm, QuestionForm, SittingDetail,
};
use dangjian_service::{Actor, Page, ServiceError};
use serde::Deserialize;

use super::{PAGE_SIZE, Start, YearQuery, after_action, layout, start};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::pages::{Kept, Path, query, render, render_invalid};
use crate::session::{Session, SessionForm};

#[derive(Template)]
#[template(path = "study_exams.html")]
struct ExamsPage {
    layout: Layout,
    rows: Vec<ExamRow>,
    page: u32,
    has_next: bool,
    can_create: bool,
    form: ExamForm,
    errors: FieldErrors,
}

async fn exams_page(
    state: &AppState,
    actor: &Actor,
    number: u32,
    form: ExamForm,
    errors: FieldErrors,
) -> Result<ExamsPage, PageError> {
    let page = Page {
        number: number.max(1),
        size: PAGE_SIZE,
    };
    let (rows, total) = state.services.exams(actor, page).await?;
    Ok(ExamsPage {
        layout: layout(actor, "考试"),
        rows,
        page: page.number,
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        can_create: actor.permits(Permission::RecordStudy),
        form,
        errors,
    })
}

pub async fn exams(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let form = ExamForm {
        minutes: "30".to_owned(),
        pass_percent: "60".to_owned(),
        max_attempts: "2".to_owned(),
        ..ExamForm::default()
    };
    let page = exams_page(
        &state,
        &session.actor,
        q.page.unwrap_or(1),
        form,
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn create_exam(
    State(state): State<AppState>,
    form: SessionForm<ExamForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let org = match start(&state, actor, None).await? {
        Start::Org(org) => org,
        Start::Own(to) => return Ok(to),
    };
    match state.services.create_exam(actor, org, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/study/exams/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&exams_page(&state, actor, 1, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "study_exam.html")]
struct ExamPage {
    layout: Layout,
    d: ExamDetail,
    kinds: Vec<(&'static str, &'static str)>,
    kept: Kept,
}

impl ExamPage {
    fn part(&self, part: &Part) -> String {
        match part {
            Part::Fixed {
                question_id,
                points,
            } => {
                format!("第{question_id}号题，{points}分")
            }
            Part::Draw {
                kind,
                count,
                points,
            } => {
                format!("随机抽取{}{count}道，每道{points}分", kind.label())
            }
        }
    }
}

async fn exam_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    kept: Kept,
) -> Result<ExamPage, PageError> {
    let d = state.services.exam(actor, id).await?;
    Ok(ExamPage {
        layout: layout(actor, "考试")
            .crumb(d.exam.title.clone(), None)
            .notice(notice),
        kinds: QuestionKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        d,
        kept,
    })
}

pub async fn exam(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    render(&exam_page(&state, &session.actor, id, notice, Kept::default()).await?)
}

/// Back to the exam on success, or its page with the refusal at the form's fields.
async fn after_exam_action(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    kept: (&'static str, Vec<(String, String)>),
) -> Result<Response, PageError> {
    let back = format!("/study/exams/{id}?saved=1");
    after_action(result, back, kept, |kept| {
        exam_page(state, actor, id, None, kept)
    })
    .await
}

pub async fn add_exam_part(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<PartForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .add_exam_part(&session.actor, id, &form)
        .await;
    let kept = vec![
        ("question".to_owned(), form.question),
        ("kind".to_owned(), form.kind),
        ("count".to_owned(), form.count),
        ("points".to_owned(), form.points),
    ];
    after_exam_action(&state, &session.actor, id, result, ("part", kept)).await
}

pub async fn publish_exam(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<PublishForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .publish_exam(&session.actor, id, form.version)
        .await;
    after_exam_action(&state, &session.actor, id, result, ("publish", Vec::new())).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Empty {}

/// A member starts a sitting and goes to its paper.
pub async fn start_sitting(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let SessionForm { session, .. } = form;
    let result = state.services.start_sitting(&session.actor, id).await;
    match result {
        Ok(sitting) => Ok(Redirect::to(&format!("/study/sittings/{sitting}")).into_response()),
        Err(e) => {
            after_exam_action(&state, &session.actor, id, Err(e), ("start", Vec::new())).await
        }
    }
}

#[derive(Template)]
#[template(path = "study_sitting.html")]
struct SittingPage {
    layout: Layout,
    d: SittingDetail,
    seconds_left: i64,
    running: bool,
    own: bool,
    errors: FieldErrors,
}

impl SittingPage {
    /// The options of a question as shown: (letter, text).
    fn options(
        &self,
        paper: &dangjian_service::study::PaperRow,
        q: &dangjian_service::study::QuestionRow,
    ) -> Vec<(char, String)> {
        paper
            .shown
            .iter()
            .enumerate()
            .filter_map(|(i, original)| {
                Some((
                    dangjian_core::exam::letter(i),
                    q.options.get(*original)?.clone(),
                ))
            })
            .collect()
    }

    fn chosen(&self, paper: &dangjian_service::study::PaperRow, value: &str) -> bool {
        paper.given.as_deref().is_some_and(|g| g.contains(value))
    }

    /// The key as the sitting showed it (letters in the shown order).
    fn key(
        &self,
        paper: &dangjian_service::study::PaperRow,
        q: &dangjian_service::study::QuestionRow,
    ) -> String {
        match q.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                let mut letters: Vec<char> = paper
                    .shown
                    .iter()
                    .enumerate()
                    .filter(|(_, original)| q.key.contains(dangjian_core::exam::letter(**original)))
                    .map(|(i, _)| dangjian_core::exam::letter(i))
                    .collect();
                letters.sort_unstable();
                letters.into_iter().collect()
            }
            _ => q.key.replace('|', " 或 "),
        }
    }
}

async fn sitting_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    errors: FieldErrors,
) -> Result<SittingPage, PageError> {
    let d = state.services.sitting(actor, id).await?;
    let (running, seconds_left) = match d.clock {
        dangjian_core::exam::SittingClock::Running { seconds_left } => (true, seconds_left),
        dangjian_core::exam::SittingClock::Over => (false, 0),
    };
    Ok(SittingPage {
        layout: layout(actor, "考试")
            .crumb(
                d.exam.title.clone(),
                Some(format!("/study/exams/{}", d.exam.id)),
            )
            .notice(notice),
        own: actor.scope
            == (Scope::OwnRecord {
                member_id: d.sitting.member_id,
            }),
        d,
        seconds_left,
        running,
        errors,
    })
}

pub async fn sitting(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("答案已保存");
    render(&sitting_page(&state, &session.actor, id, notice, FieldErrors::new()).await?)
}

/// The paper as posted: `q{position}` once per chosen option (or the text of a blank), and
/// `action` = `save` or `submit`.
pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let mut answers: Vec<(i64, String)> = Vec::new();
    let mut submit = false;
    for (key, value) in form {
        if key == "action" {
            submit = value == "submit";
        } else if let Some(position) = key.strip_prefix('q').and_then(|p| p.parse::<i64>().ok()) {
            match answers.iter_mut().find(|(p, _)| *p == position) {
                Some((_, given)) => given.push_str(&value),
                None => answers.push((position, value)),
            }
        }
    }
    let form = AnswersForm { answers, submit };
    match state
        .services
        .answer_sitting(&session.actor, id, &form)
        .await
    {
        Ok(()) if submit => Ok(Redirect::to(&format!("/study/sittings/{id}")).into_response()),
        Ok(()) => Ok(Redirect::to(&format!("/study/sittings/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&sitting_page(&state, &session.actor, id, None, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "study_questions.html")]
struct QuestionsPage {
    layout: Layout,
    rows: Vec<dangjian_service::study::QuestionRow>,
    page: u32,
    has_next: bool,
    kinds: Vec<(&'static str, &'static str)>,
    form: QuestionForm,
    errors: FieldErrors,
    imported: Option<usize>,
}

async fn questions_page(
    state: &AppState,
    actor: &Actor,
    number: u32,
    form: QuestionForm,
    errors: FieldErrors,
) -> Result<QuestionsPage, PageError> {
    let page = Page {
        number: number.max(1),
        size: PAGE_SIZE,
    };
    let (rows, total) = state.services.questions(actor, None, page).await?;
    Ok(QuestionsPage {
        layout: layout(actor, "题库"),
        rows,
        page: page.number,
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        kinds: QuestionKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        form,
        errors,
        imported: None,
    })
}

pub async fn questions(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let form = QuestionForm {
        kind: QuestionKind::Single.code().to_owned(),
        ..QuestionForm::default()
    };
    render(
        &questions_page(
            &state,
            &session.actor,
            q.page.unwrap_or(1),
            form,
            FieldErrors::new(),
        )
        .await?,
    )
}

pub async fn add_question(
    State(state): State<AppState>,
    form: SessionForm<QuestionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let org = match start(&state, actor, None).await? {
        Start::Org(org) => org,
        Start::Own(to) => return Ok(to),
    };
    match state.services.add_question(actor, org, &form).await {
        Ok(_) => Ok(Redirect::to("/study/questions?saved=1").into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&questions_page(&state, actor, 1, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn question_template(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let bytes = state.services.question_template(&session.actor).await?;
    Ok(crate::pages::stats::xlsx(bytes, "题库导入模板.xlsx"))
}

/// Imports the bank's template (multipart: the CSRF token, then the file).
pub async fn import_questions(
    State(state): State<AppState>,
    session: Session,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let file =
        crate::pages::single_upload(&state, actor, multipart, "file", "/study/questions/import")
            .await?;
    let org = match start(&state, actor, None).await? {
        Start::Org(org) => org,
        Start::Own(to) => return Ok(to),
    };
    let result = match file {
        Some(bytes) => state.services.import_questions(actor, org, &bytes).await,
        None => Err(ServiceError::invalid("file", "请选择要导入的表格")),
    };
    let form = QuestionForm {
        kind: QuestionKind::Single.code().to_owned(),
        ..QuestionForm::default()
    };
    match result {
        Ok(n) => {
            let mut page = questions_page(&state, actor, 1, form, FieldErrors::new()).await?;
            page.imported = Some(n);
            render(&page)
        }
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&questions_page(&state, actor, 1, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}
