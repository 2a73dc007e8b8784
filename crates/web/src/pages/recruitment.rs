//! 发展党员 pages (issue 18, the path and the pipeline): everyone on the path in scope with the
//! next step due (the overdue first) and the form for a new application; a person's path of
//! twenty-five steps, each with its day and lateness, and the forms for the next step, the
//! half-yearly review and the 公示.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use dangjian_core::member::{Education, Ethnicity, Gender};
use dangjian_core::recruitment::{Material, Stage, Step};
use dangjian_service::recruitment::{
    ApplicantForm, BranchFlows, DatedNoteForm, EndForm, ExtensionForm, PipelineLine, StepForm,
    Waiting, meeting_label,
};
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::members::options;
use super::{Kept, Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm, from_pairs};

const AREA: &str = "/recruitment";

/// A line of the pipeline as the page shows it.
pub struct Line {
    pub id: i64,
    pub name: String,
    pub branch: String,
    pub stage: &'static str,
    pub next: String,
    pub due: String,
    pub overdue: bool,
    pub lapsed: bool,
}

#[derive(Template)]
#[template(path = "recruitment_home.html")]
struct HomePage {
    layout: Layout,
    /// `""`, `branch` or `above`: whose to-do list is shown.
    showing: &'static str,
    lines: Vec<Line>,
    /// How many are in each stage.
    stages: Vec<(&'static str, usize)>,
    genders: Vec<(String, String)>,
    ethnicities: Vec<(String, String)>,
    educations: Vec<(String, String)>,
    kept: Kept,
}

fn line(l: PipelineLine) -> Line {
    Line {
        id: l.recruit.id,
        name: l.recruit.name,
        branch: l.recruit.branch_name,
        stage: l.stage.label(),
        next: l
            .next
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join("、"),
        due: l
            .due
            .map(|d| format!("{} {}", d.label, d.by))
            .unwrap_or_default(),
        overdue: l.overdue,
        lapsed: l.lapsed,
    }
}

/// The pipeline's query: whose to-do list.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HomeQuery {
    pub r#for: Option<String>,
}

fn waiting(raw: Option<&str>) -> Result<(&'static str, Option<Waiting>), PageError> {
    let q: HomeQuery = query(raw)?;
    match q.r#for.as_deref().unwrap_or("") {
        "" => Ok(("", None)),
        "branch" => Ok(("branch", Some(Waiting::Branch))),
        "above" => Ok(("above", Some(Waiting::Above))),
        _ => Err(PageError::BadRequest("查询参数无效".to_owned())),
    }
}

