//! Organisational life (组织生活): recording meetings with substance, review by the org above,
//! make-ups of absentees, the compliance of each org with the rules, the bureau's overview,
//! each secretary's to-do list, and each member's own record.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use dangjian_core::compliance::{self, Input, RuleVersion, Slot, Status, Tally};
use dangjian_core::field::FieldErrors;
use dangjian_core::member::{Category, MemberRef, parse_date};
use dangjian_core::org::{Code, OrgKind};
use dangjian_core::orglife::{
    self as orglife_rules, AbsenceReason, Attendance, MeetingKind, MeetingTime, PassRule,
    QuorumExclusion, ReportStatus, ReviewAction, ReviewState, Reviewer, Substance, Vote,
    check_submission,
};
use dangjian_core::role::{Permission, Scope};
use dangjian_core::rules::Confidence::Local;
use dangjian_core::rules::{RuleBook, Rules};
use dangjian_core::text;
use dangjian_store::orglife::{
    self, Action, Attendee, Author, Content, MeetingBrief, MeetingRow, Participation, Resolution,
    ReviewRow, RevisionRow, RollMember, TalkPairRow,
};
use dangjian_store::{Conn, Page, members, orgs};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orgs::Org;
use crate::scope::{above, visible_org};

pub use dangjian_store::orglife::{
    Attendee as AttendeeRow, Filter, MeetingBrief as Brief, MeetingRow as Meeting,
    Participation as MyMeeting, ReviewRow as Review, RevisionRow as Revision,
    RollMember as RollEntry,
};

/// Limits of the free-text fields, in characters.
const SHORT: usize = 100;
const TOPICS: usize = 500;
const LONG: usize = 2000;
const MINUTES: usize = 20_000;
/// At most this many attendees, resolutions and actions on one record.
const MAX_ATTENDEES: usize = 500;
const MAX_ROWS: usize = 50;

/// A count typed in a form ("7") or sent as a JSON number.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Count {
    Number(u32),
    Text(String),
}

impl Default for Count {
    fn default() -> Self {
        Count::Text(String::new())
    }
}

impl Count {
    fn parse(&self) -> Result<u32, &'static str> {
        let n = match self {
            Count::Number(n) => Some(*n),
            Count::Text(t) if t.trim().is_empty() => Some(0),
            Count::Text(t) => t.trim().parse::<u32>().ok(),
        };
        n.filter(|n| *n <= 10_000)
            .ok_or("票数应为0到10000之间的整数")
    }
}

/// One expected attendee as the form sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttendeeForm {
    pub member_id: i64,
    pub present: bool,
    pub absence_reason: String,
    pub absence_note: String,
    pub criticism: String,
    pub self_criticism: String,
    /// 组织生活会, 民主评议: the member's 党性分析 and the branch's feedback on it.
    pub party_analysis: String,
    pub analysis_feedback: String,
    /// 民主生活会: the member's 对照检查材料.
    pub review_material: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResolutionForm {
    pub text: String,
    pub yes: Count,
    pub no: Count,
    pub abstain: Count,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActionForm {
    pub text: String,
    pub owner: String,
    pub due_on: String,
}

/// A record as its author writes it. `version` is the version edited (updates only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeetingForm {
    pub kind: String,
    pub held_on: String,
    pub starts_at: String,
    /// As the clock showed it; with `ends_next_day`, on the day after the meeting began.
    pub ends_at: String,
    pub ends_next_day: bool,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub lecturer: String,
    pub topics: String,
    pub agenda: String,
    pub minutes: String,
    pub counts_for: String,
    pub combined_review: bool,
    pub expected_reason: String,
    /// 警号 of members who took part though not on the roll (a leader in 双重组织生活),
    /// separated by commas or spaces; they are added as present.
    pub extra_police_numbers: String,
    pub version: Option<i64>,
    pub attendees: Vec<AttendeeForm>,
    /// Members of the day's roll left out of a 支部党员大会's voting base (M4.11).
    pub quorum_exclusions: Vec<ExclusionForm>,
    /// 谈心谈话: who talked with whom (member ids of the day's roll). The record's attendees
    /// are the members of its pairs.
    pub pairs: Vec<PairForm>,
    /// 民主生活会: the opinions gathered beforehand (会前征求意见情况).
    pub preparation: String,
    pub resolutions: Vec<ResolutionForm>,
    pub actions: Vec<ActionForm>,
}

/// Two members of the day's roll who talked (谈心谈话).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PairForm {
    pub a: i64,
    pub b: i64,
}

/// A voting member of the roll left out of the base: the M4.11 case and the upper committee's
/// approval (its document number or date).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExclusionForm {
    pub member_id: i64,
    pub category: String,
    pub approval: String,
}

/// A reviewer's decision.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewForm {
    pub version: i64,
    /// `accept` or `return`.
    pub decision: String,
    pub reason: String,
}

/// The day a 民主生活会 was reported to the level above (today when empty).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportForm {
    pub reported_on: String,
}

/// A make-up by an absentee, recorded after the meeting.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MakeupForm {
    pub member_id: i64,
    pub on: String,
    pub note: String,
}

/// A record with what the actor may do with it.
/// How many of a branch's latest 支部党员大会 records a vote's picker offers.
const GENERAL_MEETINGS_LISTED: u32 = 20;

/// A 支部党员大会 record as a vote of 发展党员 counts it (R4.14, R4.19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneralMeeting {
    pub id: i64,
    pub org_id: i64,
    pub held_on: NaiveDate,
    /// The voting members a vote counts against, and those of them present.
    pub voters: u32,
    pub present: u32,
}

#[derive(Debug, Clone)]
pub struct MeetingDetail {
    pub meeting: MeetingRow,
    pub revisions: Vec<RevisionRow>,
    pub reviews: Vec<ReviewRow>,
    /// What the submission check says now (empty when it would pass).
    pub gaps: FieldErrors,
    pub can_edit: bool,
    pub can_review: bool,
    pub can_record_makeup: bool,
    /// The plan's items of the same kind in the record's month, to hold it against.
    pub planned: Vec<dangjian_store::orglife::PlanItem>,
    pub attachments: Vec<dangjian_store::orglife::AttachmentRow>,
    /// 民主生活会 on record: where its report to the level above stands (R2.9).
    pub report: Option<ReportStatus>,
    /// Whether the actor may record that report.
    pub can_report: bool,
    /// 民主生活会: the rectification inspection made from its 整改清单, once made.
    pub rectification: Option<dangjian_store::rectification::InspectionRow>,
    /// Whether the actor may make it now (on record, with actions, not yet made).
    pub can_rectify: bool,
}

/// Lays `over` onto `base`: objects merge key by key, any other value replaces.
fn overlay(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(base), serde_json::Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(&key) {
                    Some(inner) => overlay(inner, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, over) => *base = over,
    }
}

/// Refuses, at `field`, to `act` on a record other than a submitted 民主生活会 (reporting it
/// upward and its 整改清单 come after the record).
fn submitted_life_meeting(
    meeting: &MeetingRow,
    field: &'static str,
    act: &str,
) -> ServiceResult<()> {
    if !meeting.content.kind.needs_review_material() {
        return Err(ServiceError::invalid(
            field,
            format!("只有民主生活会需要{act}"),
        ));
    }
    if meeting.state == ReviewState::Draft {
        return Err(ServiceError::invalid(
            field,
            format!("请先提交会议记录，再{act}"),
        ));
    }
    Ok(())
}

/// The reference under which a 民主生活会's 整改清单 is kept among the inspections.
pub(crate) fn life_meeting_ref(id: i64) -> String {
    format!("民主生活会记录{id}")
}

/// The compliance of one org for a year.
#[derive(Debug, Clone)]
pub struct OrgCompliance {
    pub org: Org,
    pub year: i32,
    pub slots: Vec<Slot>,
    pub tally: Tally,
    /// Names of the members listed as not yet covered.
    pub names: HashMap<i64, String>,
    /// Brief lines of the records the slots name.
    pub records: HashMap<i64, MeetingBrief>,
}

/// A line of the bureau's overview.
#[derive(Debug, Clone, Serialize)]
pub struct OverviewRow {
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub tally: Tally,
    /// The periods of national requirements missed, as "主题党日 2026年3月".
    pub missing: Vec<String>,
    /// The periods of the bureau's own requirements missed.
    pub missing_local: Vec<String>,
}

/// A period that needs attention, for a to-do list.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub org_id: i64,
    pub org_name: String,
    pub slot: Slot,
}

/// A secretary's to-do list of organisational life.
#[derive(Debug, Clone, Default)]
pub struct Todo {
    pub due_soon: Vec<DueItem>,
    pub overdue: Vec<DueItem>,
    pub awaiting_review: Vec<MeetingBrief>,
    pub returned: Vec<MeetingBrief>,
    pub drafts: Vec<MeetingBrief>,
}

/// One record as the ledger (台账) lists it.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub id: i64,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub time: String,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub lecturer: Option<String>,
    pub topics: String,
    pub expected: usize,
    pub present: usize,
    /// "张三（出差，2026-03-25已补学）".
    pub absentees: Vec<String>,
    /// "接收张三为预备党员：赞成7、反对0、弃权0，通过".
    pub resolutions: Vec<String>,
    pub actions: Vec<String>,
    pub state: ReviewState,
    pub counts_for: Option<NaiveDate>,
}

