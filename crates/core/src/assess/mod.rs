//! 考核评价 (issue 19): 民主评议党员 (M4.1–M4.7) and the 组织处置 of a member found 不合格
//! (M4.8–M4.12). A branch reviews its members once a year in four stages — 个人自评 and
//! 党员互评, the 民主测评 by secret ballot, the committee's proposal (组织评定), the general
//! meeting's decision — and grades each full member 优秀/合格/基本合格/不合格. Probationary
//! members take part but are not graded unless the bureau's rules say so, and never 优秀 nor
//! 不合格 (a probationary member's problem is settled at 转正: M4.7). 优秀 stays within a share
//! of those graded unless the upper committee approves more with a reason; 基本合格 carries an
//! improvement plan; 不合格 opens a disposition whose steps are checked here in their order.

pub mod rating;

use chrono::{Months, NaiveDate};

use crate::dues::FieldRefusal;
use crate::recruitment::{Ballot, tally};
use crate::rules_second::{DemocraticReview, Disposition};

labelled_enum! {
    /// The four grades of 民主评议 (M4.3), best first.
    pub enum Grade {
        Excellent = ("excellent", "优秀"),
        Qualified = ("qualified", "合格"),
        Basic = ("basic", "基本合格"),
        Unqualified = ("unqualified", "不合格"),
    }
}

labelled_enum! {
    /// Where a branch's review of a year stands. Each stage opens only after the one before.
    pub enum ReviewStage {
        /// 个人自评 (with the member's 党性分析) and 党员互评.
        Evaluating = ("evaluating", "个人自评与党员互评"),
        /// 民主测评: members cast their secret ballots.
        Balloting = ("balloting", "民主测评"),
        /// 组织评定: the committee proposes each member's grade.
        Proposing = ("proposing", "支委会提出评定意见"),
        /// More 优秀 than the share allows: waiting for the upper committee.
        AwaitingApproval = ("awaiting_approval", "待上级党委审批"),
        /// Decided by the general meeting (and approved where needed); grades are fed back.
        Decided = ("decided", "已评定"),
    }
}

impl ReviewStage {
    /// The stage a secretary moves the review to by hand (the last two follow a decision).
    pub fn advance(self) -> Option<ReviewStage> {
        match self {
            ReviewStage::Evaluating => Some(ReviewStage::Balloting),
            ReviewStage::Balloting => Some(ReviewStage::Proposing),
            _ => None,
        }
    }
}

/// Whether a participant receives a grade: every full member; a probationary member only when
/// the bureau's rules rate them (local practice does not: M4.7).
pub fn is_graded(probationary: bool, rules: &DemocraticReview) -> bool {
    !probationary || rules.probationary_members_rated
}

/// The most members of `graded` who may be 优秀 without the upper committee's approval. The
/// rules file writes one third as `0.3333`, so the share is read at its four places (half a
/// unit of the last place added): 1 of 3, 2 of 6, 33 of 100 — exact for any branch.
pub fn excellent_cap(graded: u32, ratio: f64) -> u32 {
    let cap = (f64::from(graded) * (ratio + 0.000_05)).floor();
    // A ratio above one or below zero is the file's mistake: never more than all, nor fewer
    // than none.
    cap.clamp(0.0, f64::from(graded)) as u32
}

/// What the committee proposes for one participant.
#[derive(Debug, Clone, Copy, Default)]
pub struct Proposal<'a> {
    pub grade: Option<Grade>,
    /// Why: required for 基本合格 and 不合格.
    pub reason: &'a str,
    /// 基本合格: how the member will improve.
    pub plan: &'a str,
    /// 不合格: the disposition proposed.
    pub disposition: Option<DispositionKind>,
    /// 限期改正: its months.
    pub months: Option<u32>,
}

