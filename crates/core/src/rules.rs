//! The regulations' numbers, as data. The defaults are `rules/rules-defaults.toml` and
//! `rules/rules-defaults-2.toml` (see `rules_second`) (with the
//! regulation and article beside each value, and a confidence tag); a bureau may override any
//! value with a file of its own, which is laid over the defaults key by key. Code reads the
//! typed view below and never writes a regulation's number itself.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::compliance::Period;
pub use crate::compliance::Settings as ComplianceSettings;
use crate::orglife::{MeetingKind, PassRule, Quorum, TalkPair, Thresholds};
use crate::rectification::Escalation;
use crate::rules_second::{
    Assessment, Awards, Care, Commendation, DemocraticReview, Development2026, Discipline,
    Disposition, DuesManagement, DuesUsage, PartyBuildingFunds, PoliceInspection, SanctionEffect,
    Training,
};

/// The default rules, compiled in: the first batch (RULES.md) and the second (RULES-2.md),
/// read as one, the second laid over the first.
pub const DEFAULTS: &str = include_str!("../../../rules/rules-defaults.toml");
pub const DEFAULTS_2: &str = include_str!("../../../rules/rules-defaults-2.toml");

/// Why a rules file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("规则文件格式错误：{0}")]
    Syntax(String),
    #[error("规则取值无效：{0}")]
    Value(String),
}

/// 组织设置 (R1.1–R1.6).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct OrgSetup {
    /// A branch needs at least this many full members (R1.1).
    pub branch_min_full_members: u32,
    /// A branch has, as a rule, at most this many members (R1.2; advice).
    pub branch_max_members_typical: u32,
    /// A joint branch covers at most this many units (R1.3).
    pub joint_branch_max_units: u32,
    /// Above this many members a general branch may be set up (R1.6; advice).
    pub general_branch_min_members: u32,
    /// Above this many members a base committee may be set up (R1.6; advice).
    pub base_committee_min_members: u32,
}

/// 支部委员会 (R1.7, R1.9).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct BranchCommittee {
    /// From this many full members a branch must have a committee.
    pub required_from_full_members: u32,
    pub size_min: u32,
    pub size_typical_max: u32,
    pub size_max: u32,
    pub deputy_secretary_max: u32,
    pub secretary_min_party_age_years: u32,
}

/// 任期 (R8.1, R8.2, R8.11).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Terms {
    pub base_committee_years: u32,
    pub general_branch_years: u32,
    pub branch_years: u32,
    pub max_extension_or_advance_years: u32,
    pub reminder_before_expiry_months: u32,
}

/// 发展党员 under the 2014 细则 (R4.1–R4.24), and which version of the rules governs
/// (`version`: "2014", or the reported, unverified "2026.05" whose differences are
/// [`crate::rules_second::Development2026`]).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Development {
    pub version: String,
    pub min_age_years: u32,
    pub talk_within_months_of_application: u32,
    pub activist_contact_persons_min: u32,
    pub activist_contact_persons_max: u32,
    pub activist_review_interval_months: u32,
    pub activist_min_months_before_candidate: u32,
    pub sponsors_required: u32,
    pub candidate_training_min_days: u32,
    pub candidate_training_min_hours: u32,
    pub approval_within_months: u32,
    pub approval_max_months: u32,
    pub probation_months: u32,
    pub probation_extension_times_max: u32,
    pub probation_extension_min_months: u32,
    pub probation_extension_max_months: u32,
    /// How soon after the probation's end the branch meeting discusses 转正 (及时: local).
    pub conversion_meeting_within_months_after_probation: u32,
    pub conversion_approval_within_months: u32,
    /// A bureau's own 公示 before 发展对象 under the 2014 text (R4.24, local).
    pub publicity_workdays: u32,
    pub publicity_enabled: bool,
}

/// 党籍管理 (R5.5–R5.12).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct MembershipStatus {
    pub lost_contact_suspend_after_months: u32,
    pub flow_member_threshold_months: u32,
    pub intro_letter_validity_months: u32,
}

/// How sure the regulations' text behind a value is (RULES.md tags). A `Local` value is a
/// bureau's practice: missing it is a gap in local work, not a breach of a national rule, and
/// the pages say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    #[default]
    Official,
    Secondary,
    Local,
    Memory,
}

