//! Organisational life (组织生活): the kinds of meeting the regulations require, how a record
//! moves through review, and the checks that keep a record from being a formality — the
//! quorum of a 支部党员大会 and a 支委会, the two-thirds attendance of a 民主生活会, a reason for
//! every absence, each participant's criticism and self-criticism at a 组织生活会, the lecturer
//! of a 党课, and resolutions with their votes. The numbers come from the rules file.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::field::FieldErrors;
use crate::org::OrgKind;

labelled_enum! {
    /// A kind of organisational life. The codes are the keys of `[meetings.*]` in the rules file.
    pub enum MeetingKind {
        BranchGeneralMeeting = ("branch_general_meeting", "支部党员大会"),
        BranchCommittee = ("branch_committee", "支委会"),
        PartyGroup = ("party_group", "党小组会"),
        PartyLecture = ("party_lecture", "党课"),
        ThemePartyDay = ("theme_party_day", "主题党日"),
        OrganizationalLifeMeeting = ("organizational_life_meeting", "组织生活会"),
        DemocraticLifeMeeting = ("democratic_life_meeting", "民主生活会"),
        DemocraticReview = ("democratic_review", "民主评议党员"),
        HeartToHeartTalk = ("heart_to_heart_talk", "谈心谈话"),
    }
}

/// When a meeting ran: from `starts` to `ends` on the day it was held, or on into the next
/// day — a 主题党日 after a late shift, a 支委会 that ran past midnight (issue 14, 7). Stored
/// as `HH:MM` texts with an end on the next day written with 24 added to its hour (`24:30`),
/// so a stored start never sorts after its end and old records read as they were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingTime {
    starts: chrono::NaiveTime,
    ends: chrono::NaiveTime,
    next_day: bool,
}

impl MeetingTime {
    /// Parses the form's start, end and "ends the next day". Messages name their field.
    pub fn parse(starts: &str, ends: &str, next_day: bool) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let time = |raw: &str, field: &'static str, label: &str, e: &mut FieldErrors| {
            match chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M") {
                Ok(t) => Some(t),
                Err(_) if raw.trim().is_empty() => {
                    e.add(field, format!("请填写{label}"));
                    None
                }
                Err(_) => {
                    e.add(field, format!("{label}应为“时:分”，如 14:30"));
                    None
                }
            }
        };
        let starts = time(starts, "starts_at", "开始时间", &mut e);
        let ends = time(ends, "ends_at", "结束时间", &mut e);
        let (Some(starts), Some(ends)) = (starts, ends) else {
            return Err(e);
        };
        match (next_day, ends.cmp(&starts)) {
            (false, std::cmp::Ordering::Less) => e.add(
                "ends_at",
                "结束时间早于开始时间；会议跨过午夜的，请勾选“次日结束”",
            ),
            (_, std::cmp::Ordering::Equal) => {
                e.add("ends_at", "结束时间不能与开始时间相同");
            }
            (true, std::cmp::Ordering::Greater) => e.add(
                "ends_at",
                "次日结束的会议，结束时间应早于前一天的开始时间（会议不超过24小时）",
            ),
            _ => {}
        }
        if e.is_empty() {
            Ok(Self {
                starts,
                ends,
                next_day,
            })
        } else {
            Err(e)
        }
    }

    /// Reads the stored texts back (an end hour of 24 or more is on the next day).
    pub fn from_stored(starts: &str, ends: &str) -> Option<Self> {
        let starts = chrono::NaiveTime::parse_from_str(starts, "%H:%M").ok()?;
        let (hour, minute) = ends.split_once(':')?;
        let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.parse().ok()?);
        let next_day = hour >= 24;
        let ends = chrono::NaiveTime::from_hms_opt(hour % 24, minute, 0)?;
        Some(Self {
            starts,
            ends,
            next_day,
        })
    }

    /// The texts to store: `HH:MM` and `HH:MM`, the end's hour plus 24 on the next day.
    pub fn stored(&self) -> (String, String) {
        let ends = if self.next_day {
            format!(
                "{:02}:{}",
                chrono::Timelike::hour(&self.ends) + 24,
                self.ends.format("%M")
            )
        } else {
            self.ends.format("%H:%M").to_string()
        };
        (self.starts.format("%H:%M").to_string(), ends)
    }

    pub fn starts(&self) -> String {
        self.starts.format("%H:%M").to_string()
    }

    /// The end as the clock showed it.
    pub fn ends(&self) -> String {
        self.ends.format("%H:%M").to_string()
    }

    pub fn ends_next_day(&self) -> bool {
        self.next_day
    }

    pub fn minutes(&self) -> i64 {
        let span = self.ends.signed_duration_since(self.starts).num_minutes();
        if self.next_day { span + 24 * 60 } else { span }
    }

    /// `14:30–16:00`, or `22:00–次日00:30`.
    pub fn label(&self) -> String {
        format!(
            "{}–{}{}",
            self.starts(),
            if self.next_day { "次日" } else { "" },
            self.ends()
        )
    }
}