/// An org's organisational-life ledger for a year: the compliance summary by kind and every
/// record on file (drafts are not), generated from the records.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub org: Org,
    pub year: i32,
    pub tally: Tally,
    /// Per kind that applies: (kind, requirement in words, tally).
    pub summary: Vec<(MeetingKind, String, Tally)>,
    pub entries: Vec<LedgerEntry>,
}

fn ledger_entry(m: &MeetingRow) -> LedgerEntry {
    let c = &m.content;
    LedgerEntry {
        id: m.id,
        kind: c.kind,
        held_on: c.held_on,
        time: orglife_rules::time_label(&c.starts_at, &c.ends_at),
        place: c.place.clone(),
        host: c.host.clone(),
        recorder: c.recorder.clone(),
        lecturer: c.lecturer.clone(),
        topics: c.topics.clone(),
        expected: c.attendees.len(),
        present: c.attendees.iter().filter(|a| a.present).count(),
        absentees: c
            .attendees
            .iter()
            .filter(|a| !a.present)
            .map(|a| {
                let reason = a.absence_reason.map_or("未说明原因", AbsenceReason::label);
                match a.makeup_on {
                    Some(on) => format!("{}（{reason}，{on}已补学）", a.name),
                    None => format!("{}（{reason}，未补学）", a.name),
                }
            })
            .collect(),
        resolutions: c
            .resolutions
            .iter()
            .map(|r| {
                format!(
                    "{}：赞成{}、反对{}、弃权{}，{}",
                    r.text,
                    r.yes,
                    r.no,
                    r.abstain,
                    if r.passed { "通过" } else { "未通过" }
                )
            })
            .collect(),
        actions: c
            .actions
            .iter()
            .map(|a| match a.due_on {
                Some(due) => format!("{}（{}，{due}前）", a.text, a.owner),
                None => format!("{}（{}）", a.text, a.owner),
            })
            .collect(),
        state: m.state,
        counts_for: c.counts_for,
    }
}

/// How a period is named on pages: "2026年3月", "2026年第一季度", "2026年".
pub fn period_label(slot: &Slot) -> String {
    let (y, m) = (slot.from.year(), slot.from.month());
    let whole = |p: compliance::Period| p.end_after(slot.from) == slot.to;
    match slot.period {
        compliance::Period::Month => format!("{y}年{m}月"),
        compliance::Period::Quarter if whole(compliance::Period::Quarter) && (m - 1) % 3 == 0 => {
            format!(
                "{y}年第{}季度",
                ["一", "二", "三", "四"][((m - 1) / 3) as usize]
            )
        }
        compliance::Period::Year if m == 1 && slot.from.day() == 1 => format!("{y}年"),
        _ => format!(
            "{}至{}",
            slot.from.format("%Y-%m-%d"),
            slot.last_day().format("%Y-%m-%d")
        ),
    }
}

pub(crate) fn required(
    raw: &str,
    label: &'static str,
    max: usize,
    field: &'static str,
    e: &mut FieldErrors,
) -> String {
    e.check(field, text::required(raw, label, max))
        .unwrap_or_default()
}

pub(crate) fn optional(
    raw: &str,
    label: &'static str,
    max: usize,
    field: &'static str,
    e: &mut FieldErrors,
) -> Option<String> {
    e.check(field, text::optional(raw, label, max)).flatten()
}

/// Text over several lines, required, refused at `field` (materials, a chapter's text).
pub(crate) fn required_long(
    raw: &str,
    label: &'static str,
    max: usize,
    field: &'static str,
    e: &mut FieldErrors,
) -> String {
    e.check(field, text::required_long(raw, label, max))
        .unwrap_or_default()
}

/// Text over several lines, optional, refused at `field`.
pub(crate) fn optional_long(
    raw: &str,
    label: &'static str,
    max: usize,
    field: &'static str,
    e: &mut FieldErrors,
) -> Option<String> {
    e.check(field, text::optional_long(raw, label, max))
        .flatten()
}

/// Free text that may run over several lines (minutes, criticism): required or optional, with
/// control characters other than line breaks refused.
fn long_text(raw: &str, max: usize, field: &'static str, e: &mut FieldErrors) -> String {
    let value = raw.trim().replace("\r\n", "\n");
    if value.chars().count() > max {
        e.add(field, format!("不能超过{max}字"));
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        e.add(field, "含有不可见的控制字符");
    } else if value.chars().any(text::is_bidi_control) {
        e.add(field, "含有改变文字方向的不可见字符，请删除后重新输入");
    }
    value
}

/// The members a record of `kind` expects on `on`: the committee for 支委会 and 民主生活会,
/// the parent branch's roll for a 党小组 (groups keep no roll of their own), else the branch's.
/// A member under 留党察看 that day is on the roll without a vote (R6.4, R8.4).
async fn expected_roll(
    conn: &mut Conn,
    book: &RuleBook,
    org: &Org,
    kind: MeetingKind,
    on: NaiveDate,
) -> ServiceResult<Vec<RollMember>> {
    let mut roll = roll_of_kind(conn, org, kind, on).await?;
    crate::conduct::suspend_votes(conn, book, &mut roll, on).await?;
    Ok(roll)
}

async fn roll_of_kind(
    conn: &mut Conn,
    org: &Org,
    kind: MeetingKind,
    on: NaiveDate,
) -> ServiceResult<Vec<RollMember>> {
    Ok(match kind {
        MeetingKind::BranchCommittee | MeetingKind::DemocraticLifeMeeting => {
            orglife::committee_on(conn, org.id, on).await?
        }
        // A 党小组会 expects the group's members, not the whole branch (issue 14, 3).
        MeetingKind::PartyGroup => match org.parent_id {
            Some(branch) => orglife::group_roll_on(conn, branch, org.id, on).await?,
            None => Vec::new(),
        },
        _ => orglife::roll_on(conn, org.id, on).await?,
    })
}

/// The pairs of a 谈心谈话 form: two different members of the day's roll each, each pair
/// once; problems go to `pairs`. Their members become the record's attendees, all present.
fn talk_pairs(
    forms: &[PairForm],
    on_roll: &HashMap<i64, &RollMember>,
    e: &mut FieldErrors,
) -> (Vec<TalkPairRow>, Vec<Attendee>) {
    let mut seen = HashSet::new();
    let mut pairs = Vec::new();
    let mut attendees: Vec<Attendee> = Vec::new();
    for p in forms.iter().filter(|p| p.a != 0 || p.b != 0).take(MAX_ROWS) {
        let (Some(a), Some(b)) = (on_roll.get(&p.a), on_roll.get(&p.b)) else {
            e.add(
                "pairs",
                "谈话双方须为会议当日本组织名册中的党员，且都须选择",
            );
            continue;
        };
        if p.a == p.b {
            e.add("pairs", format!("{}不能与自己谈心谈话", a.name));
            continue;
        }
        if !seen.insert((p.a.min(p.b), p.a.max(p.b))) {
            continue;
        }
        for m in [a, b] {
            if !attendees.iter().any(|x| x.member_id == m.member_id) {
                attendees.push(Attendee {
                    member_id: m.member_id,
                    name: m.name.clone(),
                    voting: m.voting,
                    present: true,
                    absence_reason: None,
                    absence_note: None,
                    makeup_on: None,
                    makeup_note: None,
                    criticism: None,
                    self_criticism: None,
                    party_analysis: None,
                    analysis_feedback: None,
                    review_material: None,
                });
            }
        }
        pairs.push(TalkPairRow {
            a: a.member_id,
            a_name: a.name.clone(),
            b: b.member_id,
            b_name: b.name.clone(),
        });
    }
    (pairs, attendees)
}

/// The M4.11 exclusions of a 支部党员大会's form: each a voting member of the day's roll, not
/// present, in one of the five cases, with the upper committee's approval named. Problems go
/// to `quorum_exclusions`.
fn quorum_exclusions(
    forms: &[ExclusionForm],
    on_roll: &HashMap<i64, &RollMember>,
    attendees: &[Attendee],
    e: &mut FieldErrors,
) -> Vec<dangjian_store::orglife::Exclusion> {
    let field = "quorum_exclusions";
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for x in forms.iter().filter(|x| !x.category.trim().is_empty()) {
        let Some(member) = on_roll.get(&x.member_id).filter(|m| m.voting) else {
            e.add(field, "只有当日名册中有表决权的党员才能不计入应到人数");
            continue;
        };
        if !seen.insert(x.member_id) {
            continue;
        }
        let Some(category) = QuorumExclusion::from_code(x.category.trim()) else {
            e.add(field, format!("{}不计入应到人数的情形无效", member.name));
            continue;
        };
        if attendees
            .iter()
            .any(|a| a.member_id == x.member_id && a.present)
        {
            e.add(field, format!("{}已到会，不能不计入应到人数", member.name));
            continue;
        }
        let approval = match text::required(&x.approval, "上级党委同意的文号或日期", 100)
        {
            Ok(approval) => approval,
            Err(err) => {
                e.add(
                    field,
                    format!("{}不计入应到人数须经上级党委同意：{err}", member.name),
                );
                continue;
            }
        };
        out.push(dangjian_store::orglife::Exclusion {
            member_id: x.member_id,
            name: member.name.clone(),
            category,
            approval,
        });
    }
    out
}