/// One kind of organisational life: how often, and its kind-specific numbers (R1.10–R1.17,
/// R2.4–R2.6).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct MeetingRule {
    pub period: Period,
    /// How many per period; 0 switches the requirement off.
    pub min_count: u32,
    #[serde(default)]
    pub confidence: Confidence,
    #[serde(default)]
    pub quorum: Option<Quorum>,
    #[serde(default)]
    pub pass_rule: Option<PassRule>,
    /// The share of expected attendees who must be present (民主生活会: 2/3).
    #[serde(default)]
    pub attendance_min_ratio: Option<f64>,
    /// The quarter the annual meeting is usually held in (advice, shown in plans).
    #[serde(default)]
    pub preferred_quarter: Option<u32>,
    /// 谈心谈话: the kinds of talk every member needs in the period (R1.16).
    #[serde(default, deserialize_with = "talk_pairs")]
    pub pairs: Vec<TalkPair>,
    /// 民主生活会: the days after the meeting within which it is reported to the level above
    /// (R2.9).
    #[serde(default)]
    pub report_within_days: Option<u32>,
}

/// Reads `pairs` by their codes, refusing one it does not know.
fn talk_pairs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<TalkPair>, D::Error> {
    let codes: Vec<String> = Deserialize::deserialize(d)?;
    codes
        .iter()
        .map(|c| {
            TalkPair::from_code(c)
                .ok_or_else(|| serde::de::Error::custom(format!("未知的谈心谈话类别：{c}")))
        })
        .collect()
}

impl MeetingRule {
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            quorum: self.quorum,
            attendance_min_ratio: self.attendance_min_ratio,
        }
    }
}

/// 组织生活: one rule per kind of meeting, keyed by the kind's code. Serialised to keep each
/// version the platform ran with (see `Services::record_rule_version`).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Meetings {
    pub branch_general_meeting: MeetingRule,
    pub branch_committee: MeetingRule,
    pub party_group: MeetingRule,
    pub theme_party_day: MeetingRule,
    pub party_lecture: MeetingRule,
    pub organizational_life_meeting: MeetingRule,
    pub democratic_review: MeetingRule,
    pub heart_to_heart_talk: MeetingRule,
    pub democratic_life_meeting: MeetingRule,
}

impl Meetings {
    pub fn rule(&self, kind: MeetingKind) -> &MeetingRule {
        use MeetingKind::*;
        match kind {
            BranchGeneralMeeting => &self.branch_general_meeting,
            BranchCommittee => &self.branch_committee,
            PartyGroup => &self.party_group,
            ThemePartyDay => &self.theme_party_day,
            PartyLecture => &self.party_lecture,
            OrganizationalLifeMeeting => &self.organizational_life_meeting,
            DemocraticReview => &self.democratic_review,
            HeartToHeartTalk => &self.heart_to_heart_talk,
            DemocraticLifeMeeting => &self.democratic_life_meeting,
        }
    }
}

/// Plans of organisational life (local defaults).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Plans {
    /// The fixed day of the month for 主题党日 (a later day than the month has is its last).
    pub theme_party_day_of_month: u32,
}

/// The rules the platform applies.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Rules {
    pub org_setup: OrgSetup,
    pub branch_committee: BranchCommittee,
    pub terms: Terms,
    pub development: Development,
    pub membership_status: MembershipStatus,
    pub meetings: Meetings,
    pub compliance: ComplianceSettings,
    pub plans: Plans,
    pub escalation: Escalation,
    pub commendation: Commendation,
    pub dues: crate::dues::DuesRules,
    pub funds: crate::funds::FundsRules,
    // The second batch (`rules-defaults-2.toml`).
    pub dues_usage: DuesUsage,
    pub dues_management: DuesManagement,
    pub party_building_funds: PartyBuildingFunds,
    pub training: Training,
    pub democratic_review: DemocraticReview,
    pub disposition: Disposition,
    pub assessment: Assessment,
    pub awards: Awards,
    pub sanction_effects: Vec<SanctionEffect>,
    pub care: Care,
    pub discipline: Discipline,
    pub inspection: PoliceInspection,
    pub development_2026: Development2026,
    /// The bureau's calendar of public holidays (none compiled in).
    #[serde(default)]
    pub calendar: Calendar,
}

/// The public holidays and the weekend days worked in their place (调休), as the State
/// Council publishes them each year: the bureau's list to keep, for counting working days
/// (the 公示 before 发展对象). Without it, Monday to Friday are working days.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct Calendar {
    /// `YYYY-MM-DD`, days off that would otherwise be working days.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// `YYYY-MM-DD`, weekend days worked.
    #[serde(default)]
    pub workdays: Vec<String>,
}

