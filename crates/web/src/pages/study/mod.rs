//! 学习教育 pages (issue 15): an org's year of 学时 by branch and member, a member's own year
//! with every credit, group studies (on their own roll, or the study part of an org-life
//! record), training classes with sessions, enrolment, attendance and completion, and the
//! secretaries' and committee members' training ledger.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use dangjian_core::exam::{QuestionKind, letter, quiz_field};
use dangjian_core::field::FieldErrors;
use dangjian_core::orglife::AbsenceReason;
use dangjian_core::role::{Permission, Scope};
use dangjian_core::study::{HourSource, Hours, MediaKind, StudyKind};
use dangjian_service::blobs::Spool;
use dangjian_service::study::Part;
use dangjian_service::study::{
    AbsenceForm, AnswersForm, AttendanceForm, ChapterForm, ClassDetail, ClassForm, ClassRow,
    ClassSessionForm, CloseClassForm, CourseDetail, CourseForm, CourseRow, EnrolForm, ExamDetail,
    ExamForm, ExamRow, LedgerLine, MeetingStudyForm, MemberYear, OrgYear, PartForm, PlanItemForm,
    PlanView, PublishForm, QuestionForm, QuizForm, SessionRow, SittingDetail, StudyDetail,
    StudyForm, StudyMakeupForm,
};
use dangjian_service::{Actor, Page, ServiceError};
use serde::Deserialize;

use super::{Kept, Path, query, render, render_invalid};

mod search;
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
pub use search::search;
pub(crate) use search::{href as hit_href, kind_label};

const AREA: &str = "/study";
const PAGE_SIZE: u32 = 50;

fn layout(actor: &Actor, title: &str) -> Layout {
    let layout = Layout::new(actor, AREA, title.to_owned());
    if title == "学习教育" {
        layout.crumb("学习教育", None)
    } else {
        layout
            .crumb("学习教育", Some(AREA.to_owned()))
            .crumb(title.to_owned(), None)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YearQuery {
    pub org: Option<i64>,
    pub year: Option<i32>,
    pub page: Option<u32>,
    pub saved: String,
    /// Only those short of their target.
    pub short: String,
}

fn this_year(state: &AppState, year: Option<i32>) -> i32 {
    year.unwrap_or_else(|| state.services.clock().today().year())
}

/// Where a page of an org's study starts: the org asked for, the account's own (the top of
/// the tree for the office), or — for a member, whose study is their own — their own page.
enum Start {
    Org(i64),
    Own(Response),
}

async fn start(state: &AppState, actor: &Actor, org: Option<i64>) -> Result<Start, PageError> {
    // Checks the permission (audited) before anything else.
    let home = state.services.study_home(actor).await?;
    if matches!(actor.scope, Scope::OwnRecord { .. }) {
        return Ok(Start::Own(Redirect::to("/study/me").into_response()));
    }
    Ok(Start::Org(org.or(home).ok_or(ServiceError::NotFound)?))
}

fn hours_of(sources: &[(HourSource, Hours)], source: HourSource) -> Hours {
    sources
        .iter()
        .filter(|(s, _)| *s == source)
        .map(|(_, h)| *h)
        .sum()
}

#[derive(Template)]
#[template(path = "study_home.html")]
struct HomePage {
    layout: Layout,
    y: OrgYear,
    year: i32,
    short_only: bool,
    sources: Vec<HourSource>,
    can_record: bool,
    /// The year's targets: members' hours, leaders' hours, leaders' concentrated trainings.
    targets: (u32, u32, u32),
}

impl HomePage {
    fn hours(&self, sources: &[(HourSource, Hours)], source: &HourSource) -> Hours {
        hours_of(sources, *source)
    }
}

/// An org's year: by branch, then each member (those short first when asked).
pub async fn home(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let org = match start(&state, actor, q.org).await? {
        Start::Org(org) => org,
        Start::Own(to) => return Ok(to),
    };
    let year = this_year(&state, q.year);
    let mut y = state.services.org_study_year(actor, org, year).await?;
    let short_only = !q.short.is_empty();
    if short_only {
        y.members.retain(|m| !m.attainment.met());
    }
    render(&HomePage {
        layout: layout(actor, "学习教育"),
        y,
        year,
        short_only,
        sources: HourSource::ALL.to_vec(),
        can_record: actor.permits(Permission::RecordStudy),
        targets: {
            let t = &state.services.rules().training;
            (
                t.member_min_hours_per_year,
                t.secretary_and_committee_min_hours_per_year,
                t.secretary_and_committee_min_centralised_trainings_per_year,
            )
        },
    })
}

/// The org's year as a workbook.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let org = match start(&state, actor, q.org).await? {
        Start::Org(org) => org,
        Start::Own(to) => return Ok(to),
    };
    let year = this_year(&state, q.year);
    let name = state.services.study_org(actor, org).await?.name;
    let bytes = state.services.study_xlsx(actor, org, year).await?;
    Ok(super::stats::xlsx(
        bytes,
        &format!("{name}-{year}年学时台账.xlsx"),
    ))
}

