//! 发展党员 (issue 18): the five stages and twenty-five steps of the 2014 细则 (R4.1–R4.24),
//! the time rules between them under the version of the rules in force — "2014", or the
//! reported, unverified "2026.05" revision (M10), whose differences are data — and the vote of
//! the branch general meeting (R4.14). Pure: a person's path is what has been recorded of it;
//! these functions say whether a step may be recorded on a day, when the next one is due, and
//! how late it is. Missing is missing: a step not recorded is never assumed done.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};

use crate::dues::FieldRefusal;
use crate::rules::{Calendar, Rules};

labelled_enum! {
    /// Which text governs: the 2014 细则 in force, or the reported 2026 revision (selectable,
    /// never the default while unverified).
    pub enum RuleVersion {
        V2014 = ("2014", "《发展党员工作细则》（2014年）"),
        V2026 = ("2026.05", "《发展党员工作细则》（2026年5月修订，未经核实）"),
    }
}

labelled_enum! {
    /// The five stages (R4.1).
    pub enum Stage {
        Applicant = ("applicant", "入党申请人"),
        Activist = ("activist", "入党积极分子"),
        Candidate = ("candidate", "发展对象"),
        Admission = ("admission", "预备党员的接收"),
        Probation = ("probation", "预备党员的教育考察和转正"),
    }
}

labelled_enum! {
    /// The twenty-five steps, in the order of the 细则 (R4.1).
    pub enum Step {
        Application = ("application", "递交入党申请书"),
        Talk = ("talk", "党组织派人谈话"),
        ActivistChosen = ("activist_chosen", "推荐和确定入党积极分子"),
        ActivistFiled = ("activist_filed", "报上级党委备案"),
        ContactsAssigned = ("contacts_assigned", "指定培养联系人"),
        Cultivation = ("cultivation", "培养教育考察"),
        CandidateChosen = ("candidate_chosen", "确定发展对象"),
        CandidateFiled = ("candidate_filed", "报上级党委备案（发展对象）"),
        Sponsors = ("sponsors", "确定入党介绍人"),
        PoliticalReview = ("political_review", "进行政治审查"),
        Training = ("training", "开展集中培训"),
        CommitteeReview = ("committee_review", "支部委员会审查"),
        PreReview = ("pre_review", "上级党委预审"),
        VolunteerForm = ("volunteer_form", "填写入党志愿书"),
        BranchMeeting = ("branch_meeting", "支部大会讨论接收"),
        ApprovalTalk = ("approval_talk", "上级党委派人谈话"),
        Approval = ("approval", "上级党委审批接收"),
        Filing = ("filing", "再上一级党委组织部门备案"),
        Placement = ("placement", "编入党支部和党小组"),
        Oath = ("oath", "入党宣誓"),
        ProbationEducation = ("probation_education", "继续教育考察"),
        ConversionApplication = ("conversion_application", "提出转正申请"),
        ConversionMeeting = ("conversion_meeting", "支部大会讨论转正"),
        ConversionApproval = ("conversion_approval", "上级党委审批转正"),
        Archive = ("archive", "材料归档"),
    }
}

impl Step {
    /// The step's number in the 细则, 1 to 25.
    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    pub fn stage(self) -> Stage {
        match self.number() {
            1..=2 => Stage::Applicant,
            3..=6 => Stage::Activist,
            7..=11 => Stage::Candidate,
            12..=18 => Stage::Admission,
            _ => Stage::Probation,
        }
    }

    /// The steps that must be recorded before this one. The 细则 orders the stages strictly;
    /// within a stage some steps stand side by side (the filing and the contact persons; the
    /// sponsors, the political review and the training).
    pub fn requires(self) -> &'static [Step] {
        use Step::*;
        match self {
            Application => &[],
            Talk => &[Application],
            ActivistChosen => &[Talk],
            ActivistFiled | ContactsAssigned => &[ActivistChosen],
            Cultivation => &[ContactsAssigned],
            CandidateChosen => &[ActivistFiled, Cultivation],
            CandidateFiled | Sponsors | PoliticalReview | Training => &[CandidateChosen],
            CommitteeReview => &[CandidateFiled, Sponsors, PoliticalReview, Training],
            PreReview => &[CommitteeReview],
            VolunteerForm => &[PreReview],
            BranchMeeting => &[VolunteerForm],
            ApprovalTalk => &[BranchMeeting],
            Approval => &[ApprovalTalk],
            Filing | Placement | Oath | ProbationEducation => &[Approval],
            ConversionApplication => &[Placement, Oath, ProbationEducation],
            ConversionMeeting => &[ConversionApplication],
            ConversionApproval => &[ConversionMeeting],
            Archive => &[ConversionApproval, Filing],
        }
    }
}

impl Step {
    /// The steps of an admission done again when its approval lapsed (R4.16: not approved
    /// within the longest limit, 重新办理 — the bureau's reading: from the branch committee's
    /// review to the committee's talk, the volunteer form filled anew).
    pub const ADMISSION_ROUND: [Step; 5] = [
        Step::CommitteeReview,
        Step::PreReview,
        Step::VolunteerForm,
        Step::BranchMeeting,
        Step::ApprovalTalk,
    ];

    /// Whether the step is the committee above's (or its organisation department's) to do,
    /// not the branch's: what the committee's to-do list holds.
    pub fn by_committee_above(self) -> bool {
        matches!(
            self,
            Step::ActivistFiled
                | Step::CandidateFiled
                | Step::PreReview
                | Step::ApprovalTalk
                | Step::Approval
                | Step::Filing
                | Step::ConversionApproval
        )
    }
}

labelled_enum! {
    /// The materials of a person's file (R4.23): each due once its step is done, all of them
    /// on file before the file is handed to the archive (step 25).
    pub enum Material {
        ApplicationLetter = ("application_letter", "入党申请书"),
        ThoughtReport = ("thought_report", "思想汇报"),
        CultivationRecord = ("cultivation_record", "入党积极分子培养教育考察登记表"),
        PoliticalReview = ("political_review", "政治审查材料"),
        TrainingCertificate = ("training_certificate", "集中培训结业证明"),
        VolunteerForm = ("volunteer_form", "入党志愿书"),
        ConversionApplication = ("conversion_application", "转正申请书"),
        ProbationRecord = ("probation_record", "预备党员教育考察表"),
    }
}

impl Material {
    /// The step after which the material belongs on file.
    pub fn after(self) -> Step {
        match self {
            Material::ApplicationLetter => Step::Application,
            Material::ThoughtReport | Material::CultivationRecord => Step::Cultivation,
            Material::PoliticalReview => Step::PoliticalReview,
            Material::TrainingCertificate => Step::Training,
            Material::VolunteerForm => Step::VolunteerForm,
            Material::ConversionApplication => Step::ConversionApplication,
            Material::ProbationRecord => Step::ProbationEducation,
        }
    }
}

/// The materials due on a path (their step done) and not on file.
pub fn missing_materials(path: &Path, on_file: &[Material]) -> Vec<Material> {
    Material::ALL
        .iter()
        .copied()
        .filter(|m| path.on(m.after()).is_some() && !on_file.contains(m))
        .collect()
}