impl Calendar {
    /// Whether offices are open on `day`.
    pub fn is_workday(&self, day: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        let listed = |list: &[String]| list.iter().any(|d| parse_day(d) == Some(day));
        if listed(&self.workdays) {
            return true;
        }
        !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun)
            && !listed(&self.holidays)
    }
}

fn parse_day(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

impl Rules {
    /// The defaults with a bureau's overrides (TOML text) laid over them.
    pub fn load(overrides: Option<&str>) -> Result<Rules, RulesError> {
        let mut base: toml::Table = DEFAULTS
            .parse()
            .map_err(|e: toml::de::Error| RulesError::Syntax(e.to_string()))?;
        let second: toml::Table = DEFAULTS_2
            .parse()
            .map_err(|e: toml::de::Error| RulesError::Syntax(e.to_string()))?;
        merge(&mut base, second);
        if let Some(text) = overrides {
            let over: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| RulesError::Syntax(e.to_string()))?;
            merge(&mut base, over);
        }
        let rules: Rules = toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| RulesError::Value(e.to_string()))?;
        rules.check()?;
        Ok(rules)
    }

    /// Values that would make the checks meaningless are refused.
    fn check(&self) -> Result<(), RulesError> {
        let c = &self.branch_committee;
        if c.size_min == 0 || c.size_min > c.size_max || c.size_typical_max > c.size_max {
            return Err(RulesError::Value("支委会人数上下限不一致".to_owned()));
        }
        if self.org_setup.branch_min_full_members == 0 || self.terms.branch_years == 0 {
            return Err(RulesError::Value(
                "党支部最少正式党员数与任期须大于0".to_owned(),
            ));
        }
        if self.development.probation_months == 0 {
            return Err(RulesError::Value("预备期须大于0".to_owned()));
        }
        if let Some(bad) = self
            .calendar
            .holidays
            .iter()
            .chain(&self.calendar.workdays)
            .find(|d| parse_day(d).is_none())
        {
            return Err(RulesError::Value(format!(
                "节假日安排中的日期“{bad}”无效，应为 YYYY-MM-DD"
            )));
        }
        if crate::recruitment::RuleVersion::from_code(&self.development.version).is_none() {
            return Err(RulesError::Value(
                "发展党员工作细则的版本须为 2014 或 2026.05".to_owned(),
            ));
        }
        for kind in MeetingKind::ALL {
            let rule = self.meetings.rule(*kind);
            if rule
                .attendance_min_ratio
                .is_some_and(|r| !(0.0..=1.0).contains(&r))
                || rule
                    .preferred_quarter
                    .is_some_and(|q| !(1..=4).contains(&q))
            {
                return Err(RulesError::Value(format!(
                    "{}的到会比例须在0到1之间、建议季度须在1到4之间",
                    kind.label()
                )));
            }
        }
        if !(1..=31).contains(&self.plans.theme_party_day_of_month) {
            return Err(RulesError::Value("主题党日固定日须在1到31之间".to_owned()));
        }
        self.escalation
            .check()
            .map_err(|m| RulesError::Value(m.to_owned()))?;
        if crate::care::glorious_fifty_window(2000, self).is_none() {
            return Err(RulesError::Value(
                "“光荣在党50年”的计算日须为月-日，如 07-01".to_owned(),
            ));
        }
        self.dues.check().map_err(RulesError::Value)?;
        // R3.11 is written in both files; the two must say the same.
        if self.dues.large_voluntary_one_time_threshold
            != self.dues_management.voluntary_one_time_to_central_min
        {
            return Err(RulesError::Value(
                "一次性自愿多交党费全额上缴中央的数额在两处须一致".to_owned(),
            ));
        }
        self.funds
            .check(
                &self.party_building_funds.activity_rules,
                &self.party_building_funds.funding_sources,
            )
            .map_err(RulesError::Value)?;
        crate::assess::rating::check_scheme(&self.assessment.org_rating)
            .map_err(RulesError::Value)?;
        if !(0.0..=1.0).contains(&self.compliance.min_existence_ratio) {
            return Err(RulesError::Value("组织存续比例须在0到1之间".to_owned()));
        }
        Ok(())
    }

    /// The term of an org of this kind, in years.
    pub fn term_years(&self, kind: crate::org::OrgKind) -> u32 {
        use crate::org::OrgKind::*;
        match kind {
            Committee => self.terms.base_committee_years,
            GeneralBranch => self.terms.general_branch_years,
            Branch | Group => self.terms.branch_years,
        }
    }
}