#[derive(Template)]
#[template(path = "study_member.html")]
struct MemberPage {
    layout: Layout,
    y: MemberYear,
    own: bool,
}

/// The member's own year.
pub async fn me(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let home = state.services.study_home(actor).await?;
    let Scope::OwnRecord { member_id } = actor.scope else {
        return match home {
            Some(_) => Ok(Redirect::to("/study").into_response()),
            None => Err(ServiceError::NotFound.into()),
        };
    };
    let year = this_year(&state, q.year);
    let y = state
        .services
        .member_study_year(actor, member_id, year)
        .await?;
    render(&MemberPage {
        layout: Layout::new(actor, AREA, "我的学习".to_owned()).crumb("我的学习", None),
        y,
        own: true,
    })
}

/// A member's year, for those who may read them.
pub async fn member(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let year = this_year(&state, q.year);
    let y = state.services.member_study_year(actor, id, year).await?;
    let title = format!("{} {}年学时", y.name, year);
    render(&MemberPage {
        layout: layout(actor, &title),
        y,
        own: false,
    })
}

#[derive(Template)]
#[template(path = "study_sessions.html")]
struct SessionsPage {
    layout: Layout,
    rows: Vec<SessionRow>,
    year: i32,
    page: u32,
    has_next: bool,
    home: Option<i64>,
}

/// The group studies in scope of a year.
pub async fn sessions(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    if let Start::Own(to) = start(&state, actor, q.org).await? {
        return Ok(to);
    }
    let year = this_year(&state, q.year);
    let page = Page {
        number: q.page.unwrap_or(1).max(1),
        size: PAGE_SIZE,
    };
    let (rows, total) = state.services.studies(actor, q.org, year, page).await?;
    let home = if actor.permits(Permission::RecordStudy) {
        state.services.study_home(actor).await?
    } else {
        None
    };
    render(&SessionsPage {
        layout: layout(actor, "集中学习"),
        rows,
        year,
        page: page.number,
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        home,
    })
}

#[derive(Template)]
#[template(path = "study_session_new.html")]
struct NewSessionPage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    kinds: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    form: StudyForm,
    /// (member, name, the reason chosen: empty when present)
    roll: Vec<(i64, String, String)>,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewSessionQuery {
    pub kind: String,
    pub held_on: String,
}

async fn new_session_page(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    form: StudyForm,
    errors: FieldErrors,
) -> Result<NewSessionPage, PageError> {
    let org = state.services.study_org(actor, org_id).await?;
    let kind = StudyKind::from_code(&form.kind).unwrap_or(StudyKind::BranchStudy);
    let today = state.services.clock().today();
    let on = dangjian_core::member::parse_date(form.held_on.trim()).unwrap_or(today);
    let roll = state
        .services
        .study_roll(actor, org.id, kind, on.min(today))
        .await?
        .into_iter()
        .map(|m| {
            let reason = form
                .absences
                .iter()
                .find(|a| a.member_id == m.member_id)
                .map(|a| a.reason.clone())
                .unwrap_or_default();
            (m.member_id, m.name, reason)
        })
        .collect();
    Ok(NewSessionPage {
        layout: layout(actor, "登记集中学习").crumb(org.name.clone(), None),
        org_id: org.id,
        org_name: org.name,
        kinds: StudyKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        reasons: AbsenceReason::ALL
            .iter()
            .map(|r| (r.code(), r.label()))
            .collect(),
        form,
        roll,
        errors,
    })
}

