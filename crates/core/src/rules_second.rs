//! The second batch of the regulations' numbers (`rules/rules-defaults-2.toml`, RULES-2.md):
//! the use and management of party dues, party-building funds, study hours, 民主评议 and the
//! disposition of unqualified members, assessment, awards and the effect of sanctions, care,
//! the 四风 and police-conduct categories, 警务督察, and the reported 2026 revision of the
//! development rules. Read with the first batch into one [`crate::rules::Rules`], so that a
//! bureau overrides and dates these values as any other. Lists of words (categories, steps)
//! are kept as the file gives them: they are what the pages offer and the records store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// 党费使用 (M1.1–M1.7).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct DuesUsage {
    pub principles: Vec<String>,
    /// 第十九条: what dues may be spent on, the five items.
    pub allowed_categories: Vec<String>,
    /// 第二十一条: allocated dues are earmarked (专款专用).
    pub allocated_funds_earmarked: bool,
    pub detailed_categories: BTreeMap<String, String>,
}

/// 党费管理 (M1.8–M1.14).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct DuesManagement {
    pub disclosure_to_members_per_year: u32,
    pub allowed_banks: Vec<String>,
    pub no_prepay_or_withholding_by_organisation: bool,
    pub no_special_dues: bool,
    /// A voluntary payment of at least this much (yuan) goes whole to the centre.
    pub voluntary_one_time_to_central_min: f64,
    pub remittance: Remittance,
}

/// What each level remits upward.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Remittance {
    pub provincial_to_central_ratio: f64,
    /// `MM-DD` of the following year.
    pub provincial_to_central_deadline: String,
    /// LOCAL: a branch keeps none of its dues unless the bureau says otherwise.
    pub branch_retention_ratio_default: f64,
}

/// 党建工作经费 (M2.x).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PartyBuildingFunds {
    pub funding_sources: Vec<String>,
    pub activity_rules: ActivityRules,
}

/// The default caps of party-building activities (中央和国家机关 2017; a bureau overrides).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ActivityRules {
    pub annual_plan_required: bool,
    /// `MM-DD`: the plan is filed with the level above by then.
    pub plan_filing_deadline: String,
    pub expense_items: Vec<String>,
    pub single_meal_day_per_person_max: f64,
    pub bus_over_25_seats_per_day_max: f64,
    pub bus_25_or_fewer_seats_per_day_max: f64,
    pub venue_per_person_per_half_day_max: f64,
    pub individual_allowances_allowed: bool,
    pub offsite_max_count: u32,
    pub offsite_period_years: u32,
    pub flights_allowed: bool,
    /// The "八个严禁": the negative list.
    pub prohibited: Vec<String>,
}

/// 党员教育培训 and 学时 (M3.x).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Training {
    /// 党员教育管理工作条例 第二十条.
    pub member_min_hours_per_year: u32,
    pub member_centralised_rotation_per_year: u32,
    pub secretary_and_committee_min_hours_per_year: u32,
    pub secretary_and_committee_min_centralised_trainings_per_year: u32,
    pub new_secretary_training_within_months: u32,
    pub development_object_min_days: u32,
    pub development_object_min_hours: u32,
    pub cadre_online_self_study_min_hours_per_year: u32,
    /// How study done turns into 学时 (the bureau's conversion).
    pub credit: crate::study::Credit,
    /// What a platform must not make anyone do or be judged by (减负).
    pub platform_constraints: PlatformConstraints,
}

/// 整治形式主义为基层减负: what the platform must never require or rank by.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PlatformConstraints {
    pub forbidden_mandatory_features: Vec<String>,
    pub forbidden_evaluation_inputs: Vec<String>,
    pub hours_may_be_recorded: bool,
}

/// 民主评议党员 (M4.1–M4.7).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct DemocraticReview {
    pub min_count: u32,
    pub steps: Vec<String>,
    pub grades: Vec<String>,
    /// At most this share of members rated 优秀.
    pub excellent_max_ratio: f64,
    pub probationary_members_rated: bool,
    pub probationary_member_remedies: Vec<String>,
}

/// 不合格党员的组织处置 (M4.8–M4.13).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Disposition {
    /// From the mildest: 提醒谈话 … 除名.
    pub escalation: Vec<String>,
    /// 第三十条: 限期改正 at most this long.
    pub rectification_max_months: u32,
    pub rectification_default_months: u32,
    /// The full members the branch sends to talk with the member (M4.10 ③).
    pub talk_by_full_members: u32,
    /// Who pre-reviews a 限期改正, and a 劝退 or 除名 (M4.10 ④).
    pub pre_review_rectification: String,
    pub pre_review_persuade_or_remove: String,
    pub quorum_exclusion_categories: Vec<String>,
    pub removal_cases: Vec<RemovalCase>,
}