/// The hand-over to the archive (step 25): every material on file.
pub fn check_archive(path: &Path, on_file: &[Material]) -> Result<(), FieldRefusal> {
    let missing = missing_materials(path, on_file);
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|m| m.label()).collect();
    Err((
        "step",
        format!("材料不全，不能归档：缺{}", names.join("、")),
    ))
}

/// How the committee above takes a 发展对象: 备案 (2014) or 同意 (as the 2026 revision is
/// reported to say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpperStep {
    Filing,
    Consent,
}

/// The numbers of the version in force, from the rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecruitmentRules {
    pub version: RuleVersion,
    pub min_age_years: u32,
    pub talk_within_months: u32,
    pub contacts_min: u32,
    pub contacts_max: u32,
    pub activist_review_months: u32,
    pub activist_min_months: u32,
    pub sponsors_required: u32,
    pub training_min_days: u32,
    pub training_min_hours: u32,
    /// Working days of 公示 before 确定发展对象, when required.
    pub publicity_min_workdays: Option<u32>,
    pub candidate_upper_step: UpperStep,
    /// The branch meeting within this many months of the 预审, when required.
    pub meeting_within_months_of_pre_review: Option<u32>,
    pub approval_within_months: u32,
    /// Past this, the approval lapses and admission starts again.
    pub approval_max_months: u32,
    /// The oath within this many months of the approval, when required.
    pub oath_within_months: Option<u32>,
    pub probation_months: u32,
    pub extension_times_max: u32,
    pub extension_min_months: u32,
    pub extension_max_months: u32,
    /// The branch meeting on 转正 within this many months of the probation's end (及时, R4.19;
    /// the number is the bureau's).
    pub conversion_meeting_months: u32,
    pub conversion_approval_months: u32,
    /// The bureau's public holidays, for the 公示's working days.
    pub calendar: Calendar,
}

impl RecruitmentRules {
    /// The rules of the version the rules file names (its check refuses any other).
    pub fn of(rules: &Rules) -> RecruitmentRules {
        let version =
            RuleVersion::from_code(&rules.development.version).unwrap_or(RuleVersion::V2014);
        RecruitmentRules::version(rules, version)
    }

    /// The rules of `version`, whatever the rules file puts in force.
    pub fn version(rules: &Rules, version: RuleVersion) -> RecruitmentRules {
        let d = &rules.development;
        let revised = &rules.development_2026;
        let v2026 = version == RuleVersion::V2026;
        RecruitmentRules {
            version,
            min_age_years: d.min_age_years,
            talk_within_months: d.talk_within_months_of_application,
            contacts_min: d.activist_contact_persons_min,
            contacts_max: d.activist_contact_persons_max,
            activist_review_months: d.activist_review_interval_months,
            activist_min_months: d.activist_min_months_before_candidate,
            sponsors_required: d.sponsors_required,
            training_min_days: d.candidate_training_min_days,
            training_min_hours: d.candidate_training_min_hours,
            publicity_min_workdays: if v2026 {
                Some(revised.development_object_publicity_min_workdays)
            } else {
                d.publicity_enabled.then_some(d.publicity_workdays)
            },
            candidate_upper_step: if v2026 && revised.development_object_upper_step == "同意" {
                UpperStep::Consent
            } else {
                UpperStep::Filing
            },
            meeting_within_months_of_pre_review: v2026
                .then_some(revised.branch_meeting_within_months_after_pre_review),
            approval_within_months: if v2026 {
                revised.approval_normal_months
            } else {
                d.approval_within_months
            },
            approval_max_months: if v2026 {
                revised.approval_max_months
            } else {
                d.approval_max_months
            },
            oath_within_months: v2026.then_some(revised.oath_within_months_after_approval),
            probation_months: d.probation_months,
            extension_times_max: d.probation_extension_times_max,
            extension_min_months: d.probation_extension_min_months,
            extension_max_months: d.probation_extension_max_months,
            conversion_meeting_months: d.conversion_meeting_within_months_after_probation,
            conversion_approval_months: if v2026 {
                revised.full_membership_approval_months
            } else {
                d.conversion_approval_within_months
            },
            calendar: rules.calendar.clone(),
        }
    }

    /// The step's name under this version (备案 or 同意 for the 发展对象).
    pub fn step_label(&self, step: Step) -> &'static str {
        match (step, self.candidate_upper_step) {
            (Step::CandidateFiled, UpperStep::Consent) => "报上级党委同意（发展对象）",
            _ => step.label(),
        }
    }
}

/// What has been recorded of one person's path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path {
    pub birth_date: Option<NaiveDate>,
    /// The day of each step recorded.
    pub done: BTreeMap<Step, NaiveDate>,
    /// The first day of the 公示 before 确定发展对象, when one was held.
    pub publicity_from: Option<NaiveDate>,
    /// The half-yearly reviews of the activist (R4.7).
    pub reviews: Vec<NaiveDate>,
    /// Months the probation was extended by (R4.19), if it was.
    pub extension_months: Option<u32>,
}

impl Path {
    pub fn on(&self, step: Step) -> Option<NaiveDate> {
        self.done.get(&step).copied()
    }

    /// The stage a person is in: that of the last step recorded (an applicant before any).
    pub fn stage(&self) -> Stage {
        self.done
            .keys()
            .max_by_key(|s| s.number())
            .map_or(Stage::Applicant, |s| s.stage())
    }

    /// The steps that may be recorded now: not done, and everything they follow done.
    pub fn next_steps(&self) -> Vec<Step> {
        Step::ALL
            .iter()
            .copied()
            .filter(|s| self.on(*s).is_none() && s.requires().iter().all(|r| self.on(*r).is_some()))
            .collect()
    }

    /// 入党时间: the day the branch meeting accepted them (R4.21).
    pub fn joined_on(&self) -> Option<NaiveDate> {
        self.on(Step::BranchMeeting)
    }

    /// The end of the probation: a year from the branch meeting, with the extension (R4.17,
    /// R4.19). 党龄 counts from this day.
    pub fn probation_ends(&self, rules: &RecruitmentRules) -> Option<NaiveDate> {
        let months = rules.probation_months + self.extension_months.unwrap_or(0);
        self.joined_on()?.checked_add_months(Months::new(months))
    }
}

fn plus_months(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Working days from `from` to `to`, both counted: Monday to Friday, less the public holidays
/// and with the weekend days worked, as the bureau's calendar in the rules file lists them.
pub fn workdays(from: NaiveDate, to: NaiveDate, calendar: &Calendar) -> u32 {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| calendar.is_workday(*d))
        .count() as u32
}