/// The label of stored times, or the texts as they are when they do not read as times.
pub fn time_label(starts: &str, ends: &str) -> String {
    MeetingTime::from_stored(starts, ends).map_or_else(|| format!("{starts}–{ends}"), |t| t.label())
}

labelled_enum! {
    /// Why a voting member of the day's roll is left out of a 支部党员大会's voting base — the
    /// five cases of M4.11, each only with the upper committee's approval recorded. No other
    /// reason shrinks the base: the expected roll may be edited for attendance with any
    /// reason, never for the quorum (issue 14, 4).
    pub enum QuorumExclusion {
        Illness = ("illness", "因精神病或其他疾病不能表达本人意志"),
        AbroadSelfFunded = ("abroad_self_funded", "自费出国半年以上"),
        ServingSentence = ("serving_sentence", "未受留党察看以上处分但正在服刑"),
        Bedridden = ("bedridden", "年老体弱卧床不起、长期生病生活不能自理"),
        AwayUntransferred = ("away_untransferred", "调动、下派、外出学习工作半年以上应转未转组织关系"),
    }
}

/// Which orgs a kind of meeting is required of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// Every 党支部.
    Branch,
    /// A 党支部 that has a committee (支部委员会): 支委会 only.
    BranchWithCommittee,
    /// Every 党小组; its meetings count for the group, not for its branch.
    Group,
    /// A 党委's leadership team (民主生活会).
    Committee,
}

impl Holder {
    /// The kind of org that holds such meetings.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Holder::Branch | Holder::BranchWithCommittee => OrgKind::Branch,
            Holder::Group => OrgKind::Group,
            Holder::Committee => OrgKind::Committee,
        }
    }
}

impl MeetingKind {
    pub fn holder(self) -> Holder {
        use MeetingKind::*;
        match self {
            BranchCommittee => Holder::BranchWithCommittee,
            PartyGroup => Holder::Group,
            DemocraticLifeMeeting => Holder::Committee,
            BranchGeneralMeeting
            | PartyLecture
            | ThemePartyDay
            | OrganizationalLifeMeeting
            | DemocraticReview
            | HeartToHeartTalk => Holder::Branch,
        }
    }

    /// The kinds an org of `kind` may record (whether or not they are required of it now).
    pub fn recordable_by(kind: OrgKind) -> Vec<MeetingKind> {
        MeetingKind::ALL
            .iter()
            .copied()
            .filter(|m| m.holder().org_kind() == kind)
            .collect()
    }

    /// Kinds at which every participant must give criticism and self-criticism.
    pub fn needs_criticism(self) -> bool {
        matches!(
            self,
            MeetingKind::OrganizationalLifeMeeting | MeetingKind::DemocraticLifeMeeting
        )
    }

    /// Kinds whose participants each bring their 对照检查材料, prepared by opinions
    /// gathered beforehand, and which are reported to the level above (民主生活会).
    pub fn needs_review_material(self) -> bool {
        self == MeetingKind::DemocraticLifeMeeting
    }

    /// Kinds at which every member present gives a 党性分析 and the branch its feedback
    /// (组织生活会, and 民主评议党员 held with it or alone).
    pub fn needs_party_analysis(self) -> bool {
        matches!(
            self,
            MeetingKind::OrganizationalLifeMeeting | MeetingKind::DemocraticReview
        )
    }

    /// Kinds whose decisions are taken by vote and recorded with their counts.
    pub fn votes(self) -> bool {
        matches!(
            self,
            MeetingKind::BranchGeneralMeeting | MeetingKind::BranchCommittee
        )
    }

    /// Kinds every member of the org is expected to take part in once a period (the annual
    /// 组织生活会, 民主评议 and 谈心谈话): the engine reports who has not.
    pub fn every_member(self) -> bool {
        matches!(
            self,
            MeetingKind::OrganizationalLifeMeeting
                | MeetingKind::DemocraticReview
                | MeetingKind::HeartToHeartTalk
        )
    }
}

labelled_enum! {
    /// Who talks with whom in 谈心谈话 (R1.16: 支部委员之间、支部委员和党员之间、党员和党员之间;
    /// the rules file's `pairs` says which the bureau asks for).
    pub enum TalkPair {
        CommitteeCommittee = ("committee-committee", "委员之间"),
        CommitteeMember = ("committee-member", "委员与党员"),
        MemberMember = ("member-member", "党员之间"),
    }
}

impl TalkPair {
    /// The kind of a talk between a committee member (or not) and another.
    pub fn between(a_committee: bool, b_committee: bool) -> TalkPair {
        match (a_committee, b_committee) {
            (true, true) => TalkPair::CommitteeCommittee,
            (false, false) => TalkPair::MemberMember,
            _ => TalkPair::CommitteeMember,
        }
    }
}

labelled_enum! {
    /// Why an expected attendee was absent.
    pub enum AbsenceReason {
        BusinessTrip = ("business_trip", "出差"),
        OnDuty = ("on_duty", "执勤"),
        Watch = ("watch", "值班"),
        SickLeave = ("sick_leave", "病假"),
        PersonalLeave = ("personal_leave", "事假"),
        Other = ("other", "其他"),
    }
}