/// The rules in force on each day: versions of the whole rules, each from its first day.
/// Every judgement reads the version of the day it judges — a transfer letter's validity the
/// day it was issued, a probation the day of admission, a period of organisational life its
/// own days — and today's judgements (coverage, escalation) the current one.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleBook {
    /// By first day, ascending; the first governs every earlier day too.
    versions: Vec<(NaiveDate, Rules)>,
}

impl RuleBook {
    /// One version for all time.
    pub fn single(rules: Rules) -> RuleBook {
        RuleBook {
            versions: vec![(NaiveDate::MIN, rules)],
        }
    }

    /// Versions by first day (sorted here; a later one on the same day replaces an earlier);
    /// None when there are none.
    pub fn from_versions(mut versions: Vec<(NaiveDate, Rules)>) -> Option<RuleBook> {
        versions.sort_by_key(|(from, _)| *from);
        let mut kept: Vec<(NaiveDate, Rules)> = Vec::with_capacity(versions.len());
        for (from, rules) in versions {
            match kept.last_mut() {
                Some(last) if last.0 == from => last.1 = rules,
                _ => kept.push((from, rules)),
            }
        }
        (!kept.is_empty()).then_some(RuleBook { versions: kept })
    }

    /// The defaults with a bureau's overrides as their own dated layer: an override file with
    /// `[meta] effective_from = YYYY-MM-DD` applies from that day (the defaults alone before
    /// it); without it the overrides apply to every day.
    pub fn load(overrides: Option<&str>) -> Result<RuleBook, RulesError> {
        let Some(text) = overrides else {
            return Ok(RuleBook::single(Rules::load(None)?));
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| RulesError::Syntax(e.to_string()))?;
        let from = match table.get("meta").and_then(|m| m.get("effective_from")) {
            None => None,
            Some(toml::Value::Datetime(d)) => {
                Some(d.to_string().parse::<NaiveDate>().map_err(|_| {
                    RulesError::Value("effective_from 须为日期，如 2026-03-01".to_owned())
                })?)
            }
            Some(_) => {
                return Err(RulesError::Value(
                    "effective_from 须为日期，如 2026-03-01".to_owned(),
                ));
            }
        };
        let merged = Rules::load(Some(text))?;
        Ok(match from {
            None => RuleBook::single(merged),
            Some(from) => RuleBook {
                versions: vec![(NaiveDate::MIN, Rules::load(None)?), (from, merged)],
            },
        })
    }

    /// The rules in force on `day`.
    pub fn on(&self, day: NaiveDate) -> &Rules {
        let at = self.versions.partition_point(|(from, _)| *from <= day);
        &self.versions[at.saturating_sub(1)].1
    }

    /// Every version with its first day.
    pub fn versions(&self) -> &[(NaiveDate, Rules)] {
        &self.versions
    }

    /// The versions of the organisational-life rules, for the compliance engine.
    pub fn meeting_versions(&self) -> Vec<crate::compliance::RuleVersion> {
        self.versions
            .iter()
            .map(|(from, rules)| crate::compliance::RuleVersion {
                from: *from,
                meetings: rules.meetings.clone(),
            })
            .collect()
    }
}

