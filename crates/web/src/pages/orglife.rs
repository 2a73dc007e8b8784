//! 组织生活: the to-do list (or, for a member, their own record), the bureau's overview, an
//! org's calendar for a year, the list of records, the record form, and a record's page with
//! submission, review and make-ups.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use dangjian_core::compliance::{Counts, Slot, Status};
use dangjian_core::field::FieldErrors;
use dangjian_core::orglife::{AbsenceReason, MeetingKind, ReviewState};
use dangjian_core::role::{Permission, Scope};
use dangjian_service::orglife::{
    ActionForm, AttendeeForm, Brief, Count, ExclusionForm, Filter, MakeupForm, MeetingForm,
    OverviewRow, PairForm, ReportForm, ResolutionForm, ReviewForm, period_label,
};
use dangjian_service::plans::{GenerateForm, PlanForm};
use dangjian_service::{Actor, Page, ServiceError};

use serde::Deserialize;

use super::{Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
use crate::view;

const AREA: &str = "/orglife";

/// The colour class of a compliance status.
pub fn status_class(status: Status) -> &'static str {
    match status {
        Status::Met => "ok",
        Status::Late => "warn",
        Status::Missing => "bad",
        Status::Upcoming | Status::NotApplicable => "none",
    }
}

/// The colour class of a review state.
pub fn state_class(state: ReviewState) -> &'static str {
    match state {
        ReviewState::Accepted => "ok",
        ReviewState::Submitted => "warn",
        ReviewState::Returned => "bad",
        ReviewState::Draft => "none",
    }
}

struct BriefView {
    id: i64,
    org_id: i64,
    org_name: String,
    kind: &'static str,
    held_on: String,
    topics: String,
    state: &'static str,
    class: &'static str,
    attendance: String,
}

fn brief(b: &Brief) -> BriefView {
    BriefView {
        id: b.id,
        org_id: b.org_id,
        org_name: b.org_name.clone(),
        kind: b.kind.label(),
        held_on: view::date(b.held_on),
        topics: b.topics.clone(),
        state: b.state.label(),
        class: state_class(b.state),
        attendance: format!("{}/{}", b.present, b.expected),
    }
}

struct DueView {
    org_id: i64,
    org_name: String,
    kind: &'static str,
    period: String,
    deadline: String,
    local: bool,
}

fn due(d: &dangjian_service::orglife::DueItem) -> DueView {
    DueView {
        org_id: d.org_id,
        org_name: d.org_name.clone(),
        kind: d.slot.kind.label(),
        period: period_label(&d.slot),
        deadline: view::date(d.slot.last_day()),
        local: d.slot.confidence == dangjian_core::rules::Confidence::Local,
    }
}

struct MineView {
    org_name: String,
    kind: &'static str,
    held_on: String,
    topics: String,
    present: bool,
    absence: String,
    makeup: Option<String>,
}

#[derive(Template)]
#[template(path = "orglife_home.html")]
struct HomePage {
    layout: Layout,
    year: i32,
    own_org: Option<i64>,
    is_member: bool,
    mine: Vec<MineView>,
    outstanding: usize,
    due_soon: Vec<DueView>,
    overdue: Vec<DueView>,
    overdue_total: usize,
    awaiting_review: Vec<BriefView>,
    returned: Vec<BriefView>,
    drafts: Vec<BriefView>,
}

/// Overdue periods listed on the to-do page; the rest are counted.
const OVERDUE_SHOWN: usize = 30;