/// Checks one proposal against the participant's standing, at the field to mend.
pub fn check_proposal(
    probationary: bool,
    p: &Proposal<'_>,
    review: &DemocraticReview,
    disposition: &Disposition,
) -> Result<(), FieldRefusal> {
    let Some(grade) = p.grade else {
        return if is_graded(probationary, review) {
            Err(("grade", "请评定等次".to_owned()))
        } else {
            Ok(())
        };
    };
    if !is_graded(probationary, review) {
        return Err(("grade", "预备党员参加评议，但不评定等次".to_owned()));
    }
    if probationary && grade == Grade::Excellent {
        return Err(("grade", "预备党员不评为优秀".to_owned()));
    }
    if probationary && grade == Grade::Unqualified {
        return Err((
            "grade",
            format!(
                "预备党员不适用组织处置，请在转正讨论时按{}处理",
                review.probationary_member_remedies.join("、")
            ),
        ));
    }
    match grade {
        Grade::Basic if p.plan.trim().is_empty() => Err((
            "plan",
            "评为基本合格的，须指出问题差距并制定改进措施".to_owned(),
        )),
        Grade::Basic | Grade::Unqualified if p.reason.trim().is_empty() => {
            Err(("reason", format!("评为{}的，须写明理由", grade.label())))
        }
        Grade::Unqualified => match p.disposition {
            None => Err(("disposition", "评为不合格的，须提出组织处置方式".to_owned())),
            Some(DispositionKind::Rectify) => match p.months {
                Some(m) if (1..=disposition.rectification_max_months).contains(&m) => Ok(()),
                _ => Err((
                    "months",
                    format!(
                        "限期改正的期限为1至{}个月",
                        disposition.rectification_max_months
                    ),
                )),
            },
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The grades of a review as the decision counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GradeCount {
    pub graded: u32,
    pub excellent: u32,
    pub qualified: u32,
    pub basic: u32,
    pub unqualified: u32,
    /// 优秀 allowed without approval.
    pub cap: u32,
}

impl GradeCount {
    /// More 优秀 than the share allows: the upper committee must approve.
    pub fn over_cap(&self) -> bool {
        self.excellent > self.cap
    }
}

/// Counts the proposed grades of the graded participants; `None` for one not yet proposed.
pub fn count_grades(grades: &[Option<Grade>], ratio: f64) -> Result<GradeCount, FieldRefusal> {
    let missing = grades.iter().filter(|g| g.is_none()).count();
    if missing > 0 {
        return Err(("grade", format!("还有{missing}名党员未提出评定意见")));
    }
    let mut c = GradeCount {
        graded: u32::try_from(grades.len()).unwrap_or(u32::MAX),
        ..GradeCount::default()
    };
    for g in grades.iter().flatten() {
        match g {
            Grade::Excellent => c.excellent += 1,
            Grade::Qualified => c.qualified += 1,
            Grade::Basic => c.basic += 1,
            Grade::Unqualified => c.unqualified += 1,
        }
    }
    c.cap = excellent_cap(c.graded, ratio);
    Ok(c)
}

/// The general meeting that decides the grades: a quorum of more than half of the members
/// expected (the same reading as every vote of the branch, M4.11); over the cap, a reason.
pub fn check_decision(
    count: &GradeCount,
    expected: u32,
    present: u32,
    excess_reason: &str,
) -> Result<(), FieldRefusal> {
    if expected == 0 {
        return Err(("expected", "应到会党员人数须大于0".to_owned()));
    }
    if present > expected {
        return Err(("present", "实到人数不能多于应到人数".to_owned()));
    }
    if u64::from(present) * 2 <= u64::from(expected) {
        return Err((
            "present",
            format!("到会党员{present}人，未超过应到会{expected}人的半数，不能作出评定"),
        ));
    }
    if count.over_cap() && excess_reason.trim().is_empty() {
        return Err((
            "excess_reason",
            format!(
                "评为优秀{}名，超过参评党员{}名的规定比例（至多{}名）；须写明理由，报上级党委审批",
                count.excellent, count.graded, count.cap
            ),
        ));
    }
    Ok(())
}

/// Checks a member's ballot in the 民主测评: one grade (or none, an abstention) for each
/// graded participant, never for oneself (that is the 自评), nobody twice, nobody outside.
pub fn check_ballot(
    choices: &[(i64, Grade)],
    graded: &[i64],
    voter: i64,
) -> Result<(), FieldRefusal> {
    let mut seen = std::collections::BTreeSet::new();
    for (member, _) in choices {
        if *member == voter {
            return Err((
                "ballot",
                "测评不包括本人，本人情况在个人自评中说明".to_owned(),
            ));
        }
        if !graded.contains(member) {
            return Err(("ballot", "测评对象须是本次评议中评定等次的党员".to_owned()));
        }
        if !seen.insert(*member) {
            return Err(("ballot", "同一名党员只能评价一次".to_owned()));
        }
    }
    Ok(())
}

/// The totals of the 民主测评 for one member: what the branch sees — never who voted what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub excellent: u32,
    pub qualified: u32,
    pub basic: u32,
    pub unqualified: u32,
}

impl Tally {
    pub fn add(&mut self, grade: Grade, votes: u32) {
        match grade {
            Grade::Excellent => self.excellent += votes,
            Grade::Qualified => self.qualified += votes,
            Grade::Basic => self.basic += votes,
            Grade::Unqualified => self.unqualified += votes,
        }
    }

    pub fn total(&self) -> u32 {
        self.excellent + self.qualified + self.basic + self.unqualified
    }

    /// The votes for `grade`.
    pub fn of(&self, grade: Grade) -> u32 {
        match grade {
            Grade::Excellent => self.excellent,
            Grade::Qualified => self.qualified,
            Grade::Basic => self.basic,
            Grade::Unqualified => self.unqualified,
        }
    }
}

labelled_enum! {
    /// 组织处置 of a member found 不合格 (第三十条、第三十一条).
    pub enum DispositionKind {
        Rectify = ("rectify", "限期改正"),
        Persuade = ("persuade", "劝其退党"),
        Remove = ("remove", "除名"),
    }
}

labelled_enum! {
    /// The steps of a disposition in their order (M4.10).
    pub enum DispositionStep {
        /// 支部指派两名正式党员谈话, 告知评议结果和初步意见, 听取本人意见.
        Talk = ("talk", "组织谈话"),
        /// 上级预审 (限期改正: 基层党委; 劝退、除名: 上一级党委组织部门), in writing.
        PreReview = ("pre_review", "上级预审"),
        /// 支部大会: 本人可到会申辩, 无记名表决.
        Meeting = ("meeting", "支部大会表决"),
        /// 党委集体研究审批.
        Approval = ("approval", "党委审批"),
        /// 宣布并执行; a 限期改正 runs from this day.
        Announce = ("announce", "宣布执行"),
        /// 限期改正期满后考察.
        FollowUp = ("follow_up", "期满考察"),
    }
}

labelled_enum! {
    pub enum DispositionStatus {
        Open = ("open", "处置中"),
        /// Every step done.
        Done = ("done", "已办结"),
        /// A pre-review, vote or approval said no: the disposition ends there.
        Stopped = ("stopped", "已终止"),
    }
}

impl DispositionKind {
    /// Its steps in order: only a 限期改正 is followed up when its period ends.
    pub fn steps(self) -> &'static [DispositionStep] {
        use DispositionStep::*;
        match self {
            DispositionKind::Rectify => &[Talk, PreReview, Meeting, Approval, Announce, FollowUp],
            DispositionKind::Persuade | DispositionKind::Remove => {
                &[Talk, PreReview, Meeting, Approval, Announce]
            }
        }
    }

    /// Who pre-reviews it (rules file).
    pub fn pre_reviewer(self, rules: &Disposition) -> &str {
        match self {
            DispositionKind::Rectify => &rules.pre_review_rectification,
            _ => &rules.pre_review_persuade_or_remove,
        }
    }
}

/// A step as recorded: its day and whether it went ahead (a pre-review agreed, a vote
/// passed, an approval given, a member corrected at the follow-up; a talk and an
/// announcement always go ahead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDone {
    pub step: DispositionStep,
    pub on: NaiveDate,
    pub passed: bool,
}