/// 第三十一条: a case of removal and its outcome.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct RemovalCase {
    pub case: String,
    pub outcome: String,
    /// 自行脱党: this many consecutive months.
    #[serde(default)]
    pub consecutive_months: Option<u32>,
}

/// 考核评价 (M5.x).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Assessment {
    pub secretary_report: SecretaryReport,
    pub four_strong_branch: FourStrong,
    pub org_rating: OrgRating,
}

/// 党组织考核评价 (M5.2, M5.6; the bureau's own scheme): the full score of an indicator set,
/// the grade bands a total earns, and the performance-appraisal export's columns.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct OrgRating {
    pub total_points: u32,
    /// Below this share of the set's weight with data, an org gets no grade (数据不足).
    pub min_share_with_data: f64,
    /// Best first; the last band starts at 0.
    pub grades: Vec<GradeBand>,
    pub performance_export: Vec<ExportColumn>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct GradeBand {
    pub label: String,
    pub min_points: u32,
}

/// One column of the performance-appraisal export: its header and the figure it carries.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ExportColumn {
    pub header: String,
    pub field: String,
}

/// 书记抓基层党建述职评议.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct SecretaryReport {
    pub grades: Vec<String>,
    pub window_start_month: u32,
    pub window_end_month: u32,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FourStrong {
    pub criteria: Vec<String>,
}

/// 表彰 (M6.x).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Awards {
    pub party: PartyAwards,
    pub police: PoliceAwards,
    pub nomination_blocks: NominationBlocks,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PartyAwards {
    pub commendation_types: Vec<String>,
    pub glorious_50_years_min_party_age_years: u32,
    /// `MM-DD`: the party age counted to this day of the year.
    pub glorious_50_years_cutoff: String,
}

/// 公安机关人民警察奖励条令 (2016).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PoliceAwards {
    pub kinds: Vec<String>,
    pub no_same_or_lower_level_within_months: u32,
    pub collective_serious_violation_ban_months: u32,
    pub collective_especially_serious_ban_months: u32,
    pub individual_banned_during_sanction_period: bool,
    pub third_class_and_above_publicity_min_workdays: u32,
    /// Who approves each kind of award.
    pub approval_authority: BTreeMap<String, String>,
}

/// What bars a nomination (LOCAL engine defaults).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct NominationBlocks {
    pub block_during_party_discipline_effect: bool,
    pub block_during_government_sanction_period: bool,
    pub block_during_open_investigation: bool,
    /// The grade (a label of [`DemocraticReview::grades`]) below which the latest review bars.
    pub min_democratic_review_grade: String,
    /// Dues unpaid for the lapse's months bar too (LOCAL).
    #[serde(default)]
    pub block_during_dues_lapse: bool,
}

/// The effect of a sanction on the annual appraisal, year by year from its decision.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct SanctionEffect {
    pub kind: String,
    /// Per year: `no_excellent`, `no_grade` or `unqualified`.
    pub years: Vec<String>,
}

/// 关爱 (M7.x).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Care {
    /// 条例 第二十三条: those not held to attendance and hours.
    pub exempt_flags: Vec<String>,
    pub care_forms: Vec<String>,
    pub visit_target_groups: Vec<String>,
    pub holiday_visits: Vec<String>,
    pub political_birthday_reminder: bool,
    /// Days before a 政治生日 (the anniversary of joining) the to-do list names the member.
    pub political_birthday_notice_days: u32,
    /// Days without a follow-up after which an open hardship case is named in the to-do list.
    pub hardship_follow_up_days: u32,
}

/// 四风, 八项规定 and police-conduct categories (M8.x).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Discipline {
    pub ccdi_categories: CcdiCategories,
    pub four_forms: BTreeMap<String, String>,
    pub police_five_prohibitions: ItemList,
    pub police_banquet_drinking_six_rules: ItemList,
    /// 党纪处分 (RULES.md R6.1–R6.7; in the first file), lightest first.
    pub party: Vec<PartySanctionRule>,
    /// 政务处分 (R6.9; in the first file), lightest first.
    pub government: Vec<GovernmentSanctionRule>,
}