/// Lays `over` onto `base`: tables merge key by key, any other value replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over_inner)) => {
                merge(inner, over_inner)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules come from the file only (issue 14, 11): the compiled-in file parses and
    /// carries the regulations' numbers.
    #[test]
    fn the_compiled_in_defaults_parse() {
        let rules = Rules::load(None).unwrap();
        assert_eq!(rules.branch_committee.required_from_full_members, 7);
        assert_eq!(rules.term_years(crate::org::OrgKind::Committee), 5);
        assert_eq!(rules.term_years(crate::org::OrgKind::Branch), 3);
        assert_eq!(rules.membership_status.lost_contact_suspend_after_months, 6);
        assert_eq!(rules.meetings.party_lecture.confidence, Confidence::Local);
    }

    #[test]
    fn a_bureau_override_replaces_only_what_it_names() {
        let rules = Rules::load(Some("[org_setup]\nbranch_max_members_typical = 40\n")).unwrap();
        assert_eq!(rules.org_setup.branch_max_members_typical, 40);
        assert_eq!(rules.org_setup.branch_min_full_members, 3);
    }

    /// Issue 14, 12: the bureau's file is its own dated layer, and each day reads the
    /// version in force on it.
    #[test]
    fn a_dated_override_applies_from_its_day_and_the_defaults_before() {
        let book = RuleBook::load(Some(
            "[meta]\neffective_from = 2026-03-01\n[membership_status]\nintro_letter_validity_months = 2\n",
        ))
        .unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(
            book.on(day(2, 28))
                .membership_status
                .intro_letter_validity_months,
            3
        );
        assert_eq!(
            book.on(day(3, 1))
                .membership_status
                .intro_letter_validity_months,
            2
        );
        assert_eq!(
            book.on(NaiveDate::MIN)
                .membership_status
                .intro_letter_validity_months,
            3
        );
        assert_eq!(book.meeting_versions().len(), 2);
        // Undated, the overrides hold for every day.
        let undated = RuleBook::load(Some(
            "[membership_status]\nintro_letter_validity_months = 2\n",
        ))
        .unwrap();
        assert_eq!(undated.versions().len(), 1);
        assert_eq!(
            undated
                .on(day(1, 1))
                .membership_status
                .intro_letter_validity_months,
            2
        );
        assert!(matches!(
            RuleBook::load(Some("[meta]\neffective_from = \"三月\"\n")),
            Err(RulesError::Value(_))
        ));
    }

    #[test]
    fn versions_are_kept_by_day_and_the_first_governs_before_it() {
        let base = Rules::load(None).unwrap();
        let mut later = base.clone();
        later.terms.branch_years = 5;
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let book = RuleBook::from_versions(vec![
            (day(2024, 1, 1), later.clone()),
            (day(2020, 1, 1), base.clone()),
        ])
        .unwrap();
        assert_eq!(book.on(day(2019, 5, 1)).terms.branch_years, 3);
        assert_eq!(book.on(day(2023, 12, 31)).terms.branch_years, 3);
        assert_eq!(book.on(day(2024, 1, 1)).terms.branch_years, 5);
        // Two versions of one day: the later replaces the earlier.
        let same = RuleBook::from_versions(vec![(day(2024, 1, 1), base), (day(2024, 1, 1), later)])
            .unwrap();
        assert_eq!(same.versions().len(), 1);
        assert_eq!(same.on(day(2030, 1, 1)).terms.branch_years, 5);
        assert!(RuleBook::from_versions(Vec::new()).is_none());
    }

    #[test]
    fn nonsense_overrides_are_refused_with_a_message() {
        assert!(matches!(
            Rules::load(Some("[org_setup")),
            Err(RulesError::Syntax(_))
        ));
        assert!(matches!(
            Rules::load(Some("[org_setup]\nbranch_min_full_members = \"三\"")),
            Err(RulesError::Value(_))
        ));
        assert!(matches!(
            Rules::load(Some("[branch_committee]\nsize_min = 9")),
            Err(RulesError::Value(_))
        ));
        assert!(matches!(
            Rules::load(Some("[escalation]\nyellow_days_before = 30")),
            Err(RulesError::Value(_))
        ));
        assert!(matches!(
            Rules::load(Some("[awards.party]\nglorious_50_years_cutoff = \"七一\"")),
            Err(RulesError::Value(_))
        ));
        // Each bound of the check at its edge (mutation testing, issue 14, 16).
        assert!(
            Rules::load(Some(
                "[branch_committee]\nsize_min = 7\nsize_typical_max = 7"
            ))
            .is_ok()
        );
        assert!(Rules::load(Some("[branch_committee]\nsize_typical_max = 8")).is_err());
        assert!(Rules::load(Some("[terms]\nbranch_years = 0")).is_err());
        assert!(Rules::load(Some("[meetings.party_lecture]\npreferred_quarter = 5")).is_err());
        assert!(
            Rules::load(Some(
                "[meetings.democratic_life_meeting]\nattendance_min_ratio = 1.5"
            ))
            .is_err()
        );
        let rules = Rules::load(None).unwrap();
        let t = rules.meetings.democratic_life_meeting.thresholds();
        assert_eq!(t.attendance_min_ratio, Some(0.6667));
        assert_eq!(
            rules.meetings.branch_committee.thresholds().quorum,
            rules.meetings.branch_committee.quorum
        );
    }
}
