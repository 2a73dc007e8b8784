//! The compliance engine of organisational life: for one org and a range of dates, each
//! requirement of the rules (a kind of meeting, so many times a month, quarter or year) is cut
//! into periods, and each period gets a status — met, late (made up after the period), missing,
//! upcoming or not applicable — with the records that satisfy it and, for the kinds every
//! member takes part in, the members not yet covered.
//!
//! Pure and fast: the caller hands in the org's dated facts, its records and its members, and
//! the rules as dated versions (a bureau may change a frequency in the middle of a year).
//!
//! How a period is cut: at a cursor (the start of the range, then the end of the previous
//! period) the version in force gives the kind's period, and the period runs from the cursor
//! to the end of the calendar month, quarter or year that contains it. A version that takes
//! effect inside a period therefore governs from the next period on.
//!
//! When a period applies: the org exists on its last day, has the right kind on that day (and a
//! committee, for 支委会), and has existed for at least `min_existence_ratio` of the period. An
//! org founded on 20 January owes the first quarter's 党员大会 but not January's 支委会; one
//! dissolved in a period owes nothing for it. Members are treated the same way for the
//! every-member kinds.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::interval::Span;
use crate::org::OrgKind;
use crate::orglife::{Holder, MeetingKind, ReviewState, TalkPair};
use crate::rules::{Confidence, Meetings};

/// The length of a requirement's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Month,
    Quarter,
    Year,
}

impl Period {
    /// The first day after the calendar period that contains `day`.
    pub fn end_after(self, day: NaiveDate) -> NaiveDate {
        let (year, month) = (day.year(), day.month());
        let next_month = match self {
            Period::Month => month + 1,
            Period::Quarter => (month - 1) / 3 * 3 + 4,
            Period::Year => 13,
        };
        let (year, month) = if next_month > 12 {
            (year + 1, next_month - 12)
        } else {
            (year, next_month)
        };
        NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MAX)
    }

    pub fn label(self) -> &'static str {
        match self {
            Period::Month => "每月",
            Period::Quarter => "每季度",
            Period::Year => "每年",
        }
    }
}

labelled_enum! {
    /// Where a requirement stands for one period.
    pub enum Status {
        Met = ("met", "已完成"),
        Late = ("late", "逾期补开"),
        Missing = ("missing", "未开展"),
        Upcoming = ("upcoming", "待开展"),
        NotApplicable = ("not_applicable", "不适用"),
    }
}

labelled_enum! {
    /// What a period's records are, when they are not simply on record: a period with only a
    /// draft says so, and says "法定人数不足" when that draft failed its quorum (issue 14, 5);
    /// a period met only by records not yet accepted says they wait or were returned.
    pub enum Why {
        QuorumShort = ("quorum_short", "法定人数不足"),
        Draft = ("draft", "记录未提交"),
        AwaitingReview = ("awaiting_review", "记录待审核"),
        Returned = ("returned", "记录已退回"),
        PairsIncomplete = ("pairs_incomplete", "谈心谈话未全覆盖"),
    }
}

/// A version of the meeting rules and the day it takes effect.
#[derive(Debug, Clone)]
pub struct RuleVersion {
    pub from: NaiveDate,
    pub meetings: Meetings,
}

/// The engine's own settings (rules file `[compliance]`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub struct Settings {
    /// The share of a period an org (or member) must exist in for the period to apply.
    pub min_existence_ratio: f64,
    /// An upcoming period ending within this many days is "due soon" in to-do lists.
    pub due_soon_days: u32,
}

/// An org's dated facts.
#[derive(Debug, Clone)]
pub struct OrgFacts {
    pub id: i64,
    pub founded_on: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
    /// The org's kind over time.
    pub kinds: Vec<(Span, OrgKind)>,
    /// When the org had a committee (支部委员会): the spans of its commissioners' posts.
    pub committee: Vec<Span>,
}

/// A record of organisational life, as the engine sees it.
#[derive(Debug, Clone)]
pub struct RecordFact {
    pub id: i64,
    pub org_id: i64,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    /// A make-up (补开) names a day in the period it makes up for; it must be no later than
    /// `held_on` (a later one is ignored).
    pub counts_for: Option<NaiveDate>,
    pub state: ReviewState,
    /// A 组织生活会 that also held the year's 民主评议党员 (`may_combine_with`).
    pub also: Option<MeetingKind>,
    /// Members who took part, present or by a later make-up.
    pub participants: Vec<i64>,
    /// The record, as last saved, shows a quorum not reached: it cannot be submitted, and the
    /// period says why it has no record.
    pub quorum_short: bool,
    /// 谈心谈话: who talked with whom (loaded with the participants).
    pub pairs: Vec<(i64, i64)>,
}

/// A member's time in the org.
#[derive(Debug, Clone)]
pub struct MemberFact {
    pub member_id: i64,
    pub spans: Vec<Span>,
}

/// One requirement for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    pub kind: MeetingKind,
    pub period: Period,
    pub from: NaiveDate,
    /// The first day after the period.
    pub to: NaiveDate,
    pub min_count: u32,
    pub confidence: Confidence,
    pub status: Status,
    /// The records dated in (or made up for) this period, counting or not, by date.
    pub records: Vec<i64>,
    /// Of these, how many count on time and how many in all.
    pub on_time: u32,
    pub total: u32,
    /// For the every-member kinds: members of the org in this period not yet covered.
    pub members_missing: Vec<i64>,
    /// 谈心谈话 with `pairs` in its rule: each member not yet covered and the kinds of talk
    /// they still lack.
    pub pairs_missing: Vec<(i64, Vec<TalkPair>)>,
    /// What the period's records are, when that matters to its status.
    pub why: Option<Why>,
}

impl Slot {
    /// The last day of the period: its deadline.
    pub fn last_day(&self) -> NaiveDate {
        self.to.pred_opt().unwrap_or(self.to)
    }
}

/// The days of `span` inside `[from, to)`.
fn overlap_days(span: &Span, from: NaiveDate, to: NaiveDate) -> i64 {
    let start = span.from.max(from);
    let end = span.to.map_or(to, |t| t.min(to));
    (end - start).num_days().max(0)
}

/// Whether something present over `spans` counts for the period `[from, to)`.
fn present_for(spans: &[Span], from: NaiveDate, to: NaiveDate, ratio: f64) -> bool {
    let last = to.pred_opt().unwrap_or(to);
    if !spans.iter().any(|s| s.contains(last)) {
        return false;
    }
    let days: i64 = spans.iter().map(|s| overlap_days(s, from, to)).sum();
    let length = (to - from).num_days();
    days as f64 >= ratio * length as f64 - 1e-9
}

fn kind_on(org: &OrgFacts, day: NaiveDate) -> Option<OrgKind> {
    org.kinds
        .iter()
        .find(|(span, _)| span.contains(day))
        .map(|(_, kind)| *kind)
}

fn applies(org: &OrgFacts, kind: MeetingKind, from: NaiveDate, to: NaiveDate, ratio: f64) -> bool {
    let existence = [Span {
        from: org.founded_on,
        to: org.dissolved_on,
    }];
    if !present_for(&existence, from, to, ratio) {
        return false;
    }
    let last = to.pred_opt().unwrap_or(to);
    let holder = kind.holder();
    kind_on(org, last) == Some(holder.org_kind())
        && (holder != Holder::BranchWithCommittee || org.committee.iter().any(|s| s.contains(last)))
}