/// Where a disposition stands from its steps.
pub fn status(kind: DispositionKind, done: &[StepDone]) -> DispositionStatus {
    let stopped = done
        .iter()
        .any(|s| !s.passed && s.step != DispositionStep::FollowUp);
    if stopped {
        DispositionStatus::Stopped
    } else if done.len() >= kind.steps().len() {
        DispositionStatus::Done
    } else {
        DispositionStatus::Open
    }
}

/// The step to record next, if any.
pub fn next_step(kind: DispositionKind, done: &[StepDone]) -> Option<DispositionStep> {
    if status(kind, done) != DispositionStatus::Open {
        return None;
    }
    kind.steps().get(done.len()).copied()
}

/// The day a 限期改正 ends and is to be followed up: its months from the announcement.
pub fn follow_up_due(kind: DispositionKind, done: &[StepDone], months: u32) -> Option<NaiveDate> {
    if kind != DispositionKind::Rectify {
        return None;
    }
    let announced = done.iter().find(|s| s.step == DispositionStep::Announce)?;
    announced.on.checked_add_months(Months::new(months))
}

/// Whether a disposition waits on its follow-up and the period has ended (the lists flag it:
/// 期满待考察).
pub fn follow_up_overdue(
    next: Option<DispositionStep>,
    due: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    next == Some(DispositionStep::FollowUp) && due.is_some_and(|d| d <= today)
}

/// What a disposition came to, said to a reader.
pub fn outcome(kind: DispositionKind, done: &[StepDone]) -> Option<String> {
    if let Some(s) = done
        .iter()
        .find(|s| !s.passed && s.step != DispositionStep::FollowUp)
    {
        return Some(match s.step {
            DispositionStep::PreReview => "上级预审未同意，处置终止".to_owned(),
            DispositionStep::Meeting => "支部大会表决未通过，处置终止".to_owned(),
            _ => "党委未批准，处置终止".to_owned(),
        });
    }
    if status(kind, done) != DispositionStatus::Done {
        return None;
    }
    Some(match kind {
        DispositionKind::Rectify => {
            if done.last().is_some_and(|s| s.passed) {
                "期满考察已改正，处置结束".to_owned()
            } else {
                "期满后仍无转变：应劝其退党，劝而不退的除名（第三十一条）".to_owned()
            }
        }
        DispositionKind::Persuade => {
            "已宣布劝其退党；劝而不退的，经支部大会讨论决定除名".to_owned()
        }
        DispositionKind::Remove => "已宣布除名".to_owned(),
    })
}

