//! 学习教育 pages (issue 15): an org's year of 学时 by branch and member, a member's own year
//! with every credit, group studies (on their own roll, or the study part of an org-life
//! record), training classes with sessions, enrolment, attendance and completion, and the
//! secretaries' and committee members' training ledger.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use dangjian_core::field::FieldErrors;
use dangjian_core::orglife::AbsenceReason;
use dangjian_core::role::{Permission, Scope};
use dangjian_core::study::{HourSource, Hours, StudyKind};
use dangjian_service::study::{
    AbsenceForm, AttendanceForm, ClassDetail, ClassForm, ClassRow, ClassSessionForm,
    CloseClassForm, EnrolForm, LedgerLine, MeetingStudyForm, MemberYear, OrgYear, SessionRow,
    StudyDetail, StudyForm, StudyMakeupForm,
};
use dangjian_service::{Actor, Page, ServiceError};
use serde::Deserialize;

pub(super) use super::after_action;
use super::{Kept, Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};

mod courses;
mod exams;
mod plans;
mod search;

pub use courses::*;
pub use exams::*;
pub use plans::*;
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
    let back = format!("/study/classes/{id}?saved=1");
    after_action(result, back, kept, |kept| {
        class_page(state, actor, id, None, kept)
    })
    .await
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