/// The submission check's view of a record.
fn substance<'a>(c: &'a Content) -> Substance<'a> {
    let count = |f: &dyn Fn(&Attendee) -> bool| c.attendees.iter().filter(|a| f(a)).count() as u32;
    Substance {
        topics: &c.topics,
        minutes: &c.minutes,
        lecturer: c.lecturer.as_deref().unwrap_or(""),
        attendance: Attendance {
            expected: c.attendees.len() as u32,
            present: count(&|a| a.present),
            expected_voting: count(&|a| a.voting),
            present_voting: count(&|a| a.present && a.voting),
            voting_base: c
                .voting_roll
                .map(|roll| roll.saturating_sub(c.exclusions.len() as u32)),
        },
        talk_pairs: c.pairs.len() as u32,
        without_analysis: c
            .attendees
            .iter()
            .filter(|a| a.present && a.party_analysis.as_deref().is_none_or(str::is_empty))
            .map(|a| a.name.clone())
            .collect(),
        preparation: c.preparation.as_deref().unwrap_or(""),
        without_material: c
            .attendees
            .iter()
            .filter(|a| a.present && a.review_material.as_deref().is_none_or(str::is_empty))
            .map(|a| a.name.clone())
            .collect(),
        absent_without_reason: c
            .attendees
            .iter()
            .filter(|a| !a.present && a.absence_reason.is_none())
            .map(|a| a.name.clone())
            .collect(),
        without_criticism: c
            .attendees
            .iter()
            .filter(|a| a.present)
            .filter(|a| {
                a.criticism.as_deref().is_none_or(str::is_empty)
                    || a.self_criticism.as_deref().is_none_or(str::is_empty)
            })
            .map(|a| a.name.clone())
            .collect(),
        votes: c
            .resolutions
            .iter()
            .map(|r| Vote {
                yes: r.yes,
                no: r.no,
                abstain: r.abstain,
            })
            .collect(),
    }
}

