//! The member pages: the roster with filters and pages, the detail with its history, and the
//! create and edit forms with a message at every bad field.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_core::lifecycle::EventKind;
use dangjian_core::member::{
    Category, Education, Ethnicity, Gender, MemberForm, MemberStatus, PoliceRank,
};
use dangjian_core::org::Code;
use dangjian_core::role::{Permission, Role, Scope};
use dangjian_service::lifecycle::{Lifecycle, TransitionForm};
use dangjian_service::members::{Anchor, MemberDetail, MemberView, Search};
use dangjian_service::{Actor, Page, ServiceError};
use serde::Deserialize;

use super::{Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm, encode};
use crate::view;

/// Rows per page of the roster.
pub const PAGE_SIZE: u32 = 20;

struct MemberItem {
    id: i64,
    name: String,
    gender: &'static str,
    police_number: String,
    rank: String,
    position: String,
    branch_id: i64,
    branch: String,
    category: &'static str,
    full: bool,
    status: &'static str,
    status_class: &'static str,
    party_age: String,
    id_number: String,
}

fn status_class(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Active => "ok",
        MemberStatus::LostContact => "bad",
        MemberStatus::Stopped
        | MemberStatus::Left
        | MemberStatus::Deceased
        | MemberStatus::TransferredOut => "none",
    }
}

fn party_age_text(m: &MemberView) -> String {
    m.party_age
        .map_or_else(|| "预备期".to_owned(), |years| format!("{years} 年"))
}

impl From<&MemberView> for MemberItem {
    fn from(m: &MemberView) -> Self {
        Self {
            id: m.id,
            name: m.name.clone(),
            gender: m.gender.label(),
            police_number: m.police_number.clone().unwrap_or_else(|| "—".to_owned()),
            rank: m.police_rank.map_or("", |r| r.label()).to_owned(),
            position: m.position.clone().unwrap_or_default(),
            branch_id: m.branch_id,
            branch: m.branch_name.clone(),
            category: m.category.label(),
            full: m.category == Category::Full,
            status: m.status.label(),
            status_class: status_class(m.status),
            party_age: party_age_text(m),
            id_number: m.id_number_masked.clone(),
        }
    }
}

/// The roster's filters as typed, kept to refill the form and build page links.
#[derive(Deserialize, Default, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct ListQuery {
    name: String,
    police_number: String,
    org: String,
    unit: String,
    category: String,
    status: String,
    page: String,
    /// The member just before (after) the page asked for, from the next (previous) link.
    after: String,
    before: String,
    saved: String,
}

impl ListQuery {
    /// The query string for another page with the same filters, placed next to `anchor`
    /// (the page's number is shown, and places the page where an anchor cannot).
    fn with_page(&self, page: i64, anchor: Option<(&str, i64)>) -> String {
        let pairs = [
            ("name", self.name.as_str()),
            ("police_number", self.police_number.as_str()),
            ("org", self.org.as_str()),
            ("unit", self.unit.as_str()),
            ("category", self.category.as_str()),
            ("status", self.status.as_str()),
        ];
        let mut out: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        out.push(format!("page={page}"));
        if let Some((side, id)) = anchor {
            out.push(format!("{side}={id}"));
        }
        format!("/members?{}", out.join("&"))
    }

    /// The export link with the same filters.
    fn export_href(&self) -> String {
        self.with_page(1, None)
            .replacen("/members?", "/members/export?", 1)
    }
}

#[derive(Template)]
#[template(path = "member_list.html")]
struct ListPage {
    layout: Layout,
    can_create: bool,
    filter: ListQuery,
    filter_error: Option<String>,
    /// The lookup by whole ID number (a form of its own: the number never goes in a link).
    find: FindForm,
    find_errors: FieldErrors,
    categories: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    members: Vec<MemberItem>,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    export: String,
}

