//! 作风纪律 pages (issue 16): the findings register with handling and the hand-over to
//! rectification, and the sanctions with their periods. Only the discipline roles reach
//! them (the service refuses every other role, audited).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::conduct::{CategoryGroup, Handling, Source, Track, kinds};
use dangjian_core::field::FieldErrors;
use dangjian_core::role::Permission;
use dangjian_service::conduct::{
    FindingDetail, FindingFilter, FindingForm, FindingRow, HandlingForm, ProgressForm,
    SanctionForm, SanctionView,
};
use dangjian_service::{Actor, Page, ServiceError};
use serde::Deserialize;

use super::{Kept, Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};

const AREA: &str = "/conduct";
const PAGE_SIZE: u32 = 50;

/// `/conduct?state=open&group=eight_rules&page=2`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListQuery {
    pub state: String,
    pub group: String,
    pub page: u32,
    pub saved: Option<String>,
}

/// A finding's line in the register.
pub struct FindingLine {
    pub id: i64,
    pub found_on: String,
    pub source: &'static str,
    pub subject: String,
    pub category: String,
    pub handling: Option<&'static str>,
    pub form: &'static str,
}

impl From<&FindingRow> for FindingLine {
    fn from(f: &FindingRow) -> Self {
        FindingLine {
            id: f.id,
            found_on: f.found_on.to_string(),
            source: f.source.label(),
            subject: subject(f),
            category: format!("{}：{}", f.category_group.label(), f.category),
            handling: f.handling.map(Handling::label),
            form: f.four_form.map_or("", |f| f.label()),
        }
    }
}

/// Who or what a finding is about.
fn subject(f: &FindingRow) -> String {
    match &f.member_name {
        Some(name) => format!("{name}（{}）", f.org_name),
        None => f.org_name.clone(),
    }
}

#[derive(Template)]
#[template(path = "conduct_home.html")]
struct HomePage {
    layout: Layout,
    findings: Vec<FindingLine>,
    total: i64,
    state: String,
    group: String,
    groups: Vec<(&'static str, &'static str)>,
    page: u32,
    has_next: bool,
    base: String,
    can_record: bool,
    saved: bool,
}

pub async fn home(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: ListQuery = query(raw.as_deref())?;
    let filter = FindingFilter {
        open: match q.state.as_str() {
            "open" => Some(true),
            "handled" => Some(false),
            _ => None,
        },
        group: CategoryGroup::from_code(&q.group),
        member_id: None,
    };
    let page = Page {
        number: q.page.max(1),
        size: PAGE_SIZE,
    };
    let (rows, total) = state.services.findings(actor, filter, page).await?;
    render(&HomePage {
        layout: Layout::new(actor, AREA, "作风纪律").crumb("作风纪律", None),
        findings: rows.iter().map(FindingLine::from).collect(),
        total,
        base: format!(
            "/conduct?state={}&group={}",
            filter
                .open
                .map_or("", |o| if o { "open" } else { "handled" }),
            filter.group.map_or("", CategoryGroup::code)
        ),
        state: q.state,
        group: q.group,
        groups: CategoryGroup::ALL
            .iter()
            .map(|g| (g.code(), g.label()))
            .collect(),
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        page: page.number,
        can_record: actor.permits(Permission::RecordConduct),
        saved: q.saved.is_some(),
    })
}