/// One kind of 党纪处分 and what follows from it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PartySanctionRule {
    pub kind: String,
    /// Months in which the member may not be promoted or further used (警告 12, …).
    #[serde(default)]
    pub influence_months: Option<u32>,
    /// 留党察看: the periods a decision may set (the longest is also the most an extension
    /// may reach).
    #[serde(default)]
    pub probation_options_months: Vec<u32>,
    /// 留党察看: months after the rights are restored in which no equal or higher post.
    #[serde(default)]
    pub influence_after_restore_months: Option<u32>,
    #[serde(default)]
    pub suspends_voting_rights: bool,
    #[serde(default)]
    pub removes_party_posts: bool,
    pub severity: crate::conduct::Severity,
    /// 开除党籍: years before the person may apply to join again.
    #[serde(default)]
    pub rejoin_ban_years: Option<u32>,
}

/// One kind of 政务处分 and its period.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct GovernmentSanctionRule {
    pub kind: String,
    /// None for 开除 (no period: the employment ends).
    #[serde(default)]
    pub period_months: Option<u32>,
    pub severity: crate::conduct::Severity,
}

/// 表彰 of the first file (R7.3).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Commendation {
    /// 优秀共产党员 only for full members (第十六条).
    pub outstanding_member_must_be_full_member: bool,
}

/// The CCDI's monthly categories of 四风 findings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct CcdiCategories {
    pub hedonism_extravagance: Vec<String>,
    pub formalism_bureaucratism: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ItemList {
    pub items: Vec<String>,
}

/// 警务督察 (M9.x).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PoliceInspection {
    pub min_inspectors: u32,
    pub categories: Vec<String>,
}

/// The reported 2026 revision of the development rules (M10), unverified: selectable, never
/// the default.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Development2026 {
    pub verified: bool,
    pub development_object_publicity_min_workdays: u32,
    /// `同意` (the claimed revision) or `备案` (2014).
    pub development_object_upper_step: String,
    pub branch_meeting_within_months_after_pre_review: u32,
    pub approval_normal_months: u32,
    pub approval_max_months: u32,
    pub oath_within_months_after_approval: u32,
    pub full_membership_approval_months: u32,
}

#[cfg(test)]
mod tests {
    use crate::rules::Rules;

    /// Issue 14, 12: the second file is read, each section typed, with the numbers of
    /// RULES-2.md.
    #[test]
    fn the_second_batch_is_read_with_its_numbers() {
        let rules = Rules::load(None).unwrap();
        assert_eq!(rules.training.member_min_hours_per_year, 32);
        assert_eq!(rules.training.development_object_min_hours, 24);
        assert_eq!(rules.democratic_review.grades.len(), 4);
        assert_eq!(rules.disposition.rectification_max_months, 12);
        assert_eq!(rules.disposition.removal_cases.len(), 6);
        assert_eq!(
            rules.disposition.removal_cases[5].consecutive_months,
            Some(6)
        );
        assert_eq!(rules.dues_usage.allowed_categories.len(), 5);
        assert!(rules.dues_usage.allocated_funds_earmarked);
        assert_eq!(
            rules.dues_management.remittance.provincial_to_central_ratio,
            0.05
        );
        assert_eq!(
            rules.party_building_funds.activity_rules.prohibited.len(),
            8
        );
        assert_eq!(rules.sanction_effects.len(), 14);
        assert_eq!(
            rules
                .awards
                .police
                .third_class_and_above_publicity_min_workdays,
            7
        );
        assert_eq!(rules.inspection.min_inspectors, 2);
        assert!(!rules.development_2026.verified);
        assert_eq!(
            rules
                .development_2026
                .development_object_publicity_min_workdays,
            5
        );
        assert_eq!(rules.care.exempt_flags.len(), 4);
        assert_eq!(rules.discipline.police_five_prohibitions.items.len(), 5);
        assert_eq!(
            rules.assessment.secretary_report.grades,
            ["好", "较好", "一般", "差"]
        );
    }

    #[test]
    fn a_bureau_overrides_the_second_batch_like_the_first() {
        let rules = Rules::load(Some(
            "[training]\nmember_min_hours_per_year = 40\n[party_building_funds.activity_rules]\nsingle_meal_day_per_person_max = 30.0\n",
        ))
        .unwrap();
        assert_eq!(rules.training.member_min_hours_per_year, 40);
        assert_eq!(
            rules.training.secretary_and_committee_min_hours_per_year,
            56
        );
        assert_eq!(
            rules
                .party_building_funds
                .activity_rules
                .single_meal_day_per_person_max,
            30.0
        );
    }
}