/// The roster matching the list's filters, as a workbook (masked, watermarked, audited).
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: ListQuery = query(raw.as_deref())?;
    // An export is the whole roster, whatever page the link was on.
    let search = Search {
        anchor: Anchor::Number,
        ..search_of(&q)
    };
    match state.services.export_members(&session.actor, &search).await {
        Ok((bytes, _)) => Ok(super::stats::xlsx(bytes, "党员名册.xlsx")),
        Err(ServiceError::ReauthRequired) => Err(PageError::Reauth(match raw.as_deref() {
            Some(q) if !q.is_empty() => format!("/members/export?{q}"),
            _ => "/members/export".to_owned(),
        })),
        Err(ServiceError::Invalid(errors)) => Err(PageError::BadRequest(
            errors
                .iter()
                .next()
                .map_or_else(String::new, |e| e.message.clone()),
        )),
        Err(other) => Err(other.into()),
    }
}

fn search_of(q: &ListQuery) -> Search {
    Search {
        name: view::nonempty(&q.name),
        police_number: view::nonempty(&q.police_number),
        id_number: None,
        reason: None,
        org: view::nonempty(&q.org),
        unit: view::nonempty(&q.unit),
        category: Category::from_code(q.category.trim()),
        status: MemberStatus::from_code(q.status.trim()),
        // An anchor that is not a number is left out: the page's number still places it.
        anchor: match (q.after.trim().parse(), q.before.trim().parse()) {
            (Ok(id), _) => Anchor::After(id),
            (_, Ok(id)) => Anchor::Before(id),
            _ => Anchor::Number,
        },
    }
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    // A member sees only their own record: the roster is that one page.
    if let (Some(Role::Member), Scope::OwnRecord { member_id }) = (actor.role, &actor.scope) {
        return Ok(Redirect::to(&format!("/members/{member_id}")).into_response());
    }
    let q: ListQuery = query(raw.as_deref())?;
    let search = search_of(&q);
    roster(&state, actor, q, search, FindForm::default()).await
}

/// The lookup by whole ID number: posted (the number stays out of links and logs), with the
/// reason the service records; at most a set number a day per account.
#[derive(Deserialize, Default, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct FindForm {
    id_number: String,
    reason: String,
}

pub async fn find(
    State(state): State<AppState>,
    form: SessionForm<FindForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let search = Search {
        id_number: Some(form.id_number.clone()),
        reason: Some(form.reason.clone()),
        ..Search::default()
    };
    roster(&state, &session.actor, ListQuery::default(), search, form).await
}

/// The roster page for the filters `q`, searched as `search`; field errors of the ID lookup
/// show at its form, others above the table.
async fn roster(
    state: &AppState,
    actor: &dangjian_service::Actor,
    q: ListQuery,
    search: Search,
    find: FindForm,
) -> Result<Response, PageError> {
    let number: u32 = q.page.trim().parse().unwrap_or(1).clamp(1, 1_000_000);
    let (result, filter_error, find_errors) = match state
        .services
        .search_members(
            actor,
            &search,
            Page {
                number,
                size: PAGE_SIZE,
            },
        )
        .await
    {
        Ok(result) => (Some(result), None, FieldErrors::new()),
        Err(ServiceError::Invalid(errors)) if search.id_number.is_some() => (None, None, errors),
        Err(ServiceError::Invalid(errors)) => (
            None,
            errors.iter().next().map(|e| e.message.clone()),
            FieldErrors::new(),
        ),
        Err(other) => return Err(other.into()),
    };
    let invalid = filter_error.is_some() || !find_errors.is_empty();
    // The typed number is given back only to be corrected: a page of results does not
    // carry it.
    let mut find = find;
    if !invalid {
        find.id_number.clear();
    }
    let (members, total) = result.map_or((Vec::new(), 0), |r| {
        (r.members.iter().map(MemberItem::from).collect(), r.total)
    });
    let pages = view::page_count(total, PAGE_SIZE);
    let page = i64::from(number);
    let by_id = search.id_number.is_some();
    let view = ListPage {
        layout: Layout::new(actor, "/members", "党员名册")
            .crumb("党员", None)
            .notice((!q.saved.is_empty()).then_some("已保存。")),
        can_create: actor.permits(Permission::WriteMembers),
        // The first page needs no anchor; the others are found next to this page's ends.
        prev: (page > 1 && !by_id).then(|| {
            let anchor = members
                .first()
                .filter(|_| page > 2)
                .map(|m| ("before", m.id));
            q.with_page(page - 1, anchor)
        }),
        next: (page < pages && !by_id)
            .then(|| q.with_page(page + 1, members.last().map(|m| ("after", m.id)))),
        export: q.export_href(),
        filter: q,
        filter_error,
        find,
        find_errors,
        categories: Category::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        statuses: MemberStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        members,
        total,
        page,
        pages,
    };
    if invalid {
        render_invalid(&view)
    } else {
        render(&view)
    }
}