/// Whole years of age on `day`.
fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Whether `step` may be recorded as done on `on` (today being `today`): in order, not before
/// the steps it follows, and at its time. The first refusal, at its field.
pub fn check_step(
    step: Step,
    on: NaiveDate,
    today: NaiveDate,
    path: &Path,
    rules: &RecruitmentRules,
) -> Result<(), FieldRefusal> {
    if on > today {
        return Err(("on", "日期不能晚于今天".to_owned()));
    }
    if path.on(step).is_some() {
        return Err(("step", format!("“{}”已经记录", rules.step_label(step))));
    }
    for before in step.requires() {
        match path.on(*before) {
            None => {
                return Err((
                    "step",
                    format!(
                        "须先完成第{}步“{}”",
                        before.number(),
                        rules.step_label(*before)
                    ),
                ));
            }
            Some(day) if on < day => {
                return Err((
                    "on",
                    format!("不能早于“{}”的日期（{day}）", rules.step_label(*before)),
                ));
            }
            Some(_) => {}
        }
    }
    match step {
        Step::Application => match path.birth_date {
            Some(birth) if age_on(birth, on) >= rules.min_age_years as i32 => Ok(()),
            Some(_) => Err((
                "on",
                format!("递交入党申请书时须年满{}周岁", rules.min_age_years),
            )),
            None => Err(("on", "须有出生日期才能核对年龄".to_owned())),
        },
        Step::CandidateChosen => check_candidate(on, path, rules),
        Step::Approval => {
            let meeting = path.on(Step::BranchMeeting).unwrap_or(on);
            let lapse = plus_months(meeting, rules.approval_max_months);
            if on > lapse {
                Err((
                    "on",
                    format!(
                        "支部大会通过已超过{}个月（{lapse}）未审批，须重新履行接收手续",
                        rules.approval_max_months
                    ),
                ))
            } else {
                Ok(())
            }
        }
        Step::ConversionMeeting => match path.probation_ends(rules) {
            Some(end) if on < end => Err(("on", format!("预备期满（{end}）后才能讨论转正"))),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// 确定发展对象: a year and more as activist (R4.8), and the 公示 when the rules ask for one.
fn check_candidate(
    on: NaiveDate,
    path: &Path,
    rules: &RecruitmentRules,
) -> Result<(), FieldRefusal> {
    if let Some(activist) = path.on(Step::ActivistChosen) {
        let from = plus_months(activist, rules.activist_min_months);
        if on < from {
            return Err((
                "on",
                format!(
                    "确定为入党积极分子满{}个月后才能列为发展对象（{from}起）",
                    rules.activist_min_months
                ),
            ));
        }
    }
    if let Some(needed) = rules.publicity_min_workdays {
        // The days before the decision's own; a 公示 begun that day or later holds none.
        let held = path.publicity_from.map_or(0, |from| {
            workdays(from, on.pred_opt().unwrap_or(on), &rules.calendar)
        });
        if held < needed {
            return Err((
                "publicity_from",
                format!("列为发展对象前须公示不少于{needed}个工作日（已公示{held}个）"),
            ));
        }
    }
    Ok(())
}

/// A step due, by a day: recorded late past it. `lapses` marks the approval whose lateness
/// cannot be mended (past the longest limit, admission starts again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub step: Step,
    pub by: NaiveDate,
    pub lapses: Option<NaiveDate>,
}

/// The deadlines a path has now: each step whose time runs from a step recorded, not yet
/// done itself (the activist's reviews are [`next_review`]).
pub fn deadlines(path: &Path, rules: &RecruitmentRules) -> Vec<Due> {
    let mut due = Vec::new();
    let mut add = |step: Step, from: Step, months: u32, lapses: Option<u32>| {
        if path.on(step).is_none()
            && let Some(start) = path.on(from)
        {
            due.push(Due {
                step,
                by: plus_months(start, months),
                lapses: lapses.map(|m| plus_months(start, m)),
            });
        }
    };
    add(
        Step::Talk,
        Step::Application,
        rules.talk_within_months,
        None,
    );
    if let Some(months) = rules.meeting_within_months_of_pre_review {
        add(Step::BranchMeeting, Step::PreReview, months, None);
    }
    add(
        Step::Approval,
        Step::BranchMeeting,
        rules.approval_within_months,
        Some(rules.approval_max_months),
    );
    if let Some(months) = rules.oath_within_months {
        add(Step::Oath, Step::Approval, months, None);
    }
    add(
        Step::ConversionApproval,
        Step::ConversionMeeting,
        rules.conversion_approval_months,
        None,
    );
    if path.on(Step::ConversionMeeting).is_none()
        && let Some(end) = path.probation_ends(rules)
    {
        due.push(Due {
            step: Step::ConversionMeeting,
            by: plus_months(end, rules.conversion_meeting_months),
            lapses: None,
        });
    }
    due.sort_by_key(|d| d.by);
    due
}

/// The day an admission lapsed, when it has (R4.16): the branch meeting accepted, no approval
/// recorded, and `today` past the longest limit. The admission is then done again.
pub fn lapsed_on(path: &Path, rules: &RecruitmentRules, today: NaiveDate) -> Option<NaiveDate> {
    if path.on(Step::Approval).is_some() {
        return None;
    }
    let lapse = plus_months(path.on(Step::BranchMeeting)?, rules.approval_max_months);
    (today > lapse).then_some(lapse)
}

/// When an activist's next half-yearly review is due (R4.7): half a year from the last one,
/// or from the day they became an activist; none before or after that stage.
pub fn next_review(path: &Path, rules: &RecruitmentRules) -> Option<NaiveDate> {
    if path.on(Step::CandidateChosen).is_some() {
        return None;
    }
    let activist = path.on(Step::ActivistChosen)?;
    let last = path
        .reviews
        .iter()
        .copied()
        .filter(|d| *d >= activist)
        .max();
    Some(plus_months(
        last.unwrap_or(activist),
        rules.activist_review_months,
    ))
}

/// How many days past its deadline a step was recorded on `on` (0 when on time; `None` when
/// the step has no deadline on this path).
pub fn days_late(step: Step, on: NaiveDate, path: &Path, rules: &RecruitmentRules) -> Option<i64> {
    let mut before = path.clone();
    before.done.remove(&step);
    deadlines(&before, rules)
        .into_iter()
        .find(|d| d.step == step)
        .map(|d| (on - d.by).num_days().max(0))
}

/// A probation extended (R4.19): once at most, for six to twelve months.
pub fn check_extension(
    months: u32,
    path: &Path,
    rules: &RecruitmentRules,
) -> Result<(), FieldRefusal> {
    let used = u32::from(path.extension_months.is_some());
    if used >= rules.extension_times_max {
        return Err((
            "months",
            format!("预备期最多延长{}次", rules.extension_times_max),
        ));
    }
    if !(rules.extension_min_months..=rules.extension_max_months).contains(&months) {
        return Err((
            "months",
            format!(
                "延长预备期不能少于{}个月、最长不超过{}个月",
                rules.extension_min_months, rules.extension_max_months
            ),
        ));
    }
    if path.joined_on().is_none() {
        return Err(("months", "尚未接收为预备党员".to_owned()));
    }
    Ok(())
}

/// 培养联系人 (R4.6): one or two full members.
pub fn check_contacts(count: u32, rules: &RecruitmentRules) -> Result<(), FieldRefusal> {
    if (rules.contacts_min..=rules.contacts_max).contains(&count) {
        Ok(())
    } else {
        Err((
            "contacts",
            format!(
                "培养联系人为{}至{}名正式党员",
                rules.contacts_min, rules.contacts_max
            ),
        ))
    }
}

/// 入党介绍人 (R4.9): two full members (who is eligible is the service's to check).
pub fn check_sponsors(count: u32, rules: &RecruitmentRules) -> Result<(), FieldRefusal> {
    if count == rules.sponsors_required {
        Ok(())
    } else {
        Err((
            "sponsors",
            format!("入党介绍人须为{}名正式党员", rules.sponsors_required),
        ))
    }
}

/// 集中培训 (R4.11): at least three days, or at least twenty-four class hours.
pub fn check_training(days: u32, hours: u32, rules: &RecruitmentRules) -> Result<(), FieldRefusal> {
    if days >= rules.training_min_days || hours >= rules.training_min_hours {
        Ok(())
    } else {
        Err((
            "training",
            format!(
                "集中培训一般不少于{}天或{}学时",
                rules.training_min_days, rules.training_min_hours
            ),
        ))
    }
}

/// The count of a branch general meeting's vote on one candidate (R4.14): the members with a
/// vote expected and present, the ayes of those present, and the written opinions handed in
/// before the meeting by those absent (counted as votes, not as presence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ballot {
    pub expected: u32,
    pub present: u32,
    pub ayes_present: u32,
    pub written_ayes: u32,
    pub written_total: u32,
}

/// What a ballot decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// More than half of the voting members were present.
    pub quorum: bool,
    /// The ayes, written ones included, are more than half of the voting members expected.
    pub passed: bool,
    pub ayes: u32,
}