labelled_enum! {
    /// Where a record stands in review.
    pub enum ReviewState {
        Draft = ("draft", "草稿"),
        Submitted = ("submitted", "待审核"),
        Returned = ("returned", "已退回"),
        Accepted = ("accepted", "已通过"),
    }
}

/// What may be done to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    Edit,
    Submit,
    Accept,
    Return,
}

/// Why a review action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("记录处于“{0}”状态，不能进行此操作")]
    WrongState(ReviewState),
    #[error("不能审核自己填写的记录")]
    OwnRecord,
    #[error("只能由上级组织审核")]
    NotAbove,
}

/// Who is acting on a record, as the review rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reviewer {
    /// The actor wrote (or last revised) the record.
    pub is_author: bool,
    /// The actor's scope lies above the record's org.
    pub is_above: bool,
}

impl ReviewState {
    /// The state after `action`, or why it is refused. A record is edited only as a draft or
    /// after it was returned; it is reviewed only when submitted, by someone above its org who
    /// did not write it; an accepted record is final.
    pub fn apply(self, action: ReviewAction, who: Reviewer) -> Result<ReviewState, ReviewError> {
        use ReviewAction::*;
        use ReviewState::*;
        match (self, action) {
            (Draft | Returned, Edit) => Ok(self),
            (Draft | Returned, Submit) => Ok(Submitted),
            (Submitted, Accept | Return) if who.is_author => Err(ReviewError::OwnRecord),
            (Submitted, Accept | Return) if !who.is_above => Err(ReviewError::NotAbove),
            (Submitted, Accept) => Ok(Accepted),
            (Submitted, Return) => Ok(Returned),
            (state, _) => Err(ReviewError::WrongState(state)),
        }
    }

    /// Whether a record in this state counts as held. A draft is not yet on record; a returned
    /// record was held but must be improved (the engine shows its state beside it).
    pub fn counts(self) -> bool {
        self != ReviewState::Draft
    }
}

/// How the quorum of a meeting is reckoned (rules file `quorum`).
///
/// Both articles say 半数以上 (R1.10 支部工作条例第十一条 for the 支部党员大会, R1.11 第十二条
/// for the 支委会), and 党内法规 read 以上 as including the number itself. The 支部党员大会
/// is read more strictly by default because what it votes on follows the 发展党员 rules (R4.14,
/// M4.11: 有表决权的到会人数超过应到会有表决权人数的半数): a branch meeting that could open
/// but not vote helps no one. Both readings are the rules file's (`quorum`), so a bureau that
/// reads the 支部党员大会 as at least half sets it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quorum {
    /// More than half of the voting members present (R1.10 read with R4.14).
    MoreThanHalfOfVotingMembers,
    /// At least half of the committee present (R1.11, 以上 including the number).
    AtLeastHalfOfCommitteeMembers,
}

/// How a resolution passes (rules file `pass_rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PassRule {
    /// 赞成人数超过应到会有表决权党员的半数.
    YesVotesMoreThanHalfOfExpectedVotingMembers,
    /// 赞成人数超过到会人数的半数 (a local rule some bureaus use for 支委会).
    YesVotesMoreThanHalfOfPresent,
}

impl Quorum {
    /// Whether `present` of `expected` make a quorum.
    pub fn reached(self, present: u32, expected: u32) -> bool {
        match self {
            Quorum::MoreThanHalfOfVotingMembers => present * 2 > expected,
            Quorum::AtLeastHalfOfCommitteeMembers => expected > 0 && present * 2 >= expected,
        }
    }
}

/// Whether `present` of `expected` reach `ratio` (e.g. 2/3). Ratios in the rules file are
/// written to four places (0.6667), so the comparison allows for that rounding: 2 of 3 reach it.
pub fn ratio_reached(present: u32, expected: u32, ratio: f64) -> bool {
    let needed = (ratio * f64::from(expected) - 1e-3).ceil().max(0.0);
    f64::from(present) >= needed
}

/// A resolution and its vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

impl PassRule {
    pub fn passes(self, vote: &Vote, expected_voting: u32, present: u32) -> bool {
        match self {
            PassRule::YesVotesMoreThanHalfOfExpectedVotingMembers => vote.yes * 2 > expected_voting,
            PassRule::YesVotesMoreThanHalfOfPresent => vote.yes * 2 > present,
        }
    }
}

/// The counts of a meeting's attendance. `voting` counts full members (预备党员 have no vote).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    pub expected: u32,
    pub present: u32,
    pub expected_voting: u32,
    pub present_voting: u32,
    /// The voting members of the day's roll less those left out under M4.11: what a 支部党员
    /// 大会's quorum and votes are counted against, whoever was taken off the expected roll.
    /// None for records from before the base was kept (their voting attendees count then).
    pub voting_base: Option<u32>,
}

impl Attendance {
    /// The voting members a quorum and a vote are counted against.
    pub fn voters(&self) -> u32 {
        self.voting_base.unwrap_or(self.expected_voting)
    }
}