struct DetailMember {
    id: i64,
    name: String,
    gender: &'static str,
    birth_date: String,
    ethnicity: String,
    education: String,
    id_number: String,
    phone: String,
    police_number: String,
    /// 党员编号: names a member without a 警号 in forms.
    member_number: String,
    rank: String,
    position: String,
    unit: String,
    branch_id: i64,
    branch: String,
    category: &'static str,
    full: bool,
    status: &'static str,
    status_class: &'static str,
    joined_on: String,
    full_on: String,
    party_age: String,
}

struct HistoryRow {
    label: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "member_detail.html")]
struct DetailPage {
    layout: Layout,
    m: DetailMember,
    can_edit: bool,
    can_reveal: bool,
    revealed: bool,
    reason: String,
    reveal_error: Option<String>,
    branches: Vec<HistoryRow>,
    categories: Vec<HistoryRow>,
    statuses: Vec<HistoryRow>,
    posts: Vec<(String, String, String, String)>,
    probation_due: Option<String>,
    flow: Option<(String, String)>,
    /// What the rules ask of the branch now (R5.5, R5.6, R5.12).
    prompts: Vec<String>,
    transitions: Vec<TransitionView>,
    transition_error: Option<String>,
    months: Vec<u32>,
    /// (date, what, reason, by)
    events: Vec<(String, String, String, String)>,
    /// 党性分析: (record id, date, meeting and org, text, feedback).
    analyses: Vec<(i64, String, String, String, String)>,
    /// What the member may not be or do because of sanctions (issue 16, 4): the effects, and
    /// their causes for the discipline roles only.
    effects: Vec<String>,
    effect_causes: Option<Vec<String>>,
    /// Approved honours: (day, what, by whom).
    honours: Vec<(String, String, String)>,
    /// (letter, from, to, issued, status)
    transfers: Vec<(String, String, String, String, String)>,
}

/// One transition the page offers, with the fields it needs.
struct TransitionView {
    code: &'static str,
    label: &'static str,
    date_label: &'static str,
    months: bool,
    letter: bool,
    within: bool,
    outside: bool,
    flow: bool,
    reason_required: bool,
    /// Ends membership: shown as a warning button.
    final_: bool,
    open: bool,
}

fn rows(entries: &[dangjian_service::members::Dated]) -> Vec<HistoryRow> {
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
    let notice = (!q.saved.is_empty()).then_some("已保存。");
    render(&full_detail(&state, &session.actor, id, notice).await?)
}