/// The form for a group study at an org: the day's roll, each present unless marked.
pub async fn new_session(
    State(state): State<AppState>,
    session: Session,
    Path(org): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: NewSessionQuery = query(raw.as_deref())?;
    let form = StudyForm {
        kind: if q.kind.is_empty() {
            StudyKind::BranchStudy.code().to_owned()
        } else {
            q.kind
        },
        held_on: q.held_on,
        ..StudyForm::default()
    };
    let page = new_session_page(&state, &session.actor, org, form, FieldErrors::new()).await?;
    render(&page)
}

/// The study form as posted: `absent_{member}` holds the reason of each absentee.
fn read_study_form(pairs: Vec<(String, String)>) -> StudyForm {
    let mut form = StudyForm::default();
    for (key, value) in pairs {
        match key.as_str() {
            "kind" => form.kind = value,
            "held_on" => form.held_on = value,
            "minutes" => form.minutes = value,
            "topic" => form.topic = value,
            "materials" => form.materials = value,
            other => {
                if let Some(id) = other.strip_prefix("absent_")
                    && let Ok(member_id) = id.parse()
                    && !value.is_empty()
                {
                    form.absences.push(AbsenceForm {
                        member_id,
                        reason: value,
                    });
                }
            }
        }
    }
    form
}

pub async fn create_session(
    State(state): State<AppState>,
    Path(org): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let form = read_study_form(form);
    match state.services.record_study(actor, org, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/study/sessions/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&new_session_page(&state, actor, org, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "study_session.html")]
struct SessionPage {
    layout: Layout,
    d: StudyDetail,
    meeting: Option<(&'static str, &'static str)>,
    kept: Kept,
}

async fn session_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    kept: Kept,
) -> Result<SessionPage, PageError> {
    let d = state.services.study(actor, id).await?;
    Ok(SessionPage {
        layout: layout(actor, "集中学习")
            .crumb(d.session.topic.clone(), None)
            .notice(notice),
        meeting: d.meeting.map(|(k, s)| (k.label(), s.label())),
        d,
        kept,
    })
}

pub async fn session(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    render(&session_page(&state, &session.actor, id, notice, Kept::default()).await?)
}

pub async fn makeup(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<StudyMakeupForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .record_study_makeup(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/study/sessions/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "makeup",
                values: vec![
                    ("member_id".to_owned(), form.member_id.to_string()),
                    ("on".to_owned(), form.on),
                    ("note".to_owned(), form.note),
                ],
                errors,
            };
            render_invalid(&session_page(&state, &session.actor, id, None, kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "study_meeting.html")]
struct MeetingStudyPage {
    layout: Layout,
    meeting_id: i64,
    form: MeetingStudyForm,
    errors: FieldErrors,
}

/// The form for the study part of an org-life record.
pub async fn meeting_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    state.services.may_link_study(actor, id).await?;
    if let Some(study) = state.services.meeting_study(actor, id).await? {
        return Ok(Redirect::to(&format!("/study/sessions/{}", study.id)).into_response());
    }
    render(&MeetingStudyPage {
        layout: layout(actor, "登记学习内容"),
        meeting_id: id,
        form: MeetingStudyForm::default(),
        errors: FieldErrors::new(),
    })
}

pub async fn link_meeting(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<MeetingStudyForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    match state.services.record_meeting_study(actor, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?saved=1#study")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&MeetingStudyPage {
                layout: layout(actor, "登记学习内容"),
                meeting_id: id,
                form,
                errors,
            })
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "study_classes.html")]
struct ClassesPage {
    layout: Layout,
    rows: Vec<ClassRow>,
    year: i32,
    page: u32,
    has_next: bool,
    can_create: bool,
    form: ClassForm,
    errors: FieldErrors,
}

async fn classes_page(
    state: &AppState,
    actor: &Actor,
    year: i32,
    number: u32,
    form: ClassForm,
    errors: FieldErrors,
) -> Result<ClassesPage, PageError> {
    let page = Page {
        number: number.max(1),
        size: PAGE_SIZE,
    };
    let (rows, total) = state.services.classes(actor, year, page).await?;
    Ok(ClassesPage {
        layout: layout(actor, "专题培训班"),
        rows,
        year,
        page: page.number,
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        can_create: actor.permits(Permission::RecordStudy),
        form,
        errors,
    })
}