/// Counts a ballot, or says which count cannot be.
pub fn tally(ballot: Ballot) -> Result<Outcome, FieldRefusal> {
    let Ballot {
        expected,
        present,
        ayes_present,
        written_ayes,
        written_total,
    } = ballot;
    if expected == 0 {
        return Err(("expected", "应到会有表决权的党员人数须大于0".to_owned()));
    }
    if present > expected {
        return Err(("present", "实到人数不能多于应到人数".to_owned()));
    }
    if ayes_present > present {
        return Err(("ayes_present", "赞成票不能多于实到人数".to_owned()));
    }
    if written_total > expected - present {
        return Err((
            "written_total",
            "书面意见只能来自未到会的有表决权党员".to_owned(),
        ));
    }
    if written_ayes > written_total {
        return Err(("written_ayes", "书面赞成不能多于书面意见数".to_owned()));
    }
    let quorum = u64::from(present) * 2 > u64::from(expected);
    let ayes = ayes_present + written_ayes;
    Ok(Outcome {
        quorum,
        passed: quorum && u64::from(ayes) * 2 > u64::from(expected),
        ayes,
    })
}

/// A vote that accepts (R4.14, R4.19): a quorum, and more than half of the voting members in
/// favour; otherwise why not, at the field to mend. A vote that fails decides nothing here:
/// the branch may hold it again, or end the path.
pub fn check_vote(ballot: Ballot) -> Result<Outcome, FieldRefusal> {
    let outcome = tally(ballot)?;
    if !outcome.quorum {
        return Err((
            "meeting",
            format!(
                "到会有表决权的党员{}人，未超过应到会有表决权党员{}人的半数，不能表决",
                ballot.present, ballot.expected
            ),
        ));
    }
    if !outcome.passed {
        return Err((
            "ayes_present",
            format!(
                "赞成{}票（含书面意见），未超过应到会有表决权党员{}人的半数，未获通过",
                outcome.ayes, ballot.expected
            ),
        ));
    }
    Ok(outcome)
}

/// One person as the year's 党内统计 counts them.
#[derive(Debug, Clone, Default)]
pub struct Counted {
    pub path: Path,
    pub female: bool,
    pub extended_on: Option<NaiveDate>,
    /// The day the path ended before its last step, and whether it was 取消预备党员资格
    /// (else withdrawn or no longer cultivated).
    pub ended: Option<(NaiveDate, bool)>,
}

/// The flows of 发展党员 in a year and who is on the path at its end (党内统计).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flows {
    pub applied: u32,
    pub activists: u32,
    pub candidates: u32,
    /// 发展党员: admissions the committee above approved in the year.
    pub admitted: u32,
    pub admitted_female: u32,
    /// Of them, 35 or younger on the day of the branch meeting.
    pub admitted_young: u32,
    pub converted: u32,
    pub extended: u32,
    pub cancelled: u32,
    pub withdrawn: u32,
    /// On the path at the year's end, by stage (in the order of [`Stage::ALL`]).
    pub at_year_end: [u32; 5],
}

/// The age up to which an admission counts as young (党内统计's 35岁及以下).
const YOUNG_MAX_YEARS: i32 = 35;