fn transition_view(kind: EventKind) -> TransitionView {
    use EventKind::*;
    TransitionView {
        code: kind.code(),
        label: kind.label(),
        date_label: match kind {
            Converted => "支部大会讨论日期",
            ProbationExtended | ProbationCancelled => "决定日期",
            TransferIssued | TransferredOut => "开具介绍信日期",
            FlowOut => "外出日期",
            FlowReturned => "返回日期",
            LostContact => "失联日期",
            ContactRestored => "恢复联系日期",
            _ => "日期",
        },
        months: kind == ProbationExtended,
        letter: matches!(kind, TransferIssued | TransferredOut),
        within: kind == TransferIssued,
        outside: kind == TransferredOut,
        flow: kind == FlowOut,
        reason_required: matches!(kind, ProbationCancelled | Stopped | Left | Died),
        final_: matches!(
            kind,
            ProbationCancelled | Stopped | Left | Died | TransferredOut
        ),
        open: false,
    }
}

/// An event's line in the record: what happened, with the details that matter.
fn event_text(e: &dangjian_service::lifecycle::MemberEvent) -> String {
    let details: serde_json::Value = e
        .details
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let field = |k: &str| {
        details.get(k).and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        })
    };
    let mut text = e.kind.label().to_owned();
    for (key, label) in [
        ("letter_no", "介绍信"),
        ("to_branch", "接收"),
        ("external_org", "转往"),
        ("from", "转出党组织"),
        ("full_membership_on", "转正日期"),
        ("months", "延长月数"),
        ("probation_due_on", "预备期至"),
        ("place", "去向"),
    ] {
        if let Some(value) = field(key) {
            text.push_str(&format!("；{label}：{value}"));
        }
    }
    text
}

fn detail_page(
    actor: &Actor,
    d: MemberDetail,
    life: Lifecycle,
    notice: Option<&str>,
) -> DetailPage {
    let m = &d.member;
    let layout = Layout::new(actor, "/members", m.name.clone())
        .crumb("党员", Some("/members".to_owned()))
        .crumb(m.name.clone(), None)
        .notice(notice);
    DetailPage {
        layout,
        m: DetailMember {
            id: m.id,
            name: m.name.clone(),
            gender: m.gender.label(),
            birth_date: view::date(m.birth_date),
            ethnicity: m.ethnicity.clone(),
            education: view::or_blank(m.education.map(|e| e.label())),
            id_number: m.id_number_masked.clone(),
            phone: view::or_blank(m.phone_masked.as_deref()),
            police_number: m
                .police_number
                .clone()
                .unwrap_or_else(|| "无（文职、工勤、离退休人员等）".to_owned()),
            member_number: dangjian_core::member::record_number(m.id),
            rank: view::or_blank(m.police_rank.map(|r| r.label())),
            position: view::or_blank(m.position.as_deref()),
            unit: view::or_blank(m.unit_name.as_deref()),
            branch_id: m.branch_id,
            branch: format!("{}（{}）", m.branch_name, m.branch_code),
            category: m.category.label(),
            full: m.category == Category::Full,
            status: m.status.label(),
            status_class: status_class(m.status),
            joined_on: view::date(m.joined_on),
            full_on: view::opt_date(m.full_membership_on),
            party_age: party_age_text(m),
        },
        can_edit: d.can_edit,
        can_reveal: actor.permits(Permission::ViewPersonalData),
        revealed: false,
        reason: String::new(),
        reveal_error: None,
        branches: rows(&d.branches),
        categories: rows(&d.categories),
        statuses: rows(&d.statuses),
        posts: d
            .posts
            .iter()
            .map(|(org, post, span)| {
                let (from, to) = view::span(span);
                (org.clone(), view::post_label(post).to_owned(), from, to)
            })
            .collect(),
        probation_due: life.probation_due_on.map(view::date),
        flow: life
            .flow
            .as_ref()
            .map(|(place, _, since)| (place.clone(), view::date(*since))),
        prompts: life.prompts.iter().map(ToString::to_string).collect(),
        transitions: life.available.iter().map(|k| transition_view(*k)).collect(),
        transition_error: None,
        months: (6..=12).collect(),
        analyses: Vec::new(),
        effects: Vec::new(),
        effect_causes: None,
        honours: Vec::new(),
        events: life
            .events
            .iter()
            .map(|e| {
                (
                    view::date(e.occurred_on),
                    event_text(e),
                    e.reason.clone().unwrap_or_default(),
                    e.actor_login.clone(),
                )
            })
            .collect(),
        transfers: life
            .transfers
            .iter()
            .map(|t| {
                (
                    t.letter_no.clone(),
                    t.from_branch.clone().unwrap_or_default(),
                    t.to_branch
                        .clone()
                        .or_else(|| t.external_org.clone())
                        .unwrap_or_default(),
                    view::date(t.issued_on),
                    t.status.label().to_owned(),
                )
            })
            .collect(),
    }
}