/// The version in force on `day` (the latest that started on or before it); the first
/// version governs anything before it.
fn version_on(versions: &[RuleVersion], day: NaiveDate) -> Option<&RuleVersion> {
    versions
        .iter()
        .filter(|v| v.from <= day)
        .max_by_key(|v| v.from)
        .or_else(|| versions.iter().min_by_key(|v| v.from))
}

/// The inputs of one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub versions: &'a [RuleVersion],
    pub settings: Settings,
    pub org: &'a OrgFacts,
    pub records: &'a [RecordFact],
    pub members: &'a [MemberFact],
    /// The org's committee members with the spans of their posts (谈心谈话 pairs).
    pub committee: &'a [MemberFact],
    /// The range evaluated, `[from, to)` — usually a calendar year.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: NaiveDate,
}

/// Every requirement of every kind for the range, in kind order then by date.
pub fn evaluate(input: &Input<'_>) -> Vec<Slot> {
    MeetingKind::ALL
        .iter()
        .flat_map(|kind| evaluate_kind(input, *kind))
        .collect()
}

/// The periods of one kind of meeting over the range.
pub fn evaluate_kind(input: &Input<'_>, kind: MeetingKind) -> Vec<Slot> {
    // The org's records of this kind, by date: each period then looks only at these.
    let mut of_kind: Vec<&RecordFact> = input
        .records
        .iter()
        .filter(|r| r.org_id == input.org.id && (r.kind == kind || r.also == Some(kind)))
        .collect();
    of_kind.sort_by_key(|r| (r.held_on, r.id));
    let mut slots = Vec::new();
    let mut cursor = input.from;
    while cursor < input.to {
        let Some(version) = version_on(input.versions, cursor) else {
            break;
        };
        let rule = version.meetings.rule(kind);
        let to = rule.period.end_after(cursor).min(input.to);
        slots.push(slot(input, &of_kind, kind, rule, cursor, to));
        cursor = to;
    }
    slots
}

/// The day a record counts for: its make-up target if it names an earlier day.
fn target(record: &RecordFact) -> NaiveDate {
    match record.counts_for {
        Some(day) if day <= record.held_on => day,
        _ => record.held_on,
    }
}

fn slot(
    input: &Input<'_>,
    of_kind: &[&RecordFact],
    kind: MeetingKind,
    rule: &crate::rules::MeetingRule,
    from: NaiveDate,
    to: NaiveDate,
) -> Slot {
    let mine: Vec<&RecordFact> = of_kind
        .iter()
        .copied()
        .filter(|r| (from..to).contains(&target(r)))
        .collect();
    let counting: Vec<&&RecordFact> = mine.iter().filter(|r| r.state.counts()).collect();
    let on_time = counting.iter().filter(|r| r.held_on < to).count() as u32;
    let total = counting.len() as u32;
    let ratio = input.settings.min_existence_ratio;
    let status = if rule.min_count == 0 || !applies(input.org, kind, from, to, ratio) {
        Status::NotApplicable
    } else if on_time >= rule.min_count {
        Status::Met
    } else if total >= rule.min_count {
        Status::Late
    } else if input.today >= to {
        Status::Missing
    } else {
        Status::Upcoming
    };
    // 谈心谈话 with `pairs` covers a member by the kinds of talk they had; the other
    // every-member kinds by taking part at all.
    let by_pairs = kind == MeetingKind::HeartToHeartTalk && !rule.pairs.is_empty();
    let open = matches!(status, Status::Met | Status::Late | Status::Upcoming);
    let pairs_missing = if by_pairs && open {
        talks_missing(input, &counting, &rule.pairs, from, to)
    } else {
        Vec::new()
    };
    let why = if matches!(status, Status::Met | Status::Late) && !pairs_missing.is_empty() {
        Some(Why::PairsIncomplete)
    } else {
        why(status, &mine)
    };
    let members_missing = if by_pairs {
        pairs_missing.iter().map(|(m, _)| *m).collect()
    } else if kind.every_member() && open {
        input
            .members
            .iter()
            .filter(|m| present_for(&m.spans, from, to, ratio))
            .filter(|m| {
                !counting
                    .iter()
                    .any(|r| r.participants.contains(&m.member_id))
            })
            .map(|m| m.member_id)
            .collect()
    } else {
        Vec::new()
    };
    Slot {
        kind,
        period: rule.period,
        from,
        to,
        min_count: rule.min_count,
        confidence: rule.confidence,
        status,
        records: mine.iter().map(|r| r.id).collect(),
        on_time,
        total,
        members_missing,
        pairs_missing,
        why,
    }
}

/// The members of the period who lack a kind of talk the rule asks for (R1.16). A member
/// counts as a committee member when on the committee for the period as they count as a
/// member; a kind applies only when the period has someone to talk with in it (a committee of
/// one has no 委员之间).
fn talks_missing(
    input: &Input<'_>,
    counting: &[&&RecordFact],
    wanted: &[TalkPair],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(i64, Vec<TalkPair>)> {
    let ratio = input.settings.min_existence_ratio;
    let present: Vec<i64> = input
        .members
        .iter()
        .filter(|m| present_for(&m.spans, from, to, ratio))
        .map(|m| m.member_id)
        .collect();
    let committee: std::collections::HashSet<i64> = input
        .committee
        .iter()
        .filter(|m| present_for(&m.spans, from, to, ratio))
        .map(|m| m.member_id)
        .collect();
    let on_committee = present.iter().filter(|m| committee.contains(m)).count();
    let others = present.len() - on_committee;
    let mut had: std::collections::HashSet<(i64, TalkPair)> = std::collections::HashSet::new();
    for (a, b) in counting.iter().flat_map(|r| r.pairs.iter()) {
        let kind = TalkPair::between(committee.contains(a), committee.contains(b));
        had.insert((*a, kind));
        had.insert((*b, kind));
    }
    present
        .iter()
        .filter_map(|m| {
            let mine = committee.contains(m);
            let lacking: Vec<TalkPair> = wanted
                .iter()
                .copied()
                .filter(|kind| match (kind, mine) {
                    (TalkPair::CommitteeCommittee, true) => on_committee > 1,
                    (TalkPair::CommitteeMember, true) => others > 0,
                    (TalkPair::CommitteeMember, false) => on_committee > 0,
                    (TalkPair::MemberMember, false) => others > 1,
                    _ => false,
                })
                .filter(|kind| !had.contains(&(*m, *kind)))
                .collect();
            (!lacking.is_empty()).then_some((*m, lacking))
        })
        .collect()
}

/// Why a period stands as it does: an unmet period names its drafts (the quorum first); a
/// met one whose records none has yet been accepted says whether they wait or were returned.
fn why(status: Status, records: &[&RecordFact]) -> Option<Why> {
    match status {
        Status::Missing | Status::Upcoming => {
            let drafts = records.iter().filter(|r| r.state == ReviewState::Draft);
            if drafts.clone().any(|r| r.quorum_short) {
                Some(Why::QuorumShort)
            } else {
                drafts.clone().next().map(|_| Why::Draft)
            }
        }
        Status::Met | Status::Late => {
            let counting = || records.iter().filter(|r| r.state.counts());
            if counting().any(|r| r.state == ReviewState::Accepted) {
                None
            } else if counting().any(|r| r.state == ReviewState::Submitted) {
                Some(Why::AwaitingReview)
            } else {
                counting().next().map(|_| Why::Returned)
            }
        }
        Status::NotApplicable => None,
    }
}

/// Counts of statuses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub met: u32,
    pub late: u32,
    pub missing: u32,
    pub upcoming: u32,
}