/// What a submitted record must show, whatever its kind.
#[derive(Debug, Clone, Default)]
pub struct Substance<'a> {
    pub topics: &'a str,
    pub minutes: &'a str,
    pub lecturer: &'a str,
    pub attendance: Attendance,
    /// Absent attendees with no reason given.
    pub absent_without_reason: Vec<String>,
    /// Present participants whose criticism or self-criticism is empty (组织生活会, 民主生活会).
    pub without_criticism: Vec<String>,
    pub votes: Vec<Vote>,
    /// 谈心谈话: how many pairs talked.
    pub talk_pairs: u32,
    /// Present members without a 党性分析 (组织生活会, 民主评议).
    pub without_analysis: Vec<String>,
    /// 民主生活会: the opinions gathered beforehand (会前征求意见).
    pub preparation: &'a str,
    /// 民主生活会: present members of the team without their 对照检查材料.
    pub without_material: Vec<String>,
}

/// The numbers a kind's submission check needs, from the rules file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Thresholds {
    pub quorum: Option<Quorum>,
    pub attendance_min_ratio: Option<f64>,
}

/// Where the report of a 民主生活会 to the level above stands (R2.9: within
/// `report_within_days` of the meeting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStatus {
    /// Reported by the last day.
    OnTime { on: NaiveDate },
    /// Reported after it.
    Late { on: NaiveDate, days: i64 },
    /// Not yet reported; the last day is still ahead (or today).
    Due { by: NaiveDate },
    /// Not reported, and the last day has passed.
    Overdue { by: NaiveDate, days: i64 },
}

impl ReportStatus {
    /// The status of a meeting held on `held_on`, reported on `reported_on`, `today`.
    pub fn of(
        held_on: NaiveDate,
        reported_on: Option<NaiveDate>,
        today: NaiveDate,
        within_days: u32,
    ) -> ReportStatus {
        let by = held_on + chrono::Days::new(u64::from(within_days));
        match reported_on {
            Some(on) if on <= by => ReportStatus::OnTime { on },
            Some(on) => ReportStatus::Late {
                on,
                days: (on - by).num_days(),
            },
            None if today <= by => ReportStatus::Due { by },
            None => ReportStatus::Overdue {
                by,
                days: (today - by).num_days(),
            },
        }
    }

    /// Whether the report came, or is, late.
    pub fn is_late(self) -> bool {
        matches!(
            self,
            ReportStatus::Late { .. } | ReportStatus::Overdue { .. }
        )
    }
}

impl std::fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportStatus::OnTime { on } => write!(f, "已于{on}报送上级党组织"),
            ReportStatus::Late { on, days } => {
                write!(f, "已于{on}报送上级党组织，逾期{days}天")
            }
            ReportStatus::Due { by } => write!(f, "应于{by}前报送上级党组织"),
            ReportStatus::Overdue { by, days } => {
                write!(f, "应于{by}前报送上级党组织，已逾期{days}天未报送")
            }
        }
    }
}

/// A quorum not reached: who counts, how many came, how many were expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuorumShort {
    who: &'static str,
    present: u32,
    expected: u32,
}

impl std::fmt::Display for QuorumShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let QuorumShort {
            who,
            present,
            expected,
        } = self;
        write!(
            f,
            "到会{who}{present}人，应到{expected}人，未达到法定人数，会议不能作出决定"
        )
    }
}

impl Thresholds {
    /// The quorum this attendance misses, if the kind has one and the roll is not empty. Kept
    /// with the record when it is saved, so compliance can say why a period has none.
    pub fn quorum_short(&self, a: &Attendance) -> Option<QuorumShort> {
        let quorum = self.quorum?;
        let (present, expected, who) = match quorum {
            Quorum::MoreThanHalfOfVotingMembers => (a.present_voting, a.voters(), "有表决权的党员"),
            Quorum::AtLeastHalfOfCommitteeMembers => (a.present, a.expected, "委员"),
        };
        (a.expected > 0 && !quorum.reached(present, expected)).then_some(QuorumShort {
            who,
            present,
            expected,
        })
    }
}

/// The shortest minutes accepted: a line that says something, not "已开".
pub const MINUTES_MIN_CHARS: usize = 20;