/// The whole detail page of a member.
async fn full_detail(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
) -> Result<DetailPage, PageError> {
    let d = state.services.member_detail(actor, id).await?;
    let life = state.services.member_lifecycle(actor, id).await?;
    let mut page = detail_page(actor, d, life, notice);
    page.analyses = state
        .services
        .member_party_analyses(actor, id)
        .await?
        .into_iter()
        .map(|a| {
            (
                a.meeting_id,
                view::date(a.held_on),
                format!("{}{}（{}）", a.org_name, a.kind.label(), a.state.label()),
                a.text,
                a.feedback.unwrap_or_default(),
            )
        })
        .collect();
    let effects = state.services.member_effects(actor, id).await?;
    page.effects = effects.derived;
    page.effect_causes = effects.causes;
    page.honours = state
        .services
        .member_honours(actor, id)
        .await?
        .into_iter()
        .map(|h| {
            (
                h.decided_on.map(view::date).unwrap_or_default(),
                format!("{}：{}", h.system.label(), h.kind),
                h.approver.unwrap_or_default(),
            )
        })
        .collect();
    Ok(page)
}

/// Records a transition (转正, 转接, 失联 …) from the member's page.
pub async fn transition(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<TransitionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.transition(&session.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/members/{id}?saved=1#lifecycle")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let mut page = full_detail(&state, &session.actor, id, None).await?;
            page.transition_error = errors.iter().next().map(|e| e.message.clone());
            for t in &mut page.transitions {
                t.open = t.code == form.kind.trim();
            }
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RevealForm {
    reason: String,
}

/// Shows the full ID number and phone once, on the page that answers the post; the service
/// records the view and its reason.
pub async fn reveal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<RevealForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state
        .services
        .reveal_personal_data(actor, id, &form.reason)
        .await;
    let mut page = full_detail(&state, actor, id, None).await?;
    match result {
        Ok((id_number, phone)) => {
            page.m.id_number = id_number;
            page.m.phone = view::or_blank(phone.as_deref());
            page.revealed = true;
            render(&page)
        }
        Err(ServiceError::Invalid(errors)) => {
            page.reveal_error = errors.iter().next().map(|e| e.message.clone());
            page.reason = form.reason;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    editing: bool,
    id_hint: String,
    phone_placeholder: String,
    /// On edit: the category and status, shown, not edited.
    category_text: String,
    form: MemberForm,
    errors: FieldErrors,
    genders: Vec<(String, String)>,
    ethnicities: Vec<(String, String)>,
    educations: Vec<(String, String)>,
    ranks: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    branches: Vec<(String, String)>,
    units: Vec<(String, String)>,
}

pub(super) fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (code(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

/// How many branches the picker suggests; a code can always be typed.
const PICKER_LIMIT: i64 = 500;

async fn form_page(
    state: &AppState,
    actor: &Actor,
    existing: Option<&MemberDetail>,
    form: MemberForm,
    errors: FieldErrors,
) -> Result<FormPage, PageError> {
    let branches = state
        .services
        .branch_options(actor, PICKER_LIMIT)
        .await?
        .into_iter()
        .map(|b| (b.code, b.name))
        .collect();
    let units = state
        .services
        .units(actor)
        .await?
        .into_iter()
        .map(|t| (t.unit.code, t.unit.name))
        .collect();
    let (heading, action, cancel) = match existing {
        None => (
            "新增党员".to_owned(),
            "/members".to_owned(),
            "/members".to_owned(),
        ),
        Some(d) => (
            format!("编辑：{}", d.member.name),
            format!("/members/{}/edit", d.member.id),
            format!("/members/{}", d.member.id),
        ),
    };
    Ok(FormPage {
        layout: Layout::new(actor, "/members", heading.clone())
            .crumb("党员", Some("/members".to_owned()))
            .crumb(heading.clone(), None),
        heading,
        action,
        cancel,
        editing: existing.is_some(),
        id_hint: existing.map_or_else(
            || "18位，最后一位可为X".to_owned(),
            |d| format!("当前：{}，留空则保持不变", d.member.id_number_masked),
        ),
        phone_placeholder: existing
            .and_then(|d| d.member.phone_masked.clone())
            .unwrap_or_default(),
        category_text: existing.map_or_else(String::new, |d| {
            format!(
                "{} / {}",
                d.member.category.label(),
                d.member.status.label()
            )
        }),
        form,
        errors,
        genders: options(Gender::ALL, Gender::code, Gender::label),
        ethnicities: Ethnicity::all()
            .map(|e| (e.code(), e.label().to_owned()))
            .collect(),
        educations: options(Education::ALL, Education::code, Education::label),
        ranks: options(PoliceRank::ALL, PoliceRank::code, PoliceRank::label),
        categories: options(Category::ALL, Category::code, Category::label),
        statuses: options(MemberStatus::ALL, MemberStatus::code, MemberStatus::label),
        branches,
        units,
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NewQuery {
    branch: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    state
        .services
        .require(&session.actor, Permission::WriteMembers, "member.create")
        .await?;
    let q: NewQuery = query(raw.as_deref())?;
    let form = MemberForm {
        branch: Code::parse(&q.branch)
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        ethnicity: Ethnicity::HAN.code(),
        status: MemberStatus::Active.code().to_owned(),
        ..MemberForm::default()
    };
    render(&form_page(&state, &session.actor, None, form, FieldErrors::new()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    form: SessionForm<MemberForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.create_member(&session.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/members/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&form_page(&state, &session.actor, None, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// The edit form filled from the record. The ID number and phone are not sent back in full:
/// their fields start empty ("unchanged"), with the masked value as a hint.
fn form_of(d: &MemberDetail) -> MemberForm {
    let m = &d.member;
    MemberForm {
        name: m.name.clone(),
        gender: m.gender.code().to_owned(),
        birth_date: view::date(m.birth_date),
        ethnicity: d.ethnicity_code.clone(),
        education: m.education.map_or("", |e| e.code()).to_owned(),
        id_number: String::new(),
        phone: String::new(),
        police_number: m.police_number.clone().unwrap_or_default(),
        police_rank: m.police_rank.map_or("", |r| r.code()).to_owned(),
        position: m.position.clone().unwrap_or_default(),
        unit: d.unit_code.clone().unwrap_or_default(),
        branch: m.branch_code.clone(),
        category: m.category.code().to_owned(),
        joined_on: view::date(m.joined_on),
        full_membership_on: m.full_membership_on.map(view::date).unwrap_or_default(),
        status: m.status.code().to_owned(),
        effective_on: String::new(),
        clear_phone: String::new(),
        transfer_letter: String::new(),
        transfer_from: String::new(),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    state
        .services
        .require(&session.actor, Permission::WriteMembers, "member.update")
        .await?;
    let d = state.services.member_detail(&session.actor, id).await?;
    if !d.can_edit {
        return Err(ServiceError::Forbidden.into());
    }
    let form = form_of(&d);
    render(&form_page(&state, &session.actor, Some(&d), form, FieldErrors::new()).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<MemberForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .update_member(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/members/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let d = state.services.member_detail(&session.actor, id).await?;
            render_invalid(&form_page(&state, &session.actor, Some(&d), form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}