/// The categories of the lists in force, for one select: `group|category` per option.
fn category_options(state: &AppState) -> Vec<(String, Vec<(String, String)>)> {
    let rules = state.services.rules();
    CategoryGroup::ALL
        .iter()
        .map(|g| {
            (
                g.label().to_owned(),
                g.categories(rules)
                    .iter()
                    .map(|c| (format!("{}|{c}", g.code()), c.clone()))
                    .collect(),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "conduct_finding_form.html")]
struct FindingFormPage {
    layout: Layout,
    form: FindingForm,
    /// The chosen `group|category`.
    chosen: String,
    subject: String,
    sources: Vec<(&'static str, &'static str)>,
    categories: Vec<(String, Vec<(String, String)>)>,
    errors: FieldErrors,
}

fn finding_form_page(
    state: &AppState,
    actor: &Actor,
    form: FindingForm,
    subject: String,
    errors: FieldErrors,
) -> FindingFormPage {
    let chosen = if form.category_group.is_empty() {
        String::new()
    } else {
        format!("{}|{}", form.category_group, form.category)
    };
    FindingFormPage {
        layout: Layout::new(actor, AREA, "登记问题线索")
            .crumb("作风纪律", Some(AREA.to_owned()))
            .crumb("登记问题线索", None),
        form,
        chosen,
        subject,
        sources: Source::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        categories: category_options(state),
        errors,
    }
}

pub async fn new_finding(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    state
        .services
        .require(actor, Permission::RecordConduct, "conduct.finding.create")
        .await?;
    render(&finding_form_page(
        &state,
        actor,
        FindingForm::default(),
        "member".to_owned(),
        FieldErrors::new(),
    ))
}

/// The page's finding form: the subject chosen by a radio, the category as `group|category`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FindingPageForm {
    pub source: String,
    pub subject: String,
    pub member: String,
    pub org: String,
    pub category: String,
    pub facts: String,
    pub found_on: String,
}

pub async fn create_finding(
    State(state): State<AppState>,
    form: SessionForm<FindingPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let (group, category) = form.category.split_once('|').unwrap_or(("", ""));
    let about_member = form.subject != "org";
    let service_form = FindingForm {
        source: form.source.clone(),
        member: if about_member {
            form.member.clone()
        } else {
            String::new()
        },
        org: if about_member {
            String::new()
        } else {
            form.org.clone()
        },
        category_group: group.to_owned(),
        category: category.to_owned(),
        facts: form.facts.clone(),
        found_on: form.found_on.clone(),
    };
    match state
        .services
        .record_finding(&session.actor, &service_form)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/conduct/findings/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let mut kept = service_form;
            // Keep what was typed in both subject fields.
            kept.member = form.member;
            kept.org = form.org;
            let subject = if about_member { "member" } else { "org" }.to_owned();
            render_invalid(&finding_form_page(
                &state,
                &session.actor,
                kept,
                subject,
                errors,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "conduct_finding.html")]
struct FindingPage {
    layout: Layout,
    d: FindingDetail,
    line: FindingLine,
    handlings: Vec<(&'static str, &'static str)>,
    party_kinds: Vec<String>,
    government_kinds: Vec<String>,
    can_attach: bool,
    kept: Kept,
    saved: bool,
}

async fn finding_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<FindingPage, PageError> {
    let d = state.services.finding(actor, id).await?;
    let rules = state.services.rules();
    let handlings = Handling::ALL
        .iter()
        .filter(|h| d.finding.member_id.is_some() || !h.needs_member())
        .filter(|h| d.can_decide_sanctions || h.track().is_none())
        .map(|h| (h.code(), h.label()))
        .collect();
    Ok(FindingPage {
        layout: Layout::new(actor, AREA, format!("问题线索 {id}"))
            .crumb("作风纪律", Some(AREA.to_owned()))
            .crumb(format!("问题线索 {id}"), None),
        line: FindingLine::from(&d.finding),
        handlings,
        can_attach: actor.permits(Permission::RecordConduct),
        party_kinds: kinds(rules, Track::Party)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        government_kinds: kinds(rules, Track::Government)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        d,
        kept,
        saved,
    })
}

pub async fn finding(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved"));
    render(&finding_page(&state, &session.actor, id, Kept::default(), saved).await?)
}

/// The page's handling form: one `kind` select per track, the one of the handling counts.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HandlingPageForm {
    pub version: i64,
    pub handling: String,
    pub handled_on: String,
    pub outcome: String,
    pub party_kind: String,
    pub government_kind: String,
    pub probation_months: String,
    pub deciding_body: String,
    pub document_ref: String,
}

impl HandlingPageForm {
    fn values(&self) -> Vec<(String, String)> {
        [
            ("handling", &self.handling),
            ("handled_on", &self.handled_on),
            ("outcome", &self.outcome),
            ("party_kind", &self.party_kind),
            ("government_kind", &self.government_kind),
            ("probation_months", &self.probation_months),
            ("deciding_body", &self.deciding_body),
            ("document_ref", &self.document_ref),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }
}

pub async fn handle(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<HandlingPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let kind = match form.handling.as_str() {
        "party_sanction" => form.party_kind.clone(),
        "government_sanction" => form.government_kind.clone(),
        _ => String::new(),
    };
    let service_form = HandlingForm {
        version: form.version,
        handling: form.handling.clone(),
        handled_on: form.handled_on.clone(),
        outcome: form.outcome.clone(),
        kind,
        probation_months: form.probation_months.clone(),
        deciding_body: form.deciding_body.clone(),
        document_ref: form.document_ref.clone(),
    };
    match state
        .services
        .handle_finding(&session.actor, id, &service_form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/conduct/findings/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "handle",
                values: form.values(),
                errors,
            };
            render_invalid(&finding_page(&state, &session.actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RectifyPageForm {
    pub deadline: String,
}

pub async fn rectify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<RectifyPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .rectify_finding(&session.actor, id, &form.deadline)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/conduct/findings/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "rectify",
                values: vec![("deadline".to_owned(), form.deadline)],
                errors,
            };
            render_invalid(&finding_page(&state, &session.actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// A sanction's line.
pub struct SanctionLine {
    pub id: i64,
    pub member: String,
    pub track: &'static str,
    pub kind: String,
    pub decided_on: String,
    pub deciding_body: String,
    pub document_ref: String,
    pub status: String,
    pub in_effect: bool,
}

impl From<&SanctionView> for SanctionLine {
    fn from(s: &SanctionView) -> Self {
        let r = &s.row;
        let kind = match r.probation_months {
            Some(m) => format!("{}（{m}个月）", r.kind),
            None => r.kind.clone(),
        };
        SanctionLine {
            id: r.id,
            member: format!("{}（{}）", r.member_name, r.branch_name),
            track: r.track.label(),
            kind,
            decided_on: r.decided_on.to_string(),
            deciding_body: r.deciding_body.clone(),
            document_ref: r.document_ref.clone(),
            status: s.status.clone(),
            in_effect: s.in_effect,
        }
    }
}

#[derive(Template)]
#[template(path = "conduct_sanctions.html")]
struct SanctionsPage {
    layout: Layout,
    sanctions: Vec<SanctionLine>,
    page: u32,
    has_next: bool,
    can_decide: bool,
    kinds: Vec<(String, String)>,
    /// The chosen `track|kind`.
    chosen: String,
    form: SanctionForm,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageQuery {
    pub page: u32,
}

async fn sanctions_page(
    state: &AppState,
    actor: &Actor,
    number: u32,
    form: SanctionForm,
    errors: FieldErrors,
) -> Result<SanctionsPage, PageError> {
    let page = Page {
        number: number.max(1),
        size: PAGE_SIZE,
    };
    let (rows, total) = state.services.sanctions(actor, page).await?;
    let rules = state.services.rules();
    // One select of every kind, `track|kind`.
    let kinds = Track::ALL
        .iter()
        .flat_map(|t| {
            kinds(rules, *t)
                .into_iter()
                .map(move |k| (format!("{}|{k}", t.code()), format!("{}：{k}", t.label())))
        })
        .collect();
    Ok(SanctionsPage {
        layout: Layout::new(actor, AREA, "处分")
            .crumb("作风纪律", Some(AREA.to_owned()))
            .crumb("处分", None),
        sanctions: rows.iter().map(SanctionLine::from).collect(),
        has_next: i64::from(page.number) * i64::from(PAGE_SIZE) < total,
        page: page.number,
        can_decide: actor.permits(Permission::DecideSanctions),
        kinds,
        chosen: format!("{}|{}", form.track, form.kind),
        form,
        errors,
    })
}

pub async fn sanctions(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: PageQuery = query(raw.as_deref())?;
    render(
        &sanctions_page(
            &state,
            &session.actor,
            q.page,
            SanctionForm::default(),
            FieldErrors::new(),
        )
        .await?,
    )
}

/// The page's sanction form: the kind as `track|kind` in one select.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SanctionPageForm {
    pub member: String,
    pub kind: String,
    pub decided_on: String,
    pub probation_months: String,
    pub deciding_body: String,
    pub document_ref: String,
    pub note: String,
}

pub async fn create_sanction(
    State(state): State<AppState>,
    form: SessionForm<SanctionPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let (track, kind) = form.kind.split_once('|').unwrap_or(("", ""));
    let service_form = SanctionForm {
        member: form.member,
        track: track.to_owned(),
        kind: kind.to_owned(),
        decided_on: form.decided_on,
        probation_months: form.probation_months,
        deciding_body: form.deciding_body,
        document_ref: form.document_ref,
        note: form.note,
    };
    match state
        .services
        .record_sanction(&session.actor, &service_form)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/conduct/sanctions/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(mut errors) | ServiceError::Conflict(mut errors)) => {
            // The page has one select for both: a refused track shows at the kind.
            if let Some(message) = errors.get("track").map(str::to_owned) {
                errors.add("kind", message);
            }
            render_invalid(&sanctions_page(&state, &session.actor, 1, service_form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "conduct_sanction.html")]
struct SanctionPage {
    layout: Layout,
    s: SanctionView,
    line: SanctionLine,
    probation: bool,
    can_decide: bool,
    /// The progress form's dates: what was typed when refused, else as stored.
    dates: (String, String, String),
    kept: Kept,
    saved: bool,
}

async fn sanction_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<SanctionPage, PageError> {
    let s = state.services.sanction(actor, id).await?;
    let date = |name: &str, stored: Option<chrono::NaiveDate>| {
        if kept.active.is_empty() {
            stored.map(|d| d.to_string()).unwrap_or_default()
        } else {
            kept.v(kept.active, name).to_owned()
        }
    };
    let dates = (
        date("extended_on", s.row.extended_on),
        date("restored_on", s.row.restored_on),
        date("revoked_on", s.row.revoked_on),
    );
    Ok(SanctionPage {
        dates,
        layout: Layout::new(actor, AREA, format!("处分 {id}"))
            .crumb("作风纪律", Some(AREA.to_owned()))
            .crumb("处分", Some("/conduct/sanctions".to_owned()))
            .crumb(s.row.member_name.clone(), None),
        line: SanctionLine::from(&s),
        probation: s.effects.probation_last_day.is_some(),
        can_decide: actor.permits(Permission::DecideSanctions),
        s,
        kept,
        saved,
    })
}

pub async fn sanction(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved"));
    render(&sanction_page(&state, &session.actor, id, Kept::default(), saved).await?)
}

pub async fn progress(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ProgressForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .sanction_progress(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/conduct/sanctions/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "progress",
                values: vec![
                    ("extended_on".to_owned(), form.extended_on),
                    ("restored_on".to_owned(), form.restored_on),
                    ("revoked_on".to_owned(), form.revoked_on),
                ],
                errors,
            };
            render_invalid(&sanction_page(&state, &session.actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// Adds an evidence file (multipart: the CSRF token, then the file).
pub async fn add_evidence(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let files = super::file_uploads(&state, actor, multipart, "/conduct/findings/files").await?;
    let uploads: Vec<dangjian_service::Upload<'_>> = files
        .iter()
        .map(|(name, bytes)| dangjian_service::Upload {
            file_name: name,
            bytes,
        })
        .collect();
    match state.services.attach_evidence(actor, id, &uploads).await {
        Ok(()) => Ok(Redirect::to(&format!("/conduct/findings/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "evidence",
                values: Vec::new(),
                errors,
            };
            render_invalid(&finding_page(&state, actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// An evidence file, as a download (the read audited).
pub async fn evidence_file(
    State(state): State<AppState>,
    session: Session,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (row, bytes) = state
        .services
        .evidence_of_finding(&session.actor, id, file)
        .await?;
    Ok(super::download(
        &row.file_name,
        "evidence",
        row.content_type,
        bytes,
    ))
}