/// The content as JSON, for the revision kept at each submission.
fn snapshot(c: &Content, attachments: &[dangjian_store::orglife::AttachmentRow]) -> String {
    json!({
        "attachments": attachments.iter().map(|a| json!({
            "name": a.file_name, "size": a.size, "sm3": a.digest,
        })).collect::<Vec<_>>(),
        "kind": c.kind.code(), "held_on": c.held_on.to_string(), "starts_at": c.starts_at,
        "ends_at": c.ends_at, "place": c.place, "host": c.host, "recorder": c.recorder,
        "lecturer": c.lecturer, "topics": c.topics, "agenda": c.agenda, "minutes": c.minutes,
        "counts_for": c.counts_for.map(|d| d.to_string()), "combined_review": c.combined_review,
        "expected_reason": c.expected_reason,
        "voting_roll": c.voting_roll,
        "pairs": c.pairs.iter().map(|p| json!([p.a_name, p.b_name])).collect::<Vec<_>>(),
        "preparation": c.preparation,
        "quorum_exclusions": c.exclusions.iter().map(|x| json!({
            "member_id": x.member_id, "name": x.name, "category": x.category.label(),
            "approval": x.approval,
        })).collect::<Vec<_>>(),
        "attendees": c.attendees.iter().map(|a| json!({
            "member_id": a.member_id, "name": a.name, "voting": a.voting, "present": a.present,
            "absence_reason": a.absence_reason.map(AbsenceReason::label),
            "party_analysis": a.party_analysis, "analysis_feedback": a.analysis_feedback,
            "review_material": a.review_material,
            "absence_note": a.absence_note, "criticism": a.criticism,
            "self_criticism": a.self_criticism,
        })).collect::<Vec<_>>(),
        "resolutions": c.resolutions.iter().map(|r| json!({
            "text": r.text, "yes": r.yes, "no": r.no, "abstain": r.abstain, "passed": r.passed,
        })).collect::<Vec<_>>(),
        "actions": c.actions.iter().map(|a| json!({
            "text": a.text, "owner": a.owner, "due_on": a.due_on.map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
    })
    .to_string()
}

impl Services {
    /// Reading an org's organisational life needs both the function and sight of orgs; a
    /// member reads only their own participation ([`Services::my_org_life`]).
    async fn require_org_life_reader(
        &self,
        actor: &Actor,
        event: &'static str,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ReadMeetings, event).await?;
        self.require(actor, Permission::ReadOrgs, event).await
    }

    /// The versions of the meeting rules the engine judges by (see `apply_rule_versions`).
    pub(crate) fn versions(&self) -> Vec<RuleVersion> {
        self.rule_book().meeting_versions()
    }

    /// Loads the recorded versions of the rules and records each version of the rules this
    /// process runs with that is not yet in force on its day: a layer dated after the last
    /// recorded version from its own day (a bureau's file with `[meta] effective_from`),
    /// anything else from today — recorded when `record` (the server), in memory only
    /// otherwise (a one-off command). The first version recorded governs all earlier days.
    /// Versions recorded before every section was dated kept only the meeting rules; they are
    /// read with the other sections as started.
    pub async fn apply_rule_versions(&self, record: bool) -> ServiceResult<()> {
        let mut tx = if record {
            self.db().write().await?
        } else {
            self.db().read().await?
        };
        let started = self.rules.clone();
        let mut versions: Vec<(NaiveDate, Rules)> = Vec::new();
        for stored in orglife::rule_versions(&mut tx).await? {
            let unreadable =
                |e: serde_json::Error| ServiceError::Internal(format!("规则版本无法读取：{e}"));
            // Laid over the rules started with, so that a version recorded before a section
            // or value was added still reads (the added ones at their current values).
            let mut rules = serde_json::to_value(started.on(stored.from)).map_err(unreadable)?;
            let kept = match &stored.rules {
                Some(json) => serde_json::from_str(json).map_err(unreadable)?,
                None => {
                    json!({ "meetings": serde_json::from_str::<serde_json::Value>(&stored.meetings).map_err(unreadable)? })
                }
            };
            overlay(&mut rules, kept);
            let rules: Rules = serde_json::from_value(rules).map_err(unreadable)?;
            versions.push((stored.from, rules));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut wanted: Vec<(NaiveDate, Rules)> = started.versions().to_vec();
        // What runs today must be in force from today on, whatever was recorded since.
        wanted.push((today, started.on(today).clone()));
        for (from, rules) in wanted {
            let book = RuleBook::from_versions(versions.clone());
            if book.as_ref().map(|b| b.on(from)) == Some(&rules) {
                continue;
            }
            // Recorded days are history: a change dated on or before the last of them takes
            // effect today.
            let from = match versions.last().map(|(last, _)| *last) {
                Some(last) if from <= last => today.max(last),
                _ => from,
            };
            if record {
                let stored = orglife::StoredRules {
                    from,
                    meetings: serde_json::to_string(&rules.meetings)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?,
                    rules: Some(
                        serde_json::to_string(&rules)
                            .map_err(|e| ServiceError::Internal(e.to_string()))?,
                    ),
                };
                orglife::insert_rule_version(&mut tx, &stored, now).await?;
                // The sections that changed from the version in force before (all on the
                // first), not the whole rules: the record is in `rule_versions`.
                let before = book
                    .as_ref()
                    .map(|b| serde_json::to_value(b.on(from)).unwrap_or_default());
                let after = serde_json::to_value(&rules).unwrap_or_default();
                let sections: Vec<&String> = after
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, v)| {
                        before
                            .as_ref()
                            .is_none_or(|b| b.get(k.as_str()) != Some(*v))
                    })
                    .map(|(k, _)| k)
                    .collect();
                let event = Event::new("rules.version").detail(json!({
                    "effective_from": from.to_string(), "sections": sections,
                }));
                audit::write(&mut tx, self.crypto(), (&Actor::cli()).into(), now, event).await?;
            }
            // A version recorded again on the same day replaces that day's.
            versions.retain(|(f, _)| *f != from);
            versions.push((from, rules));
        }
        tx.commit().await?;
        *self
            .rule_book
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            RuleBook::from_versions(versions).map(Arc::new);
        Ok(())
    }

    /// An org whose organisational life the actor may read (for page headings and forms).
    pub async fn orglife_org(&self, actor: &Actor, id: i64) -> ServiceResult<Org> {
        self.require_org_life_reader(actor, "meeting.list").await?;
        self.load_org(actor, id, "meeting.list").await
    }

    /// The id of an org named by code, for the command line; unknown and out-of-scope codes
    /// are one message.
    pub async fn orglife_org_by_code(&self, actor: &Actor, code: &str) -> ServiceResult<Org> {
        self.require_org_life_reader(actor, "compliance.view")
            .await?;
        let code = Code::parse(code).map_err(|e| ServiceError::invalid("org", e.to_string()))?;
        let mut tx = self.db().read().await?;
        let org = orgs::by_code(&mut tx, code.as_str()).await?;
        tx.commit().await?;
        org.filter(|o| actor.scope.covers_org(&o.path))
            .ok_or_else(|| ServiceError::invalid("org", crate::scope::UNKNOWN_ORG))
    }

    /// The members a new record of `kind` on `on` expects, for the form.
    pub async fn meeting_roll(
        &self,
        actor: &Actor,
        org_id: i64,
        kind: MeetingKind,
        on: NaiveDate,
    ) -> ServiceResult<Vec<RollMember>> {
        self.require(actor, Permission::RecordMeetings, "meeting.create")
            .await?;
        let org = self.load_org(actor, org_id, "meeting.create").await?;
        let mut tx = self.db().read().await?;
        let roll = expected_roll(&mut tx, &self.rule_book(), &org, kind, on).await?;
        tx.commit().await?;
        Ok(roll)
    }

    /// The members of a branch with a vote on `on`: full members on its roll, not under 留党
    /// 察看 — those who may be 培养联系人 and 入党介绍人 (发展党员, R4.6 and R4.9).
    pub(crate) async fn voting_members(
        &self,
        conn: &mut Conn,
        org: &Org,
        on: NaiveDate,
    ) -> ServiceResult<Vec<RollMember>> {
        let roll = expected_roll(
            conn,
            &self.rule_book(),
            org,
            MeetingKind::BranchGeneralMeeting,
            on,
        )
        .await?;
        Ok(roll.into_iter().filter(|m| m.voting).collect())
    }

    /// Who a group study at `org` on `on` expects (学习教育): the committee's members, or the
    /// branch's roll.
    pub(crate) async fn roll_for_study(
        &self,
        conn: &mut Conn,
        org: &Org,
        committee: bool,
        on: NaiveDate,
    ) -> ServiceResult<Vec<RollMember>> {
        Ok(if committee {
            orglife::committee_on(conn, org.id, on).await?
        } else {
            orglife::roll_on(conn, org.id, on).await?
        })
    }

    /// A record as the study area reads it (its day, state and roll), inside `conn`.
    pub(crate) async fn meeting_row(
        &self,
        conn: &mut Conn,
        id: i64,
    ) -> ServiceResult<Option<MeetingRow>> {
        Ok(orglife::get(conn, id).await?)
    }

    /// A record in scope a study is being added to (not found when missing or out of scope,
    /// the latter audited).
    pub(crate) async fn meeting_for_study(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<MeetingRow> {
        self.load_meeting(actor, id, event).await
    }

    /// A branch's 支部党员大会 records, newest first: those a vote of 发展党员 may be taken at.
    pub(crate) async fn general_meetings(
        &self,
        conn: &mut Conn,
        scope: &Scope,
        org_id: i64,
    ) -> ServiceResult<Vec<MeetingBrief>> {
        let filter = orglife::Filter {
            org_id: Some(org_id),
            kind: Some(MeetingKind::BranchGeneralMeeting),
            ..orglife::Filter::default()
        };
        Ok(orglife::list(
            conn,
            scope,
            &filter,
            Page {
                number: 1,
                size: GENERAL_MEETINGS_LISTED,
            },
        )
        .await?)
    }

    /// A 支部党员大会 record as a vote taken at it is counted: its org and day, and the voting
    /// members it counts against with those of them present. `None` when there is no such
    /// record of that kind.
    pub(crate) async fn general_meeting(
        &self,
        conn: &mut Conn,
        id: i64,
    ) -> ServiceResult<Option<GeneralMeeting>> {
        let Some(m) = orglife::get(conn, id).await? else {
            return Ok(None);
        };
        if m.content.kind != MeetingKind::BranchGeneralMeeting {
            return Ok(None);
        }
        let attendance = substance(&m.content).attendance;
        Ok(Some(GeneralMeeting {
            id: m.id,
            org_id: m.org_id,
            held_on: m.content.held_on,
            voters: attendance.voters(),
            present: attendance.present_voting,
        }))
    }

    /// Parses a form into a record's content for `org`, checking every field; the attendees
    /// are checked against the roll on the day.
    async fn parse_meeting(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        org: &Org,
        form: &MeetingForm,
    ) -> ServiceResult<Content> {
        let mut e = FieldErrors::new();
        let today = self.clock().today();
        let kind = match MeetingKind::from_code(form.kind.trim()) {
            Some(kind) if MeetingKind::recordable_by(org.kind).contains(&kind) => Some(kind),
            Some(kind) => {
                e.add(
                    "kind",
                    format!("{}不召开{}", org.kind.label(), kind.label()),
                );
                None
            }
            None => {
                e.add("kind", "请选择会议类型");
                None
            }
        };
        let held_on = match parse_date(form.held_on.trim()) {
            Ok(d) if d > today => {
                e.add("held_on", "会议日期不能晚于今天");
                None
            }
            Ok(d) if d < org.founded_on => {
                e.add(
                    "held_on",
                    format!("会议日期不能早于组织成立日期{}", org.founded_on),
                );
                None
            }
            Ok(d) if org.dissolved_on.is_some_and(|x| d >= x) => {
                e.add("held_on", "组织已撤销，会议日期不能晚于撤销日期");
                None
            }
            Ok(d) => Some(d),
            Err(err) => {
                e.add("held_on", err.to_string());
                None
            }
        };
        let (starts_at, ends_at) =
            match MeetingTime::parse(&form.starts_at, &form.ends_at, form.ends_next_day) {
                Ok(time) => time.stored(),
                Err(errors) => {
                    e.extend(errors);
                    Default::default()
                }
            };
        let place = required(&form.place, "地点", SHORT, "place", &mut e);
        let host = required(&form.host, "主持人", SHORT, "host", &mut e);
        let recorder = required(&form.recorder, "记录人", SHORT, "recorder", &mut e);
        let lecturer = optional(&form.lecturer, "授课人", SHORT, "lecturer", &mut e);
        let topics = long_text(&form.topics, TOPICS, "topics", &mut e);
        let agenda = long_text(&form.agenda, LONG, "agenda", &mut e);
        let minutes = long_text(&form.minutes, MINUTES, "minutes", &mut e);
        let counts_for = match form.counts_for.trim() {
            "" => None,
            raw => match (parse_date(raw), held_on) {
                (Ok(d), Some(held)) if d > held => {
                    e.add("counts_for", "补开所补的日期应早于会议日期");
                    None
                }
                (Ok(d), _) => Some(d),
                (Err(err), _) => {
                    e.add("counts_for", err.to_string());
                    None
                }
            },
        };
        if form.combined_review && kind != Some(MeetingKind::OrganizationalLifeMeeting) {
            e.add("combined_review", "只有组织生活会可以同时开展民主评议党员");
        }
        let expected_reason = optional(
            &form.expected_reason,
            "应到人员调整原因",
            LONG,
            "expected_reason",
            &mut e,
        );

        // Attendees against the roll of the day.
        let roll = match (kind, held_on) {
            (Some(kind), Some(on)) => expected_roll(conn, &self.rule_book(), org, kind, on).await?,
            _ => Vec::new(),
        };
        let on_roll: HashMap<i64, &RollMember> = roll.iter().map(|r| (r.member_id, r)).collect();
        let mut seen = HashSet::new();
        let mut attendees = Vec::new();
        if form.attendees.len() > MAX_ATTENDEES {
            e.add("attendees", format!("参会人员不能超过{MAX_ATTENDEES}人"));
        }
        for a in form.attendees.iter().take(MAX_ATTENDEES) {
            if !seen.insert(a.member_id) {
                e.add("attendees", "参会人员重复");
                continue;
            }
            let (name, voting) = match on_roll.get(&a.member_id) {
                Some(r) => (r.name.clone(), r.voting),
                None => match members::get(conn, a.member_id).await? {
                    Some(m) if actor.scope.covers_member(m.id, &m.branch_path) => {
                        (m.name, m.category == Category::Full)
                    }
                    _ => {
                        e.add("attendees", "参会人员不存在，或不在您的管理范围内");
                        continue;
                    }
                },
            };
            let absence_reason = match a.absence_reason.trim() {
                "" => None,
                raw => match AbsenceReason::from_code(raw) {
                    Some(r) => Some(r),
                    None => {
                        e.add("attendees", format!("{name}的缺席原因无效"));
                        None
                    }
                },
            };
            attendees.push(Attendee {
                member_id: a.member_id,
                name,
                voting,
                present: a.present,
                absence_reason: if a.present { None } else { absence_reason },
                absence_note: if a.present {
                    None
                } else {
                    optional(&a.absence_note, "缺席说明", SHORT, "attendees", &mut e)
                },
                makeup_on: None,
                makeup_note: None,
                criticism: Some(long_text(&a.criticism, LONG, "criticism", &mut e))
                    .filter(|s| !s.is_empty() && a.present),
                self_criticism: Some(long_text(&a.self_criticism, LONG, "criticism", &mut e))
                    .filter(|s| !s.is_empty() && a.present),
                party_analysis: Some(long_text(&a.party_analysis, LONG, "party_analysis", &mut e))
                    .filter(|s| !s.is_empty() && a.present),
                analysis_feedback: Some(long_text(
                    &a.analysis_feedback,
                    LONG,
                    "party_analysis",
                    &mut e,
                ))
                .filter(|s| !s.is_empty() && a.present),
                review_material: Some(long_text(
                    &a.review_material,
                    LONG,
                    "review_material",
                    &mut e,
                ))
                .filter(|s| !s.is_empty() && a.present),
            });
        }
        for raw in form
            .extra_police_numbers
            .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .take(MAX_ROWS)
        {
            let found = match MemberRef::parse(raw) {
                Ok(reference) => crate::scope::member_by_ref(conn, &reference).await?,
                Err(_) => None,
            };
            match found {
                Some(m) if actor.scope.covers_member(m.id, &m.branch_path) => {
                    if seen.insert(m.id) {
                        attendees.push(Attendee {
                            member_id: m.id,
                            voting: m.category == Category::Full,
                            name: m.name,
                            present: true,
                            absence_reason: None,
                            absence_note: None,
                            makeup_on: None,
                            makeup_note: None,
                            criticism: None,
                            self_criticism: None,
                            party_analysis: None,
                            analysis_feedback: None,
                            review_material: None,
                        });
                    }
                }
                _ => e.add(
                    "extra_police_numbers",
                    format!("没有警号或党员编号为{raw}的党员，或不在您的管理范围内"),
                ),
            }
        }
        // A 谈心谈话 is recorded as who talked with whom: its attendees are the pairs' members.
        let pairs = if kind == Some(MeetingKind::HeartToHeartTalk) {
            let (pairs, talkers) = talk_pairs(&form.pairs, &on_roll, &mut e);
            attendees = talkers;
            pairs
        } else {
            Vec::new()
        };
        let differs = roll.len() != attendees.len()
            || attendees
                .iter()
                .any(|a| !on_roll.contains_key(&a.member_id));
        if differs
            && expected_reason.is_none()
            && kind.is_some_and(|k| k != MeetingKind::HeartToHeartTalk)
            && held_on.is_some()
        {
            e.add(
                "expected_reason",
                format!(
                    "应到人员与当日名册（{}人）不一致，请说明调整原因",
                    roll.len()
                ),
            );
        }

        // The voting base of a 支部党员大会: the voting members of the day's roll, less those left
        // out under M4.11 with approval; never the hand-edited expected roll.
        let (voting_roll, exclusions) = if kind == Some(MeetingKind::BranchGeneralMeeting) {
            let voting_roll = roll.iter().filter(|r| r.voting).count() as u32;
            let exclusions =
                quorum_exclusions(&form.quorum_exclusions, &on_roll, &attendees, &mut e);
            (Some(voting_roll), exclusions)
        } else {
            (None, Vec::new())
        };
        // The pass rule in force on the meeting's day.
        let book = self.rule_book();
        let rules_of_day = held_on.map_or_else(|| self.rules(), |d| book.on(d));
        let rule = kind.map(|k| rules_of_day.meetings.rule(k).clone());
        let pass_rule = rule
            .as_ref()
            .and_then(|r| r.pass_rule)
            .unwrap_or(PassRule::YesVotesMoreThanHalfOfPresent);
        let expected_voting = match voting_roll {
            Some(roll) => roll.saturating_sub(exclusions.len() as u32),
            None => attendees.iter().filter(|a| a.voting).count() as u32,
        };
        let present = attendees.iter().filter(|a| a.present).count() as u32;
        let mut resolutions = Vec::new();
        let filled: Vec<&ResolutionForm> = form
            .resolutions
            .iter()
            .filter(|r| !r.text.trim().is_empty())
            .collect();
        if filled.len() > MAX_ROWS {
            e.add("resolutions", format!("表决事项不能超过{MAX_ROWS}项"));
        }
        for r in filled.iter().take(MAX_ROWS) {
            let text = long_text(&r.text, LONG, "resolutions", &mut e);
            let votes = [&r.yes, &r.no, &r.abstain].map(|c| c.parse());
            let [yes, no, abstain] = votes.map(|v| match v {
                Ok(n) => n,
                Err(message) => {
                    e.add("resolutions", message);
                    0
                }
            });
            let vote = Vote { yes, no, abstain };
            resolutions.push(Resolution {
                passed: pass_rule.passes(&vote, expected_voting, present),
                text,
                yes,
                no,
                abstain,
            });
        }
        let mut actions = Vec::new();
        let filled: Vec<&ActionForm> = form
            .actions
            .iter()
            .filter(|a| !a.text.trim().is_empty())
            .collect();
        if filled.len() > MAX_ROWS {
            e.add("actions", format!("后续事项不能超过{MAX_ROWS}项"));
        }
        for a in filled.iter().take(MAX_ROWS) {
            let text = long_text(&a.text, LONG, "actions", &mut e);
            let owner = required(&a.owner, "后续事项的责任人", SHORT, "actions", &mut e);
            let due_on = match a.due_on.trim() {
                "" => None,
                raw => e.check("actions", parse_date(raw)),
            };
            actions.push(Action {
                text,
                owner,
                due_on,
            });
        }
        let (Some(kind), Some(held_on)) = (kind, held_on) else {
            return Err(ServiceError::Invalid(e));
        };
        let mut content = Content {
            kind,
            held_on,
            starts_at,
            ends_at,
            place,
            host,
            recorder,
            lecturer,
            topics,
            agenda: Some(agenda).filter(|s| !s.is_empty()),
            minutes,
            counts_for,
            combined_review: form.combined_review,
            expected_reason,
            voting_roll,
            exclusions,
            quorum_short: false,
            pairs,
            preparation: if kind.needs_review_material() {
                Some(long_text(&form.preparation, LONG, "preparation", &mut e))
                    .filter(|s| !s.is_empty())
            } else {
                None
            },
            attendees,
            resolutions,
            actions,
        };
        content.quorum_short = rule.as_ref().is_some_and(|r| {
            r.thresholds()
                .quorum_short(&substance(&content).attendance)
                .is_some()
        });
        e.into_result(content).map_err(ServiceError::Invalid)
    }

    /// Records a meeting as a draft; returns its id.
    pub async fn create_meeting(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &MeetingForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordMeetings, "meeting.create")
            .await?;
        self.load_org(actor, org_id, "meeting.create").await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let org = visible_org(&mut tx, actor, org_id).await?;
        let content = self.parse_meeting(&mut tx, actor, &org, form).await?;
        let author = Author {
            account_id: actor.account_id,
            login: &actor.login,
        };
        let id = orglife::insert(&mut tx, org.id, &content, author, now).await?;
        let event = Event::new("meeting.create")
            .object("meeting", id)
            .detail(json!({
                "org": org.id, "kind": content.kind.code(), "held_on": content.held_on.to_string(),
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A record the actor may see; not found when missing or out of scope (the latter audited).
    async fn load_meeting(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<MeetingRow> {
        let mut tx = self.db().read().await?;
        let meeting = orglife::get(&mut tx, id).await?;
        tx.commit().await?;
        match meeting {
            Some(m) if actor.scope.covers_org(&m.org_path) => Ok(m),
            Some(_) => Err(self.out_of_scope(actor, event, "meeting", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Loads a record inside a change, checks the version the actor saw and applies a review
    /// action's rule.
    pub(crate) async fn meeting_for_change(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
        version: Option<i64>,
        action: ReviewAction,
    ) -> ServiceResult<(MeetingRow, Org, ReviewState)> {
        let meeting = orglife::get(conn, id)
            .await?
            .filter(|m| actor.scope.covers_org(&m.org_path))
            .ok_or(ServiceError::NotFound)?;
        if version.is_some_and(|v| v != meeting.version) {
            return Err(ServiceError::conflict(
                "version",
                "记录已被他人修改，请刷新后重试",
            ));
        }
        let org = visible_org(conn, actor, meeting.org_id).await?;
        let who = Reviewer {
            is_author: meeting.author_account_id.is_some()
                && meeting.author_account_id == actor.account_id,
            is_above: above(&actor.scope, &org),
        };
        let next = meeting
            .state
            .apply(action, who)
            .map_err(|e| ServiceError::invalid("state", e.to_string()))?;
        Ok((meeting, org, next))
    }

    /// Saves a draft or a returned record.
    pub async fn update_meeting(
        &self,
        actor: &Actor,
        id: i64,
        form: &MeetingForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordMeetings, "meeting.update")
            .await?;
        self.load_meeting(actor, id, "meeting.update").await?;
        let Some(version) = form.version else {
            return Err(ServiceError::invalid("version", "缺少记录版本号"));
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (_, org, _) = self
            .meeting_for_change(&mut tx, actor, id, Some(version), ReviewAction::Edit)
            .await?;
        let content = self.parse_meeting(&mut tx, actor, &org, form).await?;
        let author = Author {
            account_id: actor.account_id,
            login: &actor.login,
        };
        if !orglife::update(&mut tx, id, version, &content, author, now).await? {
            return Err(ServiceError::conflict(
                "version",
                "记录已被他人修改，请刷新后重试",
            ));
        }
        self.refresh_meeting_study(&mut tx, id).await?;
        let event = Event::new("meeting.update")
            .object("meeting", id)
            .detail(json!({ "version": version + 1 }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Submits a record for review, after the submission check; the submitted version is kept.
    pub async fn submit_meeting(&self, actor: &Actor, id: i64, version: i64) -> ServiceResult<()> {
        self.require(actor, Permission::RecordMeetings, "meeting.submit")
            .await?;
        self.load_meeting(actor, id, "meeting.submit").await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (meeting, _, next) = self
            .meeting_for_change(&mut tx, actor, id, Some(version), ReviewAction::Submit)
            .await?;
        let c = &meeting.content;
        // The thresholds in force on the meeting's day.
        let book = self.rule_book();
        let rule = book.on(c.held_on).meetings.rule(c.kind);
        let gaps = check_submission(c.kind, &substance(c), rule.thresholds());
        if !gaps.is_empty() {
            return Err(ServiceError::Invalid(gaps));
        }
        if !orglife::set_state(&mut tx, id, version, next, now).await? {
            return Err(ServiceError::conflict(
                "version",
                "记录已被他人修改，请刷新后重试",
            ));
        }
        let attachments = orglife::attachments(&mut tx, id).await?;
        let snapshot = snapshot(c, &attachments);
        orglife::insert_revision(&mut tx, id, version + 1, &snapshot, &actor.login, now).await?;
        self.refresh_meeting_study(&mut tx, id).await?;
        let event = Event::new("meeting.submit")
            .object("meeting", id)
            .detail(json!({ "version": version + 1 }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Accepts a submitted record or returns it with a reason: only from above its org, never
    /// by its author.
    pub async fn review_meeting(
        &self,
        actor: &Actor,
        id: i64,
        form: &ReviewForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordMeetings, "meeting.review")
            .await?;
        self.load_meeting(actor, id, "meeting.review").await?;
        let (action, accepted) = match form.decision.trim() {
            "accept" => (ReviewAction::Accept, true),
            "return" => (ReviewAction::Return, false),
            _ => return Err(ServiceError::invalid("decision", "请选择通过或退回")),
        };
        let reason = text::optional(&form.reason, "退回原因", LONG)
            .map_err(|e| ServiceError::invalid("reason", e.to_string()))?;
        if !accepted && reason.is_none() {
            return Err(ServiceError::invalid(
                "reason",
                "退回须写明原因，如缺少决议、议题与计划不符",
            ));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (_, _, next) = self
            .meeting_for_change(&mut tx, actor, id, Some(form.version), action)
            .await?;
        if !orglife::set_state(&mut tx, id, form.version, next, now).await? {
            return Err(ServiceError::conflict(
                "version",
                "记录已被他人修改，请刷新后重试",
            ));
        }
        let reviewer = Author {
            account_id: actor.account_id,
            login: &actor.login,
        };
        orglife::insert_review(
            &mut tx,
            id,
            form.version,
            accepted,
            reason.as_deref(),
            reviewer,
            now,
        )
        .await?;
        let name = if accepted {
            "meeting.accept"
        } else {
            "meeting.return"
        };
        let event = Event::new(name)
            .object("meeting", id)
            .detail(json!({ "version": form.version, "reason": reason }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an absentee's make-up (补学) on a record that is on file (not a draft).
    pub async fn record_makeup(
        &self,
        actor: &Actor,
        id: i64,
        form: &MakeupForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordMeetings, "meeting.makeup")
            .await?;
        let meeting = self.load_meeting(actor, id, "meeting.makeup").await?;
        let today = self.clock().today();
        let on =
            parse_date(form.on.trim()).map_err(|e| ServiceError::invalid("on", e.to_string()))?;
        if on > today {
            return Err(ServiceError::invalid("on", "补学日期不能晚于今天"));
        }
        if on < meeting.content.held_on {
            return Err(ServiceError::invalid("on", "补学日期不能早于会议日期"));
        }
        let note = text::required(&form.note, "补学方式与内容", LONG)
            .map_err(|e| ServiceError::invalid("note", e.to_string()))?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let meeting = orglife::get(&mut tx, id)
            .await?
            .filter(|m| actor.scope.covers_org(&m.org_path))
            .ok_or(ServiceError::NotFound)?;
        if meeting.state == ReviewState::Draft {
            return Err(ServiceError::invalid(
                "on",
                "草稿记录请直接修改，提交后再登记补学",
            ));
        }
        if !orglife::set_makeup(&mut tx, id, form.member_id, on, &note).await? {
            return Err(ServiceError::invalid(
                "member_id",
                "该党员不是本次会议的缺席人员",
            ));
        }
        self.refresh_meeting_study(&mut tx, id).await?;
        let event = Event::new("meeting.makeup")
            .object("meeting", id)
            .detail(json!({
                "member": form.member_id, "on": on.to_string(),
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the day a 民主生活会 on record was reported to the level above: not before the
    /// meeting, not after today. Reporting late is recorded as it happened and shown as late.
    pub async fn report_meeting(
        &self,
        actor: &Actor,
        id: i64,
        form: &ReportForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordMeetings, "meeting.report")
            .await?;
        self.load_meeting(actor, id, "meeting.report").await?;
        let today = self.clock().today();
        let on = match form.reported_on.trim() {
            "" => today,
            raw => {
                parse_date(raw).map_err(|e| ServiceError::invalid("reported_on", e.to_string()))?
            }
        };
        if on > today {
            return Err(ServiceError::invalid("reported_on", "报送日期不能晚于今天"));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let meeting = orglife::get(&mut tx, id)
            .await?
            .filter(|m| actor.scope.covers_org(&m.org_path))
            .ok_or(ServiceError::NotFound)?;
        submitted_life_meeting(&meeting, "reported_on", "登记报送")?;
        if on < meeting.content.held_on {
            return Err(ServiceError::invalid(
                "reported_on",
                "报送日期不能早于会议日期",
            ));
        }
        orglife::set_reported(&mut tx, id, on).await?;
        let event = Event::new("meeting.report")
            .object("meeting", id)
            .detail(json!({ "on": on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a 民主生活会's 整改清单 (its follow-up actions, each with an owner and a due day)
    /// into a rectification inspection of its org, one finding per action assigned to the
    /// org and due that day: the problems found at the meeting are then rectified, checked and
    /// closed like any other. Made once; returns the inspection's id.
    pub async fn rectify_life_meeting(&self, actor: &Actor, id: i64) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordMeetings, "meeting.rectify")
            .await?;
        let meeting = self.load_meeting(actor, id, "meeting.rectify").await?;
        let c = &meeting.content;
        submitted_life_meeting(&meeting, "rectification", "生成整改清单")?;
        if c.actions.is_empty() {
            return Err(ServiceError::invalid(
                "rectification",
                "请先在会议记录的“后续事项”中列出整改事项",
            ));
        }
        let mut tx = self.db().read().await?;
        let org = orgs::get(&mut tx, meeting.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        let mut findings = Vec::new();
        for a in &c.actions {
            let Some(due) = a.due_on else {
                return Err(ServiceError::invalid(
                    "rectification",
                    format!("整改事项“{}”没有完成时限", a.text),
                ));
            };
            findings.push(crate::rectification::FindingForm {
                problem: format!("{}（责任人：{}）", a.text, a.owner),
                category: dangjian_core::rectification::FindingCategory::Other
                    .code()
                    .to_owned(),
                orgs: org.code.clone(),
                deadline: due.to_string(),
            });
        }
        let held = c.held_on.to_string();
        let form = crate::rectification::InspectionForm {
            org: org.code.clone(),
            title: format!("{}年度民主生活会整改清单", c.held_on.year()),
            inspector: format!("{}民主生活会", org.name),
            inspected_from: held.clone(),
            inspected_to: held.clone(),
            scope_note: "民主生活会查摆的问题和整改措施".to_owned(),
            feedback_ref: life_meeting_ref(id),
            feedback_on: held,
        };
        self.create_inspection_with_findings(actor, &form, &findings)
            .await
            .map_err(|e| match e {
                // Problems of the list belong to the list as a whole on the record's page.
                ServiceError::Invalid(errors) => ServiceError::invalid(
                    "rectification",
                    errors
                        .iter()
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join("；"),
                ),
                other => other,
            })
    }

    /// A record with its revisions and reviews, and what the actor may do with it.
    pub async fn meeting(&self, actor: &Actor, id: i64) -> ServiceResult<MeetingDetail> {
        self.require_org_life_reader(actor, "meeting.view").await?;
        let meeting = self.load_meeting(actor, id, "meeting.view").await?;
        let mut tx = self.db().read().await?;
        let revisions = orglife::revisions(&mut tx, id).await?;
        let reviews = orglife::reviews(&mut tx, id).await?;
        let org = orgs::get(&mut tx, meeting.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let held = meeting.content.held_on;
        let planned = orglife::plan_of(&mut tx, org.id, held.year())
            .await?
            .into_iter()
            .filter(|p| p.kind == meeting.content.kind && p.planned_on.month() == held.month())
            .collect();
        let attachments = orglife::attachments(&mut tx, id).await?;
        tx.commit().await?;
        let recorder = actor.permits(Permission::RecordMeetings);
        let who = Reviewer {
            is_author: meeting.author_account_id.is_some()
                && meeting.author_account_id == actor.account_id,
            is_above: above(&actor.scope, &org),
        };
        let book = self.rule_book();
        let rule = book
            .on(meeting.content.held_on)
            .meetings
            .rule(meeting.content.kind);
        let gaps = check_submission(
            meeting.content.kind,
            &substance(&meeting.content),
            rule.thresholds(),
        );
        let on_record = meeting.state != ReviewState::Draft;
        let report = match rule.report_within_days {
            Some(days) if on_record && meeting.content.kind.needs_review_material() => {
                Some(ReportStatus::of(
                    meeting.content.held_on,
                    meeting.reported_on,
                    self.clock().today(),
                    days,
                ))
            }
            _ => None,
        };
        let rectification = if meeting.content.kind.needs_review_material()
            && actor.permits(Permission::ReadRectification)
        {
            self.inspection_by_ref(actor, &life_meeting_ref(id)).await?
        } else {
            None
        };
        Ok(MeetingDetail {
            can_rectify: recorder
                && actor.permits(Permission::Rectify)
                && on_record
                && meeting.content.kind.needs_review_material()
                && !meeting.content.actions.is_empty()
                && rectification.is_none(),
            rectification,
            can_report: recorder && report.is_some(),
            report,
            can_edit: recorder && meeting.state.apply(ReviewAction::Edit, who).is_ok(),
            can_review: recorder && meeting.state.apply(ReviewAction::Accept, who).is_ok(),
            can_record_makeup: recorder
                && meeting.state != ReviewState::Draft
                && meeting.content.attendees.iter().any(|a| !a.present),
            gaps,
            meeting,
            revisions,
            reviews,
            planned,
            attachments,
        })
    }

    /// Records in scope, newest first.
    pub async fn meetings(
        &self,
        actor: &Actor,
        filter: &Filter,
        page: Page,
    ) -> ServiceResult<Vec<MeetingBrief>> {
        self.require_org_life_reader(actor, "meeting.list").await?;
        if let Some(org) = filter.org_id {
            self.load_org(actor, org, "meeting.list").await?;
        }
        let mut tx = self.db().read().await?;
        let list = orglife::list(&mut tx, &actor.scope, filter, page).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// A member's 党性分析 from the 组织生活会 and 民主评议 records, newest first: part of their
    /// record, seen by whoever may see the member.
    pub async fn member_party_analyses(
        &self,
        actor: &Actor,
        member_id: i64,
    ) -> ServiceResult<Vec<orglife::AnalysisRow>> {
        self.require(actor, Permission::ReadMembers, "member.view")
            .await?;
        self.load_member(actor, member_id, "member.view").await?;
        let mut tx = self.db().read().await?;
        let rows = orglife::analyses_of(&mut tx, member_id).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One org's compliance for a year, with the members not yet covered by the every-member
    /// kinds.
    pub async fn org_compliance(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<OrgCompliance> {
        self.require_org_life_reader(actor, "compliance.view")
            .await?;
        let org = self.load_org(actor, org_id, "compliance.view").await?;
        let (from, to) = year_range(year)?;
        let mut tx = self.db().read().await?;
        let facts =
            orglife::engine_facts(&mut tx, &actor.scope, Some(org.id), from, to, true).await?;
        let (members, committee) = if org.kind == OrgKind::Branch {
            (
                orglife::members_over(&mut tx, org.id, from, to).await?,
                orglife::committee_over(&mut tx, org.id, from, to).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let filter = Filter {
            org_id: Some(org.id),
            ..Filter::default()
        };
        let listed = orglife::list(
            &mut tx,
            &actor.scope,
            &filter,
            Page {
                number: 1,
                size: 10_000,
            },
        )
        .await?;
        let versions = self.versions();
        let Some(facts_org) = facts.orgs.first() else {
            return Err(ServiceError::NotFound);
        };
        let slots = compliance::evaluate(&Input {
            versions: &versions,
            settings: self.rules().compliance,
            org: facts_org,
            records: &facts.records,
            members: &members,
            committee: &committee,
            from,
            to,
            today: self.clock().today(),
        });
        let wanted: HashSet<i64> = slots
            .iter()
            .flat_map(|s| s.members_missing.iter().copied())
            .collect();
        let mut names = HashMap::new();
        for id in wanted {
            if let Some(m) = members::get(&mut tx, id).await? {
                names.insert(id, m.name);
            }
        }
        tx.commit().await?;
        Ok(OrgCompliance {
            tally: Tally::of(&slots),
            year,
            slots,
            names,
            records: listed.into_iter().map(|b| (b.id, b)).collect(),
            org,
        })
    }

    /// The engine's facts for every org of a scope over `[from, to)`. The records are read on
    /// a task of their own while the orgs are read here: at a province's size decoding the
    /// records' rows is most of the time, and it overlaps the rest on a second core. (They are
    /// two snapshots; an overview does not need them to be one.)
    async fn scope_facts(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<orglife::EngineFacts> {
        let this = self.clone();
        let records_scope = scope.clone();
        let records = tokio::spawn(async move {
            let mut tx = this.db().read().await?;
            let records =
                orglife::record_facts(&mut tx, &records_scope, None, from, to, false).await?;
            tx.commit().await?;
            Ok::<_, ServiceError>(records)
        });
        let mut tx = self.db().read().await?;
        let (orgs, labels) = orglife::org_facts(&mut tx, scope, None).await?;
        tx.commit().await?;
        let records = records
            .await
            .map_err(|e| ServiceError::Internal(format!("读取组织生活记录的任务中断：{e}")))??;
        Ok(orglife::EngineFacts {
            orgs,
            labels,
            records,
        })
    }

    /// Each org's own tally of organisational life over `[from, to)` within `scope` (the orgs
    /// that owe none are left out): what the assessment's org-life indicator reads.
    pub(crate) async fn org_life_tallies(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<HashMap<i64, Tally>> {
        let facts = self.scope_facts(scope, from, to).await?;
        let versions = self.versions();
        let today = self.clock().today();
        let mut out = HashMap::new();
        for org in &facts.orgs {
            let slots = compliance::evaluate(&Input {
                versions: &versions,
                settings: self.rules().compliance,
                org,
                records: records_of(&facts.records, org.id),
                members: &[],
                committee: &[],
                from,
                to,
                today,
            });
            let tally = Tally::of(&slots);
            if !tally.is_empty() {
                out.insert(org.id, tally);
            }
        }
        Ok(out)
    }

    /// Every org in scope with its tally for the year and the periods it missed, worst first;
    /// cached until the data changes (a province's year takes most of a second).
    pub async fn compliance_overview(
        &self,
        actor: &Actor,
        year: i32,
    ) -> ServiceResult<Arc<Vec<OverviewRow>>> {
        self.require_org_life_reader(actor, "compliance.overview")
            .await?;
        let key = (actor.scope.clone(), self.clock().today(), year);
        self.reports
            .compliance
            .get_or_compute(
                key,
                || self.db().generation(),
                async || self.compute_compliance_overview(actor, year).await,
            )
            .await
    }

    async fn compute_compliance_overview(
        &self,
        actor: &Actor,
        year: i32,
    ) -> ServiceResult<Vec<OverviewRow>> {
        let (from, to) = year_range(year)?;
        let facts = self.scope_facts(&actor.scope, from, to).await?;
        let versions = self.versions();
        let today = self.clock().today();
        let mut rows = Vec::new();
        for (org, label) in facts.orgs.iter().zip(&facts.labels) {
            let slots = compliance::evaluate(&Input {
                versions: &versions,
                settings: self.rules().compliance,
                org,
                records: records_of(&facts.records, org.id),
                members: &[],
                committee: &[],
                from,
                to,
                today,
            });
            let tally = Tally::of(&slots);
            if tally.is_empty() {
                continue;
            }
            let missed = |local: bool| -> Vec<String> {
                slots
                    .iter()
                    .filter(|s| s.status == Status::Missing && (s.confidence == Local) == local)
                    .map(|s| format!("{} {}", s.kind.label(), period_label(s)))
                    .collect()
            };
            rows.push(OverviewRow {
                org_id: org.id,
                code: label.code.clone(),
                name: label.name.clone(),
                kind: label.kind,
                tally,
                missing: missed(false),
                missing_local: missed(true),
            });
        }
        // National gaps first; the bureau's own requirements only break ties.
        rows.sort_by(|a, b| {
            b.tally
                .national
                .missing
                .cmp(&a.tally.national.missing)
                .then(b.tally.local.missing.cmp(&a.tally.local.missing))
                .then(a.code.cmp(&b.code))
        });
        Ok(rows)
    }

    /// The to-do list of organisational life for the actor's scope: periods due soon and
    /// overdue this year, records awaiting the actor's review, returned records and drafts.
    pub async fn org_life_todo(&self, actor: &Actor) -> ServiceResult<Todo> {
        self.require(actor, Permission::RecordMeetings, "meeting.todo")
            .await?;
        let today = self.clock().today();
        let (from, to) = year_range(today.year())?;
        let facts = self.scope_facts(&actor.scope, from, to).await?;
        let mut tx = self.db().read().await?;
        let page = Page {
            number: 1,
            size: 200,
        };
        let queue = |state| Filter {
            state: Some(state),
            ..Filter::default()
        };
        let own_org = match &actor.scope {
            Scope::Subtree { org_id, .. } => Some(*org_id),
            _ => None,
        };
        let awaiting_review = orglife::list(
            &mut tx,
            &actor.scope,
            &Filter {
                not_org: own_org,
                ..queue(ReviewState::Submitted)
            },
            page,
        )
        .await?
        .into_iter()
        .filter(|m| m.author_login != actor.login)
        .collect();
        let returned =
            orglife::list(&mut tx, &actor.scope, &queue(ReviewState::Returned), page).await?;
        let drafts = orglife::list(&mut tx, &actor.scope, &queue(ReviewState::Draft), page).await?;
        tx.commit().await?;
        let versions = self.versions();
        let settings = self.rules().compliance;
        let mut todo = Todo {
            awaiting_review,
            returned,
            drafts,
            ..Todo::default()
        };
        for (org, label) in facts.orgs.iter().zip(&facts.labels) {
            let slots = compliance::evaluate(&Input {
                versions: &versions,
                settings,
                org,
                records: records_of(&facts.records, org.id),
                members: &[],
                committee: &[],
                from,
                to,
                today,
            });
            for slot in slots {
                let item = |slot| DueItem {
                    org_id: org.id,
                    org_name: label.name.clone(),
                    slot,
                };
                if slot.status == Status::Missing {
                    todo.overdue.push(item(slot));
                } else if compliance::due_soon(&slot, today, settings) {
                    todo.due_soon.push(item(slot));
                }
            }
        }
        todo.overdue.sort_by_key(|d| std::cmp::Reverse(d.slot.to));
        todo.due_soon.sort_by_key(|d| d.slot.to);
        Ok(todo)
    }

    /// The actor's own organisational life, as a member: every record that expected them.
    pub async fn my_org_life(&self, actor: &Actor) -> ServiceResult<Vec<Participation>> {
        self.require(actor, Permission::ReadMeetings, "meeting.mine")
            .await?;
        let Scope::OwnRecord { member_id } = actor.scope else {
            return Ok(Vec::new());
        };
        let mut tx = self.db().read().await?;
        let list = orglife::participation(&mut tx, member_id).await?;
        tx.commit().await?;
        Ok(list)
    }
}

/// An org's records among records sorted by org (as `engine_facts` returns them).
fn records_of(records: &[compliance::RecordFact], org: i64) -> &[compliance::RecordFact] {
    let start = records.partition_point(|r| r.org_id < org);
    let end = records.partition_point(|r| r.org_id <= org);
    &records[start..end]
}

/// The ledger's columns, shared by the spreadsheet and the document.
const LEDGER_HEADINGS: [&str; 10] = [
    "日期",
    "类型",
    "时间",
    "地点",
    "主持人",
    "议题",
    "应到/实到",
    "缺席及补学",
    "表决事项",
    "状态",
];

fn ledger_row(e: &LedgerEntry) -> Vec<String> {
    let mut topics = e.topics.clone();
    if let Some(lecturer) = &e.lecturer {
        topics.push_str(&format!("（授课人：{lecturer}）"));
    }
    if let Some(day) = e.counts_for {
        topics.push_str(&format!("（补开，计入{day}所在期间）"));
    }
    vec![
        e.held_on.to_string(),
        e.kind.label().to_owned(),
        e.time.clone(),
        e.place.clone(),
        e.host.clone(),
        topics,
        format!("{}/{}", e.expected, e.present),
        e.absentees.join("；"),
        e.resolutions.join("；"),
        e.state.label().to_owned(),
    ]
}

fn summary_row(kind: MeetingKind, rule: &str, t: &Tally) -> Vec<String> {
    let t = t.all();
    vec![
        kind.label().to_owned(),
        rule.to_owned(),
        t.met.to_string(),
        t.late.to_string(),
        t.missing.to_string(),
        t.upcoming.to_string(),
    ]
}

const SUMMARY_HEADINGS: [&str; 6] = ["类型", "要求", "已完成", "逾期补开", "未开展", "待开展"];

impl Services {
    /// An org's organisational-life ledger for a year.
    pub async fn org_life_ledger(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<Ledger> {
        let c = self.org_compliance(actor, org_id, year).await?;
        let mut summary = Vec::new();
        for kind in MeetingKind::ALL {
            let slots: Vec<Slot> = c
                .slots
                .iter()
                .filter(|s| s.kind == *kind)
                .cloned()
                .collect();
            let tally = Tally::of(&slots);
            if tally.is_empty() {
                continue;
            }
            let rule = slots
                .first()
                .map(|s| {
                    let local = if s.confidence == Local {
                        "（本地规定）"
                    } else {
                        ""
                    };
                    format!("{}{}次{local}", s.period.label(), s.min_count)
                })
                .unwrap_or_default();
            summary.push((*kind, rule, tally));
        }
        let mut ids: Vec<(NaiveDate, i64)> = c
            .records
            .values()
            .filter(|b| b.held_on.year() == year && b.state != ReviewState::Draft)
            .map(|b| (b.held_on, b.id))
            .collect();
        ids.sort_unstable();
        let mut tx = self.db().read().await?;
        let mut entries = Vec::with_capacity(ids.len());
        for (_, id) in ids {
            if let Some(m) = orglife::get(&mut tx, id).await? {
                entries.push(ledger_entry(&m));
            }
        }
        tx.commit().await?;
        Ok(Ledger {
            org: c.org,
            year,
            tally: c.tally,
            summary,
            entries,
        })
    }

    /// The ledger as a spreadsheet (汇总 and 会议记录), audited.
    pub async fn ledger_xlsx(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<Vec<u8>> {
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let ledger = self.org_life_ledger(actor, org_id, year).await?;
        let now = self.clock().now();
        let title = format!("{} {}年组织生活台账", ledger.org.name, year);
        let cells = |row: Vec<String>| row.into_iter().map(crate::excel::Cell::Text).collect();
        let sheets = [
            crate::excel::Sheet {
                name: "汇总".to_owned(),
                title: title.clone(),
                headings: SUMMARY_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
                rows: ledger
                    .summary
                    .iter()
                    .map(|(k, rule, t)| cells(summary_row(*k, rule, t)))
                    .collect(),
            },
            crate::excel::Sheet {
                name: "会议记录".to_owned(),
                title,
                headings: LEDGER_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
                rows: ledger
                    .entries
                    .iter()
                    .map(|e| cells(ledger_row(e)))
                    .collect(),
            },
        ];
        let login = actor.login.clone();
        let bytes =
            crate::off_workers(move || crate::excel::workbook(&sheets, &login, now)).await?;
        self.record_ledger_export(actor, &ledger, "xlsx").await?;
        Ok(bytes)
    }

    /// The ledger as a Word document, one section per kind, audited.
    pub async fn ledger_docx(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<Vec<u8>> {
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        use crate::docx::Block;
        let ledger = self.org_life_ledger(actor, org_id, year).await?;
        let now = self.clock().now();
        let mut blocks = vec![
            Block::Paragraph(ledger.tally.to_string()),
            Block::Table {
                headings: SUMMARY_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
                rows: ledger
                    .summary
                    .iter()
                    .map(|(k, rule, t)| summary_row(*k, rule, t))
                    .collect(),
            },
        ];
        for kind in MeetingKind::ALL {
            let rows: Vec<Vec<String>> = ledger
                .entries
                .iter()
                .filter(|e| e.kind == *kind)
                .map(ledger_row)
                .collect();
            if rows.is_empty() {
                continue;
            }
            blocks.push(Block::Heading(kind.label().to_owned()));
            blocks.push(Block::Table {
                headings: LEDGER_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
                rows,
            });
        }
        let title = format!("{} {}年组织生活台账", ledger.org.name, ledger.year);
        let login = actor.login.clone();
        let bytes =
            crate::off_workers(move || crate::docx::document(&title, &blocks, &login, now)).await?;
        self.record_ledger_export(actor, &ledger, "docx").await?;
        Ok(bytes)
    }

    async fn record_ledger_export(
        &self,
        actor: &Actor,
        ledger: &Ledger,
        format: &str,
    ) -> ServiceResult<()> {
        let event = Event::new("meeting.ledger_export")
            .object("org", ledger.org.id)
            .detail(
                json!({ "year": ledger.year, "format": format, "records": ledger.entries.len() }),
            );
        self.record(actor, event).await
    }
}

/// The calendar year `[1 Jan, 1 Jan next)`, for years the platform can hold.
pub fn year_range(year: i32) -> ServiceResult<(NaiveDate, NaiveDate)> {
    let bounds = (1949..=2200)
        .contains(&year)
        .then(|| {
            Some((
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
            ))
        })
        .flatten();
    bounds.ok_or_else(|| ServiceError::invalid("year", "年份应在1949到2200之间"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version recorded before a section was added still reads: what it kept is laid over
    /// the rules started with, value by value.
    #[test]
    fn an_older_recorded_version_reads_with_the_sections_added_since() {
        let current = Rules::load(None).unwrap();
        let mut base = serde_json::to_value(&current).unwrap();
        // Recorded when the rules had no `training` and a shorter letter validity.
        let mut kept = serde_json::to_value(&current).unwrap();
        let object = kept.as_object_mut().unwrap();
        object.remove("training");
        object["membership_status"]["intro_letter_validity_months"] = json!(2);
        overlay(&mut base, kept);
        let read: Rules = serde_json::from_value(base).unwrap();
        assert_eq!(read.membership_status.intro_letter_validity_months, 2);
        assert_eq!(read.training, current.training);
        assert_eq!(
            read.membership_status.lost_contact_suspend_after_months,
            current.membership_status.lost_contact_suspend_after_months
        );
    }
}