/// Counts the year's flows from each person's recorded path: a step counts in the year of its
/// day; the year-end figures are the stages of those whose path began by then and had not
/// ended or reached 转正.
pub fn flows(year: i32, people: &[Counted]) -> Flows {
    let in_year = |day: Option<NaiveDate>| day.is_some_and(|d| d.year() == year);
    let Some(end) = NaiveDate::from_ymd_opt(year, 12, 31) else {
        return Flows::default();
    };
    let mut f = Flows::default();
    for p in people {
        let on = |step| p.path.on(step);
        f.applied += u32::from(in_year(on(Step::Application)));
        f.activists += u32::from(in_year(on(Step::ActivistChosen)));
        f.candidates += u32::from(in_year(on(Step::CandidateChosen)));
        if in_year(on(Step::Approval)) {
            f.admitted += 1;
            f.admitted_female += u32::from(p.female);
            let young = match (p.path.birth_date, p.path.joined_on()) {
                (Some(birth), Some(joined)) => age_on(birth, joined) <= YOUNG_MAX_YEARS,
                _ => false,
            };
            f.admitted_young += u32::from(young);
        }
        f.converted += u32::from(in_year(on(Step::ConversionApproval)));
        f.extended += u32::from(in_year(p.extended_on));
        match p.ended {
            Some((day, true)) if day.year() == year => f.cancelled += 1,
            Some((day, false)) if day.year() == year => f.withdrawn += 1,
            _ => {}
        }
        let began = on(Step::Application).is_some_and(|d| d <= end);
        let ended = p.ended.is_some_and(|(d, _)| d <= end)
            || on(Step::ConversionApproval).is_some_and(|d| d <= end);
        if began && !ended {
            let then = Path {
                done: p
                    .path
                    .done
                    .iter()
                    .filter(|(_, d)| **d <= end)
                    .map(|(s, d)| (*s, *d))
                    .collect(),
                ..Path::default()
            };
            let stage = then.stage();
            // Admitted (approved) is a probationary member; before that, still a candidate.
            let stage = if stage == Stage::Admission && then.on(Step::Approval).is_some() {
                Stage::Probation
            } else {
                stage
            };
            if let Some(i) = Stage::ALL.iter().position(|s| *s == stage) {
                f.at_year_end[i] += 1;
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rules(version: RuleVersion) -> RecruitmentRules {
        RecruitmentRules::version(&Rules::load(None).unwrap(), version)
    }

    const BOTH: [RuleVersion; 2] = [RuleVersion::V2014, RuleVersion::V2026];

    /// A path with every step up to and including `last` done, a day apart from 2024-01-02
    /// (the activist year and the probation stretched to their lengths).
    fn path_to(last: Step) -> Path {
        let mut path = Path {
            birth_date: Some(day(2000, 5, 1)),
            publicity_from: Some(day(2025, 1, 6)),
            ..Path::default()
        };
        let mut on = day(2024, 1, 2);
        for step in Step::ALL {
            if step.number() > last.number() {
                break;
            }
            on = match step {
                Step::CandidateChosen => day(2025, 1, 20),
                Step::ConversionMeeting => day(2026, 9, 1),
                _ => on.succ_opt().unwrap(),
            };
            path.done.insert(*step, on);
        }
        path
    }

    #[test]
    fn twenty_five_steps_in_five_stages_each_after_what_it_requires() {
        assert_eq!(Step::ALL.len(), 25);
        assert_eq!(Step::Application.number(), 1);
        assert_eq!(Step::Archive.number(), 25);
        let per_stage: Vec<usize> = Stage::ALL
            .iter()
            .map(|stage| Step::ALL.iter().filter(|s| s.stage() == *stage).count())
            .collect();
        assert_eq!(per_stage, [2, 4, 5, 7, 7]);
        for step in Step::ALL {
            for before in step.requires() {
                assert!(before.number() < step.number(), "{step:?} after {before:?}");
            }
        }
        // Every step but the first is reachable: something requires each earlier one.
        for step in &Step::ALL[..24] {
            assert!(
                Step::ALL.iter().any(|s| s.requires().contains(step)),
                "{step:?} leads nowhere"
            );
        }
    }

    #[test]
    fn the_two_versions_differ_only_where_the_revision_is_said_to() {
        let old = rules(RuleVersion::V2014);
        let new = rules(RuleVersion::V2026);
        assert_eq!(old.publicity_min_workdays, None);
        assert_eq!(new.publicity_min_workdays, Some(5));
        assert_eq!(old.meeting_within_months_of_pre_review, None);
        assert_eq!(new.meeting_within_months_of_pre_review, Some(1));
        assert_eq!(old.oath_within_months, None);
        assert_eq!(new.oath_within_months, Some(1));
        assert_eq!(old.candidate_upper_step, UpperStep::Filing);
        assert_eq!(new.candidate_upper_step, UpperStep::Consent);
        assert_eq!(
            new.step_label(Step::CandidateFiled),
            "报上级党委同意（发展对象）"
        );
        assert_eq!(
            old.step_label(Step::CandidateFiled),
            "报上级党委备案（发展对象）"
        );
        for (a, b) in [
            (old.approval_within_months, new.approval_within_months),
            (old.approval_max_months, new.approval_max_months),
            (old.activist_min_months, new.activist_min_months),
            (old.probation_months, new.probation_months),
        ] {
            assert_eq!(a, b);
        }
        assert_eq!(
            (old.approval_within_months, old.approval_max_months),
            (3, 6)
        );
        // The file's version is the one in force; a bureau's 2014 publicity is its own.
        let mut file = Rules::load(None).unwrap();
        assert_eq!(RecruitmentRules::of(&file).version, RuleVersion::V2014);
        file.development.publicity_enabled = true;
        assert_eq!(RecruitmentRules::of(&file).publicity_min_workdays, Some(5));
        file.development.version = "2026.05".to_owned();
        assert_eq!(RecruitmentRules::of(&file).version, RuleVersion::V2026);
        let unknown = Rules::load(Some("[development]\nversion = \"2019\"\n"));
        assert!(unknown.is_err());
    }

    #[test]
    fn steps_come_in_order_and_not_before_what_they_follow() {
        for version in BOTH {
            let r = rules(version);
            let today = day(2026, 12, 31);
            let empty = Path {
                birth_date: Some(day(2000, 1, 1)),
                ..Path::default()
            };
            let refused = check_step(Step::Talk, day(2024, 1, 1), today, &empty, &r).unwrap_err();
            assert_eq!(refused.0, "step");
            assert!(refused.1.contains("第1步“递交入党申请书”"), "{}", refused.1);
            let path = path_to(Step::Application);
            let applied = path.on(Step::Application).unwrap();
            assert_eq!(
                check_step(Step::Talk, applied.pred_opt().unwrap(), today, &path, &r)
                    .unwrap_err()
                    .0,
                "on"
            );
            assert_eq!(check_step(Step::Talk, applied, today, &path, &r), Ok(()));
            assert_eq!(
                check_step(Step::Application, applied, today, &path, &r)
                    .unwrap_err()
                    .0,
                "step",
                "recorded once"
            );
            assert_eq!(
                check_step(Step::Talk, today.succ_opt().unwrap(), today, &path, &r)
                    .unwrap_err()
                    .0,
                "on",
                "not in the future"
            );
            assert_eq!(check_step(Step::Talk, today, today, &path, &r), Ok(()));
            // Side by side within a stage: any order.
            let chosen = path_to(Step::CandidateChosen);
            let on = chosen.on(Step::CandidateChosen).unwrap();
            for step in [Step::Training, Step::PoliticalReview, Step::Sponsors] {
                assert_eq!(check_step(step, on, today, &chosen, &r), Ok(()), "{step:?}");
            }
            assert_eq!(
                check_step(Step::CommitteeReview, on, today, &chosen, &r)
                    .unwrap_err()
                    .0,
                "step"
            );
        }
    }

    #[test]
    fn an_applicant_is_eighteen_on_the_day() {
        let r = rules(RuleVersion::V2014);
        let path = Path {
            birth_date: Some(day(2008, 3, 28)),
            ..Path::default()
        };
        let today = day(2030, 1, 1);
        let check = |on| check_step(Step::Application, on, today, &path, &r);
        assert_eq!(check(day(2026, 3, 27)).unwrap_err().0, "on");
        assert_eq!(check(day(2026, 3, 28)), Ok(()));
        assert_eq!(check(day(2026, 3, 29)), Ok(()));
        // Born on 29 February: eighteen on 1 March of a common year.
        let leap = Path {
            birth_date: Some(day(2008, 2, 29)),
            ..Path::default()
        };
        let check = |on| check_step(Step::Application, on, today, &leap, &r);
        assert!(check(day(2026, 2, 28)).is_err());
        assert_eq!(check(day(2026, 3, 1)), Ok(()));
        let unknown = Path::default();
        assert_eq!(
            check_step(Step::Application, day(2026, 3, 1), today, &unknown, &r)
                .unwrap_err()
                .0,
            "on"
        );
    }

    #[test]
    fn a_candidate_after_a_full_year_as_activist_and_the_publicity_when_required() {
        let today = day(2030, 1, 1);
        let mut path = path_to(Step::Cultivation);
        let activist = day(2024, 3, 15);
        path.done.insert(Step::ActivistChosen, activist);
        for step in [
            Step::ActivistFiled,
            Step::ContactsAssigned,
            Step::Cultivation,
        ] {
            path.done.insert(step, day(2024, 4, 1));
        }
        // Publicity from Monday 2025-03-03: five working days are 3–7 March.
        path.publicity_from = Some(day(2025, 3, 3));
        let old = rules(RuleVersion::V2014);
        let check =
            |on, r: &RecruitmentRules| check_step(Step::CandidateChosen, on, today, &path, r);
        assert_eq!(check(day(2025, 3, 14), &old).unwrap_err().0, "on");
        assert_eq!(check(day(2025, 3, 15), &old), Ok(()));
        assert_eq!(check(day(2025, 3, 16), &old), Ok(()));
        let new = rules(RuleVersion::V2026);
        // 2025-03-15 is a Saturday: 3–7 and 10–14 March held, ten working days.
        assert_eq!(check(day(2025, 3, 15), &new), Ok(()));
        // Long an activist: only the publicity counts now. From Monday 10 March, four working
        // days are held before the 14th; five before Saturday the 15th.
        path.done.insert(Step::ActivistChosen, day(2024, 1, 10));
        path.publicity_from = Some(day(2025, 3, 10));
        let check =
            |on, r: &RecruitmentRules| check_step(Step::CandidateChosen, on, today, &path, r);
        let short = check(day(2025, 3, 14), &new).unwrap_err();
        assert_eq!(short.0, "publicity_from");
        assert!(short.1.contains("已公示4个"), "{}", short.1);
        assert_eq!(check(day(2025, 3, 15), &new), Ok(()));
        assert_eq!(check(day(2025, 3, 14), &old), Ok(()), "2014 asks for none");
        path.publicity_from = None;
        let check =
            |on, r: &RecruitmentRules| check_step(Step::CandidateChosen, on, today, &path, r);
        assert_eq!(
            check(day(2025, 4, 1), &new).unwrap_err().0,
            "publicity_from"
        );
        assert_eq!(check(day(2025, 4, 1), &old), Ok(()));
    }

    #[test]
    fn working_days_skip_weekends_and_the_bureaus_holidays() {
        let none = Calendar::default();
        assert_eq!(workdays(day(2025, 3, 3), day(2025, 3, 7), &none), 5);
        assert_eq!(workdays(day(2025, 3, 3), day(2025, 3, 9), &none), 5);
        assert_eq!(workdays(day(2025, 3, 8), day(2025, 3, 9), &none), 0);
        assert_eq!(workdays(day(2025, 3, 7), day(2025, 3, 10), &none), 2);
        assert_eq!(workdays(day(2025, 3, 10), day(2025, 3, 3), &none), 0);
        // 国庆 as a bureau lists it: the week off, and the Saturday after worked.
        let calendar = Calendar {
            holidays: (1..=7).map(|d| format!("2025-10-0{d}")).collect(),
            workdays: vec!["2025-10-11".to_owned()],
        };
        assert_eq!(workdays(day(2025, 9, 29), day(2025, 10, 12), &none), 10);
        assert_eq!(
            workdays(day(2025, 9, 29), day(2025, 10, 12), &calendar),
            2 + 3 + 1
        );
        assert!(calendar.is_workday(day(2025, 10, 11)));
        assert!(!calendar.is_workday(day(2025, 10, 12)));
    }

    #[test]
    fn the_publicity_counts_the_working_days_of_the_bureaus_calendar() {
        let mut r = rules(RuleVersion::V2026);
        let mut path = path_to(Step::Cultivation);
        // A year as activist long before; the 公示 from the Monday before 国庆.
        path.publicity_from = Some(day(2025, 9, 29));
        let on = day(2025, 10, 9);
        assert_eq!(
            check_candidate(on, &path, &r),
            Ok(()),
            "Mon to Wed, then Mon to Wed"
        );
        r.calendar.holidays = (1..=8).map(|d| format!("2025-10-0{d}")).collect();
        let refused = check_candidate(on, &path, &r).unwrap_err();
        assert_eq!(refused.0, "publicity_from");
        assert!(refused.1.contains("已公示2个"), "{}", refused.1);
    }

    #[test]
    fn the_approval_is_due_in_three_months_and_lapses_after_six() {
        for version in BOTH {
            let r = rules(version);
            let path = path_to(Step::ApprovalTalk);
            let meeting = path.on(Step::BranchMeeting).unwrap();
            let due = deadlines(&path, &r)
                .into_iter()
                .find(|d| d.step == Step::Approval)
                .unwrap();
            assert_eq!(due.by, meeting.checked_add_months(Months::new(3)).unwrap());
            let lapse = meeting.checked_add_months(Months::new(6)).unwrap();
            assert_eq!(due.lapses, Some(lapse));
            let today = day(2030, 1, 1);
            assert_eq!(days_late(Step::Approval, due.by, &path, &r), Some(0));
            assert_eq!(
                days_late(Step::Approval, due.by.succ_opt().unwrap(), &path, &r),
                Some(1)
            );
            assert_eq!(check_step(Step::Approval, lapse, today, &path, &r), Ok(()));
            let late = check_step(Step::Approval, lapse.succ_opt().unwrap(), today, &path, &r);
            assert!(late.unwrap_err().1.contains("重新履行接收手续"));
        }
    }

    #[test]
    fn the_talk_is_due_within_a_month_of_the_application() {
        for version in BOTH {
            let r = rules(version);
            let mut path = path_to(Step::Application);
            path.done.insert(Step::Application, day(2026, 1, 31));
            let due = deadlines(&path, &r);
            assert_eq!(due[0].step, Step::Talk);
            assert_eq!(
                due[0].by,
                day(2026, 2, 28),
                "a month from the 31st ends on the 28th"
            );
            assert_eq!(days_late(Step::Talk, day(2026, 2, 28), &path, &r), Some(0));
            assert_eq!(days_late(Step::Talk, day(2026, 3, 1), &path, &r), Some(1));
            assert_eq!(days_late(Step::Talk, day(2026, 2, 1), &path, &r), Some(0));
        }
    }

    #[test]
    fn the_revision_adds_its_deadlines_and_2014_has_none_of_them() {
        let path = path_to(Step::PreReview);
        let pre = path.on(Step::PreReview).unwrap();
        let new = rules(RuleVersion::V2026);
        let old = rules(RuleVersion::V2014);
        let meeting = |r: &RecruitmentRules| {
            deadlines(&path, r)
                .into_iter()
                .find(|d| d.step == Step::BranchMeeting)
        };
        assert_eq!(
            meeting(&new).map(|d| d.by),
            pre.checked_add_months(Months::new(1))
        );
        assert_eq!(meeting(&old), None);
        assert_eq!(days_late(Step::BranchMeeting, pre, &path, &old), None);
        let approved = path_to(Step::Approval);
        let oath = |r: &RecruitmentRules| {
            deadlines(&approved, r)
                .into_iter()
                .find(|d| d.step == Step::Oath)
        };
        assert!(oath(&new).is_some());
        assert_eq!(oath(&old), None);
    }

    #[test]
    fn probation_is_a_year_from_the_meeting_and_an_extension_moves_its_end_once() {
        let r = rules(RuleVersion::V2014);
        let mut path = path_to(Step::ConversionApplication);
        path.done.remove(&Step::ConversionMeeting);
        let meeting = day(2025, 3, 28);
        path.done.insert(Step::BranchMeeting, meeting);
        assert_eq!(path.joined_on(), Some(meeting));
        assert_eq!(path.probation_ends(&r), Some(day(2026, 3, 28)));
        let today = day(2030, 1, 1);
        let check = |on, p: &Path| check_step(Step::ConversionMeeting, on, today, p, &r);
        assert_eq!(check(day(2026, 3, 27), &path).unwrap_err().0, "on");
        assert_eq!(check(day(2026, 3, 28), &path), Ok(()));
        // Discussed 及时: within the bureau's month of the end.
        let due = deadlines(&path, &r);
        assert!(due.contains(&Due {
            step: Step::ConversionMeeting,
            by: day(2026, 4, 28),
            lapses: None
        }));
        assert_eq!(
            days_late(Step::ConversionMeeting, day(2026, 4, 28), &path, &r),
            Some(0)
        );
        assert_eq!(
            days_late(Step::ConversionMeeting, day(2026, 4, 29), &path, &r),
            Some(1)
        );
        assert_eq!(check_extension(5, &path, &r).unwrap_err().0, "months");
        assert_eq!(check_extension(13, &path, &r).unwrap_err().0, "months");
        assert_eq!(check_extension(6, &path, &r), Ok(()));
        assert_eq!(check_extension(12, &path, &r), Ok(()));
        path.extension_months = Some(6);
        assert_eq!(path.probation_ends(&r), Some(day(2026, 9, 28)));
        assert!(check(day(2026, 9, 27), &path).is_err());
        assert_eq!(check(day(2026, 9, 28), &path), Ok(()));
        assert!(check_extension(6, &path, &r).unwrap_err().1.contains("1次"));
        let never = RecruitmentRules {
            extension_times_max: 0,
            ..r.clone()
        };
        let fresh = Path {
            extension_months: None,
            ..path.clone()
        };
        assert!(check_extension(6, &fresh, &never).is_err());
        assert!(check_extension(6, &Path::default(), &r).is_err());
    }

    #[test]
    fn contacts_sponsors_and_training_by_their_numbers() {
        let r = rules(RuleVersion::V2014);
        assert!(check_contacts(0, &r).is_err());
        assert_eq!(check_contacts(1, &r), Ok(()));
        assert_eq!(check_contacts(2, &r), Ok(()));
        assert!(check_contacts(3, &r).is_err());
        assert!(check_sponsors(1, &r).is_err());
        assert_eq!(check_sponsors(2, &r), Ok(()));
        assert!(check_sponsors(3, &r).is_err());
        assert_eq!(check_training(3, 0, &r), Ok(()));
        assert_eq!(check_training(0, 24, &r), Ok(()));
        assert_eq!(check_training(2, 23, &r).unwrap_err().0, "training");
    }

    #[test]
    fn the_half_yearly_review_of_an_activist_is_due_from_the_last_one() {
        let r = rules(RuleVersion::V2014);
        let mut path = path_to(Step::Cultivation);
        let activist = path.on(Step::ActivistChosen).unwrap();
        let review = |p: &Path| next_review(p, &r);
        assert_eq!(review(&path), activist.checked_add_months(Months::new(6)));
        path.reviews.push(day(2024, 8, 1));
        assert_eq!(review(&path), Some(day(2025, 2, 1)));
        let candidate = path_to(Step::CandidateChosen);
        assert_eq!(review(&candidate), None, "no reviews once a candidate");
        assert_eq!(
            review(&path_to(Step::Talk)),
            None,
            "none before an activist"
        );
        // The review is no deadline of step 6: recording it is never late.
        assert_eq!(
            days_late(
                Step::Cultivation,
                day(2030, 1, 1),
                &path_to(Step::ContactsAssigned),
                &r
            ),
            None
        );
    }

    #[test]
    fn the_next_steps_are_those_whose_requirements_are_done() {
        assert_eq!(Path::default().next_steps(), vec![Step::Application]);
        assert_eq!(
            path_to(Step::CandidateChosen).next_steps(),
            vec![
                Step::CandidateFiled,
                Step::Sponsors,
                Step::PoliticalReview,
                Step::Training
            ]
        );
        assert_eq!(path_to(Step::Archive).next_steps(), Vec::<Step>::new());
    }

    #[test]
    fn stage_and_dates_follow_the_steps_recorded() {
        assert_eq!(Path::default().stage(), Stage::Applicant);
        assert_eq!(path_to(Step::ContactsAssigned).stage(), Stage::Activist);
        assert_eq!(path_to(Step::BranchMeeting).stage(), Stage::Admission);
        assert_eq!(path_to(Step::Archive).stage(), Stage::Probation);
        assert_eq!(path_to(Step::VolunteerForm).joined_on(), None);
    }

    #[test]
    fn a_vote_needs_its_quorum_and_more_than_half_of_the_expected_voters() {
        let ballot = |expected, present, ayes_present, written_ayes, written_total| Ballot {
            expected,
            present,
            ayes_present,
            written_ayes,
            written_total,
        };
        // Ten voting members: six present make a quorum, five do not.
        let out = tally(ballot(10, 5, 5, 0, 0)).unwrap();
        assert!(!out.quorum && !out.passed);
        let out = tally(ballot(10, 6, 5, 0, 0)).unwrap();
        assert!(
            out.quorum && !out.passed,
            "five ayes of ten is not more than half"
        );
        let out = tally(ballot(10, 6, 5, 1, 1)).unwrap();
        assert!(out.passed, "a written aye counts");
        assert_eq!(out.ayes, 6);
        let out = tally(ballot(11, 6, 6, 0, 0)).unwrap();
        assert!(out.quorum && out.passed);
        let out = tally(ballot(11, 6, 5, 0, 0)).unwrap();
        assert!(!out.passed);
        // Counts that cannot be.
        assert_eq!(tally(ballot(0, 0, 0, 0, 0)).unwrap_err().0, "expected");
        assert_eq!(tally(ballot(5, 6, 0, 0, 0)).unwrap_err().0, "present");
        assert_eq!(tally(ballot(5, 3, 4, 0, 0)).unwrap_err().0, "ayes_present");
        assert_eq!(tally(ballot(5, 3, 3, 0, 3)).unwrap_err().0, "written_total");
        assert_eq!(tally(ballot(5, 3, 3, 2, 1)).unwrap_err().0, "written_ayes");
        // A vote accepts only with both majorities; each failure at its own field.
        let (field, message) = check_vote(ballot(10, 5, 5, 0, 0)).unwrap_err();
        assert_eq!(field, "meeting");
        assert!(message.contains("到会有表决权的党员5人") && message.contains("10人"));
        let (field, message) = check_vote(ballot(10, 6, 5, 0, 0)).unwrap_err();
        assert_eq!(field, "ayes_present");
        assert!(message.contains("赞成5票"), "{message}");
        assert_eq!(check_vote(ballot(10, 6, 5, 1, 1)).unwrap().ayes, 6);
        assert_eq!(check_vote(ballot(0, 0, 0, 0, 0)).unwrap_err().0, "expected");
    }

    #[test]
    fn an_admission_lapses_the_day_after_its_longest_limit() {
        for version in BOTH {
            let r = rules(version);
            let path = path_to(Step::ApprovalTalk);
            let meeting = path.on(Step::BranchMeeting).unwrap();
            let lapse = plus_months(meeting, r.approval_max_months);
            assert_eq!(lapsed_on(&path, &r, lapse.pred_opt().unwrap()), None);
            assert_eq!(
                lapsed_on(&path, &r, lapse),
                None,
                "the last day still counts"
            );
            assert_eq!(
                lapsed_on(&path, &r, lapse.succ_opt().unwrap()),
                Some(lapse),
                "{version:?}"
            );
            // Approved, or no meeting yet: nothing lapses.
            assert_eq!(
                lapsed_on(&path_to(Step::Approval), &r, day(2040, 1, 1)),
                None
            );
            assert_eq!(
                lapsed_on(&path_to(Step::VolunteerForm), &r, day(2040, 1, 1)),
                None
            );
        }
    }

    #[test]
    fn the_materials_fall_due_with_their_steps_and_all_are_archived() {
        assert!(missing_materials(&Path::default(), &[]).is_empty());
        assert_eq!(
            missing_materials(&path_to(Step::Talk), &[]),
            [Material::ApplicationLetter]
        );
        assert!(missing_materials(&path_to(Step::Talk), &[Material::ApplicationLetter]).is_empty());
        let done = path_to(Step::ConversionApproval);
        assert_eq!(missing_materials(&done, &[]), Material::ALL);
        let (field, message) = check_archive(&done, &[Material::ApplicationLetter]).unwrap_err();
        assert_eq!(field, "step");
        assert!(
            message.starts_with("材料不全，不能归档：缺思想汇报"),
            "{message}"
        );
        assert_eq!(check_archive(&done, Material::ALL), Ok(()));
        // Each material's step is the one that produces it.
        for m in Material::ALL {
            assert!(missing_materials(&path_to(m.after()), &[]).contains(m));
            let before = m
                .after()
                .requires()
                .first()
                .map_or_else(Path::default, |s| path_to(*s));
            assert!(!missing_materials(&before, &[]).contains(m), "{m:?}");
        }
    }

    #[test]
    fn the_committee_above_does_the_filings_reviews_and_approvals() {
        let above: Vec<usize> = Step::ALL
            .iter()
            .filter(|s| s.by_committee_above())
            .map(|s| s.number())
            .collect();
        assert_eq!(above, [4, 8, 13, 16, 17, 18, 24]);
        assert_eq!(
            Step::ADMISSION_ROUND.map(Step::number),
            [12, 13, 14, 15, 16],
            "the round redone ends before the approval"
        );
    }

    #[test]
    fn the_years_flows_count_each_step_in_the_year_of_its_day() {
        let person = |last: Step, female: bool| Counted {
            path: path_to(last),
            female,
            ..Counted::default()
        };
        // path_to: steps from 2024-01-03, the candidate 2025-01-20, the rest a day apart after.
        let admitted = person(Step::Approval, true);
        let converted = person(Step::ConversionApproval, false);
        let mut cancelled = person(Step::Oath, false);
        cancelled.ended = Some((day(2025, 6, 1), true));
        let mut withdrawn = person(Step::Talk, true);
        withdrawn.ended = Some((day(2024, 3, 1), false));
        let mut extended = person(Step::ConversionApplication, false);
        extended.extended_on = Some(day(2026, 2, 1));
        // Accepted by the branch meeting, never approved: still in admission.
        let waiting = person(Step::BranchMeeting, false);
        let people = [admitted, converted, cancelled, withdrawn, extended, waiting];
        let y2024 = flows(2024, &people);
        assert_eq!(y2024.applied, 6);
        assert_eq!(
            y2024.activists, 5,
            "the one withdrawn never became an activist"
        );
        assert_eq!(y2024.withdrawn, 1);
        assert_eq!(y2024.admitted, 0);
        // At the end of 2024: five activists (the candidate day is in 2025), none withdrawn.
        assert_eq!(y2024.at_year_end, [0, 5, 0, 0, 0]);
        let y2025 = flows(2025, &people);
        assert_eq!((y2025.candidates, y2025.admitted), (5, 4));
        assert_eq!(y2025.admitted_female, 1);
        assert_eq!(y2025.admitted_young, 4, "born 2000, admitted at 24");
        assert_eq!(y2025.cancelled, 1);
        // 转正 approved in 2026 for path_to's dates: the three approved are probationary, the
        // one waiting for the approval still in admission.
        assert_eq!(y2025.at_year_end, [0, 0, 0, 1, 3]);
        let y2026 = flows(2026, &people);
        assert_eq!((y2026.converted, y2026.extended), (1, 1));
        assert_eq!(y2026.at_year_end, [0, 0, 0, 1, 2]);
        assert_eq!(flows(2023, &people), Flows::default());
    }

    proptest! {
        /// A ballot passes exactly when more than half were present and more than half of
        /// all expected voted aye; never more ayes than voters.
        #[test]
        fn a_tally_is_the_two_majorities(
            expected in 1u32..200,
            present_share in 0u32..=100,
            aye_share in 0u32..=100,
            written_share in 0u32..=100,
        ) {
            let present = expected * present_share / 100;
            let ayes_present = present * aye_share / 100;
            let written_total = (expected - present) * written_share / 100;
            let written_ayes = written_total * aye_share / 100;
            let out = tally(Ballot { expected, present, ayes_present, written_ayes, written_total }).unwrap();
            prop_assert_eq!(out.quorum, 2 * present > expected);
            prop_assert_eq!(out.passed, 2 * present > expected && 2 * (ayes_present + written_ayes) > expected);
            prop_assert!(out.ayes <= expected);
        }

        /// No step is ever accepted before a step it requires, whatever the days.
        #[test]
        fn no_step_before_its_requirements(offsets in proptest::collection::vec(0i64..800, 25), pick in 0usize..25, back in 1i64..400) {
            let r = rules(RuleVersion::V2014);
            let mut path = Path { birth_date: Some(day(1990, 1, 1)), ..Path::default() };
            let mut on = day(2020, 1, 1);
            for (i, step) in Step::ALL.iter().enumerate() {
                on += chrono::TimeDelta::days(offsets[i]);
                path.done.insert(*step, on);
            }
            let step = Step::ALL[pick];
            path.done.remove(&step);
            for before in step.requires() {
                let at = path.on(*before).unwrap() - chrono::TimeDelta::days(back);
                prop_assert!(check_step(step, at, day(2099, 1, 1), &path, &r).is_err());
            }
        }
    }
}