/// A step about to be recorded.
#[derive(Debug, Clone, Copy)]
pub struct NewStep {
    pub step: DispositionStep,
    pub on: NaiveDate,
    /// How many different members held the talk, and whether all are full members of the
    /// branch other than the member talked to.
    pub talkers: usize,
    pub talkers_full: bool,
    /// The branch meeting's count.
    pub ballot: Option<Ballot>,
}

/// Checks a step against those recorded: the next one in order, on a day not before the last
/// and not after today; the talk by the number of full members the rules name; the meeting
/// with a quorum (its count decides whether it passed); the follow-up not before the period
/// ends. Returns whether a meeting's vote passed (`None` for other steps).
pub fn check_step(
    kind: DispositionKind,
    done: &[StepDone],
    months: u32,
    new: &NewStep,
    today: NaiveDate,
    rules: &Disposition,
) -> Result<Option<bool>, FieldRefusal> {
    match next_step(kind, done) {
        None => return Err(("step", "该处置已办结或已终止".to_owned())),
        Some(next) if next != new.step => {
            return Err(("step", format!("下一步应为「{}」", next.label())));
        }
        Some(_) => {}
    }
    if new.on > today {
        return Err(("on", "日期不能晚于今天".to_owned()));
    }
    if let Some(last) = done.last()
        && new.on < last.on
    {
        return Err((
            "on",
            format!(
                "不能早于上一步「{}」的日期（{}）",
                last.step.label(),
                last.on
            ),
        ));
    }
    match new.step {
        DispositionStep::Talk => {
            if new.talkers != rules.talk_by_full_members as usize || !new.talkers_full {
                return Err((
                    "talkers",
                    format!(
                        "组织谈话须由支部指派的{}名正式党员进行（不含本人）",
                        rules.talk_by_full_members
                    ),
                ));
            }
            Ok(None)
        }
        DispositionStep::Meeting => {
            let Some(ballot) = new.ballot else {
                return Err(("expected", "请填写表决情况".to_owned()));
            };
            let counted = tally(ballot)?;
            if !counted.quorum {
                return Err((
                    "present",
                    format!(
                        "到会有表决权的党员{}人，未超过应到会{}人的半数，不能表决",
                        ballot.present, ballot.expected
                    ),
                ));
            }
            Ok(Some(counted.passed))
        }
        DispositionStep::FollowUp => match follow_up_due(kind, done, months) {
            Some(due) if new.on < due => {
                Err(("on", format!("限期改正至{due}期满，期满后方可考察")))
            }
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The grade of the latest decided review that bars 评先评优 on `day`: one of this year or the
/// last (a review decided in December speaks for the next 七一) below the rules' minimum
/// (`min_label`, a grade's label). A label the rules misspell bars nothing rather than all.
pub fn review_bar(
    latest: Option<(i32, Grade)>,
    day: NaiveDate,
    min_label: &str,
) -> Option<(i32, Grade)> {
    use chrono::Datelike;
    let (year, grade) = latest?;
    let min = Grade::ALL.iter().find(|g| g.label() == min_label)?;
    let recent = year == day.year() || year == day.year() - 1;
    (recent && grade > *min).then_some((year, grade))
}

labelled_enum! {
    /// The four grades of 书记抓党建述职评议 (综合评价, M5.2).
    pub enum DutyGrade {
        Good = ("good", "好"),
        FairlyGood = ("fairly_good", "较好"),
        Average = ("average", "一般"),
        Poor = ("poor", "差"),
    }
}

/// The 民主测评 of a 述职 as counted from the forms handed in by those present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DutyRatings {
    pub attendees: u32,
    pub good: u32,
    pub fairly_good: u32,
    pub average: u32,
    pub poor: u32,
}

impl DutyRatings {
    pub fn total(&self) -> u32 {
        self.good + self.fairly_good + self.average + self.poor
    }
}

/// Checks the counted forms: someone was there, and no more forms than people.
pub fn check_duty_ratings(r: &DutyRatings) -> Result<(), FieldRefusal> {
    if r.attendees == 0 {
        return Err(("attendees", "请填写参加测评的人数".to_owned()));
    }
    if r.total() > r.attendees {
        return Err((
            "good",
            format!("测评票共{}张，多于参加测评的{}人", r.total(), r.attendees),
        ));
    }
    Ok(())
}

/// Checks the overall grade: 一般 and 差 say what is wrong, for the 整改清单 that follows.
pub fn check_duty_grade(grade: DutyGrade, note: &str) -> Result<(), FieldRefusal> {
    match grade {
        DutyGrade::Average | DutyGrade::Poor if note.trim().is_empty() => Err((
            "note",
            format!("评为{}的，须写明主要问题和整改要求", grade.label()),
        )),
        _ => Ok(()),
    }
}

labelled_enum! {
    /// Where a 典型经验 stands.
    pub enum PracticeStatus {
        Submitted = ("submitted", "待审核"),
        /// Published to every org of the bureau.
        Published = ("published", "已发布"),
        /// Not published; the note says why.
        Returned = ("returned", "未采用"),
    }
}

/// Whether an org may record that it adopted a practice: a published one, from another org
/// (an org does not adopt what it made).
pub fn may_adopt(
    status: PracticeStatus,
    practice_org: i64,
    adopting_org: i64,
) -> Result<(), FieldRefusal> {
    if status != PracticeStatus::Published {
        return Err(("org", "只有已发布的典型经验可以学习借鉴".to_owned()));
    }
    if practice_org == adopting_org {
        return Err(("org", "这是本组织的经验，不需登记学习借鉴".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;
    use proptest::prelude::*;

    fn rules() -> Rules {
        Rules::load(None).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_follow_up_is_overdue_from_the_day_the_period_ends() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        let due = Some(day(10));
        assert!(!follow_up_overdue(
            Some(DispositionStep::FollowUp),
            due,
            day(9)
        ));
        assert!(follow_up_overdue(
            Some(DispositionStep::FollowUp),
            due,
            day(10)
        ));
        assert!(follow_up_overdue(
            Some(DispositionStep::FollowUp),
            due,
            day(11)
        ));
        assert!(!follow_up_overdue(
            Some(DispositionStep::Announce),
            due,
            day(11)
        ));
        assert!(!follow_up_overdue(
            Some(DispositionStep::FollowUp),
            None,
            day(11)
        ));
        assert!(!follow_up_overdue(None, due, day(11)));
    }

    #[test]
    fn the_excellent_share_is_one_third_of_those_graded() {
        let r = rules().democratic_review.excellent_max_ratio;
        for (graded, cap) in [
            (0, 0),
            (1, 0),
            (2, 0),
            (3, 1),
            (5, 1),
            (6, 2),
            (7, 2),
            (9, 3),
            (100, 33),
            (3000, 1000),
        ] {
            assert_eq!(excellent_cap(graded, r), cap, "{graded}");
        }
        assert_eq!(excellent_cap(10, 1.5), 10);
        assert_eq!(excellent_cap(10, -1.0), 0);
    }

    proptest! {
        #[test]
        fn the_cap_is_the_whole_third_for_any_branch(graded in 0u32..20_000) {
            prop_assert_eq!(excellent_cap(graded, 0.3333), graded / 3);
        }

        #[test]
        fn over_the_cap_exactly_when_excellent_exceed_a_third(ex in 0u32..60, rest in 0u32..60) {
            let mut grades = vec![Some(Grade::Excellent); ex as usize];
            grades.extend(vec![Some(Grade::Qualified); rest as usize]);
            let c = count_grades(&grades, 0.3333).unwrap();
            prop_assert_eq!(c.over_cap(), ex * 3 > ex + rest);
            prop_assert_eq!(c.graded, ex + rest);
        }
    }

    #[test]
    fn probationary_members_take_part_without_a_grade_unless_the_bureau_rates_them() {
        let r = rules();
        let (review, disp) = (&r.democratic_review, &r.disposition);
        let none = Proposal::default();
        assert!(check_proposal(true, &none, review, disp).is_ok());
        assert_eq!(
            check_proposal(false, &none, review, disp).unwrap_err().0,
            "grade"
        );
        let qualified = Proposal {
            grade: Some(Grade::Qualified),
            ..Proposal::default()
        };
        assert!(
            check_proposal(true, &qualified, review, disp)
                .unwrap_err()
                .1
                .contains("不评定等次")
        );
        let mut rated = review.clone();
        rated.probationary_members_rated = true;
        assert!(check_proposal(true, &qualified, &rated, disp).is_ok());
        let excellent = Proposal {
            grade: Some(Grade::Excellent),
            ..Proposal::default()
        };
        assert!(
            check_proposal(true, &excellent, &rated, disp)
                .unwrap_err()
                .1
                .contains("不评为优秀")
        );
        let unqualified = Proposal {
            grade: Some(Grade::Unqualified),
            reason: "长期不参加组织生活",
            disposition: Some(DispositionKind::Rectify),
            months: Some(6),
            ..Proposal::default()
        };
        let refused = check_proposal(true, &unqualified, &rated, disp)
            .unwrap_err()
            .1;
        assert!(refused.contains("延长预备期"), "{refused}");
        assert!(check_proposal(false, &unqualified, review, disp).is_ok());
    }

    #[test]
    fn basic_needs_a_plan_and_unqualified_a_reason_and_a_disposition_within_its_limit() {
        let r = rules();
        let (review, disp) = (&r.democratic_review, &r.disposition);
        let basic = Proposal {
            grade: Some(Grade::Basic),
            reason: "学习不够",
            ..Proposal::default()
        };
        assert_eq!(
            check_proposal(false, &basic, review, disp).unwrap_err().0,
            "plan"
        );
        let basic = Proposal {
            plan: "每月读书笔记",
            ..basic
        };
        assert!(check_proposal(false, &basic, review, disp).is_ok());
        let no_reason = Proposal {
            reason: " ",
            ..basic
        };
        assert_eq!(
            check_proposal(false, &no_reason, review, disp)
                .unwrap_err()
                .0,
            "reason"
        );
        let u = Proposal {
            grade: Some(Grade::Unqualified),
            reason: "拒不交纳党费",
            ..Proposal::default()
        };
        assert_eq!(
            check_proposal(false, &u, review, disp).unwrap_err().0,
            "disposition"
        );
        for (months, ok) in [
            (None, false),
            (Some(0), false),
            (Some(1), true),
            (Some(12), true),
            (Some(13), false),
        ] {
            let p = Proposal {
                disposition: Some(DispositionKind::Rectify),
                months,
                ..u
            };
            assert_eq!(
                check_proposal(false, &p, review, disp).is_ok(),
                ok,
                "{months:?}"
            );
        }
        let p = Proposal {
            disposition: Some(DispositionKind::Remove),
            ..u
        };
        assert!(check_proposal(false, &p, review, disp).is_ok());
    }

    #[test]
    fn a_decision_needs_every_grade_a_quorum_and_a_reason_over_the_cap() {
        assert!(
            count_grades(&[Some(Grade::Qualified), None], 0.3333)
                .unwrap_err()
                .1
                .contains("1名")
        );
        let c = count_grades(
            &[
                Some(Grade::Excellent),
                Some(Grade::Excellent),
                Some(Grade::Qualified),
            ],
            0.3333,
        )
        .unwrap();
        assert_eq!((c.excellent, c.cap, c.over_cap()), (2, 1, true));
        assert_eq!(check_decision(&c, 3, 3, "").unwrap_err().0, "excess_reason");
        assert!(check_decision(&c, 3, 3, "抗洪抢险中表现突出").is_ok());
        assert_eq!(check_decision(&c, 4, 2, "理由").unwrap_err().0, "present");
        assert!(check_decision(&c, 5, 3, "理由").is_ok());
        assert_eq!(check_decision(&c, 3, 4, "理由").unwrap_err().0, "present");
        assert_eq!(check_decision(&c, 0, 0, "理由").unwrap_err().0, "expected");
    }

    #[test]
    fn a_ballot_rates_others_once_each() {
        let graded = [1, 2, 3];
        assert!(check_ballot(&[(2, Grade::Excellent), (3, Grade::Basic)], &graded, 1).is_ok());
        assert!(check_ballot(&[], &graded, 1).is_ok());
        assert!(
            check_ballot(&[(1, Grade::Excellent)], &graded, 1)
                .unwrap_err()
                .1
                .contains("本人")
        );
        assert!(check_ballot(&[(9, Grade::Excellent)], &graded, 1).is_err());
        assert!(check_ballot(&[(2, Grade::Qualified), (2, Grade::Excellent)], &graded, 1).is_err());
        let mut t = Tally::default();
        t.add(Grade::Excellent, 2);
        t.add(Grade::Unqualified, 1);
        assert_eq!(
            (t.total(), t.of(Grade::Excellent), t.of(Grade::Qualified)),
            (3, 2, 0)
        );
    }

    #[test]
    fn a_grade_below_the_minimum_bars_this_year_and_the_next() {
        let day = d("2027-06-20");
        assert_eq!(
            review_bar(Some((2026, Grade::Basic)), day, "合格"),
            Some((2026, Grade::Basic))
        );
        assert_eq!(
            review_bar(Some((2027, Grade::Unqualified)), day, "合格"),
            Some((2027, Grade::Unqualified))
        );
        assert_eq!(
            review_bar(Some((2026, Grade::Qualified)), day, "合格"),
            None
        );
        assert_eq!(
            review_bar(Some((2026, Grade::Excellent)), day, "合格"),
            None
        );
        // Two years back no longer speaks; nor does no review.
        assert_eq!(
            review_bar(Some((2025, Grade::Unqualified)), day, "合格"),
            None
        );
        assert_eq!(review_bar(None, day, "合格"), None);
        // A bureau that bars only 不合格; a misspelt minimum bars nothing.
        assert_eq!(
            review_bar(Some((2026, Grade::Basic)), day, "基本合格"),
            None
        );
        assert_eq!(
            review_bar(Some((2026, Grade::Unqualified)), day, "基本合格"),
            Some((2026, Grade::Unqualified))
        );
        assert_eq!(
            review_bar(Some((2026, Grade::Unqualified)), day, "及格"),
            None
        );
    }

    #[test]
    fn a_duty_review_counts_no_more_forms_than_people_and_a_low_grade_says_why() {
        let r = DutyRatings {
            attendees: 20,
            good: 12,
            fairly_good: 6,
            average: 1,
            poor: 0,
        };
        assert!(check_duty_ratings(&r).is_ok());
        assert_eq!(r.total(), 19);
        assert_eq!(
            check_duty_ratings(&DutyRatings { good: 21, ..r })
                .unwrap_err()
                .0,
            "good"
        );
        assert_eq!(
            check_duty_ratings(&DutyRatings::default()).unwrap_err().0,
            "attendees"
        );
        assert!(check_duty_grade(DutyGrade::Good, "").is_ok());
        assert!(check_duty_grade(DutyGrade::FairlyGood, "").is_ok());
        for g in [DutyGrade::Average, DutyGrade::Poor] {
            assert_eq!(check_duty_grade(g, " ").unwrap_err().0, "note");
            assert!(check_duty_grade(g, "组织生活不规范，限期整改").is_ok());
        }
    }

    #[test]
    fn only_a_published_practice_of_another_org_is_adopted() {
        assert!(may_adopt(PracticeStatus::Published, 1, 2).is_ok());
        assert!(
            may_adopt(PracticeStatus::Published, 1, 1)
                .unwrap_err()
                .1
                .contains("本组织")
        );
        for s in [PracticeStatus::Submitted, PracticeStatus::Returned] {
            assert!(may_adopt(s, 1, 2).unwrap_err().1.contains("已发布"));
        }
    }

    fn step(step: DispositionStep, on: &str) -> NewStep {
        NewStep {
            step,
            on: d(on),
            talkers: 2,
            talkers_full: true,
            ballot: None,
        }
    }

    fn meeting(on: &str, expected: u32, present: u32, ayes: u32) -> NewStep {
        NewStep {
            ballot: Some(Ballot {
                expected,
                present,
                ayes_present: ayes,
                ..Ballot::default()
            }),
            ..step(DispositionStep::Meeting, on)
        }
    }

    #[test]
    fn a_rectification_runs_its_steps_in_order_and_is_followed_up_when_its_period_ends() {
        use DispositionStep::*;
        let r = rules();
        let rules = &r.disposition;
        let kind = DispositionKind::Rectify;
        let today = d("2027-12-31");
        let mut done: Vec<StepDone> = Vec::new();
        // Out of order.
        assert!(
            check_step(kind, &done, 6, &step(Meeting, "2026-01-05"), today, rules)
                .unwrap_err()
                .1
                .contains("组织谈话")
        );
        // One talker, or not full members.
        let one = NewStep {
            talkers: 1,
            ..step(Talk, "2026-01-05")
        };
        assert_eq!(
            check_step(kind, &done, 6, &one, today, rules)
                .unwrap_err()
                .0,
            "talkers"
        );
        let not_full = NewStep {
            talkers_full: false,
            ..step(Talk, "2026-01-05")
        };
        assert_eq!(
            check_step(kind, &done, 6, &not_full, today, rules)
                .unwrap_err()
                .0,
            "talkers"
        );
        // In the future.
        assert_eq!(
            check_step(kind, &done, 6, &step(Talk, "2028-01-01"), today, rules)
                .unwrap_err()
                .0,
            "on"
        );
        for (s, on) in [(Talk, "2026-01-05"), (PreReview, "2026-01-10")] {
            assert_eq!(
                check_step(kind, &done, 6, &step(s, on), today, rules),
                Ok(None)
            );
            done.push(StepDone {
                step: s,
                on: d(on),
                passed: true,
            });
        }
        // Before the last step's day.
        assert!(
            check_step(
                kind,
                &done,
                6,
                &meeting("2026-01-09", 9, 8, 7),
                today,
                rules
            )
            .unwrap_err()
            .1
            .contains("2026-01-10")
        );
        // No quorum; a count that cannot be.
        assert_eq!(
            check_step(
                kind,
                &done,
                6,
                &meeting("2026-01-12", 9, 4, 4),
                today,
                rules
            )
            .unwrap_err()
            .0,
            "present"
        );
        assert_eq!(
            check_step(
                kind,
                &done,
                6,
                &meeting("2026-01-12", 9, 10, 4),
                today,
                rules
            )
            .unwrap_err()
            .0,
            "present"
        );
        assert_eq!(
            check_step(
                kind,
                &done,
                6,
                &meeting("2026-01-12", 9, 8, 7),
                today,
                rules
            ),
            Ok(Some(true))
        );
        done.push(StepDone {
            step: Meeting,
            on: d("2026-01-12"),
            passed: true,
        });
        for (s, on) in [(Approval, "2026-01-20"), (Announce, "2026-01-25")] {
            assert_eq!(
                check_step(kind, &done, 6, &step(s, on), today, rules),
                Ok(None)
            );
            done.push(StepDone {
                step: s,
                on: d(on),
                passed: true,
            });
        }
        assert_eq!(follow_up_due(kind, &done, 6), Some(d("2026-07-25")));
        assert!(
            check_step(kind, &done, 6, &step(FollowUp, "2026-07-24"), today, rules)
                .unwrap_err()
                .1
                .contains("2026-07-25")
        );
        assert_eq!(
            check_step(kind, &done, 6, &step(FollowUp, "2026-07-25"), today, rules),
            Ok(None)
        );
        done.push(StepDone {
            step: FollowUp,
            on: d("2026-07-25"),
            passed: false,
        });
        assert_eq!(status(kind, &done), DispositionStatus::Done);
        assert!(outcome(kind, &done).unwrap().contains("劝其退党"));
        assert_eq!(next_step(kind, &done), None);
        assert!(check_step(kind, &done, 6, &step(FollowUp, "2026-08-01"), today, rules).is_err());
    }

    #[test]
    fn a_vote_that_fails_stops_the_disposition_and_removal_has_no_follow_up() {
        use DispositionStep::*;
        let r = rules();
        let kind = DispositionKind::Remove;
        assert_eq!(kind.pre_reviewer(&r.disposition), "上一级党委组织部门");
        assert_eq!(
            DispositionKind::Rectify.pre_reviewer(&r.disposition),
            "基层党委"
        );
        let done = [
            StepDone {
                step: Talk,
                on: d("2026-01-05"),
                passed: true,
            },
            StepDone {
                step: PreReview,
                on: d("2026-01-06"),
                passed: true,
            },
        ];
        // Five of nine present, four in favour: a quorum, but not passed.
        assert_eq!(
            check_step(
                kind,
                &done,
                0,
                &meeting("2026-01-07", 9, 5, 4),
                d("2026-02-01"),
                &r.disposition
            ),
            Ok(Some(false))
        );
        let mut stopped = done.to_vec();
        stopped.push(StepDone {
            step: Meeting,
            on: d("2026-01-07"),
            passed: false,
        });
        assert_eq!(status(kind, &stopped), DispositionStatus::Stopped);
        assert!(outcome(kind, &stopped).unwrap().contains("未通过"));
        assert_eq!(next_step(kind, &stopped), None);
        assert_eq!(follow_up_due(kind, &stopped, 6), None);
        let all: Vec<StepDone> = kind
            .steps()
            .iter()
            .map(|s| StepDone {
                step: *s,
                on: d("2026-01-07"),
                passed: true,
            })
            .collect();
        assert_eq!(status(kind, &all), DispositionStatus::Done);
        assert_eq!(outcome(kind, &all).as_deref(), Some("已宣布除名"));
    }

    proptest! {
        /// Whatever order steps are tried in, only the next one is accepted, so what is kept
        /// is always a prefix of the kind's steps.
        #[test]
        fn steps_are_kept_only_in_their_order(tries in proptest::collection::vec(0usize..6, 0..30), kind in 0usize..3) {
            let r = rules();
            let kind = DispositionKind::ALL[kind];
            let mut done: Vec<StepDone> = Vec::new();
            let mut day = d("2026-01-01");
            for t in tries {
                let s = DispositionStep::ALL[t];
                let new = NewStep { ballot: Some(Ballot { expected: 3, present: 3, ayes_present: 3, ..Ballot::default() }), ..step(s, &day.to_string()) };
                if let Ok(passed) = check_step(kind, &done, 1, &new, d("2030-01-01"), &r.disposition) {
                    prop_assert_eq!(Some(s), next_step(kind, &done));
                    done.push(StepDone { step: s, on: day, passed: passed.unwrap_or(true) });
                }
                day = day.checked_add_months(Months::new(1)).unwrap();
            }
            let kept: Vec<DispositionStep> = done.iter().map(|s| s.step).collect();
            prop_assert_eq!(&kind.steps()[..done.len()], kept.as_slice());
        }
    }
}