impl Counts {
    fn add(&mut self, status: Status) {
        match status {
            Status::Met => self.met += 1,
            Status::Late => self.late += 1,
            Status::Missing => self.missing += 1,
            Status::Upcoming => self.upcoming += 1,
            Status::NotApplicable => {}
        }
    }

    /// The share of due periods met on time, in per cent (None when nothing was due yet).
    pub fn on_time_percent(&self) -> Option<u32> {
        let due = self.met + self.late + self.missing;
        (due > 0).then(|| self.met * 100 / due)
    }
}

/// "已完成 3，逾期补开 1，未开展 0，待开展 8".
impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "已完成 {}，逾期补开 {}，未开展 {}，待开展 {}",
            self.met, self.late, self.missing, self.upcoming
        )
    }
}

/// Counts of statuses for an overview row or an org's year, the national requirements apart
/// from the bureau's own ([`Confidence::Local`], e.g. 党课 quarterly): a missed local
/// requirement is a gap in local work, not a breach of a national rule, so the on-time rate
/// and the default order of an overview read the national counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Requirements of national regulations (read from the official text, a secondary
    /// source or memory).
    pub national: Counts,
    /// The bureau's own requirements.
    pub local: Counts,
}

impl Tally {
    pub fn of(slots: &[Slot]) -> Tally {
        let mut tally = Tally::default();
        for slot in slots {
            if slot.confidence == Confidence::Local {
                tally.local.add(slot.status);
            } else {
                tally.national.add(slot.status);
            }
        }
        tally
    }

    /// The national requirements' on-time rate, in per cent.
    pub fn on_time_percent(&self) -> Option<u32> {
        self.national.on_time_percent()
    }

    /// National and local together (a single kind's requirement is one or the other).
    pub fn all(&self) -> Counts {
        let (n, l) = (self.national, self.local);
        Counts {
            met: n.met + l.met,
            late: n.late + l.late,
            missing: n.missing + l.missing,
            upcoming: n.upcoming + l.upcoming,
        }
    }

    /// Nothing applies: neither national nor local requirements had a period.
    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }
}

/// The year in one sentence, the bureau's own requirements apart from the national ones.
impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.national)?;
        if self.local != Counts::default() {
            write!(f, "；本地规定的要求另计：{}", self.local)?;
        }
        f.write_str("。")
    }
}

/// Whether an upcoming period is due within the settings' window.
pub fn due_soon(slot: &Slot, today: NaiveDate, settings: Settings) -> bool {
    slot.status == Status::Upcoming
        && slot.from <= today
        && today
            .checked_add_days(Days::new(u64::from(settings.due_soon_days)))
            .is_some_and(|horizon| slot.last_day() <= horizon)
}