pub async fn classes(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    if let Start::Own(to) = start(&state, &session.actor, None).await? {
        return Ok(to);
    }
    let year = this_year(&state, q.year);
    let form = ClassForm {
        concentrated: true,
        ..ClassForm::default()
    };
    let page = classes_page(
        &state,
        &session.actor,
        year,
        q.page.unwrap_or(1),
        form,
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn create_class(
    State(state): State<AppState>,
    form: SessionForm<ClassForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let org = match start(&state, actor, None).await? {
        Start::Org(org) => org,
        Start::Own(to) => return Ok(to),
    };
    match state.services.create_class(actor, org, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/study/classes/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let year = this_year(&state, None);
            render_invalid(&classes_page(&state, actor, year, 1, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "study_class.html")]
struct ClassPage {
    layout: Layout,
    d: ClassDetail,
    /// Sessions whose day has come (attendance may be taken).
    today: NaiveDate,
    /// (session id, members present) for each session with attendance taken.
    present: Vec<(i64, Vec<i64>)>,
    share: String,
    kept: Kept,
}

impl ClassPage {
    fn was_present(&self, session: &i64, member: &i64) -> bool {
        self.present
            .iter()
            .find(|(s, _)| s == session)
            .is_some_and(|(_, p)| p.contains(member))
    }
}

async fn class_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    kept: Kept,
) -> Result<ClassPage, PageError> {
    let d = state.services.class(actor, id).await?;
    let present = state.services.class_attendance(actor, id).await?;
    let share = format!(
        "{:.0}%",
        state
            .services
            .rules()
            .training
            .credit
            .class_completion_min_share
            * 100.0
    );
    Ok(ClassPage {
        layout: layout(actor, "专题培训班")
            .crumb(d.class.title.clone(), None)
            .notice(notice),
        today: state.services.clock().today(),
        present,
        share,
        d,
        kept,
    })
}

pub async fn class(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    render(&class_page(&state, &session.actor, id, notice, Kept::default()).await?)
}

/// Back to the class on success, or its page with the refusal at the form's fields.
async fn after_class_action(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    kept: (&'static str, Vec<(String, String)>),
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/study/classes/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: kept.0,
                values: kept.1,
                errors,
            };
            render_invalid(&class_page(state, actor, id, None, kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn add_class_session(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ClassSessionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .add_class_session(&session.actor, id, &form)
        .await
        .map(|_| ());
    let kept = vec![
        ("held_on".to_owned(), form.held_on),
        ("topic".to_owned(), form.topic),
        ("lecturer".to_owned(), form.lecturer),
        ("hours".to_owned(), form.hours),
    ];
    after_class_action(&state, &session.actor, id, result, ("session", kept)).await
}

pub async fn enrol(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<EnrolForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .enrol(&session.actor, id, &form)
        .await
        .map(|_| ());
    let kept = vec![
        ("members".to_owned(), form.members),
        ("org".to_owned(), form.org),
        ("whom".to_owned(), form.whom),
    ];
    after_class_action(&state, &session.actor, id, result, ("enrol", kept)).await
}

pub async fn attendance(
    State(state): State<AppState>,
    Path((id, session_id)): Path<(i64, i64)>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let mut attendance = AttendanceForm::default();
    for (key, value) in form {
        match key.as_str() {
            "version" => attendance.version = value.parse().unwrap_or(0),
            "present" => {
                if let Ok(m) = value.parse() {
                    attendance.present.push(m);
                }
            }
            _ => {}
        }
    }
    let result = state
        .services
        .take_attendance(&session.actor, id, session_id, &attendance)
        .await;
    after_class_action(
        &state,
        &session.actor,
        id,
        result,
        ("attendance", Vec::new()),
    )
    .await
}

pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<CloseClassForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .close_class(&session.actor, id, &form)
        .await
        .map(|_| ());
    let kept = vec![("closed_on".to_owned(), form.closed_on)];
    after_class_action(&state, &session.actor, id, result, ("close", kept)).await
}

#[derive(Template)]
#[template(path = "study_ledger.html")]
struct LedgerPage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    year: i32,
    lines: Vec<LedgerLine>,
    lacking: usize,
}

/// The secretaries' and committee members' training ledger.
pub async fn ledger(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let org = match start(&state, actor, q.org).await? {
        Start::Org(org) => org,
        Start::Own(to) => return Ok(to),
    };
    let year = this_year(&state, q.year);
    let (org, lines) = state.services.training_ledger(actor, org, year).await?;
    render(&LedgerPage {
        layout: layout(actor, "书记和委员培训台账"),
        org_id: org.id,
        org_name: org.name,
        year,
        lacking: lines.iter().filter(|l| l.lacks_training()).count(),
        lines,
    })
}

// ---------------------------------------------------------------------------------------
// Courses
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Exams
// ---------------------------------------------------------------------------------------

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

async fn after_exam_action(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    kept: (&'static str, Vec<(String, String)>),
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/study/exams/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: kept.0,
                values: kept.1,
                errors,
            };
            render_invalid(&exam_page(state, actor, id, None, kept).await?)
        }
        Err(other) => Err(other.into()),
    }
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
    Ok(super::stats::xlsx(bytes, "题库导入模板.xlsx"))
}

/// Imports the bank's template (multipart: the CSRF token, then the file).
pub async fn import_questions(
    State(state): State<AppState>,
    session: Session,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let file =
        super::single_upload(&state, actor, multipart, "file", "/study/questions/import").await?;
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

// ---------------------------------------------------------------------------------------
// Study plans
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "study_plan.html")]
struct PlanPage {
    layout: Layout,
    v: PlanView,
    months: Vec<(String, String)>,
    kept: Kept,
}

impl PlanPage {
    fn version(&self) -> i64 {
        self.v.plan.as_ref().map_or(0, |p| p.version)
    }
}

async fn plan_page(
    state: &AppState,
    actor: &Actor,
    org: i64,
    year: i32,
    notice: Option<&str>,
    kept: Kept,
) -> Result<PlanPage, PageError> {
    let v = state.services.study_plan(actor, org, year).await?;
    Ok(PlanPage {
        layout: layout(actor, "学习计划")
            .crumb(format!("{} {}年", v.org.name, year), None)
            .notice(notice),
        months: (1..=12)
            .map(|m| (m.to_string(), format!("{m}月")))
            .collect(),
        v,
        kept,
    })
}

/// An org's study plan of a year.
pub async fn plan(
    State(state): State<AppState>,
    session: Session,
    Path(org): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let year = this_year(&state, q.year);
    let notice = (!q.saved.is_empty()).then_some("已保存");
    render(&plan_page(&state, &session.actor, org, year, notice, Kept::default()).await?)
}

async fn after_plan_action(
    state: &AppState,
    actor: &Actor,
    org: i64,
    year: i32,
    result: Result<(), ServiceError>,
    kept: (&'static str, Vec<(String, String)>),
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/orgs/{org}/study-plan?year={year}&saved=1")).into_response(),
        ),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: kept.0,
                values: kept.1,
                errors,
            };
            render_invalid(&plan_page(state, actor, org, year, None, kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn add_plan_topic(
    State(state): State<AppState>,
    Path(org): Path<i64>,
    form: SessionForm<PlanItemForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .add_plan_topic(&session.actor, org, &form)
        .await;
    let kept = vec![
        ("month".to_owned(), form.month),
        ("topic".to_owned(), form.topic),
        ("materials".to_owned(), form.materials),
    ];
    after_plan_action(
        &state,
        &session.actor,
        org,
        form.year,
        result,
        ("topic", kept),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanActionForm {
    pub year: i32,
    pub version: i64,
    pub from: i64,
}

pub async fn remove_plan_topic(
    State(state): State<AppState>,
    Path((org, item)): Path<(i64, i64)>,
    form: SessionForm<PlanActionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .remove_plan_topic(&session.actor, org, form.year, form.version, item)
        .await;
    after_plan_action(
        &state,
        &session.actor,
        org,
        form.year,
        result,
        ("remove", Vec::new()),
    )
    .await
}

pub async fn issue_plan(
    State(state): State<AppState>,
    Path(org): Path<i64>,
    form: SessionForm<PlanActionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .issue_study_plan(&session.actor, org, form.year, form.version)
        .await;
    after_plan_action(
        &state,
        &session.actor,
        org,
        form.year,
        result,
        ("issue", Vec::new()),
    )
    .await
}

pub async fn adopt_plan(
    State(state): State<AppState>,
    Path(org): Path<i64>,
    form: SessionForm<PlanActionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .adopt_study_plan(&session.actor, org, form.from, form.version)
        .await;
    after_plan_action(
        &state,
        &session.actor,
        org,
        form.year,
        result,
        ("adopt", Vec::new()),
    )
    .await
}
