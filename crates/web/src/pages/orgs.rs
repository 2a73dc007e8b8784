//! The org pages: the tree (drill-down, so it stays light with thousands of orgs), search,
//! detail with history, and the forms to create, edit, move, dissolve and appoint.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_core::org::{OrgForm, OrgKind, Post};
use dangjian_core::role::Permission;
use dangjian_core::term::{Rating, TermStatus};
use dangjian_service::orgs::{
    AppointForm, DissolveForm, Filter, MoveForm, Org, OrgDetail, RelieveForm, SecretaryForm,
};
use dangjian_service::terms::{AssessmentForm, ElectionForm, ExtensionForm, OrgTerms};
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::{Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
use crate::view;

/// An org as a row of the tree or a table.
pub struct OrgItem {
    id: i64,
    name: String,
    code: String,
    kind: &'static str,
    unit: String,
    secretary: Option<String>,
    members: i64,
    child_count: i64,
    has_children: bool,
    dissolved: bool,
}

impl From<&Org> for OrgItem {
    fn from(o: &Org) -> Self {
        Self {
            id: o.id,
            name: o.name.clone(),
            code: o.code.clone(),
            kind: o.kind.label(),
            unit: o.unit_name.clone().unwrap_or_default(),
            secretary: o.secretary_name.clone(),
            members: o.member_count,
            child_count: o.child_count,
            has_children: o.child_count > 0,
            dissolved: o.dissolved_on.is_some(),
        }
    }
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    OrgKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
}

#[derive(Template)]
#[template(path = "org_tree.html")]
struct TreePage {
    layout: Layout,
    can_create: bool,
    q: String,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    without_secretary: bool,
    dissolved: bool,
    searching: bool,
    results: Vec<OrgItem>,
    results_capped: bool,
    ancestors: Vec<OrgItem>,
    focus: Option<OrgItem>,
    children: Vec<OrgItem>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TreeQuery {
    focus: String,
    q: String,
    kind: String,
    without_secretary: String,
    dissolved: String,
    saved: String,
}

/// How many search results one page shows.
const SEARCH_LIMIT: i64 = 200;

pub async fn tree(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: TreeQuery = query(raw.as_deref())?;
    let kind = match q.kind.trim() {
        "" => None,
        code => Some(
            OrgKind::from_code(code)
                .ok_or_else(|| PageError::BadRequest("组织类别无效".to_owned()))?,
        ),
    };
    let without_secretary = !q.without_secretary.is_empty();
    let dissolved = !q.dissolved.is_empty();
    let text = view::nonempty(&q.q);
    let searching = text.is_some() || kind.is_some() || without_secretary;
    let mut page = TreePage {
        layout: Layout::new(actor, "/orgs", "组织")
            .crumb("组织", None)
            .notice(saved(&q.saved)),
        can_create: actor.permits(Permission::WriteOrgs),
        q: q.q.clone(),
        kind: q.kind.clone(),
        kinds: kinds(),
        without_secretary,
        dissolved,
        searching,
        results: Vec::new(),
        results_capped: false,
        ancestors: Vec::new(),
        focus: None,
        children: Vec::new(),
    };
    if searching {
        let filter = Filter {
            text,
            kind,
            include_dissolved: dissolved,
            without_secretary,
        };
        let found = state
            .services
            .search_orgs(actor, &filter, SEARCH_LIMIT + 1)
            .await?;
        page.results_capped = found.len() as i64 > SEARCH_LIMIT;
        page.results = found
            .iter()
            .take(SEARCH_LIMIT as usize)
            .map(OrgItem::from)
            .collect();
    } else {
        let focus = match q.focus.trim() {
            "" => None,
            id => Some(
                id.parse::<i64>()
                    .map_err(|_| PageError::BadRequest("组织编号无效".to_owned()))?,
            ),
        };
        let tree = state.services.org_tree(actor, focus, dissolved).await?;
        page.ancestors = tree.ancestors.iter().map(OrgItem::from).collect();
        page.focus = tree.focus.as_ref().map(OrgItem::from);
        page.children = tree.children.iter().map(OrgItem::from).collect();
    }
    render(&page)
}

fn saved(flag: &str) -> Option<&'static str> {
    (!flag.is_empty()).then_some("已保存。")
}

/// The detail page, with the forms for appointing, moving and dissolving.
#[derive(Template)]
#[template(path = "org_detail.html")]
pub(super) struct DetailPage {
    layout: Layout,
    org: DetailOrg,
    parent: Option<(i64, String)>,
    can_edit: bool,
    can_restructure: bool,
    children: Vec<OrgItem>,
    posts: Vec<PostRow>,
    parents: Vec<HistoryRow>,
    kinds: Vec<HistoryRow>,
    /// The posts this org has, for the appointment form.
    post_options: Vec<(&'static str, &'static str)>,
    appoint_form: (String, String, String),
    appoint_errors: FieldErrors,
    secretary_form: (String, String),
    secretary_errors: FieldErrors,
    move_form: (String, String),
    move_errors: FieldErrors,
    dissolve_on: String,
    dissolve_errors: FieldErrors,
    terms: Option<TermsView>,
    ratings: Vec<(&'static str, &'static str)>,
    /// A party group's members and the forms to place and remove them.
    pub(super) group: Option<super::groups::GroupCard>,
    /// A joint org: the units it covers besides its own.
    covers: Option<CoversCard>,
}

/// The units a joint org covers besides its own (code, name), with the form to change them.
struct CoversCard {
    units: Vec<(String, String)>,
    form: String,
    errors: FieldErrors,
}

/// The election and qualification card.
struct TermsView {
    status: &'static str,
    status_class: &'static str,
    term_years: u32,
    reminder: u32,
    rows: Vec<(String, String, String, String)>,
    can_record: bool,
    can_assess: bool,
    form: (String, String),
    /// The extension form: new end, approval.
    extend_form: (String, String),
    /// Up to how many years an election may come early or a term be extended (R8.2).
    max_years: u32,
    assess_form: (String, String, String, String, String),
    errors: FieldErrors,
    qualification: Option<QualificationView>,
}

struct QualificationView {
    member_id: i64,
    name: String,
    party_age: String,
    /// (political quality, professional ability, standing, date and recorder)
    assessment: Option<(&'static str, &'static str, &'static str, String)>,
    /// This year's training from the study area, and whether it falls short; none without
    /// the permission to read study.
    training: Option<(String, bool)>,
    /// The latest overall grade of the org's 书记抓党建述职评议, in words.
    duty_grade: Option<String>,
    /// The org's grade in the latest published 党组织考核 that assessed it, in words.
    org_grade: Option<String>,
}

pub fn term_class(status: TermStatus) -> &'static str {
    match status {
        TermStatus::Overdue => "bad",
        TermStatus::DueSoon => "warn",
        TermStatus::Current => "ok",
        TermStatus::NoRecord => "none",
    }
}

fn terms_view(t: OrgTerms, reminder: u32, max_years: u32) -> TermsView {
    TermsView {
        status: t.status.label(),
        status_class: term_class(t.status),
        term_years: t.term_years,
        reminder,
        rows: t
            .terms
            .iter()
            .map(|r| {
                let ends = match (r.extended_to, &r.extension_approval) {
                    (Some(until), approval) => format!(
                        "{}（经批准延期至{}，{}）",
                        view::date(r.ends_on),
                        view::date(until),
                        approval.as_deref().unwrap_or_default()
                    ),
                    (None, _) => view::date(r.ends_on),
                };
                (
                    view::date(r.elected_on),
                    ends,
                    r.note.clone().unwrap_or_default(),
                    r.recorded_by.clone(),
                )
            })
            .collect(),
        can_record: t.can_record,
        can_assess: t.can_assess,
        form: Default::default(),
        extend_form: Default::default(),
        max_years,
        assess_form: Default::default(),
        errors: FieldErrors::new(),
        qualification: t.qualification.map(|q| QualificationView {
            member_id: q.member_id,
            name: q.name,
            party_age: q
                .party_age
                .map_or_else(|| "预备期".to_owned(), |y| format!("{y} 年")),
            assessment: q.assessment.map(|a| {
                (
                    a.political_quality.label(),
                    a.professional_ability.label(),
                    a.standing.label(),
                    format!("{}，{}", view::date(a.assessed_on), a.recorded_by),
                )
            }),
            training: None,
            duty_grade: None,
            org_grade: None,
        }),
    }
}

struct DetailOrg {
    id: i64,
    name: String,
    code: String,
    kind: &'static str,
    is_joint: bool,
    unit: String,
    founded_on: String,
    dissolved: bool,
    dissolved_on: String,
    secretary: Option<String>,
    secretary_id: i64,
    members: i64,
}

struct PostRow {
    post: String,
    post_code: String,
    name: String,
    member_id: i64,
    from: String,
    to: String,
    current: bool,
}

struct HistoryRow {
    label: String,
    from: String,
    to: String,
}

fn detail_page(actor: &Actor, d: OrgDetail, notice: Option<&str>) -> DetailPage {
    let org = &d.org;
    let mut layout =
        Layout::new(actor, "/orgs", org.name.clone()).crumb("组织", Some("/orgs".to_owned()));
    for a in d
        .ancestors
        .iter()
        .filter(|a| actor.scope.covers_org(&a.path))
    {
        layout = layout.crumb(a.name.clone(), Some(format!("/orgs/{}", a.id)));
    }
    layout = layout.crumb(org.name.clone(), None).notice(notice);
    let history = |entries: &[dangjian_service::orgs::HistoryEntry]| {
        entries
            .iter()
            .map(|h| {
                let (from, to) = view::span(&h.span);
                HistoryRow {
                    label: h.label.clone(),
                    from,
                    to,
                }
            })
            .collect()
    };
    DetailPage {
        layout,
        parent: d
            .ancestors
            .last()
            .filter(|p| Some(p.id) == org.parent_id)
            .map(|p| (p.id, format!("{}（{}）", p.name, p.code))),
        org: DetailOrg {
            id: org.id,
            name: org.name.clone(),
            code: org.code.clone(),
            kind: org.kind.label(),
            is_joint: org.is_joint,
            unit: org.unit_name.clone().unwrap_or_default(),
            founded_on: view::date(org.founded_on),
            dissolved: org.dissolved_on.is_some(),
            dissolved_on: view::opt_date(org.dissolved_on),
            secretary: org.secretary_name.clone(),
            secretary_id: org.secretary_id.unwrap_or_default(),
            members: org.member_count,
        },
        can_edit: d.can_edit,
        can_restructure: d.can_restructure,
        children: d.children.iter().map(OrgItem::from).collect(),
        posts: d
            .posts
            .iter()
            .map(|p| {
                let (from, to) = view::span(&p.span);
                PostRow {
                    post: view::post_label(&p.post).to_owned(),
                    post_code: p.post.clone(),
                    name: p.member_name.clone(),
                    member_id: p.member_id,
                    from,
                    to,
                    current: p.span.is_open(),
                }
            })
            .collect(),
        parents: history(&d.parents),
        kinds: history(&d.kinds),
        post_options: Post::for_kind(org.kind)
            .iter()
            .filter(|p| **p != Post::Secretary)
            .map(|p| (p.code(), p.label()))
            .collect(),
        appoint_form: (String::new(), String::new(), String::new()),
        appoint_errors: FieldErrors::new(),
        secretary_form: (String::new(), String::new()),
        secretary_errors: FieldErrors::new(),
        move_form: (String::new(), String::new()),
        move_errors: FieldErrors::new(),
        dissolve_on: String::new(),
        dissolve_errors: FieldErrors::new(),
        terms: None,
        ratings: Rating::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        group: None,
        covers: None,
    }
}

/// The detail page with its election card.
pub(super) async fn full_detail(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
) -> Result<DetailPage, PageError> {
    let d = state.services.org_detail(actor, id).await?;
    let kind = d.org.kind;
    let mut page = detail_page(actor, d, notice);
    if page.org.is_joint {
        let units = state.services.covered_units(actor, id).await?;
        let codes = units
            .iter()
            .map(|u| u.unit.code.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        page.covers = Some(CoversCard {
            units: units
                .into_iter()
                .map(|u| (u.unit.code, u.unit.name))
                .collect(),
            form: codes,
            errors: FieldErrors::new(),
        });
    }
    if kind == OrgKind::Group {
        let roster = state.services.group_roster(actor, id).await?;
        page.group = Some(super::groups::GroupCard::new(roster));
    } else {
        let terms = state.services.org_terms(actor, id).await?;
        let training = match &terms.qualification {
            Some(q) => {
                let year = chrono::Datelike::year(&state.services.clock().today());
                state
                    .services
                    .secretary_training(actor, q.member_id, year)
                    .await?
            }
            None => None,
        };
        let rules = &state.services.rules().terms;
        let mut view = terms_view(
            terms,
            rules.reminder_before_expiry_months,
            rules.max_extension_or_advance_years,
        );
        let duty_grade = state.services.latest_duty_grade(actor, id).await?;
        let org_grade = state.services.latest_org_grade(actor, id).await?;
        if let Some(q) = view.qualification.as_mut() {
            q.org_grade = org_grade.map(|(period, grade, total)| match total {
                Some(t) => format!("{grade}（{period}党组织考核，{}分）", t as f64 / 10.0),
                None => format!("{grade}（{period}党组织考核）"),
            });
            q.duty_grade = duty_grade.map(|(year, grade, on)| {
                format!("{}（{year}年度书记抓党建述职评议，{on}）", grade.label())
            });
            q.training = training.map(|t| {
                let short = t.completed.len() < t.trainings_required as usize;
                let text = if t.completed.is_empty() {
                    format!("{}年尚未参加集中培训，已记{}学时", t.year, t.hours)
                } else {
                    format!(
                        "{}年结业集中培训{}次（{}），已记{}学时",
                        t.year,
                        t.completed.len(),
                        t.completed.join("；"),
                        t.hours
                    )
                };
                (text, short)
            });
        }
        page.terms = Some(view);
    }
    Ok(page)
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SavedQuery {
    saved: String,
}

pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: SavedQuery = query(raw.as_deref())?;
    render(&full_detail(&state, &session.actor, id, saved(&q.saved)).await?)
}

/// Re-renders the detail page after a refused small form, with `fill` putting the values and
/// the field messages into the right card.
async fn detail_with_error(
    state: &AppState,
    actor: &Actor,
    id: i64,
    errors: FieldErrors,
    fill: impl FnOnce(&mut DetailPage, FieldErrors),
) -> Result<Response, PageError> {
    let mut page = full_detail(state, actor, id, None).await?;
    fill(&mut page, errors);
    render_invalid(&page)
}

/// The units a joint org covers besides its own (their codes).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CoversForm {
    units: String,
}

pub async fn covers(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<CoversForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .set_covered_units(&session.actor, id, &form.units)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1#covers")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                if let Some(c) = page.covers.as_mut() {
                    c.form = form.units.clone();
                    c.errors = errors;
                }
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn secretary(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<SecretaryForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .set_secretary(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                page.secretary_form = (form.police_number.clone(), form.on.clone());
                page.secretary_errors = errors;
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn election(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ElectionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .record_election(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1#terms")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                if let Some(t) = page.terms.as_mut() {
                    t.form = (form.elected_on.clone(), form.note.clone());
                    t.errors = errors;
                }
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn extend(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ExtensionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.extend_term(&session.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1#terms")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                if let Some(t) = page.terms.as_mut() {
                    t.extend_form = (form.until.clone(), form.approval.clone());
                    t.errors = errors;
                }
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn assess(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<AssessmentForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .assess_secretary(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1#qualification")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                if !page.terms.as_ref().is_some_and(|t| t.can_assess) {
                    page.layout.problem = errors.iter().next().map(|e| e.message.clone());
                }
                if let Some(t) = page.terms.as_mut() {
                    t.assess_form = (
                        form.political_quality.clone(),
                        form.professional_ability.clone(),
                        form.standing.clone(),
                        form.assessed_on.clone(),
                        form.remark.clone(),
                    );
                    t.errors = errors;
                }
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn appoint(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<AppointForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.appoint(&session.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1#posts")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                page.appoint_form = (
                    form.post.clone(),
                    form.police_number.clone(),
                    form.on.clone(),
                );
                page.appoint_errors = errors;
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn relieve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<RelieveForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.relieve(&session.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1#posts")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                page.appoint_errors = errors;
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn move_org(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<MoveForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.move_org(&session.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                page.move_form = (form.parent.clone(), form.on.clone());
                page.move_errors = errors;
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn dissolve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<DissolveForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.dissolve_org(&session.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            detail_with_error(&state, &session.actor, id, errors, |page, errors| {
                page.dissolve_on = form.on.clone();
                page.dissolve_errors = errors;
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "org_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    creating: bool,
    form: OrgForm,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    parents: Vec<(String, String)>,
    units: Vec<(String, String)>,
}

/// How many orgs the parent picker suggests.
const PICKER_LIMIT: i64 = 500;

async fn form_page(
    state: &AppState,
    actor: &Actor,
    org: Option<&Org>,
    form: OrgForm,
    errors: FieldErrors,
) -> Result<FormPage, PageError> {
    let creating = org.is_none();
    let parents = if creating {
        state
            .services
            .parent_options(actor, PICKER_LIMIT)
            .await?
            .into_iter()
            .map(|o| (o.code, format!("{}（{}）", o.name, o.kind.label())))
            .collect()
    } else {
        Vec::new()
    };
    let units = state
        .services
        .units(actor)
        .await?
        .into_iter()
        .map(|t| (t.unit.code, t.unit.name))
        .collect();
    let (heading, action, cancel) = match org {
        None => (
            "新建组织".to_owned(),
            "/orgs".to_owned(),
            "/orgs".to_owned(),
        ),
        Some(o) => (
            format!("编辑：{}", o.name),
            format!("/orgs/{}/edit", o.id),
            format!("/orgs/{}", o.id),
        ),
    };
    Ok(FormPage {
        layout: Layout::new(actor, "/orgs", heading.clone())
            .crumb("组织", Some("/orgs".to_owned()))
            .crumb(heading.clone(), None),
        heading,
        action,
        cancel,
        creating,
        form,
        errors,
        kinds: kinds(),
        parents,
        units,
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NewQuery {
    parent: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    state
        .services
        .require(&session.actor, Permission::WriteOrgs, "org.create")
        .await?;
    let q: NewQuery = query(raw.as_deref())?;
    let form = OrgForm {
        parent: q.parent,
        ..OrgForm::default()
    };
    render(&form_page(&state, &session.actor, None, form, FieldErrors::new()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    form: SessionForm<OrgForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.create_org(&session.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&form_page(&state, &session.actor, None, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

fn form_of(org: &Org, unit_code: Option<String>) -> OrgForm {
    OrgForm {
        code: org.code.clone(),
        name: org.name.clone(),
        kind: org.kind.code().to_owned(),
        parent: String::new(),
        unit: unit_code.unwrap_or_default(),
        is_joint: if org.is_joint {
            "on".to_owned()
        } else {
            String::new()
        },
        founded_on: String::new(),
    }
}

async fn unit_code(
    state: &AppState,
    actor: &Actor,
    org: &Org,
) -> Result<Option<String>, PageError> {
    Ok(match org.unit_id {
        Some(id) => Some(state.services.unit(actor, id).await?.unit.code),
        None => None,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    state
        .services
        .require(&session.actor, Permission::WriteOrgs, "org.update")
        .await?;
    let d = state.services.org_detail(&session.actor, id).await?;
    if !d.can_edit {
        return Err(PageError::BadRequest("已撤销的组织不能修改".to_owned()));
    }
    let form = form_of(&d.org, unit_code(&state, &session.actor, &d.org).await?);
    render(
        &form_page(
            &state,
            &session.actor,
            Some(&d.org),
            form,
            FieldErrors::new(),
        )
        .await?,
    )
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<OrgForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.update_org(&session.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let d = state.services.org_detail(&session.actor, id).await?;
            render_invalid(&form_page(&state, &session.actor, Some(&d.org), form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}