/// Checks a record before it is submitted: the fields it needs, its quorum and its votes.
/// Drafts are saved without this check; a submitted record must carry substance.
pub fn check_submission(kind: MeetingKind, s: &Substance<'_>, t: Thresholds) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if s.topics.trim().is_empty() {
        errors.add("topics", "请填写会议议题");
    }
    if s.minutes.trim().chars().count() < MINUTES_MIN_CHARS {
        errors.add(
            "minutes",
            format!("会议记录过于简单，请如实记录讨论内容（至少{MINUTES_MIN_CHARS}字）"),
        );
    }
    if kind == MeetingKind::PartyLecture && s.lecturer.trim().is_empty() {
        errors.add("lecturer", "党课须填写授课人");
    }
    if kind == MeetingKind::HeartToHeartTalk && s.talk_pairs == 0 {
        errors.add("pairs", "请填写谈话双方");
    }
    let a = s.attendance;
    if a.expected == 0 {
        errors.add("attendees", "应到人员不能为空");
    } else if a.present == 0 {
        errors.add("attendees", "实到人员不能为空");
    }
    if !s.absent_without_reason.is_empty() {
        errors.add(
            "attendees",
            format!("请填写缺席原因：{}", s.absent_without_reason.join("、")),
        );
    }
    if let Some(short) = t.quorum_short(&a) {
        errors.add("attendees", short.to_string());
    }
    if let Some(ratio) = t.attendance_min_ratio
        && a.expected > 0
        && !ratio_reached(a.present, a.expected, ratio)
    {
        errors.add(
            "attendees",
            format!(
                "到会{}人，应到{}人，不足应到人数的{:.0}%",
                a.present,
                a.expected,
                ratio * 100.0
            ),
        );
    }
    if kind.needs_criticism() && !s.without_criticism.is_empty() {
        errors.add(
            "criticism",
            format!(
                "每位参会人员都应开展批评和自我批评，尚未填写：{}",
                s.without_criticism.join("、")
            ),
        );
    }
    if kind.needs_review_material() {
        if s.preparation.trim().is_empty() {
            errors.add(
                "preparation",
                "请填写会前征求意见情况（征求意见的范围、方式和意见条数）",
            );
        }
        if !s.without_material.is_empty() {
            errors.add(
                "review_material",
                format!(
                    "每位班子成员都应提交对照检查材料，尚未填写：{}",
                    s.without_material.join("、")
                ),
            );
        }
    }
    if kind.needs_party_analysis() && !s.without_analysis.is_empty() {
        errors.add(
            "party_analysis",
            format!(
                "每位参会党员都应进行党性分析，尚未填写：{}",
                s.without_analysis.join("、")
            ),
        );
    }
    if kind.votes() {
        if kind == MeetingKind::BranchGeneralMeeting && s.votes.is_empty() {
            errors.add("resolutions", "支部党员大会须记录表决事项及结果");
        }
        let voters = if kind == MeetingKind::BranchGeneralMeeting {
            a.present_voting
        } else {
            a.present
        };
        if let Some(vote) = s.votes.iter().find(|v| v.yes + v.no + v.abstain > voters) {
            errors.add(
                "resolutions",
                format!(
                    "表决票数（赞成{}、反对{}、弃权{}）多于到会有表决权人数{voters}",
                    vote.yes, vote.no, vote.abstain
                ),
            );
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, 4 (M4.11, R1.10): 4 of 9 voting members present is no quorum, however the
    /// expected roll was edited; only approved M4.11 exclusions shrink the base.
    #[test]
    fn a_roll_edited_by_hand_does_not_shrink_the_quorum() {
        let substance = |voting_base| Substance {
            topics: "议题",
            minutes: "书记传达上级精神，党员逐一发言，结合岗位谈体会并提出改进措施。",
            attendance: Attendance {
                expected: 5,
                present: 4,
                expected_voting: 5,
                present_voting: 4,
                voting_base,
            },
            votes: vec![Vote {
                yes: 4,
                no: 0,
                abstain: 0,
            }],
            ..Substance::default()
        };
        let t = Thresholds {
            quorum: Some(Quorum::MoreThanHalfOfVotingMembers),
            ..Thresholds::default()
        };
        let edited = check_submission(MeetingKind::BranchGeneralMeeting, &substance(Some(9)), t);
        assert!(
            edited
                .get("attendees")
                .is_some_and(|m| m.contains("应到9人")),
            "{edited:?}"
        );
        // Two left out under M4.11 with approval: 4 of 7 is more than half.
        let excluded = check_submission(MeetingKind::BranchGeneralMeeting, &substance(Some(7)), t);
        assert!(excluded.get("attendees").is_none(), "{excluded:?}");
        // 4 of 8 is not (R1.10 read with R4.14: more than half).
        let even = check_submission(MeetingKind::BranchGeneralMeeting, &substance(Some(8)), t);
        assert!(even.get("attendees").is_some());
        // Records from before the base was kept count their voting attendees.
        let old = check_submission(MeetingKind::BranchGeneralMeeting, &substance(None), t);
        assert!(old.get("attendees").is_none());
        assert_eq!(QuorumExclusion::ALL.len(), 5);
    }

    /// Issue 14, 7: a meeting may pass midnight, said so in the form; otherwise an end before
    /// the start is a mistake at the end's field.
    #[test]
    fn a_meeting_may_end_the_next_day_when_it_says_so() {
        let late = MeetingTime::parse("22:00", "00:30", true).unwrap();
        assert_eq!(late.minutes(), 150);
        assert_eq!(late.label(), "22:00–次日00:30");
        assert_eq!(late.stored(), ("22:00".to_owned(), "24:30".to_owned()));
        assert_eq!(MeetingTime::from_stored("22:00", "24:30"), Some(late));
        assert!(late.stored().0 <= late.stored().1, "the stored order holds");
        let day = MeetingTime::parse("14:30", "16:00", false).unwrap();
        assert_eq!((day.minutes(), day.label()), (90, "14:30–16:00".to_owned()));
        assert_eq!(MeetingTime::from_stored("14:30", "16:00"), Some(day));
        assert!(late.ends_next_day() && !day.ends_next_day());
        assert_eq!(
            (late.starts(), late.ends()),
            ("22:00".to_owned(), "00:30".to_owned())
        );
        let cases = [
            ("22:00", "00:30", false, "勾选“次日结束”"),
            ("14:30", "14:30", false, "不能与开始时间相同"),
            ("14:30", "14:30", true, "不能与开始时间相同"),
            ("08:00", "09:00", true, "不超过24小时"),
            ("", "09:00", false, "请填写开始时间"),
            ("8点", "09:00", false, "时:分"),
        ];
        for (starts, ends, next, message) in cases {
            let errors = MeetingTime::parse(starts, ends, next).unwrap_err();
            let all: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            assert!(
                all.iter().any(|m| m.contains(message)),
                "{starts}–{ends}: {all:?}"
            );
        }
        // The day's last minute and the next day's first.
        assert_eq!(
            MeetingTime::parse("23:59", "00:00", true)
                .unwrap()
                .minutes(),
            1
        );
        assert_eq!(time_label("09:00", "x"), "09:00–x");
    }

    fn author() -> Reviewer {
        Reviewer {
            is_author: true,
            is_above: true,
        }
    }
    fn upper() -> Reviewer {
        Reviewer {
            is_author: false,
            is_above: true,
        }
    }
    fn peer() -> Reviewer {
        Reviewer {
            is_author: false,
            is_above: false,
        }
    }

    #[test]
    fn every_state_and_action_has_exactly_the_allowed_outcome() {
        use ReviewAction::*;
        use ReviewState::*;
        for state in ReviewState::ALL {
            for action in [Edit, Submit, Accept, Return] {
                for who in [author(), upper(), peer()] {
                    let got = state.apply(action, who);
                    let expected = match (state, action) {
                        (Draft | Returned, Edit) => Ok(*state),
                        (Draft | Returned, Submit) => Ok(Submitted),
                        (Submitted, Accept | Return) if who.is_author => {
                            Err(ReviewError::OwnRecord)
                        }
                        (Submitted, Accept | Return) if !who.is_above => Err(ReviewError::NotAbove),
                        (Submitted, Accept) => Ok(Accepted),
                        (Submitted, Return) => Ok(Returned),
                        _ => Err(ReviewError::WrongState(*state)),
                    };
                    assert_eq!(got, expected, "{state:?} {action:?} {who:?}");
                }
            }
        }
    }

    #[test]
    fn no_one_reviews_their_own_record_and_accepted_records_are_final() {
        let s = ReviewState::Submitted;
        assert_eq!(
            s.apply(ReviewAction::Accept, author()),
            Err(ReviewError::OwnRecord)
        );
        assert_eq!(
            s.apply(ReviewAction::Accept, peer()),
            Err(ReviewError::NotAbove)
        );
        for action in [
            ReviewAction::Edit,
            ReviewAction::Submit,
            ReviewAction::Return,
        ] {
            assert!(ReviewState::Accepted.apply(action, upper()).is_err());
        }
        assert!(!ReviewState::Draft.counts());
        assert!(ReviewState::Returned.counts());
    }

    #[test]
    fn the_quorum_boundaries_of_r1_10_and_r1_11() {
        let q = Quorum::MoreThanHalfOfVotingMembers;
        assert!(!q.reached(5, 10));
        assert!(q.reached(6, 10));
        assert!(!q.reached(1, 3) && q.reached(2, 3));
        assert!(!q.reached(0, 0));
        let c = Quorum::AtLeastHalfOfCommitteeMembers;
        assert!(!c.reached(2, 5) && c.reached(3, 5));
        assert!(c.reached(2, 4));
        assert!(!c.reached(0, 0));
    }

    #[test]
    fn two_thirds_written_as_four_places_is_met_by_two_of_three() {
        for (present, expected, ok) in [
            (2, 3, true),
            (1, 3, false),
            (4, 6, true),
            (3, 6, false),
            (6, 9, true),
            (5, 9, false),
            (7, 10, true),
            (6, 10, false),
            (0, 0, true),
        ] {
            assert_eq!(
                ratio_reached(present, expected, 0.6667),
                ok,
                "{present}/{expected}"
            );
        }
    }

    #[test]
    fn a_general_meeting_passes_with_more_than_half_of_all_voting_members() {
        let rule = PassRule::YesVotesMoreThanHalfOfExpectedVotingMembers;
        let vote = |yes| Vote {
            yes,
            no: 0,
            abstain: 0,
        };
        // 10 voting members, 7 present: 5 yes is not enough though it is a majority present.
        assert!(!rule.passes(&vote(5), 10, 7));
        assert!(rule.passes(&vote(6), 10, 7));
        assert!(PassRule::YesVotesMoreThanHalfOfPresent.passes(&vote(4), 10, 7));
        // Exactly half is not more than half.
        assert!(!PassRule::YesVotesMoreThanHalfOfPresent.passes(&vote(4), 10, 8));
        // 支委会: half the committee is a quorum; a general meeting needs more than half.
        assert!(Quorum::AtLeastHalfOfCommitteeMembers.reached(3, 6));
        assert!(!Quorum::AtLeastHalfOfCommitteeMembers.reached(2, 5));
        assert!(!Quorum::MoreThanHalfOfVotingMembers.reached(3, 6));
        assert!(Quorum::MoreThanHalfOfVotingMembers.reached(4, 6));
    }

    /// The submission check at its edges: minutes of exactly the shortest length pass, an
    /// empty roll misses no quorum, and criticism is asked only where the kind needs it.
    #[test]
    fn the_submission_check_holds_at_its_edges() {
        let t = Thresholds::default();
        for (chars, passes) in [(MINUTES_MIN_CHARS, true), (MINUTES_MIN_CHARS - 1, false)] {
            let minutes = "一".repeat(chars);
            let s = Substance {
                minutes: &minutes,
                ..substance()
            };
            let errors = check_submission(MeetingKind::ThemePartyDay, &s, t);
            assert_eq!(errors.get("minutes").is_none(), passes, "{chars}");
        }
        let quorum = Thresholds {
            quorum: Some(Quorum::MoreThanHalfOfVotingMembers),
            attendance_min_ratio: None,
        };
        let empty = Attendance {
            expected: 0,
            present: 0,
            expected_voting: 0,
            present_voting: 0,
            voting_base: None,
        };
        assert_eq!(quorum.quorum_short(&empty), None);
        let unfinished = Substance {
            without_criticism: vec!["张三".to_owned()],
            ..substance()
        };
        assert!(
            check_submission(MeetingKind::ThemePartyDay, &unfinished, t)
                .get("criticism")
                .is_none()
        );
        assert!(
            check_submission(MeetingKind::OrganizationalLifeMeeting, &unfinished, t)
                .get("criticism")
                .is_some()
        );
        assert!(
            check_submission(MeetingKind::OrganizationalLifeMeeting, &substance(), t)
                .get("criticism")
                .is_none()
        );
    }

    /// Which kinds ask what of a record: criticism, votes, every member.
    #[test]
    fn each_kind_asks_for_what_the_rules_say() {
        use MeetingKind::*;
        let with = |f: fn(MeetingKind) -> bool| -> Vec<MeetingKind> {
            MeetingKind::ALL.iter().copied().filter(|k| f(*k)).collect()
        };
        assert_eq!(
            with(MeetingKind::needs_criticism),
            [OrganizationalLifeMeeting, DemocraticLifeMeeting]
        );
        assert_eq!(
            with(MeetingKind::votes),
            [BranchGeneralMeeting, BranchCommittee]
        );
        assert_eq!(
            with(MeetingKind::every_member),
            [
                OrganizationalLifeMeeting,
                DemocraticReview,
                HeartToHeartTalk
            ]
        );
        assert_eq!(
            with(MeetingKind::needs_party_analysis),
            [OrganizationalLifeMeeting, DemocraticReview]
        );
        assert_eq!(
            with(MeetingKind::needs_review_material),
            [DemocraticLifeMeeting]
        );
    }

    fn substance() -> Substance<'static> {
        Substance {
            topics: "学习贯彻党章",
            minutes: "书记传达上级精神，党员逐一发言，结合岗位谈体会并提出改进措施。",
            lecturer: "",
            attendance: Attendance {
                expected: 10,
                present: 8,
                expected_voting: 9,
                present_voting: 7,
                voting_base: None,
            },
            absent_without_reason: vec![],
            without_criticism: vec![],
            votes: vec![Vote {
                yes: 7,
                no: 0,
                abstain: 0,
            }],
            talk_pairs: 0,
            without_analysis: vec![],
            preparation: "",
            without_material: vec![],
        }
    }

    /// Issue 14, 10 (R2.9): a 民主生活会 is reported to the level above within 15 days (by
    /// the rules): held on 10 December, by 25 December; the 26th is a day late.
    #[test]
    fn a_life_meeting_of_the_leadership_is_reported_within_its_days() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let held = d(12, 10);
        assert_eq!(
            ReportStatus::of(held, None, d(12, 25), 15),
            ReportStatus::Due { by: d(12, 25) }
        );
        assert_eq!(
            ReportStatus::of(held, None, d(12, 27), 15),
            ReportStatus::Overdue {
                by: d(12, 25),
                days: 2
            }
        );
        assert_eq!(
            ReportStatus::of(held, Some(d(12, 25)), d(12, 31), 15),
            ReportStatus::OnTime { on: d(12, 25) }
        );
        let late = ReportStatus::of(held, Some(d(12, 26)), d(12, 31), 15);
        assert!(late.is_late() && late.to_string().contains("逾期1天"));
        assert!(!ReportStatus::of(held, Some(d(12, 25)), d(12, 31), 15).is_late());
        assert!(!ReportStatus::of(held, None, d(12, 25), 15).is_late());
        // Its substance: the opinions gathered and each member's 对照检查材料.
        let bare = check_submission(
            MeetingKind::DemocraticLifeMeeting,
            &Substance {
                without_material: vec!["李四".to_owned()],
                ..substance()
            },
            Thresholds::default(),
        );
        assert!(bare.get("preparation").is_some());
        assert!(
            bare.get("review_material")
                .is_some_and(|m| m.contains("李四"))
        );
        let ready = check_submission(
            MeetingKind::DemocraticLifeMeeting,
            &Substance {
                preparation: "会前通过座谈、发放征求意见表征求意见32条",
                ..substance()
            },
            Thresholds::default(),
        );
        assert!(ready.get("preparation").is_none() && ready.get("review_material").is_none());
    }

    /// Issue 14, 9: at a 组织生活会 and 民主评议 every member present gives a 党性分析.
    #[test]
    fn a_life_meeting_needs_each_members_party_analysis() {
        let missing = Substance {
            without_analysis: vec!["张三".to_owned()],
            ..substance()
        };
        for kind in [
            MeetingKind::OrganizationalLifeMeeting,
            MeetingKind::DemocraticReview,
        ] {
            let errors = check_submission(kind, &missing, Thresholds::default());
            assert!(
                errors
                    .get("party_analysis")
                    .is_some_and(|m| m.contains("张三")),
                "{kind:?}"
            );
        }
        let lecture = check_submission(MeetingKind::ThemePartyDay, &missing, Thresholds::default());
        assert!(lecture.get("party_analysis").is_none());
    }

    /// Issue 14, 8: a 谈心谈话 record names who talked with whom.
    #[test]
    fn a_talk_needs_its_pairs() {
        let none = check_submission(
            MeetingKind::HeartToHeartTalk,
            &substance(),
            Thresholds::default(),
        );
        assert_eq!(none.get("pairs"), Some("请填写谈话双方"));
        let one = Substance {
            talk_pairs: 1,
            ..substance()
        };
        let ok = check_submission(MeetingKind::HeartToHeartTalk, &one, Thresholds::default());
        assert!(ok.get("pairs").is_none());
        assert_eq!(
            TalkPair::between(true, false),
            TalkPair::between(false, true)
        );
    }

    fn general() -> Thresholds {
        Thresholds {
            quorum: Some(Quorum::MoreThanHalfOfVotingMembers),
            attendance_min_ratio: None,
        }
    }

    #[test]
    fn a_record_with_substance_passes_the_submission_check() {
        let errors = check_submission(MeetingKind::BranchGeneralMeeting, &substance(), general());
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn each_gap_is_named_at_its_field() {
        let mut s = substance();
        s.topics = " ";
        s.minutes = "已开";
        s.votes.clear();
        let e = check_submission(MeetingKind::BranchGeneralMeeting, &s, general());
        assert!(e.get("topics").is_some());
        assert!(e.get("minutes").unwrap().contains("过于简单"));
        assert!(e.get("resolutions").unwrap().contains("表决"));

        let mut s = substance();
        s.attendance.present_voting = 4;
        let e = check_submission(MeetingKind::BranchGeneralMeeting, &s, general());
        assert!(e.get("attendees").unwrap().contains("法定人数"), "{e:?}");

        let mut s = substance();
        s.absent_without_reason = vec!["张三".into()];
        let e = check_submission(MeetingKind::ThemePartyDay, &s, Thresholds::default());
        assert!(e.get("attendees").unwrap().contains("张三"));

        let mut s = substance();
        s.votes[0].no = 1;
        let e = check_submission(MeetingKind::BranchGeneralMeeting, &s, general());
        assert!(e.get("resolutions").unwrap().contains("多于"), "{e:?}");

        let s = substance();
        let e = check_submission(MeetingKind::PartyLecture, &s, Thresholds::default());
        assert!(e.get("lecturer").is_some());

        let mut s = substance();
        s.without_criticism = vec!["李四".into()];
        let e = check_submission(
            MeetingKind::OrganizationalLifeMeeting,
            &s,
            Thresholds::default(),
        );
        assert!(e.get("criticism").unwrap().contains("李四"));

        let mut s = substance();
        s.attendance.present = 6;
        let e = check_submission(
            MeetingKind::DemocraticLifeMeeting,
            &s,
            Thresholds {
                attendance_min_ratio: Some(0.6667),
                ..Thresholds::default()
            },
        );
        assert!(e.get("attendees").unwrap().contains("67%"), "{e:?}");
    }

    #[test]
    fn kinds_belong_to_the_right_orgs() {
        assert_eq!(
            MeetingKind::recordable_by(OrgKind::Group),
            vec![MeetingKind::PartyGroup]
        );
        assert_eq!(
            MeetingKind::recordable_by(OrgKind::Committee),
            vec![MeetingKind::DemocraticLifeMeeting]
        );
        assert!(MeetingKind::recordable_by(OrgKind::GeneralBranch).is_empty());
        assert_eq!(MeetingKind::recordable_by(OrgKind::Branch).len(), 7);
    }

    /// Mutation testing (issue 14, 16): abstentions count among the votes cast.
    #[test]
    fn abstentions_count_among_the_votes_cast() {
        let mut s = substance();
        s.votes = vec![Vote {
            yes: 4,
            no: 0,
            abstain: 4,
        }];
        let errors = check_submission(MeetingKind::BranchGeneralMeeting, &s, Thresholds::default());
        assert!(
            errors
                .get("resolutions")
                .is_some_and(|m| m.contains("弃权4")),
            "{errors:?}"
        );
    }
}