pub async fn home(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let actor = &session.actor;
    state
        .services
        .require(actor, Permission::ReadMeetings, "meeting.todo")
        .await?;
    let year = state.services.clock().today().year();
    let layout = Layout::new(actor, AREA, "组织生活").crumb("组织生活", None);
    if !actor.permits(Permission::RecordMeetings) {
        let mine: Vec<MineView> = state
            .services
            .my_org_life(actor)
            .await?
            .into_iter()
            .map(|p| MineView {
                org_name: p.org_name,
                kind: p.kind.label(),
                held_on: view::date(p.held_on),
                topics: p.topics,
                present: p.present,
                absence: p
                    .absence_reason
                    .map_or("未说明", AbsenceReason::label)
                    .to_owned(),
                makeup: p.makeup_on.map(view::date),
            })
            .collect();
        return render(&HomePage {
            layout,
            year,
            own_org: None,
            is_member: true,
            outstanding: mine
                .iter()
                .filter(|m| !m.present && m.makeup.is_none())
                .count(),
            mine,
            due_soon: vec![],
            overdue: vec![],
            overdue_total: 0,
            awaiting_review: vec![],
            returned: vec![],
            drafts: vec![],
        });
    }
    let todo = state.services.org_life_todo(actor).await?;
    render(&HomePage {
        layout,
        year,
        own_org: match actor.scope {
            Scope::Subtree { org_id, .. } => Some(org_id),
            _ => None,
        },
        is_member: false,
        mine: vec![],
        outstanding: 0,
        due_soon: todo.due_soon.iter().map(due).collect(),
        overdue_total: todo.overdue.len(),
        overdue: todo.overdue.iter().take(OVERDUE_SHOWN).map(due).collect(),
        awaiting_review: todo.awaiting_review.iter().map(brief).collect(),
        returned: todo.returned.iter().map(brief).collect(),
        drafts: todo.drafts.iter().map(brief).collect(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct YearQuery {
    year: String,
    sort: String,
    saved: String,
    page: String,
}

fn year_of(raw: &str, actor_today: i32) -> Result<i32, PageError> {
    match raw.trim() {
        "" => Ok(actor_today),
        raw => raw
            .parse::<i32>()
            .map_err(|_| PageError::BadRequest("年份无效".to_owned())),
    }
}

struct OverviewView {
    org_id: i64,
    code: String,
    name: String,
    kind: &'static str,
    met: u32,
    late: u32,
    missing: u32,
    upcoming: u32,
    rate: String,
    gaps: String,
    /// The bureau's own requirements missed: how many, and which.
    local_missing: u32,
    local_gaps: String,
}

#[derive(Template)]
#[template(path = "orglife_overview.html")]
struct OverviewPage {
    layout: Layout,
    year: i32,
    sort: String,
    rows: Vec<OverviewView>,
    totals: (u32, u32, u32, u32, u32),
    /// Orgs in the whole list, this page and the number of pages.
    total: usize,
    page: usize,
    pages: usize,
}

/// Missed periods named on an overview line; the rest are counted.
const GAPS_SHOWN: usize = 4;
/// Orgs on a page of the overview: a province has fourteen thousand.
const OVERVIEW_PAGE: usize = 100;

/// The first periods of a list of gaps, and how many in all when there are more.
fn gaps(missing: &[String]) -> String {
    let shown: Vec<&str> = missing
        .iter()
        .take(GAPS_SHOWN)
        .map(String::as_str)
        .collect();
    if missing.len() > GAPS_SHOWN {
        format!("{} 等{}项", shown.join("、"), missing.len())
    } else {
        shown.join("、")
    }
}

pub async fn overview(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let year = year_of(&q.year, state.services.clock().today().year())?;
    let all = state.services.compliance_overview(actor, year).await?;
    let mut rows: Vec<&OverviewRow> = all.iter().collect();
    match q.sort.as_str() {
        "code" => rows.sort_by(|a, b| a.code.cmp(&b.code)),
        "rate" => rows.sort_by(|a, b| {
            let rate = |r: &OverviewRow| r.tally.on_time_percent().unwrap_or(100);
            rate(a).cmp(&rate(b)).then(a.code.cmp(&b.code))
        }),
        "late" => rows.sort_by(|a, b| {
            b.tally
                .national
                .late
                .cmp(&a.tally.national.late)
                .then(a.code.cmp(&b.code))
        }),
        "local" => rows.sort_by(|a, b| {
            b.tally
                .local
                .missing
                .cmp(&a.tally.local.missing)
                .then(a.code.cmp(&b.code))
        }),
        _ => {}
    }
    let totals = rows.iter().fold((0, 0, 0, 0, 0), |t, r| {
        let n = r.tally.national;
        (
            t.0 + n.met,
            t.1 + n.late,
            t.2 + n.missing,
            t.3 + n.upcoming,
            t.4 + r.tally.local.missing,
        )
    });
    let pages = rows.len().div_ceil(OVERVIEW_PAGE).max(1);
    // As on the roster: a page past the end (the list shrank) shows the last one.
    let page = q.page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
    let total = rows.len();
    let rows = rows
        .into_iter()
        .skip((page - 1) * OVERVIEW_PAGE)
        .take(OVERVIEW_PAGE)
        .map(|r| OverviewView {
            org_id: r.org_id,
            code: r.code.clone(),
            name: r.name.clone(),
            kind: r.kind.label(),
            met: r.tally.national.met,
            late: r.tally.national.late,
            missing: r.tally.national.missing,
            upcoming: r.tally.national.upcoming,
            rate: r
                .tally
                .on_time_percent()
                .map_or("—".to_owned(), |p| format!("{p}%")),
            gaps: gaps(&r.missing),
            local_missing: r.tally.local.missing,
            local_gaps: gaps(&r.missing_local),
        })
        .collect();
    render(&OverviewPage {
        layout: Layout::new(actor, AREA, "组织生活落实情况")
            .crumb("组织生活", Some(AREA.to_owned()))
            .crumb("落实情况", None),
        year,
        sort: q.sort,
        rows,
        totals,
        total,
        page,
        pages,
    })
}

struct CellView {
    period: String,
    status: &'static str,
    /// What the period's records are: "法定人数不足", "记录未提交"….
    why: &'static str,
    class: &'static str,
    records: Vec<(i64, String)>,
    title: String,
}

struct KindRow {
    kind: &'static str,
    rule: String,
    local: bool,
    cells: Vec<CellView>,
    missing_members: Vec<String>,
}

#[derive(Template)]
#[template(path = "orglife_calendar.html")]
struct CalendarPage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    year: i32,
    can_record: bool,
    rows: Vec<KindRow>,
    records: Vec<BriefView>,
    /// The national requirements' counts; the bureau's own in words below them (empty when
    /// it has none this year).
    tally: (u32, u32, u32, u32),
    local: String,
}

pub async fn calendar(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let year = year_of(&q.year, state.services.clock().today().year())?;
    let c = state.services.org_compliance(actor, id, year).await?;
    let mut rows: Vec<KindRow> = Vec::new();
    for kind in MeetingKind::ALL {
        let slots: Vec<&Slot> = c.slots.iter().filter(|s| s.kind == *kind).collect();
        if slots
            .iter()
            .all(|s| s.status == Status::NotApplicable && s.records.is_empty())
        {
            continue;
        }
        let rule = slots
            .first()
            .map(|s| format!("{}{}次", s.period.label(), s.min_count))
            .unwrap_or_default();
        // 谈心谈话 names what each member still lacks; the other kinds only who.
        let lacking: std::collections::HashMap<i64, String> = slots
            .iter()
            .flat_map(|s| s.pairs_missing.iter())
            .map(|(m, kinds)| {
                let kinds: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
                (*m, kinds.join("、"))
            })
            .collect();
        let mut missing_members: Vec<String> = slots
            .iter()
            .flat_map(|s| s.members_missing.iter())
            .filter_map(|m| {
                let name = c.names.get(m)?;
                Some(match lacking.get(m) {
                    Some(kinds) => format!("{name}（缺{kinds}）"),
                    None => name.clone(),
                })
            })
            .collect();
        missing_members.dedup();
        rows.push(KindRow {
            kind: kind.label(),
            rule,
            local: slots
                .first()
                .is_some_and(|s| s.confidence == dangjian_core::rules::Confidence::Local),
            cells: slots
                .iter()
                .map(|s| CellView {
                    period: period_label(s),
                    status: s.status.label(),
                    why: s.why.map_or("", |w| w.label()),
                    class: status_class(s.status),
                    title: format!("截止 {}", view::date(s.last_day())),
                    records: s
                        .records
                        .iter()
                        .filter_map(|r| c.records.get(r))
                        .map(|b| {
                            (
                                b.id,
                                format!("{}（{}）", view::date(b.held_on), b.state.label()),
                            )
                        })
                        .collect(),
                })
                .collect(),
            missing_members,
        });
    }
    let mut records: Vec<&Brief> = c
        .records
        .values()
        .filter(|b| b.held_on.year() == year)
        .collect();
    records.sort_by_key(|b| (std::cmp::Reverse(b.held_on), std::cmp::Reverse(b.id)));
    render(&CalendarPage {
        layout: Layout::new(actor, AREA, format!("{} {}年组织生活", c.org.name, year))
            .crumb("组织生活", Some(AREA.to_owned()))
            .crumb(c.org.name.clone(), Some(format!("/orgs/{}", c.org.id)))
            .crumb(format!("{year}年"), None),
        org_id: c.org.id,
        org_name: c.org.name.clone(),
        year,
        can_record: actor.permits(Permission::RecordMeetings)
            && c.org.dissolved_on.is_none()
            && !MeetingKind::recordable_by(c.org.kind).is_empty(),
        rows,
        records: records.into_iter().map(brief).collect(),
        tally: {
            let n = c.tally.national;
            (n.met, n.late, n.missing, n.upcoming)
        },
        local: if c.tally.local == Counts::default() {
            String::new()
        } else {
            format!("本地规定的要求另计，不计入按时率：{}。", c.tally.local)
        },
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ListQuery {
    kind: String,
    state: String,
    year: String,
    page: String,
}

#[derive(Template)]
#[template(path = "meeting_list.html")]
struct ListPage {
    layout: Layout,
    kind: String,
    state: String,
    year: String,
    kinds: Vec<(&'static str, &'static str)>,
    states: Vec<(&'static str, &'static str)>,
    rows: Vec<BriefView>,
    page: u32,
    has_next: bool,
    base: String,
}

const PAGE_SIZE: u32 = 50;

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: ListQuery = query(raw.as_deref())?;
    let year = match q.year.trim() {
        "" => None,
        raw => Some(year_of(raw, 0)?),
    };
    let (from, to) = match year {
        Some(y) => {
            let (from, to) = dangjian_service::orglife::year_range(y)?;
            (Some(from), Some(to))
        }
        None => (None, None),
    };
    let filter = Filter {
        kind: MeetingKind::from_code(q.kind.trim()),
        state: ReviewState::from_code(q.state.trim()),
        from,
        to,
        ..Filter::default()
    };
    let page: u32 = q.page.trim().parse().unwrap_or(1).clamp(1, 10_000);
    let rows = state
        .services
        .meetings(
            actor,
            &filter,
            Page {
                number: page,
                size: PAGE_SIZE,
            },
        )
        .await?;
    let has_next = rows.len() == PAGE_SIZE as usize;
    let base = format!(
        "/meetings?kind={}&state={}&year={}",
        crate::session::encode(q.kind.trim()),
        crate::session::encode(q.state.trim()),
        crate::session::encode(q.year.trim())
    );
    render(&ListPage {
        layout: Layout::new(actor, AREA, "会议记录")
            .crumb("组织生活", Some(AREA.to_owned()))
            .crumb("会议记录", None),
        kind: q.kind,
        state: q.state,
        year: q.year,
        kinds: MeetingKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        states: ReviewState::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        rows: rows.iter().map(brief).collect(),
        page,
        has_next,
        base,
    })
}

/// One row of the attendance table of the form.
struct AttendeeRowView {
    id: i64,
    name: String,
    voting: bool,
    expected: bool,
    present: bool,
    reason: String,
    note: String,
    criticism: String,
    self_criticism: String,
    /// A 支部党员大会's M4.11 case for leaving the member out of the voting base, and the
    /// upper committee's approval.
    exclusion: String,
    approval: String,
    /// 党性分析 and the branch's feedback (组织生活会, 民主评议).
    analysis: String,
    feedback: String,
    /// 民主生活会: the member's 对照检查材料.
    material: String,
}

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    org_name: String,
    /// Step one: choose the kind and the day, so the roll of that day can be offered.
    choosing: bool,
    action: String,
    kinds: Vec<(&'static str, &'static str)>,
    kind_label: &'static str,
    is_lecture: bool,
    needs_criticism: bool,
    /// 组织生活会, 民主评议: each member's 党性分析 and the branch's feedback.
    needs_analysis: bool,
    /// 民主生活会: the opinions gathered and each member's 对照检查材料.
    needs_material: bool,
    votes: bool,
    is_olm: bool,
    /// A 支部党员大会: its voting members may be left out of the base under M4.11.
    is_general_meeting: bool,
    /// A 谈心谈话: recorded as who talked with whom, from the day's roll.
    is_talk: bool,
    /// The pairs' rows (member ids; 0 for none), with blank rows to add more.
    pairs: Vec<(i64, i64)>,
    exclusions: Vec<(&'static str, &'static str)>,
    form: MeetingForm,
    version: String,
    attendees: Vec<AttendeeRowView>,
    resolutions: Vec<(String, String, String, String)>,
    actions: Vec<(String, String, String)>,
    reasons: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
    cancel: String,
}

fn count_text(c: &Count) -> String {
    match c {
        Count::Number(n) => n.to_string(),
        Count::Text(t) => t.clone(),
    }
}

/// Blank rows offered beyond those filled in.
const SPARE_ROWS: usize = 3;

#[allow(clippy::too_many_arguments)]
fn form_page(
    actor: &Actor,
    org: (i64, &str),
    meeting: Option<i64>,
    kinds: Vec<MeetingKind>,
    form: MeetingForm,
    attendees: Vec<AttendeeRowView>,
    errors: FieldErrors,
) -> FormPage {
    let kind = MeetingKind::from_code(form.kind.trim());
    let choosing = kind.is_none() || form.held_on.trim().is_empty();
    let heading = match (meeting, kind) {
        (Some(_), Some(k)) => format!("修改{}记录", k.label()),
        (None, Some(k)) if !choosing => format!("记录{}", k.label()),
        _ => "记录组织生活".to_owned(),
    };
    let (action, cancel) = match meeting {
        Some(id) => (format!("/meetings/{id}/edit"), format!("/meetings/{id}")),
        None if choosing => (
            format!("/orgs/{}/meetings/new", org.0),
            format!("/orgs/{}/orglife", org.0),
        ),
        None => (
            format!("/orgs/{}/meetings", org.0),
            format!("/orgs/{}/orglife", org.0),
        ),
    };
    let mut resolutions: Vec<(String, String, String, String)> = form
        .resolutions
        .iter()
        .map(|r| {
            (
                r.text.clone(),
                count_text(&r.yes),
                count_text(&r.no),
                count_text(&r.abstain),
            )
        })
        .collect();
    resolutions.extend((0..SPARE_ROWS).map(|_| Default::default()));
    let mut actions: Vec<(String, String, String)> = form
        .actions
        .iter()
        .map(|a| (a.text.clone(), a.owner.clone(), a.due_on.clone()))
        .collect();
    actions.extend((0..SPARE_ROWS).map(|_| Default::default()));
    let mut layout = Layout::new(actor, AREA, heading.clone())
        .crumb("组织生活", Some(AREA.to_owned()))
        .crumb(org.1.to_owned(), Some(format!("/orgs/{}/orglife", org.0)));
    if let Some(id) = meeting {
        layout = layout.crumb("会议记录", Some(format!("/meetings/{id}")));
    }
    FormPage {
        layout: layout.crumb(heading.clone(), None),
        heading,
        org_name: org.1.to_owned(),
        choosing,
        action,
        kinds: kinds.iter().map(|k| (k.code(), k.label())).collect(),
        kind_label: kind.map_or("", MeetingKind::label),
        is_lecture: kind == Some(MeetingKind::PartyLecture),
        needs_criticism: kind.is_some_and(MeetingKind::needs_criticism),
        needs_analysis: kind.is_some_and(MeetingKind::needs_party_analysis),
        needs_material: kind.is_some_and(MeetingKind::needs_review_material),
        votes: kind.is_some_and(MeetingKind::votes),
        is_olm: kind == Some(MeetingKind::OrganizationalLifeMeeting),
        is_general_meeting: kind == Some(MeetingKind::BranchGeneralMeeting),
        is_talk: kind == Some(MeetingKind::HeartToHeartTalk),
        pairs: {
            let mut rows: Vec<(i64, i64)> = form.pairs.iter().map(|p| (p.a, p.b)).collect();
            let blank = rows.len().max(3) + 3;
            rows.resize(blank, (0, 0));
            rows
        },
        exclusions: dangjian_core::orglife::QuorumExclusion::ALL
            .iter()
            .map(|x| (x.code(), x.label()))
            .collect(),
        version: form.version.map(|v| v.to_string()).unwrap_or_default(),
        form,
        attendees,
        resolutions,
        actions,
        reasons: AbsenceReason::ALL
            .iter()
            .map(|r| (r.code(), r.label()))
            .collect(),
        errors,
        cancel,
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NewQuery {
    kind: String,
    held_on: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: NewQuery = query(raw.as_deref())?;
    let org = state.services.orglife_org(actor, id).await?;
    let kinds = MeetingKind::recordable_by(org.kind);
    let mut form = MeetingForm {
        kind: q.kind.trim().to_owned(),
        held_on: q.held_on.trim().to_owned(),
        ..MeetingForm::default()
    };
    let mut errors = FieldErrors::new();
    let kind = MeetingKind::from_code(&form.kind).filter(|k| kinds.contains(k));
    let day = dangjian_core::member::parse_date(&form.held_on);
    let mut attendees = Vec::new();
    match (kind, day) {
        (Some(kind), Ok(day)) => {
            let roll = state.services.meeting_roll(actor, id, kind, day).await?;
            attendees = roll
                .into_iter()
                .map(|r| AttendeeRowView {
                    id: r.member_id,
                    name: r.name,
                    voting: r.voting,
                    expected: true,
                    present: true,
                    reason: String::new(),
                    note: String::new(),
                    criticism: String::new(),
                    self_criticism: String::new(),
                    exclusion: String::new(),
                    approval: String::new(),
                    analysis: String::new(),
                    feedback: String::new(),
                    material: String::new(),
                })
                .collect();
        }
        _ => {
            state
                .services
                .require(actor, Permission::RecordMeetings, "meeting.create")
                .await?;
            if !form.kind.is_empty() && kind.is_none() {
                errors.add("kind", "请选择会议类型");
            }
            if !form.held_on.is_empty()
                && let Err(e) = day
            {
                errors.add("held_on", e.to_string());
            }
            form.held_on = if errors.get("held_on").is_some() {
                form.held_on
            } else {
                String::new()
            };
            if kind.is_none() {
                form.kind = String::new();
            }
        }
    }
    render(&form_page(
        actor,
        (org.id, &org.name),
        None,
        kinds,
        form,
        attendees,
        errors,
    ))
}

/// The record form's fields, read from the posted pairs. Attendee rows are named
/// `a{member}_…`, resolutions `r{i}_…` and follow-up actions `x{i}_…`.
fn read_form(pairs: Vec<(String, String)>) -> (MeetingForm, Vec<AttendeeRowView>) {
    let mut form = MeetingForm::default();
    let mut rows: Vec<AttendeeRowView> = Vec::new();
    let mut talks: Vec<PairForm> = Vec::new();
    let mut resolutions: Vec<ResolutionForm> = Vec::new();
    let mut actions: Vec<ActionForm> = Vec::new();
    fn nth<T: Default>(list: &mut Vec<T>, i: usize) -> Option<&mut T> {
        if i >= 60 {
            return None;
        }
        while list.len() <= i {
            list.push(T::default());
        }
        list.get_mut(i)
    }
    for (key, value) in pairs {
        if let Some((head, field)) = key.split_once('_') {
            let index = head.get(1..).and_then(|n| n.parse::<i64>().ok());
            match (head.chars().next(), index) {
                (Some('a'), Some(id)) => {
                    let row = match rows.iter_mut().position(|r| r.id == id) {
                        Some(i) => &mut rows[i],
                        None => {
                            rows.push(AttendeeRowView {
                                id,
                                name: String::new(),
                                voting: false,
                                expected: false,
                                present: false,
                                reason: String::new(),
                                note: String::new(),
                                criticism: String::new(),
                                self_criticism: String::new(),
                                exclusion: String::new(),
                                approval: String::new(),
                                analysis: String::new(),
                                feedback: String::new(),
                                material: String::new(),
                            });
                            let last = rows.len() - 1;
                            &mut rows[last]
                        }
                    };
                    match field {
                        "name" => row.name = value,
                        "voting" => row.voting = true,
                        "expected" => row.expected = true,
                        "present" => row.present = true,
                        "reason" => row.reason = value,
                        "note" => row.note = value,
                        "criticism" => row.criticism = value,
                        "self" => row.self_criticism = value,
                        "exclusion" => row.exclusion = value,
                        "approval" => row.approval = value,
                        "analysis" => row.analysis = value,
                        "feedback" => row.feedback = value,
                        "material" => row.material = value,
                        _ => {}
                    }
                    continue;
                }
                (Some('p'), Some(i)) => {
                    if let Some(p) = usize::try_from(i).ok().and_then(|i| nth(&mut talks, i)) {
                        let id = value.trim().parse().unwrap_or_default();
                        match field {
                            "a" => p.a = id,
                            "b" => p.b = id,
                            _ => {}
                        }
                    }
                    continue;
                }
                (Some('r'), Some(i)) => {
                    if let Some(r) = usize::try_from(i)
                        .ok()
                        .and_then(|i| nth(&mut resolutions, i))
                    {
                        match field {
                            "text" => r.text = value,
                            "yes" => r.yes = Count::Text(value),
                            "no" => r.no = Count::Text(value),
                            "abstain" => r.abstain = Count::Text(value),
                            _ => {}
                        }
                    }
                    continue;
                }
                (Some('x'), Some(i)) => {
                    if let Some(a) = usize::try_from(i).ok().and_then(|i| nth(&mut actions, i)) {
                        match field {
                            "text" => a.text = value,
                            "owner" => a.owner = value,
                            "due" => a.due_on = value,
                            _ => {}
                        }
                    }
                    continue;
                }
                _ => {}
            }
        }
        match key.as_str() {
            "kind" => form.kind = value,
            "held_on" => form.held_on = value,
            "starts_at" => form.starts_at = value,
            "ends_at" => form.ends_at = value,
            "ends_next_day" => form.ends_next_day = true,
            "place" => form.place = value,
            "host" => form.host = value,
            "recorder" => form.recorder = value,
            "lecturer" => form.lecturer = value,
            "topics" => form.topics = value,
            "agenda" => form.agenda = value,
            "minutes" => form.minutes = value,
            "counts_for" => form.counts_for = value,
            "combined_review" => form.combined_review = true,
            "expected_reason" => form.expected_reason = value,
            "preparation" => form.preparation = value,
            "extra_police_numbers" => form.extra_police_numbers = value,
            "version" => form.version = value.trim().parse().ok(),
            _ => {}
        }
    }
    form.attendees = rows
        .iter()
        .filter(|r| r.expected)
        .map(|r| AttendeeForm {
            member_id: r.id,
            present: r.present,
            absence_reason: r.reason.clone(),
            absence_note: r.note.clone(),
            criticism: r.criticism.clone(),
            self_criticism: r.self_criticism.clone(),
            party_analysis: r.analysis.clone(),
            analysis_feedback: r.feedback.clone(),
            review_material: r.material.clone(),
        })
        .collect();
    form.pairs = talks;
    form.quorum_exclusions = rows
        .iter()
        .filter(|r| !r.exclusion.is_empty())
        .map(|r| ExclusionForm {
            member_id: r.id,
            category: r.exclusion.clone(),
            approval: r.approval.clone(),
        })
        .collect();
    form.resolutions = resolutions
        .into_iter()
        .filter(|r| {
            !r.text.trim().is_empty() || r.yes != Count::default() || r.no != Count::default()
        })
        .collect();
    form.actions = actions
        .into_iter()
        .filter(|a| !a.text.trim().is_empty() || !a.owner.trim().is_empty())
        .collect();
    (form, rows)
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let (form, rows) = read_form(form);
    match state.services.create_meeting(actor, id, &form).await {
        Ok(meeting) => Ok(Redirect::to(&format!("/meetings/{meeting}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let org = state.services.orglife_org(actor, id).await?;
            let kinds = MeetingKind::recordable_by(org.kind);
            render_invalid(&form_page(
                actor,
                (org.id, &org.name),
                None,
                kinds,
                form,
                rows,
                errors,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    state
        .services
        .require(actor, Permission::RecordMeetings, "meeting.update")
        .await?;
    let detail = state.services.meeting(actor, id).await?;
    if !detail.can_edit {
        return Err(ServiceError::invalid("state", "该记录当前不能修改").into());
    }
    let m = &detail.meeting;
    let c = &m.content;
    let org = state.services.orglife_org(actor, m.org_id).await?;
    let mut rows: Vec<AttendeeRowView> = c
        .attendees
        .iter()
        .map(|a| AttendeeRowView {
            id: a.member_id,
            name: a.name.clone(),
            voting: a.voting,
            expected: true,
            present: a.present,
            reason: a
                .absence_reason
                .map(AbsenceReason::code)
                .unwrap_or("")
                .to_owned(),
            note: a.absence_note.clone().unwrap_or_default(),
            criticism: a.criticism.clone().unwrap_or_default(),
            self_criticism: a.self_criticism.clone().unwrap_or_default(),
            exclusion: String::new(),
            approval: String::new(),
            analysis: a.party_analysis.clone().unwrap_or_default(),
            feedback: a.analysis_feedback.clone().unwrap_or_default(),
            material: a.review_material.clone().unwrap_or_default(),
        })
        .collect();
    // Members on the roll of the day but not expected are offered, unticked.
    let roll = state
        .services
        .meeting_roll(actor, m.org_id, c.kind, c.held_on)
        .await?;
    for r in roll {
        if !rows.iter().any(|row| row.id == r.member_id) {
            rows.push(AttendeeRowView {
                id: r.member_id,
                name: r.name,
                voting: r.voting,
                expected: false,
                present: false,
                reason: String::new(),
                note: String::new(),
                criticism: String::new(),
                self_criticism: String::new(),
                exclusion: String::new(),
                approval: String::new(),
                analysis: String::new(),
                feedback: String::new(),
                material: String::new(),
            });
        }
    }
    for x in &c.exclusions {
        if let Some(row) = rows.iter_mut().find(|r| r.id == x.member_id) {
            row.exclusion = x.category.code().to_owned();
            row.approval = x.approval.clone();
        }
    }
    let time = dangjian_core::orglife::MeetingTime::from_stored(&c.starts_at, &c.ends_at);
    let form = MeetingForm {
        kind: c.kind.code().to_owned(),
        held_on: view::date(c.held_on),
        starts_at: time.map_or_else(|| c.starts_at.clone(), |t| t.starts()),
        ends_at: time.map_or_else(|| c.ends_at.clone(), |t| t.ends()),
        ends_next_day: time.is_some_and(|t| t.ends_next_day()),
        place: c.place.clone(),
        host: c.host.clone(),
        recorder: c.recorder.clone(),
        lecturer: c.lecturer.clone().unwrap_or_default(),
        topics: c.topics.clone(),
        agenda: c.agenda.clone().unwrap_or_default(),
        minutes: c.minutes.clone(),
        counts_for: c.counts_for.map(view::date).unwrap_or_default(),
        combined_review: c.combined_review,
        expected_reason: c.expected_reason.clone().unwrap_or_default(),
        preparation: c.preparation.clone().unwrap_or_default(),
        extra_police_numbers: String::new(),
        version: Some(m.version),
        attendees: vec![],
        quorum_exclusions: vec![],
        pairs: c
            .pairs
            .iter()
            .map(|p| PairForm { a: p.a, b: p.b })
            .collect(),
        resolutions: c
            .resolutions
            .iter()
            .map(|r| ResolutionForm {
                text: r.text.clone(),
                yes: Count::Number(r.yes),
                no: Count::Number(r.no),
                abstain: Count::Number(r.abstain),
            })
            .collect(),
        actions: c
            .actions
            .iter()
            .map(|a| ActionForm {
                text: a.text.clone(),
                owner: a.owner.clone(),
                due_on: a.due_on.map(view::date).unwrap_or_default(),
            })
            .collect(),
    };
    let kinds = MeetingKind::recordable_by(org.kind);
    render(&form_page(
        actor,
        (org.id, &org.name),
        Some(id),
        kinds,
        form,
        rows,
        FieldErrors::new(),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let (form, rows) = read_form(form);
    match state.services.update_meeting(actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/meetings/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let detail = state.services.meeting(actor, id).await?;
            let org = state
                .services
                .orglife_org(actor, detail.meeting.org_id)
                .await?;
            let kinds = MeetingKind::recordable_by(org.kind);
            render_invalid(&form_page(
                actor,
                (org.id, &org.name),
                Some(id),
                kinds,
                form,
                rows,
                errors,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

struct AttendeeView {
    name: String,
    voting: bool,
    present: bool,
    absence: String,
    makeup: Option<String>,
    criticism: String,
    self_criticism: String,
    analysis: String,
    feedback: String,
    material: String,
}

struct ReviewView {
    version: i64,
    accepted: bool,
    reason: String,
    reviewer: String,
    at: String,
}

#[derive(Template)]
#[template(path = "meeting_detail.html")]
struct DetailPage {
    layout: Layout,
    id: i64,
    /// The study held in this record (id, topic, minutes, 学时 each), or whether it may be
    /// recorded.
    study: Option<(i64, String, i64, String)>,
    can_add_study: bool,
    org_name: String,
    kind: &'static str,
    needs_criticism: bool,
    /// 组织生活会, 民主评议: each member's 党性分析 and the branch's feedback.
    needs_analysis: bool,
    /// 民主生活会: each member's 对照检查材料, the opinions gathered, the report upward.
    needs_material: bool,
    preparation: String,
    /// The report's status in words, whether it is late, and whether it may be recorded.
    report: Option<(String, bool)>,
    can_report: bool,
    /// The day on record, to correct it (empty before the first report).
    reported_on: String,
    /// The 整改清单's inspection (id, title), or whether it may be made.
    rectification: Option<(i64, String)>,
    can_rectify: bool,
    state: &'static str,
    state_class: &'static str,
    version: i64,
    held_on: String,
    time: String,
    place: String,
    host: String,
    recorder: String,
    lecturer: String,
    topics: String,
    agenda: String,
    minutes: String,
    counts_for: String,
    combined_review: bool,
    expected_reason: String,
    attendance: String,
    /// A 支部党员大会's voting base: the roll's voting members less the M4.11 exclusions.
    voting_base: String,
    /// Those left out: name, case, approval.
    exclusions: Vec<(String, &'static str, String)>,
    /// 谈心谈话: who talked with whom.
    pairs: Vec<(String, String)>,
    attendees: Vec<AttendeeView>,
    resolutions: Vec<(String, u32, u32, u32, bool)>,
    actions: Vec<(String, String, String)>,
    revisions: Vec<(i64, String, String)>,
    reviews: Vec<ReviewView>,
    gaps: Vec<String>,
    can_edit: bool,
    can_submit: bool,
    can_review: bool,
    absentees: Vec<(i64, String)>,
    author: String,
    updated_at: String,
    /// The plan's items of this kind in this month.
    planned: Vec<String>,
    /// (id, name, size, uploaded by)
    attachments: Vec<(i64, String, String, String)>,
    errors: FieldErrors,
    makeup_form: (String, String, String),
    review_reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DetailQuery {
    saved: String,
}

async fn detail_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&str>,
    errors: FieldErrors,
    makeup_form: (String, String, String),
    review_reason: String,
) -> Result<DetailPage, PageError> {
    let d = state.services.meeting(actor, id).await?;
    let study = state.services.meeting_study(actor, id).await?;
    let m = &d.meeting;
    let c = &m.content;
    let present = c.attendees.iter().filter(|a| a.present).count();
    let mut layout = Layout::new(
        actor,
        AREA,
        format!("{} {}", c.kind.label(), view::date(c.held_on)),
    )
    .crumb("组织生活", Some(AREA.to_owned()));
    if actor.permits(Permission::RecordMeetings) {
        layout = layout.crumb(
            m.org_name.clone(),
            Some(format!("/orgs/{}/orglife", m.org_id)),
        );
    }
    Ok(DetailPage {
        layout: layout.crumb(c.kind.label(), None).notice(notice),
        id,
        org_name: m.org_name.clone(),
        kind: c.kind.label(),
        needs_criticism: c.kind.needs_criticism(),
        needs_analysis: c.kind.needs_party_analysis(),
        needs_material: c.kind.needs_review_material(),
        preparation: c.preparation.clone().unwrap_or_default(),
        report: d.report.map(|r| (r.to_string(), r.is_late())),
        can_report: d.can_report,
        reported_on: m.reported_on.map(view::date).unwrap_or_default(),
        rectification: d.rectification.as_ref().map(|i| (i.id, i.title.clone())),
        can_rectify: d.can_rectify,
        state: m.state.label(),
        state_class: state_class(m.state),
        version: m.version,
        held_on: view::date(c.held_on),
        time: dangjian_core::orglife::time_label(&c.starts_at, &c.ends_at),
        place: c.place.clone(),
        host: c.host.clone(),
        recorder: c.recorder.clone(),
        lecturer: c.lecturer.clone().unwrap_or_default(),
        topics: c.topics.clone(),
        agenda: c.agenda.clone().unwrap_or_default(),
        minutes: c.minutes.clone(),
        counts_for: c.counts_for.map(view::date).unwrap_or_default(),
        combined_review: c.combined_review,
        expected_reason: c.expected_reason.clone().unwrap_or_default(),
        attendance: format!("应到{}人，实到{}人", c.attendees.len(), present),
        voting_base: c.voting_roll.map_or_else(String::new, |roll| {
            format!(
                "当日名册有表决权的党员{roll}人，不计入{}人，法定人数与表决按{}人计算",
                c.exclusions.len(),
                roll.saturating_sub(c.exclusions.len() as u32)
            )
        }),
        exclusions: c
            .exclusions
            .iter()
            .map(|x| (x.name.clone(), x.category.label(), x.approval.clone()))
            .collect(),
        pairs: c
            .pairs
            .iter()
            .map(|p| (p.a_name.clone(), p.b_name.clone()))
            .collect(),
        attendees: c
            .attendees
            .iter()
            .map(|a| AttendeeView {
                name: a.name.clone(),
                voting: a.voting,
                present: a.present,
                absence: match (&a.absence_reason, &a.absence_note) {
                    (Some(r), Some(n)) => format!("{}（{}）", r.label(), n),
                    (Some(r), None) => r.label().to_owned(),
                    (None, _) => "未说明原因".to_owned(),
                },
                makeup: a.makeup_on.map(|on| {
                    format!(
                        "{} {}",
                        view::date(on),
                        a.makeup_note.clone().unwrap_or_default()
                    )
                }),
                criticism: a.criticism.clone().unwrap_or_default(),
                self_criticism: a.self_criticism.clone().unwrap_or_default(),
                analysis: a.party_analysis.clone().unwrap_or_default(),
                feedback: a.analysis_feedback.clone().unwrap_or_default(),
                material: a.review_material.clone().unwrap_or_default(),
            })
            .collect(),
        resolutions: c
            .resolutions
            .iter()
            .map(|r| (r.text.clone(), r.yes, r.no, r.abstain, r.passed))
            .collect(),
        actions: c
            .actions
            .iter()
            .map(|a| (a.text.clone(), a.owner.clone(), view::opt_date(a.due_on)))
            .collect(),
        revisions: d
            .revisions
            .iter()
            .map(|r| {
                (
                    r.version,
                    r.submitted_by.clone(),
                    view::instant(r.submitted_at),
                )
            })
            .collect(),
        reviews: d
            .reviews
            .iter()
            .map(|r| ReviewView {
                version: r.version,
                accepted: r.accepted,
                reason: r.reason.clone().unwrap_or_default(),
                reviewer: r.reviewer_login.clone(),
                at: view::instant(r.reviewed_at),
            })
            .collect(),
        gaps: d.gaps.iter().map(|g| g.message.clone()).collect(),
        can_add_study: study.is_none()
            && actor.permits(Permission::RecordStudy)
            && dangjian_service::study::holds_study(c.kind),
        study: study.map(|s| (s.id, s.topic, s.minutes, s.hours.to_string())),
        can_submit: d.can_edit,
        can_edit: d.can_edit,
        can_review: d.can_review,
        absentees: if d.can_record_makeup {
            c.attendees
                .iter()
                .filter(|a| !a.present && a.makeup_on.is_none())
                .map(|a| (a.member_id, a.name.clone()))
                .collect()
        } else {
            Vec::new()
        },
        author: m.author_login.clone(),
        updated_at: view::instant(m.updated_at),
        attachments: d
            .attachments
            .iter()
            .map(|a| {
                let size = if a.size >= 1024 * 1024 {
                    format!("{:.1} MB", a.size as f64 / 1024.0 / 1024.0)
                } else {
                    format!("{} KB", (a.size + 1023) / 1024)
                };
                (a.id, a.file_name.clone(), size, a.uploaded_by.clone())
            })
            .collect(),
        planned: d
            .planned
            .iter()
            .map(|p| match &p.topic {
                Some(topic) => format!("{} {}", view::date(p.planned_on), topic),
                None => view::date(p.planned_on),
            })
            .collect(),
        errors,
        makeup_form: if makeup_form.1.is_empty() {
            (
                makeup_form.0,
                view::date(state.services.clock().today()),
                makeup_form.2,
            )
        } else {
            makeup_form
        },
        review_reason,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: DetailQuery = query(raw.as_deref())?;
    let notice = (!q.saved.is_empty()).then_some("已保存");
    let page = detail_page(
        &state,
        &session.actor,
        id,
        notice,
        FieldErrors::new(),
        Default::default(),
        String::new(),
    )
    .await?;
    render(&page)
}

/// What a refused action on a record's page keeps of what was typed.
#[derive(Default)]
struct Kept {
    makeup: (String, String, String),
    review_reason: String,
}

/// The answer to an action on a record's page: back to the page when it was done, or the page
/// again with the refusal at its fields, what was typed kept, and `problem` above it.
async fn after_action(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    anchor: &str,
    kept: Kept,
    problem: Option<&str>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/meetings/{id}?saved=1{anchor}")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let mut page = detail_page(
                state,
                actor,
                id,
                None,
                errors,
                kept.makeup,
                kept.review_reason,
            )
            .await?;
            page.layout.problem = problem.map(str::to_owned);
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct VersionForm {
    version: String,
}

fn version_of(raw: &str) -> Result<i64, PageError> {
    raw.trim()
        .parse()
        .map_err(|_| PageError::BadRequest("缺少记录版本号".to_owned()))
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<VersionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let version = version_of(&form.version)?;
    let result = state
        .services
        .submit_meeting(&session.actor, id, version)
        .await;
    let problem = "记录还不完整，不能提交审核，请按提示补充。";
    after_action(
        &state,
        &session.actor,
        id,
        result,
        "",
        Kept::default(),
        Some(problem),
    )
    .await
}

pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ReviewForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .review_meeting(&session.actor, id, &form)
        .await;
    let kept = Kept {
        review_reason: form.reason,
        ..Kept::default()
    };
    after_action(&state, &session.actor, id, result, "#review", kept, None).await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MakeupPageForm {
    member_id: String,
    on: String,
    note: String,
}

pub async fn makeup(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<MakeupPageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let service_form = MakeupForm {
        member_id: form.member_id.trim().parse().unwrap_or(0),
        on: form.on.clone(),
        note: form.note.clone(),
    };
    let result = state
        .services
        .record_makeup(&session.actor, id, &service_form)
        .await;
    let kept = Kept {
        makeup: (form.member_id, form.on, form.note),
        ..Kept::default()
    };
    after_action(&state, &session.actor, id, result, "#makeup", kept, None).await
}

/// Makes the rectification inspection of a 民主生活会's 整改清单.
pub async fn rectify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .rectify_life_meeting(&form.session.actor, id)
        .await
        .map(|_| ());
    after_action(
        &state,
        &form.session.actor,
        id,
        result,
        "#report",
        Kept::default(),
        None,
    )
    .await
}

/// Records the day a 民主生活会 was reported to the level above.
pub async fn report(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ReportForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .report_meeting(&session.actor, id, &form)
        .await;
    after_action(
        &state,
        &session.actor,
        id,
        result,
        "#report",
        Kept::default(),
        None,
    )
    .await
}

struct SnapshotAttendee {
    name: String,
    present: bool,
    absence: String,
    criticism: String,
    self_criticism: String,
}

#[derive(Template)]
#[template(path = "meeting_revision.html")]
struct RevisionPage {
    layout: Layout,
    id: i64,
    version: i64,
    submitted_by: String,
    submitted_at: String,
    fields: Vec<(&'static str, String)>,
    attendees: Vec<SnapshotAttendee>,
    resolutions: Vec<String>,
    actions: Vec<String>,
}

/// A submitted version of a record, as the reviewer saw it.
pub async fn revision(
    State(state): State<AppState>,
    session: Session,
    Path((id, version)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let d = state.services.meeting(actor, id).await?;
    let r = d
        .revisions
        .iter()
        .find(|r| r.version == version)
        .ok_or(ServiceError::NotFound)?;
    let snap: serde_json::Value =
        serde_json::from_str(&r.snapshot).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let text = |key: &str| match &snap[key] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let kind = MeetingKind::from_code(&text("kind")).map_or("", MeetingKind::label);
    let fields = vec![
        ("会议类型", kind.to_owned()),
        ("日期", text("held_on")),
        (
            "时间",
            dangjian_core::orglife::time_label(&text("starts_at"), &text("ends_at")),
        ),
        ("地点", text("place")),
        ("主持人", text("host")),
        ("记录人", text("recorder")),
        ("授课人", text("lecturer")),
        ("议题", text("topics")),
        ("议程", text("agenda")),
        ("会议记录", text("minutes")),
        ("应到人员调整原因", text("expected_reason")),
        (
            "附件",
            snap["attachments"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|a| a["name"].as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                })
                .unwrap_or_default(),
        ),
    ];
    let list = |key: &str| snap[key].as_array().cloned().unwrap_or_default();
    let field = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or("").to_owned();
    render(&RevisionPage {
        layout: Layout::new(actor, AREA, format!("第{version}版"))
            .crumb("组织生活", Some(AREA.to_owned()))
            .crumb("会议记录", Some(format!("/meetings/{id}")))
            .crumb(format!("第{version}版"), None),
        id,
        version,
        submitted_by: r.submitted_by.clone(),
        submitted_at: view::instant(r.submitted_at),
        fields: fields.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
        attendees: list("attendees")
            .iter()
            .map(|a| SnapshotAttendee {
                name: field(a, "name"),
                present: a["present"].as_bool().unwrap_or(false),
                absence: field(a, "absence_reason"),
                criticism: field(a, "criticism"),
                self_criticism: field(a, "self_criticism"),
            })
            .collect(),
        resolutions: list("resolutions")
            .iter()
            .map(|r| {
                format!(
                    "{}（赞成{}、反对{}、弃权{}，{}）",
                    field(r, "text"),
                    r["yes"],
                    r["no"],
                    r["abstain"],
                    if r["passed"].as_bool().unwrap_or(false) {
                        "通过"
                    } else {
                        "未通过"
                    }
                )
            })
            .collect(),
        actions: list("actions")
            .iter()
            .map(|a| {
                format!(
                    "{}（责任人：{}，期限：{}）",
                    field(a, "text"),
                    field(a, "owner"),
                    field(a, "due_on")
                )
            })
            .collect(),
    })
}

struct LedgerRowView {
    id: i64,
    held_on: String,
    kind: &'static str,
    time: String,
    place: String,
    host: String,
    topics: String,
    attendance: String,
    absentees: String,
    resolutions: String,
    actions: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "orglife_ledger.html")]
struct LedgerPage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    year: i32,
    /// The year in words, national and local apart.
    tally: String,
    summary: Vec<(&'static str, String, u32, u32, u32, u32)>,
    rows: Vec<LedgerRowView>,
}

/// The organisational-life ledger (台账) of an org for a year, for printing.
pub async fn ledger(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: YearQuery = query(raw.as_deref())?;
    let year = year_of(&q.year, state.services.clock().today().year())?;
    let l = state.services.org_life_ledger(actor, id, year).await?;
    render(&LedgerPage {
        layout: Layout::new(
            actor,
            AREA,
            format!("{} {}年组织生活台账", l.org.name, year),
        )
        .crumb("组织生活", Some(AREA.to_owned()))
        .crumb(
            l.org.name.clone(),
            Some(format!("/orgs/{}/orglife?year={year}", l.org.id)),
        )
        .crumb("台账", None),
        org_id: l.org.id,
        org_name: l.org.name.clone(),
        year,
        tally: l.tally.to_string(),
        summary: l
            .summary
            .iter()
            .map(|(k, rule, t)| {
                let t = t.all();
                (
                    k.label(),
                    rule.clone(),
                    t.met,
                    t.late,
                    t.missing,
                    t.upcoming,
                )
            })
            .collect(),
        rows: l
            .entries
            .iter()
            .map(|e| LedgerRowView {
                id: e.id,
                held_on: view::date(e.held_on),
                kind: e.kind.label(),
                time: e.time.clone(),
                place: e.place.clone(),
                host: e.host.clone(),
                topics: match (&e.lecturer, e.counts_for) {
                    (Some(l), _) => format!("{}（授课人：{l}）", e.topics),
                    (None, Some(day)) => {
                        format!("{}（补开，计入{}所在期间）", e.topics, view::date(day))
                    }
                    (None, None) => e.topics.clone(),
                },
                attendance: format!("{}/{}", e.expected, e.present),
                absentees: e.absentees.join("；"),
                resolutions: e.resolutions.join("；"),
                actions: e.actions.join("；"),
                state: e.state.label(),
            })
            .collect(),
    })
}

fn year_param(state: &AppState, raw: Option<&str>) -> Result<i32, PageError> {
    let q: YearQuery = query(raw)?;
    year_of(&q.year, state.services.clock().today().year())
}

/// The ledger as a spreadsheet.
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let year = year_param(&state, raw.as_deref())?;
    let bytes = state.services.ledger_xlsx(&session.actor, id, year).await?;
    let org = state.services.org_name(&session.actor, id).await?;
    Ok(super::xlsx(
        bytes,
        &format!("{org}-组织生活台账-{year}年.xlsx"),
    ))
}

/// The ledger as a Word document.
pub async fn ledger_docx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let year = year_param(&state, raw.as_deref())?;
    let bytes = state.services.ledger_docx(&session.actor, id, year).await?;
    let org = state.services.org_name(&session.actor, id).await?;
    Ok(super::download(
        &format!("{org}-组织生活台账-{year}年.docx"),
        "ledger.docx",
        super::DOCX.to_owned(),
        bytes,
    ))
}

struct PlanRowView {
    id: i64,
    month: u32,
    kind: String,
    kind_label: &'static str,
    planned_on: String,
    topic: String,
    note: String,
}

#[derive(Template)]
#[template(path = "orglife_plan.html")]
struct PlanPage {
    layout: Layout,
    org_id: i64,
    org_name: String,
    year: i32,
    can_edit: bool,
    theme_day: u32,
    kinds: Vec<(&'static str, &'static str)>,
    rows: Vec<PlanRowView>,
    errors: FieldErrors,
    add: PlanForm,
    /// The study plan's topics of the year beside it: (month, topic).
    study: Vec<(u32, String)>,
}

async fn plan_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    year: i32,
    errors: FieldErrors,
    add: PlanForm,
) -> Result<PlanPage, PageError> {
    let p = state.services.org_plan(actor, id, year).await?;
    let study = state
        .services
        .study_plan_topics(actor, id, year)
        .await?
        .into_iter()
        .map(|t| (t.month, t.topic))
        .collect();
    let mut layout = Layout::new(
        actor,
        AREA,
        format!("{} {}年组织生活计划", p.org.name, year),
    )
    .crumb("组织生活", Some(AREA.to_owned()))
    .crumb(
        p.org.name.clone(),
        Some(format!("/orgs/{}/orglife?year={year}", p.org.id)),
    )
    .crumb("计划", None);
    if !errors.is_empty() {
        layout.problem = Some(
            errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；"),
        );
    }
    Ok(PlanPage {
        layout,
        org_id: p.org.id,
        org_name: p.org.name.clone(),
        year,
        can_edit: p.can_edit,
        theme_day: state.services.rules().plans.theme_party_day_of_month,
        kinds: p.kinds.iter().map(|k| (k.code(), k.label())).collect(),
        rows: p
            .items
            .iter()
            .map(|i| PlanRowView {
                id: i.id,
                month: i.planned_on.month(),
                kind: i.kind.code().to_owned(),
                kind_label: i.kind.label(),
                planned_on: view::date(i.planned_on),
                topic: i.topic.clone().unwrap_or_default(),
                note: i.note.clone().unwrap_or_default(),
            })
            .collect(),
        errors,
        add,
        study,
    })
}

/// An org's plan of organisational life for a year.
pub async fn plan(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: YearQuery = query(raw.as_deref())?;
    let year = year_of(&q.year, state.services.clock().today().year())?;
    let mut page = plan_page(
        &state,
        &session.actor,
        id,
        year,
        FieldErrors::new(),
        PlanForm::default(),
    )
    .await?;
    if !q.saved.is_empty() {
        page.layout.notice = Some("已保存".to_owned());
    }
    render(&page)
}

fn plan_url(org: i64, year: i32) -> String {
    format!("/orgs/{org}/orglife/plan?year={year}&saved=1")
}

/// The answer to a change of the plan: back to the plan, or the plan with the refusal.
async fn plan_outcome(
    state: &AppState,
    actor: &Actor,
    org: i64,
    year: i32,
    result: Result<(), ServiceError>,
    add: PlanForm,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&plan_url(org, year)).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&plan_page(state, actor, org, year, errors, add).await?)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn generate_plan(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<GenerateForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let year = year_of(&form.year, state.services.clock().today().year())?;
    let result = state
        .services
        .generate_plan(&session.actor, id, &form)
        .await
        .map(|_| ());
    plan_outcome(
        &state,
        &session.actor,
        id,
        year,
        result,
        PlanForm::default(),
    )
    .await
}

/// A plan item posted from the plan page: added, changed, or (`delete=1`) removed.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PlanItemForm {
    year: String,
    kind: String,
    planned_on: String,
    topic: String,
    note: String,
    delete: String,
}

impl PlanItemForm {
    /// The plan's year, the item, and whether it is to be removed.
    fn split(self, state: &AppState) -> Result<(i32, PlanForm, bool), PageError> {
        let year = year_of(&self.year, state.services.clock().today().year())?;
        let item = PlanForm {
            kind: self.kind,
            planned_on: self.planned_on,
            topic: self.topic,
            note: self.note,
        };
        Ok((year, item, self.delete == "1"))
    }
}

pub async fn add_plan_item(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<PlanItemForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let (year, item, _) = form.split(&state)?;
    let result = state
        .services
        .add_plan_item(&session.actor, id, year, &item)
        .await
        .map(|_| ());
    plan_outcome(&state, &session.actor, id, year, result, item).await
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ClearPlanForm {
    year: String,
    confirm: String,
}

pub async fn clear_plan(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ClearPlanForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let year = year_of(&form.year, state.services.clock().today().year())?;
    let result = if form.confirm == "1" {
        state
            .services
            .clear_plan(&session.actor, id, year)
            .await
            .map(|_| ())
    } else {
        Err(ServiceError::invalid("confirm", "请勾选“确认清空”"))
    };
    plan_outcome(
        &state,
        &session.actor,
        id,
        year,
        result,
        PlanForm::default(),
    )
    .await
}

pub async fn change_plan_item(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<PlanItemForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let (year, item, delete) = form.split(&state)?;
    match state
        .services
        .change_plan_item(&session.actor, id, &item, delete)
        .await
    {
        Ok(org) => Ok(Redirect::to(&plan_url(org, year)).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let message: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            Err(PageError::BadRequest(format!(
                "计划未保存：{}",
                message.join("；")
            )))
        }
        Err(other) => Err(other.into()),
    }
}

/// Takes an attachment (multipart: the CSRF token, then the file) for a record.
pub async fn upload_attachment(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let mut csrf = None;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| PageError::BadRequest("上传内容无效或过大".to_owned()))?
    {
        match field.name() {
            Some("csrf") => {
                csrf = Some(
                    field
                        .text()
                        .await
                        .map_err(|_| PageError::BadRequest("上传内容无效".to_owned()))?,
                )
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| PageError::BadRequest("文件过大或上传中断".to_owned()))?;
                file = Some((name, bytes));
            }
            _ => return Err(PageError::BadRequest("表单含有不允许的字段".to_owned())),
        }
    }
    crate::session::check_csrf(&state, actor, csrf.as_deref(), "/meetings/attachments").await?;
    let (name, bytes) = file.unwrap_or_default();
    let upload = dangjian_service::Upload {
        file_name: &name,
        bytes: &bytes,
    };
    let result = state
        .services
        .add_attachment(actor, id, &upload)
        .await
        .map(|_| ());
    after_action(
        &state,
        actor,
        id,
        result,
        "#attachments",
        Kept::default(),
        None,
    )
    .await
}

/// An attachment, as a download.
pub async fn download_attachment(
    State(state): State<AppState>,
    session: Session,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (row, bytes) = state
        .services
        .attachment(&session.actor, id, attachment)
        .await?;
    Ok(super::download(
        &row.file_name,
        "attachment",
        row.content_type,
        bytes,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Empty {}

pub async fn delete_attachment(
    State(state): State<AppState>,
    Path((id, attachment)): Path<(i64, i64)>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let actor = &form.session.actor;
    let result = state
        .services
        .remove_attachment(actor, id, attachment)
        .await;
    let problem = "附件未删除。";
    after_action(
        &state,
        actor,
        id,
        result,
        "#attachments",
        Kept::default(),
        Some(problem),
    )
    .await
}