/// The day in a period a plan suggests for a meeting: the local fixed day of the month for
/// 主题党日, early in the month for 支委会 and 党小组会, the middle of a quarter for the
/// 党员大会 and its end for the 党课, and for the annual meetings the last month of their
/// preferred quarter (民主评议 with the 组织生活会, 谈心谈话 a month before it). A period cut short
/// keeps its suggestion inside it; a second meeting in a period comes a week after the first.
pub fn plan_dates(
    slots: &[Slot],
    meetings: &Meetings,
    theme_day: u32,
) -> Vec<(MeetingKind, NaiveDate)> {
    use MeetingKind::*;
    let mut planned = Vec::new();
    for slot in slots.iter().filter(|s| s.status != Status::NotApplicable) {
        let (year, month) = (slot.from.year(), slot.from.month());
        let quarter_start = (month - 1) / 3 * 3 + 1;
        let (month, day) = match (slot.period, slot.kind) {
            (Period::Month, ThemePartyDay) => (month, theme_day),
            (Period::Month, BranchCommittee) => (month, 5),
            (Period::Month, PartyGroup) => (month, 10),
            (Period::Month, _) => (month, 20),
            (Period::Quarter, PartyLecture) => (quarter_start + 2, 20),
            (Period::Quarter, _) => (quarter_start + 1, 15),
            (Period::Year, kind) => {
                // The 组织生活会's month also holds the 民主评议 it may be combined with; the
                // talks that prepare it come a month before.
                let life = meetings
                    .organizational_life_meeting
                    .preferred_quarter
                    .map_or(6, |q| q * 3);
                let own = meetings.rule(kind).preferred_quarter.map_or(6, |q| q * 3);
                match kind {
                    OrganizationalLifeMeeting | DemocraticReview => (life, 10),
                    HeartToHeartTalk => (life - 1, 15),
                    DemocraticLifeMeeting => (own, 20),
                    _ => (own, 15),
                }
            }
        };
        let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(slot.from);
        let base = first
            .checked_add_days(Days::new(u64::from(day.clamp(1, 31) - 1)))
            .unwrap_or(first)
            .min(Period::Month.end_after(first).pred_opt().unwrap_or(first));
        for k in 0..slot.min_count {
            let on = base
                .checked_add_days(Days::new(u64::from(k) * 7))
                .unwrap_or(base)
                .clamp(slot.from, slot.last_day());
            planned.push((slot.kind, on));
        }
    }
    planned
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn settings() -> Settings {
        Settings {
            min_existence_ratio: 0.5,
            due_soon_days: 14,
        }
    }

    fn versions() -> Vec<RuleVersion> {
        vec![RuleVersion {
            from: d(2000, 1, 1),
            meetings: Rules::load(None).unwrap().meetings,
        }]
    }

    fn branch(id: i64, founded: NaiveDate, committee: bool) -> OrgFacts {
        OrgFacts {
            id,
            founded_on: founded,
            dissolved_on: None,
            kinds: vec![(Span::open(founded), OrgKind::Branch)],
            committee: if committee {
                vec![Span::open(founded)]
            } else {
                vec![]
            },
        }
    }

    fn record(id: i64, org: i64, kind: MeetingKind, held: NaiveDate) -> RecordFact {
        RecordFact {
            id,
            org_id: org,
            kind,
            held_on: held,
            counts_for: None,
            state: ReviewState::Submitted,
            also: None,
            participants: vec![],
            quorum_short: false,
            pairs: vec![],
        }
    }

    struct Case {
        versions: Vec<RuleVersion>,
        org: OrgFacts,
        records: Vec<RecordFact>,
        members: Vec<MemberFact>,
        committee: Vec<MemberFact>,
        today: NaiveDate,
    }

    impl Case {
        fn new(org: OrgFacts) -> Case {
            Case {
                versions: versions(),
                org,
                records: vec![],
                members: vec![],
                committee: vec![],
                today: d(2026, 12, 31),
            }
        }

        fn year(&self, year: i32, kind: MeetingKind) -> Vec<Slot> {
            evaluate_kind(
                &Input {
                    versions: &self.versions,
                    settings: settings(),
                    org: &self.org,
                    records: &self.records,
                    members: &self.members,
                    committee: &self.committee,
                    from: d(year, 1, 1),
                    to: d(year + 1, 1, 1),
                    today: self.today,
                },
                kind,
            )
        }
    }

    fn statuses(slots: &[Slot]) -> Vec<Status> {
        slots.iter().map(|s| s.status).collect()
    }

    #[test]
    fn periods_end_on_calendar_boundaries_across_the_year_end() {
        assert_eq!(Period::Month.end_after(d(2025, 12, 31)), d(2026, 1, 1));
        assert_eq!(Period::Month.end_after(d(2024, 2, 29)), d(2024, 3, 1));
        assert_eq!(Period::Quarter.end_after(d(2025, 11, 5)), d(2026, 1, 1));
        assert_eq!(Period::Quarter.end_after(d(2025, 1, 1)), d(2025, 4, 1));
        assert_eq!(Period::Quarter.end_after(d(2025, 6, 30)), d(2025, 7, 1));
        assert_eq!(Period::Year.end_after(d(2025, 7, 1)), d(2026, 1, 1));
        for month in 1..=12 {
            let start = d(2025, month, 1);
            let end = Period::Quarter.end_after(start);
            assert_eq!(end.day(), 1);
            assert!(matches!(end.month(), 1 | 4 | 7 | 10));
            assert!((end - start).num_days() <= 92);
        }
    }

    #[test]
    fn a_year_has_twelve_months_four_quarters_and_one_year() {
        let case = Case::new(branch(1, d(2020, 1, 1), true));
        assert_eq!(case.year(2025, MeetingKind::BranchCommittee).len(), 12);
        assert_eq!(case.year(2025, MeetingKind::BranchGeneralMeeting).len(), 4);
        assert_eq!(
            case.year(2025, MeetingKind::OrganizationalLifeMeeting)
                .len(),
            1
        );
        let q = case.year(2025, MeetingKind::BranchGeneralMeeting);
        assert_eq!((q[3].from, q[3].to), (d(2025, 10, 1), d(2026, 1, 1)));
        assert_eq!(q[3].last_day(), d(2025, 12, 31));
    }

    #[test]
    fn met_late_missing_and_upcoming() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.today = d(2025, 8, 15);
        // Q1 met in March; Q2 made up on 3 July; Q3 not yet; Q4 upcoming.
        case.records.push(record(
            1,
            1,
            MeetingKind::BranchGeneralMeeting,
            d(2025, 3, 31),
        ));
        let mut makeup = record(2, 1, MeetingKind::BranchGeneralMeeting, d(2025, 7, 3));
        makeup.counts_for = Some(d(2025, 6, 1));
        case.records.push(makeup);
        let slots = case.year(2025, MeetingKind::BranchGeneralMeeting);
        assert_eq!(
            statuses(&slots),
            vec![
                Status::Met,
                Status::Late,
                Status::Upcoming,
                Status::Upcoming
            ]
        );
        assert_eq!(slots[1].records, vec![2]);
        // The make-up counts for Q2 only, not also for Q3 where it was held.
        assert!(slots[2].records.is_empty());

        case.today = d(2025, 10, 1);
        let slots = case.year(2025, MeetingKind::BranchGeneralMeeting);
        assert_eq!(slots[2].status, Status::Missing);
        assert_eq!(slots[3].status, Status::Upcoming);
    }

    #[test]
    fn the_period_ends_at_midnight_of_its_last_day() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.today = d(2025, 3, 31);
        let slots = case.year(2025, MeetingKind::BranchCommittee);
        assert_eq!(slots[2].status, Status::Upcoming);
        case.today = d(2025, 4, 1);
        assert_eq!(
            case.year(2025, MeetingKind::BranchCommittee)[2].status,
            Status::Missing
        );
    }

    #[test]
    fn drafts_do_not_count_and_returned_records_do() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        let mut draft = record(1, 1, MeetingKind::ThemePartyDay, d(2025, 1, 10));
        draft.state = ReviewState::Draft;
        let mut returned = record(2, 1, MeetingKind::ThemePartyDay, d(2025, 2, 10));
        returned.state = ReviewState::Returned;
        case.records = vec![draft, returned];
        let slots = case.year(2025, MeetingKind::ThemePartyDay);
        assert_eq!(slots[0].status, Status::Missing);
        assert_eq!(slots[0].records, vec![1]);
        assert_eq!(slots[1].status, Status::Met);
    }

    /// Issue 14, 5: a period says what its records are. A draft that failed its quorum is
    /// "法定人数不足", ahead of any other draft; a met period whose records none is accepted
    /// says they wait for review or were returned; an accepted record needs no word.
    #[test]
    fn a_period_says_what_its_records_are() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.today = d(2025, 6, 15);
        let with = |id, month, state, short| {
            let mut r = record(id, 1, MeetingKind::BranchGeneralMeeting, d(2025, month, 10));
            r.state = state;
            r.quorum_short = short;
            r
        };
        let whys = |case: &Case| -> Vec<(Status, Option<Why>)> {
            case.year(2025, MeetingKind::BranchGeneralMeeting)
                .iter()
                .map(|s| (s.status, s.why))
                .collect()
        };
        case.records = vec![
            with(1, 1, ReviewState::Draft, false),
            with(2, 2, ReviewState::Draft, true),
            with(3, 4, ReviewState::Draft, false),
        ];
        assert_eq!(
            whys(&case),
            vec![
                (Status::Missing, Some(Why::QuorumShort)),
                (Status::Upcoming, Some(Why::Draft)),
                (Status::Upcoming, None),
                (Status::Upcoming, None),
            ]
        );
        case.records = vec![
            with(1, 1, ReviewState::Returned, false),
            with(2, 2, ReviewState::Submitted, false),
            with(3, 4, ReviewState::Returned, false),
            with(4, 5, ReviewState::Accepted, false),
            with(5, 3, ReviewState::Submitted, true),
        ];
        assert_eq!(
            whys(&case),
            vec![
                (Status::Met, Some(Why::AwaitingReview)),
                (Status::Met, None),
                (Status::Upcoming, None),
                (Status::Upcoming, None),
            ]
        );
        case.records = vec![with(3, 4, ReviewState::Returned, false)];
        assert_eq!(whys(&case)[1], (Status::Met, Some(Why::Returned)));
    }

    #[test]
    fn a_make_up_naming_a_later_day_counts_where_it_was_held() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        let mut odd = record(1, 1, MeetingKind::ThemePartyDay, d(2025, 2, 10));
        odd.counts_for = Some(d(2025, 5, 1));
        case.records.push(odd);
        let slots = case.year(2025, MeetingKind::ThemePartyDay);
        assert_eq!(slots[1].status, Status::Met);
        assert_eq!(slots[4].status, Status::Missing);
    }

    #[test]
    fn min_count_above_one_needs_that_many() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.versions = vec![RuleVersion {
            from: d(2000, 1, 1),
            meetings: Rules::load(Some("[meetings.party_lecture]\nmin_count = 2\n"))
                .unwrap()
                .meetings,
        }];
        case.records = vec![
            record(1, 1, MeetingKind::PartyLecture, d(2025, 1, 10)),
            record(2, 1, MeetingKind::PartyLecture, d(2025, 4, 10)),
            record(3, 1, MeetingKind::PartyLecture, d(2025, 5, 10)),
        ];
        let slots = case.year(2025, MeetingKind::PartyLecture);
        assert_eq!(slots[0].status, Status::Missing);
        assert_eq!(slots[0].total, 1);
        assert_eq!(slots[1].status, Status::Met);
    }

    #[test]
    fn an_org_founded_in_a_period_owes_it_only_when_it_existed_for_half_of_it() {
        let case = Case::new(branch(1, d(2025, 1, 20), true));
        let months = case.year(2025, MeetingKind::BranchCommittee);
        assert_eq!(months[0].status, Status::NotApplicable);
        assert_eq!(months[1].status, Status::Missing);
        let quarters = case.year(2025, MeetingKind::BranchGeneralMeeting);
        assert_eq!(quarters[0].status, Status::Missing);
        // Founded on 15 February: 45 of 90 days in Q1 is exactly half.
        let case = Case::new(branch(1, d(2025, 2, 15), true));
        assert_eq!(
            case.year(2025, MeetingKind::BranchGeneralMeeting)[0].status,
            Status::Missing
        );
        let case = Case::new(branch(1, d(2025, 2, 16), true));
        assert_eq!(
            case.year(2025, MeetingKind::BranchGeneralMeeting)[0].status,
            Status::NotApplicable
        );
        // Before it was founded nothing applies; the year's annual meeting does.
        let case = Case::new(branch(1, d(2025, 3, 1), true));
        assert_eq!(
            case.year(2024, MeetingKind::OrganizationalLifeMeeting)[0].status,
            Status::NotApplicable
        );
        assert_eq!(
            case.year(2025, MeetingKind::OrganizationalLifeMeeting)[0].status,
            Status::Missing
        );
    }

    #[test]
    fn an_org_dissolved_in_a_period_owes_nothing_from_it() {
        let mut org = branch(1, d(2020, 1, 1), true);
        org.dissolved_on = Some(d(2025, 5, 20));
        org.kinds = vec![(
            Span {
                from: d(2020, 1, 1),
                to: Some(d(2025, 5, 20)),
            },
            OrgKind::Branch,
        )];
        let mut case = Case::new(org);
        case.records
            .push(record(1, 1, MeetingKind::BranchCommittee, d(2025, 5, 10)));
        let months = case.year(2025, MeetingKind::BranchCommittee);
        assert_eq!(months[3].status, Status::Missing);
        assert_eq!(months[4].status, Status::NotApplicable);
        assert_eq!(months[4].records, vec![1], "records stay visible");
        assert!(
            months[5..]
                .iter()
                .all(|s| s.status == Status::NotApplicable)
        );
        assert_eq!(
            case.year(2025, MeetingKind::OrganizationalLifeMeeting)[0].status,
            Status::NotApplicable
        );
    }

    #[test]
    fn a_committee_meeting_applies_only_while_the_branch_has_a_committee() {
        let mut org = branch(1, d(2020, 1, 1), false);
        org.committee = vec![Span::open(d(2025, 7, 1))];
        let case = Case::new(org);
        let months = case.year(2025, MeetingKind::BranchCommittee);
        assert!(
            months[..6]
                .iter()
                .all(|s| s.status == Status::NotApplicable)
        );
        assert!(months[6..].iter().all(|s| s.status == Status::Missing));
    }

    #[test]
    fn a_group_meeting_counts_for_its_group_not_its_branch() {
        let group = OrgFacts {
            id: 2,
            founded_on: d(2020, 1, 1),
            dissolved_on: None,
            kinds: vec![(Span::open(d(2020, 1, 1)), OrgKind::Group)],
            committee: vec![],
        };
        let records = vec![record(1, 2, MeetingKind::PartyGroup, d(2025, 1, 10))];
        let mut case = Case::new(group);
        case.records = records.clone();
        assert_eq!(
            case.year(2025, MeetingKind::PartyGroup)[0].status,
            Status::Met
        );
        assert_eq!(
            case.year(2025, MeetingKind::BranchGeneralMeeting)[0].status,
            Status::NotApplicable
        );
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.records = records;
        assert_eq!(
            case.year(2025, MeetingKind::PartyGroup)[0].status,
            Status::NotApplicable
        );
        assert!(
            case.year(2025, MeetingKind::PartyGroup)[0]
                .records
                .is_empty()
        );
        let all = evaluate(&Input {
            versions: &case.versions,
            settings: settings(),
            org: &case.org,
            records: &case.records,
            members: &[],
            committee: &[],
            from: d(2025, 1, 1),
            to: d(2026, 1, 1),
            today: d(2026, 12, 31),
        });
        assert!(all.iter().all(|s| s.records.is_empty()));
    }

    #[test]
    fn an_org_that_changes_kind_owes_what_its_kind_owes_at_each_period_end() {
        let mut org = branch(1, d(2020, 1, 1), false);
        org.kinds = vec![
            (
                Span {
                    from: d(2020, 1, 1),
                    to: Some(d(2025, 7, 1)),
                },
                OrgKind::GeneralBranch,
            ),
            (Span::open(d(2025, 7, 1)), OrgKind::Branch),
        ];
        let case = Case::new(org);
        assert_eq!(
            statuses(&case.year(2025, MeetingKind::BranchGeneralMeeting)),
            vec![
                Status::NotApplicable,
                Status::NotApplicable,
                Status::Missing,
                Status::Missing
            ]
        );
    }

    #[test]
    fn the_democratic_life_meeting_is_the_committees() {
        let committee = OrgFacts {
            id: 1,
            founded_on: d(2020, 1, 1),
            dissolved_on: None,
            kinds: vec![(Span::open(d(2020, 1, 1)), OrgKind::Committee)],
            committee: vec![],
        };
        let case = Case::new(committee);
        assert_eq!(
            case.year(2025, MeetingKind::DemocraticLifeMeeting)[0].status,
            Status::Missing
        );
        assert_eq!(
            case.year(2025, MeetingKind::ThemePartyDay)[0].status,
            Status::NotApplicable
        );
    }

    #[test]
    fn a_combined_meeting_also_holds_the_democratic_review() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        let mut meeting = record(1, 1, MeetingKind::OrganizationalLifeMeeting, d(2025, 12, 5));
        meeting.also = Some(MeetingKind::DemocraticReview);
        case.records.push(meeting);
        assert_eq!(
            case.year(2025, MeetingKind::DemocraticReview)[0].status,
            Status::Met
        );
        assert_eq!(
            case.year(2025, MeetingKind::OrganizationalLifeMeeting)[0].status,
            Status::Met
        );
    }

    #[test]
    fn a_local_override_can_switch_a_requirement_off_or_change_its_period() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.versions[0].meetings = Rules::load(Some(
            "[meetings.party_lecture]\nmin_count = 0\n[meetings.branch_general_meeting]\nperiod = \"month\"\n",
        ))
        .unwrap()
        .meetings;
        assert!(
            case.year(2025, MeetingKind::PartyLecture)
                .iter()
                .all(|s| s.status == Status::NotApplicable)
        );
        assert_eq!(case.year(2025, MeetingKind::BranchGeneralMeeting).len(), 12);
    }

    #[test]
    fn a_rule_change_in_the_middle_of_a_year_governs_from_the_next_period() {
        let monthly = Rules::load(Some("[meetings.party_lecture]\nperiod = \"month\"\n"))
            .unwrap()
            .meetings;
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        // Quarterly lectures until 15 August, monthly from then: Q1, Q2, Q3 (governed by the
        // version of 1 July), then October, November, December.
        case.versions.push(RuleVersion {
            from: d(2025, 8, 15),
            meetings: monthly.clone(),
        });
        let slots = case.year(2025, MeetingKind::PartyLecture);
        let bounds: Vec<_> = slots.iter().map(|s| (s.from, s.period)).collect();
        assert_eq!(
            bounds,
            vec![
                (d(2025, 1, 1), Period::Quarter),
                (d(2025, 4, 1), Period::Quarter),
                (d(2025, 7, 1), Period::Quarter),
                (d(2025, 10, 1), Period::Month),
                (d(2025, 11, 1), Period::Month),
                (d(2025, 12, 1), Period::Month),
            ]
        );
        // The other way: monthly until 1 August, then quarterly — a short quarter, Aug–Sep.
        case.versions = vec![
            RuleVersion {
                from: d(2000, 1, 1),
                meetings: monthly,
            },
            RuleVersion {
                from: d(2025, 8, 1),
                meetings: Rules::load(None).unwrap().meetings,
            },
        ];
        let slots = case.year(2025, MeetingKind::PartyLecture);
        assert_eq!(slots.len(), 7 + 1 + 1);
        assert_eq!(
            (slots[7].from, slots[7].to),
            (d(2025, 8, 1), d(2025, 10, 1))
        );
        // Every day of the year is in exactly one period.
        let days: i64 = slots.iter().map(|s| (s.to - s.from).num_days()).sum();
        assert_eq!(days, 365);
    }

    #[test]
    fn the_confidence_of_a_local_rule_travels_with_its_periods() {
        let case = Case::new(branch(1, d(2020, 1, 1), true));
        assert_eq!(
            case.year(2025, MeetingKind::PartyLecture)[0].confidence,
            Confidence::Local
        );
        assert_ne!(
            case.year(2025, MeetingKind::ThemePartyDay)[0].confidence,
            Confidence::Local
        );
    }

    /// Issue 14, 6 (R1.13 vs the bureau's 党课 quarterly): a year with every 主题党日 held and
    /// no 党课 misses only local requirements — its national rate stays whole, and the missed
    /// lectures are counted apart.
    #[test]
    fn a_missed_local_requirement_is_counted_apart_from_the_national_ones() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.today = d(2026, 1, 10);
        for month in 1..=12 {
            case.records.push(record(
                month.into(),
                1,
                MeetingKind::ThemePartyDay,
                d(2025, month, 10),
            ));
        }
        let mut slots = case.year(2025, MeetingKind::ThemePartyDay);
        slots.extend(case.year(2025, MeetingKind::PartyLecture));
        let tally = Tally::of(&slots);
        assert_eq!(tally.national.met, 12);
        assert_eq!(tally.national.missing, 0);
        assert_eq!(tally.local.missing, 4);
        assert_eq!(tally.on_time_percent(), Some(100));
        assert_eq!(tally.local.on_time_percent(), Some(0));
        assert!(!tally.is_empty() && Tally::default().is_empty());
        assert_eq!(tally.all().met, 12);
        assert_eq!(tally.all().missing, 4);
        assert_eq!(
            tally.to_string(),
            "已完成 12，逾期补开 0，未开展 0，待开展 0；本地规定的要求另计：已完成 0，逾期补开 0，未开展 4，待开展 0。"
        );
    }

    fn member(id: i64, from: NaiveDate, to: Option<NaiveDate>) -> MemberFact {
        MemberFact {
            member_id: id,
            spans: vec![Span { from, to }],
        }
    }

    #[test]
    fn every_member_kinds_name_the_members_not_yet_covered() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.members = vec![
            member(10, d(2020, 1, 1), None),
            member(11, d(2020, 1, 1), None),
            // Joined in November: less than half the year, not owed this year.
            member(12, d(2025, 11, 1), None),
            // Left in March: not a member at the year's end.
            member(13, d(2020, 1, 1), Some(d(2025, 3, 1))),
            // Joined in May: owed.
            member(14, d(2025, 5, 1), None),
        ];
        let mut talk = record(1, 1, MeetingKind::DemocraticReview, d(2025, 6, 1));
        talk.participants = vec![10, 13];
        case.records.push(talk);
        let slots = case.year(2025, MeetingKind::DemocraticReview);
        assert_eq!(slots[0].status, Status::Met);
        assert_eq!(slots[0].members_missing, vec![11, 14]);
        // A member who moved away and back counts the days of both stays.
        case.members = vec![MemberFact {
            member_id: 20,
            spans: vec![
                Span {
                    from: d(2020, 1, 1),
                    to: Some(d(2025, 3, 1)),
                },
                Span::open(d(2025, 8, 1)),
            ],
        }];
        assert_eq!(
            case.year(2025, MeetingKind::DemocraticReview)[0].members_missing,
            vec![20]
        );
        // Not for kinds that are not every member's.
        assert!(
            case.year(2025, MeetingKind::ThemePartyDay)
                .iter()
                .all(|s| s.members_missing.is_empty())
        );
    }

    /// Issue 14, 8 (R1.16): 谈心谈话 covers a member when they had every kind of talk the
    /// rule's `pairs` asks for that their branch makes possible: a committee member with
    /// another committee member and with a member; a member with a committee member and with
    /// another member. Drafts do not count; the period says which are missing.
    #[test]
    fn talks_cover_a_member_by_every_pair_the_rule_asks_for() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.today = d(2025, 12, 31);
        case.members = (1..=5).map(|id| member(id, d(2020, 1, 1), None)).collect();
        // 1 and 2 are on the committee; 3, 4, 5 are not.
        case.committee = vec![
            member(1, d(2020, 1, 1), None),
            member(2, d(2020, 1, 1), None),
        ];
        let talk = |id, pairs: Vec<(i64, i64)>, state| {
            let mut r = record(id, 1, MeetingKind::HeartToHeartTalk, d(2025, 6, 1));
            r.pairs = pairs;
            r.state = state;
            r
        };
        case.records = vec![talk(
            1,
            vec![(1, 2), (1, 3), (2, 4), (3, 4)],
            ReviewState::Submitted,
        )];
        let slot = &case.year(2025, MeetingKind::HeartToHeartTalk)[0];
        assert_eq!(slot.status, Status::Met);
        assert_eq!(slot.why, Some(Why::PairsIncomplete));
        assert_eq!(
            slot.pairs_missing,
            vec![(5, vec![TalkPair::CommitteeMember, TalkPair::MemberMember]),]
        );
        assert_eq!(slot.members_missing, vec![5]);
        // A draft's pairs do not count; a submitted record's do.
        case.records
            .push(talk(2, vec![(2, 5), (4, 5)], ReviewState::Draft));
        assert_eq!(
            case.year(2025, MeetingKind::HeartToHeartTalk)[0]
                .pairs_missing
                .len(),
            1
        );
        case.records[1].state = ReviewState::Accepted;
        let slot = &case.year(2025, MeetingKind::HeartToHeartTalk)[0];
        assert!(slot.pairs_missing.is_empty() && slot.members_missing.is_empty());
        assert_eq!(slot.why, None);
        // A committee of one has no 委员之间; a bureau asking only for 委员与党员 says so.
        case.committee = vec![member(1, d(2020, 1, 1), None)];
        case.records = vec![talk(
            1,
            vec![(1, 2), (1, 3), (1, 4), (1, 5), (2, 3), (4, 5)],
            ReviewState::Accepted,
        )];
        assert!(
            case.year(2025, MeetingKind::HeartToHeartTalk)[0]
                .pairs_missing
                .is_empty()
        );
        case.versions[0].meetings = Rules::load(Some(
            "[meetings.heart_to_heart_talk]\npairs = [\"committee-member\"]\n",
        ))
        .unwrap()
        .meetings;
        case.records = vec![talk(
            1,
            vec![(1, 2), (1, 3), (1, 4), (1, 5)],
            ReviewState::Accepted,
        )];
        assert!(
            case.year(2025, MeetingKind::HeartToHeartTalk)[0]
                .pairs_missing
                .is_empty()
        );
        assert!(
            Rules::load(Some(
                "[meetings.heart_to_heart_talk]\npairs = [\"friends\"]\n"
            ))
            .is_err()
        );
    }

    /// A make-up held on the first day after its period is late, not on time.
    #[test]
    fn a_make_up_on_the_day_after_the_period_is_late() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.today = d(2025, 8, 15);
        let mut makeup = record(1, 1, MeetingKind::BranchGeneralMeeting, d(2025, 7, 1));
        makeup.counts_for = Some(d(2025, 6, 1));
        case.records.push(makeup);
        let slots = case.year(2025, MeetingKind::BranchGeneralMeeting);
        assert_eq!(slots[1].status, Status::Late);
    }

    #[test]
    fn periods_end_on_the_first_day_after_them_and_say_what_they_are() {
        for (month, next) in [(1, 4), (3, 4), (4, 7), (6, 7), (12, 1)] {
            let end = Period::Quarter.end_after(d(2025, month, 15));
            assert_eq!(end.month(), next, "{month}");
        }
        assert_eq!(Period::Month.end_after(d(2025, 12, 31)), d(2026, 1, 1));
        assert_eq!(Period::Year.end_after(d(2025, 6, 1)), d(2026, 1, 1));
        assert_eq!(
            [Period::Month, Period::Quarter, Period::Year].map(Period::label),
            ["每月", "每季度", "每年"]
        );
    }

    /// A bureau whose 谈心谈话 asks for no particular pairs is covered by taking part, as the
    /// other every-member kinds; a period missed names no pairs.
    #[test]
    fn talks_without_pairs_cover_by_taking_part_and_a_missed_year_names_no_pairs() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.today = d(2026, 1, 10);
        case.members = (1..=3).map(|id| member(id, d(2020, 1, 1), None)).collect();
        case.committee = vec![member(1, d(2020, 1, 1), None)];
        // No talk at all: missing, and no member named by pair.
        let slot = &case.year(2025, MeetingKind::HeartToHeartTalk)[0];
        assert_eq!(slot.status, Status::Missing);
        assert!(slot.pairs_missing.is_empty());
        case.versions[0].meetings =
            Rules::load(Some("[meetings.heart_to_heart_talk]\npairs = []\n"))
                .unwrap()
                .meetings;
        let mut talk = record(1, 1, MeetingKind::HeartToHeartTalk, d(2025, 6, 1));
        talk.participants = vec![1, 2];
        case.records = vec![talk];
        let slot = &case.year(2025, MeetingKind::HeartToHeartTalk)[0];
        assert_eq!(slot.status, Status::Met);
        assert!(slot.pairs_missing.is_empty());
        assert_eq!(slot.members_missing, vec![3]);
    }

    /// R1.16 at the edges of a branch's make-up: a kind of talk is asked of a member only
    /// when the branch has someone to have it with.
    #[test]
    fn talks_ask_only_for_the_pairs_a_branch_makes_possible() {
        let talks = |members: &[i64], committee: &[i64], pairs: Vec<(i64, i64)>| {
            let mut case = Case::new(branch(1, d(2020, 1, 1), true));
            case.today = d(2025, 12, 31);
            case.members = members
                .iter()
                .map(|id| member(*id, d(2020, 1, 1), None))
                .collect();
            case.committee = committee
                .iter()
                .map(|id| member(*id, d(2020, 1, 1), None))
                .collect();
            let mut r = record(1, 1, MeetingKind::HeartToHeartTalk, d(2025, 6, 1));
            r.pairs = pairs;
            case.records = vec![r];
            case.year(2025, MeetingKind::HeartToHeartTalk)[0]
                .pairs_missing
                .clone()
        };
        use TalkPair::*;
        // Everyone on the committee: only 委员之间.
        assert!(talks(&[1, 2, 3], &[1, 2, 3], vec![(1, 2), (2, 3)]).is_empty());
        // No committee: only 党员之间.
        assert!(talks(&[1, 2, 3], &[], vec![(1, 2), (2, 3)]).is_empty());
        // One member off the committee: no 党员之间 asked of them.
        assert!(talks(&[1, 2, 3], &[1, 2], vec![(1, 2), (1, 3), (2, 3)]).is_empty());
        // Committee members who talked only with the member lack 委员之间.
        assert_eq!(
            talks(&[1, 2, 3], &[1, 2], vec![(1, 3), (2, 3)]),
            vec![(1, vec![CommitteeCommittee]), (2, vec![CommitteeCommittee])]
        );
        // A committee member who talked only with the other lacks 委员与党员.
        assert_eq!(
            talks(&[1, 2, 3], &[1, 2], vec![(1, 2), (1, 3)]),
            vec![(2, vec![CommitteeMember])]
        );
    }

    #[test]
    fn a_tally_adds_its_parts_and_rates_what_was_due() {
        let national = Counts {
            met: 1,
            late: 1,
            missing: 2,
            upcoming: 3,
        };
        let local = Counts {
            met: 2,
            late: 3,
            missing: 4,
            upcoming: 5,
        };
        assert_eq!(national.on_time_percent(), Some(25));
        let tally = Tally { national, local };
        assert_eq!(
            tally.all(),
            Counts {
                met: 3,
                late: 4,
                missing: 6,
                upcoming: 8
            }
        );
        let mut counts = Counts::default();
        for status in [
            Status::Met,
            Status::Late,
            Status::Late,
            Status::Missing,
            Status::Upcoming,
            Status::NotApplicable,
        ] {
            counts.add(status);
        }
        assert_eq!(
            counts,
            Counts {
                met: 1,
                late: 2,
                missing: 1,
                upcoming: 1
            }
        );
    }

    /// A period cut short (a rule changed in June) keeps its plan date in the quarter the
    /// period belongs to.
    #[test]
    fn a_short_period_plans_inside_its_own_quarter() {
        let case = Case::new(branch(1, d(2020, 1, 1), true));
        let meetings = Rules::load(None).unwrap().meetings;
        let mut slot = case.year(2025, MeetingKind::PartyLecture)[1].clone();
        slot.from = d(2025, 6, 1);
        assert_eq!(
            plan_dates(&[slot], &meetings, 25),
            vec![(MeetingKind::PartyLecture, d(2025, 6, 20))]
        );
        // An annual meeting of a preferred quarter is planned in that quarter's last month.
        let mut year = case.year(2025, MeetingKind::OrganizationalLifeMeeting)[0].clone();
        year.kind = MeetingKind::DemocraticLifeMeeting;
        assert_eq!(
            plan_dates(&[year], &meetings, 25),
            vec![(MeetingKind::DemocraticLifeMeeting, d(2025, 12, 20))]
        );
    }

    #[test]
    fn a_missing_period_does_not_list_every_member_again() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.members = vec![member(10, d(2020, 1, 1), None)];
        let slots = case.year(2025, MeetingKind::OrganizationalLifeMeeting);
        assert_eq!(slots[0].status, Status::Missing);
        assert!(slots[0].members_missing.is_empty());
    }

    #[test]
    fn tallies_and_due_soon() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        case.today = d(2025, 12, 20);
        case.records
            .push(record(1, 1, MeetingKind::ThemePartyDay, d(2025, 1, 5)));
        let slots = case.year(2025, MeetingKind::ThemePartyDay);
        let tally = Tally::of(&slots);
        assert_eq!(
            tally.national,
            Counts {
                met: 1,
                late: 0,
                missing: 10,
                upcoming: 1
            }
        );
        assert_eq!(tally.local, Counts::default());
        assert_eq!(tally.on_time_percent(), Some(9));
        assert!(due_soon(&slots[11], case.today, settings()));
        case.today = d(2025, 12, 1);
        let slots = case.year(2025, MeetingKind::ThemePartyDay);
        assert!(!due_soon(&slots[11], case.today, settings()));
        assert_eq!(Tally::default().on_time_percent(), None);
    }

    #[test]
    fn a_plan_puts_each_meeting_on_its_day_inside_its_period() {
        let case = Case::new(branch(1, d(2020, 1, 1), true));
        let meetings = Rules::load(None).unwrap().meetings;
        let slots = evaluate(&Input {
            versions: &case.versions,
            settings: settings(),
            org: &case.org,
            records: &[],
            members: &[],
            committee: &[],
            from: d(2027, 1, 1),
            to: d(2028, 1, 1),
            today: d(2026, 12, 1),
        });
        let plan = plan_dates(&slots, &meetings, 31);
        let of = |kind| -> Vec<NaiveDate> {
            plan.iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, d)| *d)
                .collect()
        };
        // The fixed day 31 falls back to the month's last day.
        let theme = of(MeetingKind::ThemePartyDay);
        assert_eq!(theme.len(), 12);
        assert_eq!(theme[1], d(2027, 2, 28));
        assert_eq!(theme[3], d(2027, 4, 30));
        assert_eq!(of(MeetingKind::BranchGeneralMeeting)[3], d(2027, 11, 15));
        assert_eq!(of(MeetingKind::PartyLecture)[0], d(2027, 3, 20));
        assert_eq!(
            of(MeetingKind::OrganizationalLifeMeeting),
            vec![d(2027, 12, 10)]
        );
        assert_eq!(of(MeetingKind::HeartToHeartTalk), vec![d(2027, 11, 15)]);
        assert_eq!(of(MeetingKind::DemocraticReview), vec![d(2027, 12, 10)]);
        assert!(of(MeetingKind::PartyGroup).is_empty());
        assert!(of(MeetingKind::DemocraticLifeMeeting).is_empty());
        for (kind, day) in &plan {
            let slot = slots
                .iter()
                .find(|s| s.kind == *kind && s.from <= *day && *day < s.to);
            assert!(slot.is_some(), "{kind:?} {day}");
        }
        // Two a period: a week apart, and a short period keeps them inside it.
        let twice = Rules::load(Some("[meetings.party_lecture]\nmin_count = 2\n"))
            .unwrap()
            .meetings;
        let mut short = slots
            .iter()
            .find(|s| s.kind == MeetingKind::PartyLecture)
            .unwrap()
            .clone();
        short.min_count = 2;
        short.to = d(2027, 3, 24);
        let plan = plan_dates(&[short], &twice, 15);
        assert_eq!(
            plan,
            vec![
                (MeetingKind::PartyLecture, d(2027, 3, 20)),
                (MeetingKind::PartyLecture, d(2027, 3, 23))
            ]
        );
    }

    #[test]
    fn evaluation_is_stable_under_record_order() {
        let mut case = Case::new(branch(1, d(2020, 1, 1), true));
        for (i, month) in (1..=12).enumerate() {
            case.records.push(record(
                i as i64,
                1,
                MeetingKind::BranchCommittee,
                d(2025, month, 28),
            ));
        }
        let forward = case.year(2025, MeetingKind::BranchCommittee);
        case.records.reverse();
        assert_eq!(case.year(2025, MeetingKind::BranchCommittee), forward);
        assert!(forward.iter().all(|s| s.status == Status::Met));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn period(code: u8) -> &'static str {
            ["month", "quarter", "year"][usize::from(code % 3)]
        }

        proptest! {
            /// Whatever the versions, founding date and records: the periods cover the range
            /// exactly once, every counting record is counted in exactly one period of its
            /// kind, and a status agrees with its counts.
            #[test]
            fn periods_partition_the_range_and_statuses_agree_with_counts(
                changes in prop::collection::vec((0u32..365, 0u8..3, 0u32..3), 0..4),
                founded in 0i64..700,
                held in prop::collection::vec((0i64..730, 0i64..60, any::<bool>()), 0..40),
                today in 0i64..800,
            ) {
                let base = d(2024, 1, 1);
                let mut versions = versions();
                for (offset, code, count) in changes {
                    let text = format!(
                        "[meetings.theme_party_day]\nperiod = \"{}\"\nmin_count = {count}\n",
                        period(code)
                    );
                    versions.push(RuleVersion {
                        from: d(2025, 1, 1) + chrono::Days::new(u64::from(offset)),
                        meetings: Rules::load(Some(&text)).unwrap().meetings,
                    });
                }
                let org = branch(1, base + chrono::TimeDelta::days(founded), false);
                let records: Vec<RecordFact> = held
                    .iter()
                    .enumerate()
                    .map(|(i, (day, back, makeup))| {
                        let on = base + chrono::TimeDelta::days(*day);
                        let mut r = record(i as i64, 1, MeetingKind::ThemePartyDay, on);
                        if *makeup {
                            r.counts_for = Some(on - chrono::TimeDelta::days(*back));
                        }
                        r
                    })
                    .collect();
                let input = Input {
                    versions: &versions,
                    settings: settings(),
                    org: &org,
                    records: &records,
                    members: &[],
            committee: &[],
                    from: d(2025, 1, 1),
                    to: d(2026, 1, 1),
                    today: base + chrono::TimeDelta::days(today),
                };
                let slots = evaluate_kind(&input, MeetingKind::ThemePartyDay);
                prop_assert_eq!(slots[0].from, input.from);
                prop_assert_eq!(slots.last().unwrap().to, input.to);
                for pair in slots.windows(2) {
                    prop_assert_eq!(pair[0].to, pair[1].from);
                    prop_assert!(pair[0].from < pair[0].to);
                }
                for r in &records {
                    let day = target(r);
                    let places = slots.iter().filter(|s| s.records.contains(&r.id)).count();
                    let inside = (input.from..input.to).contains(&day);
                    prop_assert_eq!(places, usize::from(inside));
                }
                for s in &slots {
                    match s.status {
                        Status::Met => prop_assert!(s.on_time >= s.min_count),
                        Status::Late => prop_assert!(s.on_time < s.min_count && s.total >= s.min_count),
                        Status::Missing => prop_assert!(s.total < s.min_count && input.today >= s.to),
                        Status::Upcoming => prop_assert!(s.total < s.min_count && input.today < s.to),
                        Status::NotApplicable => prop_assert!(
                            s.min_count == 0 || org.founded_on > s.last_day() || !present_for(
                                &[Span::open(org.founded_on)], s.from, s.to, 0.5)
                        ),
                    }
                }
            }
        }
    }

    /// Mutation testing (issue 14, 16): a quarter's last month ends it.
    #[test]
    fn the_last_month_of_a_quarter_ends_it() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(Period::Quarter.end_after(d(2026, 3, 31)), d(2026, 4, 1));
        assert_eq!(Period::Quarter.end_after(d(2026, 6, 1)), d(2026, 7, 1));
        assert_eq!(Period::Quarter.end_after(d(2026, 9, 30)), d(2026, 10, 1));
        assert_eq!(Period::Quarter.end_after(d(2026, 12, 31)), d(2027, 1, 1));
    }
}