async fn home_page(
    state: &AppState,
    actor: &Actor,
    (showing, waiting): (&'static str, Option<Waiting>),
    kept: Kept,
) -> Result<HomePage, PageError> {
    let pipeline = state.services.recruitment_pipeline(actor, waiting).await?;
    let stages = Stage::ALL
        .iter()
        .map(|s| (s.label(), pipeline.iter().filter(|l| l.stage == *s).count()))
        .collect();
    Ok(HomePage {
        layout: Layout::new(actor, AREA, "发展党员").crumb("发展党员", None),
        showing,
        lines: pipeline.into_iter().map(line).collect(),
        stages,
        genders: options(Gender::ALL, Gender::code, Gender::label),
        ethnicities: Ethnicity::all()
            .map(|e| (e.code(), e.label().to_owned()))
            .collect(),
        educations: options(Education::ALL, Education::code, Education::label),
        kept,
    })
}

pub async fn home(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let showing = waiting(raw.as_deref())?;
    render(&home_page(&state, &session.actor, showing, Kept::default()).await?)
}

pub async fn add(
    State(state): State<AppState>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let parsed: ApplicantForm = from_pairs(form.clone())?;
    match state.services.add_applicant(actor, &parsed).await {
        Ok(id) => Ok(Redirect::to(&format!("{AREA}/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "applicant",
                values: form,
                errors,
            };
            render_invalid(&home_page(&state, actor, ("", None), kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// A step as the person's page shows it.
pub struct StepLine {
    pub number: usize,
    pub stage: &'static str,
    /// The first step of its stage: the stage's heading goes above it.
    pub opens_stage: bool,
    pub label: &'static str,
    pub done_on: String,
    /// The note, with what the step held (the vote's count, the training's length).
    pub note: String,
    pub late: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "recruitment_person.html")]
struct PersonPage {
    layout: Layout,
    id: i64,
    name: String,
    branch: String,
    birth_date: String,
    rules: &'static str,
    stage: &'static str,
    version: i64,
    steps: Vec<StepLine>,
    next: Vec<(String, String)>,
    reviews: Vec<String>,
    next_review: String,
    /// The working days of 公示 the rules ask before 确定发展对象, when they ask any.
    publicity_days: Option<u32>,
    publicity_from: String,
    probation_ends: String,
    /// 入党时间 once the committee above approved the admission.
    approved_joined_on: Option<String>,
    is_activist: bool,
    /// `active`, `withdrawn`, `cancelled` or `full`, and its words.
    active: bool,
    status: &'static str,
    member_id: Option<i64>,
    contacts: String,
    sponsors: String,
    /// The step form's extra fields, shown when their step may come next.
    asks_people: bool,
    asks_training: bool,
    asks_vote: bool,
    eligible: Vec<(String, String)>,
    meetings: Vec<(String, String)>,
    /// The probation may be extended now (admitted, no 转正 meeting yet, never extended).
    can_extend: bool,
    /// The day the admission lapsed, until begun again.
    lapsed: Option<String>,
    /// Steps of lapsed rounds: number, name, day, lapsed on.
    lapsed_steps: Vec<(usize, &'static str, String, String)>,
    end_reason: String,
    materials: Vec<MaterialLine>,
    kept: Kept,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

async fn person_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<PersonPage, PageError> {
    let p = state.services.recruit_path(actor, id).await?;
    let today = state.services.clock().today();
    let steps = Step::ALL
        .iter()
        .map(|step| {
            let recorded = p.steps.iter().find(|s| s.step == *step);
            let due = p.deadlines.iter().find(|d| d.step == *step);
            StepLine {
                number: step.number(),
                stage: step.stage().label(),
                opens_stage: step.number() == 1
                    || Step::ALL[step.number() - 2].stage() != step.stage(),
                label: p.rules.step_label(*step),
                done_on: recorded.map(|s| s.done_on.to_string()).unwrap_or_default(),
                note: recorded.map(step_note).unwrap_or_default(),
                late: match recorded.and_then(|s| s.days_late) {
                    Some(days) if days > 0 => format!("逾期{days}天"),
                    _ => String::new(),
                },
                due: due.map(|d| d.by.to_string()).unwrap_or_default(),
                overdue: due.is_some_and(|d| d.by < today),
            }
        })
        .collect();
    let active = p.recruit.status == "active";
    let is_activist = active
        && p.path.on(Step::ActivistChosen).is_some()
        && p.path.on(Step::CandidateChosen).is_none();
    let next_has = |steps: &[Step]| p.next.iter().any(|s| steps.contains(s));
    let names = |role: &str| {
        p.people
            .iter()
            .filter(|x| x.role == role)
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    Ok(PersonPage {
        layout: Layout::new(actor, AREA, p.recruit.name.clone())
            .crumb("发展党员", Some(AREA.to_owned()))
            .crumb(p.recruit.name.clone(), None),
        id: p.recruit.id,
        name: p.recruit.name.clone(),
        branch: p.recruit.branch_name.clone(),
        birth_date: p.recruit.birth_date.to_string(),
        rules: p.rules.version.label(),
        stage: p.path.stage().label(),
        version: p.recruit.version,
        steps,
        next: p
            .next
            .iter()
            .map(|s| {
                (
                    s.code().to_owned(),
                    format!("{}. {}", s.number(), p.rules.step_label(*s)),
                )
            })
            .collect(),
        reviews: p.path.reviews.iter().map(|d| d.to_string()).collect(),
        next_review: p.next_review.map(|d| d.to_string()).unwrap_or_default(),
        publicity_days: p.rules.publicity_min_workdays,
        publicity_from: p
            .path
            .publicity_from
            .map(|d| d.to_string())
            .unwrap_or_default(),
        probation_ends: p
            .path
            .probation_ends(&p.rules)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        // Until 转正 is approved: a full member is on the roll already.
        approved_joined_on: p
            .path
            .on(Step::Approval)
            .filter(|_| p.path.on(Step::ConversionApproval).is_none())
            .and(p.path.joined_on())
            .map(|d| d.to_string()),
        is_activist,
        active,
        status: match p.recruit.status.as_str() {
            "withdrawn" => "已终止培养",
            "cancelled" => "已取消预备党员资格",
            "full" => "已转为正式党员",
            _ => "发展中",
        },
        member_id: p.recruit.member_id,
        contacts: names("contact"),
        sponsors: names("sponsor"),
        asks_people: next_has(&[Step::ContactsAssigned, Step::Sponsors]),
        asks_training: next_has(&[Step::Training]),
        asks_vote: next_has(&[Step::BranchMeeting, Step::ConversionMeeting]),
        eligible: p
            .eligible
            .iter()
            .map(|m| (m.member_id.to_string(), m.name.clone()))
            .collect(),
        meetings: p
            .meetings
            .iter()
            .map(|m| (m.id.to_string(), meeting_label(m)))
            .collect(),
        can_extend: active
            && p.recruit.member_id.is_some()
            && p.recruit.extension_months.is_none()
            && p.path.on(Step::ConversionMeeting).is_none(),
        lapsed: p.lapsed.map(|d| d.to_string()),
        lapsed_steps: p
            .lapsed_steps
            .iter()
            .map(|l| {
                (
                    l.step.number(),
                    p.rules.step_label(l.step),
                    l.done_on.to_string(),
                    l.lapsed_on.to_string(),
                )
            })
            .collect(),
        materials: Material::ALL
            .iter()
            .map(|m| MaterialLine {
                code: m.code(),
                label: m.label(),
                after: format!("第{}步后", m.after().number()),
                files: p
                    .files
                    .iter()
                    .filter(|f| f.material == *m)
                    .map(|f| (f.id, f.file_name.clone()))
                    .collect(),
                missing: p.missing.contains(m),
            })
            .collect(),
        end_reason: match (p.recruit.ended_on, &p.recruit.end_reason) {
            (Some(on), Some(reason)) => format!("{on}：{reason}"),
            _ => String::new(),
        },
        kept,
        saved,
    })
}

pub async fn person(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: SavedQuery = query(raw.as_deref())?;
    render(
        &person_page(
            &state,
            &session.actor,
            id,
            Kept::default(),
            q.saved.is_some(),
        )
        .await?,
    )
}

/// Runs one of the person page's forms; a refusal comes back at its fields.
async fn person_form(
    state: &AppState,
    actor: &Actor,
    id: i64,
    active: &'static str,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let services = &state.services;
    let result = match active {
        "step" => {
            let form: StepForm = from_pairs(pairs.clone())?;
            services.record_recruit_step(actor, id, &form).await
        }
        "extension" => {
            let form: ExtensionForm = from_pairs(pairs.clone())?;
            services.extend_recruit_probation(actor, id, &form).await
        }
        "end" => {
            let form: EndForm = from_pairs(pairs.clone())?;
            services.end_recruit(actor, id, &form).await
        }
        "redo" => {
            let form: RedoForm = from_pairs(pairs.clone())?;
            services.redo_admission(actor, id, form.version).await
        }
        other => {
            let form: DatedNoteForm = from_pairs(pairs.clone())?;
            services
                .note_recruit(actor, id, other == "publicity", &form)
                .await
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{AREA}/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active,
                values: pairs,
                errors,
            };
            render_invalid(&person_page(state, actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn step(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    person_form(&state, &form.session.actor, id, "step", form.form).await
}

pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    person_form(&state, &form.session.actor, id, "review", form.form).await
}

pub async fn publicity(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    person_form(&state, &form.session.actor, id, "publicity", form.form).await
}

pub async fn extension(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    person_form(&state, &form.session.actor, id, "extension", form.form).await
}

pub async fn end(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    person_form(&state, &form.session.actor, id, "end", form.form).await
}

/// A step's note with what it held: the vote's count, or the training's length.
fn step_note(s: &dangjian_service::recruitment::StepRow) -> String {
    let h = &s.held;
    let held = match (
        h.voters,
        h.present,
        h.ayes,
        h.training_days,
        h.training_hours,
    ) {
        (Some(voters), Some(present), Some(ayes), _, _) => format!(
            "应到有表决权党员{voters}人，实到{present}人，赞成{ayes}票{}",
            h.written
                .filter(|w| *w > 0)
                .map(|w| format!("（含书面意见，书面意见{w}份）"))
                .unwrap_or_default()
        ),
        (_, _, _, days, hours) if days.is_some() || hours.is_some() => format!(
            "集中培训{}天、{}学时",
            days.unwrap_or(0),
            hours.unwrap_or(0)
        ),
        _ => String::new(),
    };
    [held, s.note.clone()]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("；")
}

/// A line of the materials checklist.
pub struct MaterialLine {
    pub code: &'static str,
    pub label: &'static str,
    /// When it falls due: after which step.
    pub after: String,
    pub files: Vec<(i64, String)>,
    /// Due (its step done) and not on file.
    pub missing: bool,
}

/// Adds files to one of a person's materials (multipart: the CSRF token, then the files).
pub async fn add_files(
    State(state): State<AppState>,
    session: Session,
    Path((id, material)): Path<(i64, String)>,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let files = super::file_uploads(&state, actor, multipart, "/recruitment/materials").await?;
    let uploads: Vec<dangjian_service::Upload<'_>> = files
        .iter()
        .map(|(name, bytes)| dangjian_service::Upload {
            file_name: name,
            bytes,
        })
        .collect();
    match state
        .services
        .attach_recruit_files(actor, id, &material, &uploads)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{AREA}/{id}?saved=1#materials")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "materials",
                values: vec![("material".to_owned(), material)],
                errors,
            };
            render_invalid(&person_page(&state, actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// A file of a person's materials, as a download (the read audited).
pub async fn file(
    State(state): State<AppState>,
    session: Session,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (row, bytes) = state
        .services
        .recruit_file(&session.actor, id, file)
        .await?;
    Ok(super::download(
        &row.file_name,
        "material",
        row.content_type,
        bytes,
    ))
}

/// The form that begins a lapsed admission again.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedoForm {
    pub version: i64,
}

pub async fn redo(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    person_form(&state, &form.session.actor, id, "redo", form.form).await
}

#[derive(Template)]
#[template(path = "recruitment_statistics.html")]
struct StatisticsPage {
    layout: Layout,
    year: i32,
    /// The year-end columns, one per stage.
    stages: Vec<&'static str>,
    rows: Vec<BranchFlows>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// The year's 发展党员 figures (党内统计), each branch's and the total.
pub async fn statistics(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let year = q
        .year
        .unwrap_or_else(|| state.services.clock().today().year());
    let actor = &session.actor;
    let rows = state.services.recruitment_statistics(actor, year).await?;
    render(&StatisticsPage {
        layout: Layout::new(actor, AREA, "发展党员统计")
            .crumb("发展党员", Some(AREA.to_owned()))
            .crumb(format!("{year}年统计"), None),
        year,
        // Short names for the columns, in the order of the stages.
        stages: vec!["申请人", "积极分子", "发展对象", "接收中", "预备党员"],
        rows,
    })
}
