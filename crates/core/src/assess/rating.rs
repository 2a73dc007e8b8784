//! 党组织考核评价 (issue 19, 1–2): an org is scored against an indicator set of its kind,
//! published by the committee office and never changed after (a change is a new version).
//! Each indicator is either computed from an area's records — organisational life held on
//! time, rectification closed on time, members at their study hours, the committee and its
//! term, dues paid, sanctions as deductions — or scored by the assessor on the evidence.
//!
//! Missing data is missing (DESIGN): an indicator whose area kept no records for the org
//! scores nothing, neither 0 nor full marks, and the total is scaled to the weight that had
//! data; below the rules' share of known weight the org gets no grade at all (数据不足).
//! Points are kept in tenths so that a share of a weight is exact to one decimal.

use chrono::NaiveDate;

use crate::dues::FieldRefusal;
use crate::org::OrgKind;
use crate::rules_second::{GradeBand, OrgRating};

labelled_enum! {
    /// How an indicator is scored.
    pub enum Method {
        /// National requirements of organisational life met on time / due (the org's own).
        OrgLife = ("org_life", "组织生活按期落实率"),
        /// Rectification items of the org and below due in the period, closed by their deadline.
        Rectification = ("rectification", "整改事项按期销号率"),
        /// Members on the roll at or below the org who reached the year's study hours.
        Study = ("study", "党员学时达标率"),
        /// A secretary in post and the term not overdue at the end of the period.
        Committee = ("committee", "班子配备与按期换届"),
        /// Monthly dues charged at or below the org in the period (before this month), paid
        /// in full.
        Dues = ("dues", "党费按月交纳率"),
        /// Each sanction decided in the period on a member at or below the org takes its
        /// points off the weight.
        Sanctions = ("sanctions", "违纪处分扣分"),
        /// Scored by the assessor of the org above, on the evidence the org gives.
        Assessor = ("assessor", "上级评分（凭佐证）"),
    }
}

impl Method {
    pub fn is_computed(self) -> bool {
        self != Method::Assessor
    }
}

labelled_enum! {
    /// Where an assessment round stands; each stage opens only after the one before.
    pub enum RoundStage {
        /// Each org scores itself on the assessor's indicators, with evidence.
        SelfAssessment = ("self_assessment", "党组织自评"),
        /// The computed indicators are taken from the records; the org above scores the rest.
        Upper = ("upper", "上级考核评分"),
        /// Each org sees its result and may object; the org above answers every objection.
        Feedback = ("feedback", "结果反馈与异议"),
        /// Grades are final and shown within scope (the org page, the export).
        Published = ("published", "已公布"),
    }
}

impl RoundStage {
    pub fn next(self) -> Option<RoundStage> {
        match self {
            RoundStage::SelfAssessment => Some(RoundStage::Upper),
            RoundStage::Upper => Some(RoundStage::Feedback),
            RoundStage::Feedback => Some(RoundStage::Published),
            RoundStage::Published => None,
        }
    }
}

labelled_enum! {
    /// A figure the performance-appraisal export may carry, named in the rules file.
    pub enum ExportField {
        OrgCode = ("org_code", "党组织代码"),
        OrgName = ("org_name", "党组织名称"),
        UnitCode = ("unit_code", "单位代码"),
        Period = ("period", "考核期间"),
        Total = ("total", "得分"),
        Grade = ("grade", "等次"),
        Secretary = ("secretary", "书记"),
    }
}

/// The kinds of org an indicator set may be written for (party groups are not assessed).
pub fn assessable(kind: OrgKind) -> bool {
    kind != OrgKind::Group
}

/// The scheme of the rules file, checked when the rules are loaded.
pub fn check_scheme(s: &OrgRating) -> Result<(), String> {
    if !(1..=1000).contains(&s.total_points) {
        return Err("考核指标满分须在1到1000之间".to_owned());
    }
    if !(0.0..=1.0).contains(&s.min_share_with_data) {
        return Err("考核评定所需有数据指标的权重比例须在0到1之间".to_owned());
    }
    check_bands(&s.grades)?;
    if s.performance_export.is_empty() {
        return Err("绩效考核导出须至少有一列".to_owned());
    }
    for c in &s.performance_export {
        if c.header.trim().is_empty() {
            return Err("绩效考核导出的列名不能为空".to_owned());
        }
        if ExportField::from_code(&c.field).is_none() {
            return Err(format!(
                "绩效考核导出的列“{}”取值“{}”无效，可用：{}",
                c.header,
                c.field,
                ExportField::ALL
                    .iter()
                    .map(|f| f.code())
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
    }
    Ok(())
}

fn check_bands(bands: &[GradeBand]) -> Result<(), String> {
    if bands.is_empty() || bands.iter().any(|b| b.label.trim().is_empty()) {
        return Err("考核等次须至少有一档，且每档有名称".to_owned());
    }
    if bands.windows(2).any(|w| w[0].min_points <= w[1].min_points)
        || bands.last().is_some_and(|b| b.min_points != 0)
    {
        return Err("考核等次的分数线须从高到低排列，最低一档从0分起".to_owned());
    }
    Ok(())
}

/// What an area's records say about an org for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The area kept no records bearing on the org in the period.
    NoData,
    /// `met` of `of` (periods held on time, items closed on time, members at their hours…).
    Share { met: u32, of: u32 },
    /// Records each taking the indicator's deduction off its weight.
    Deductions { count: u32 },
}

/// `a × b / c` rounded half up, in u64 so that no product overflows.
fn scale(a: u32, b: u32, c: u32) -> u32 {
    let (a, b, c) = (u64::from(a), u64::from(b), u64::from(c));
    u32::try_from((2 * a * b + c) / (2 * c)).unwrap_or(u32::MAX)
}

/// A computed indicator's points in tenths, or `None` for 无数据 (never 0 nor full marks for
/// want of records).
pub fn computed_points(fact: Fact, weight: u32, per_item: u32) -> Option<u32> {
    let full = weight * 10;
    match fact {
        Fact::NoData | Fact::Share { of: 0, .. } => None,
        Fact::Share { met, of } => Some(scale(full, met.min(of), of)),
        Fact::Deductions { count } => Some(full.saturating_sub(count.saturating_mul(per_item))),
    }
}

/// Points as typed ("8", "8.5"): at most one decimal, in tenths.
pub fn parse_points(raw: &str) -> Option<u32> {
    let raw = raw.trim();
    let (whole, tenth) = match raw.split_once('.') {
        Some((w, t)) if t.len() == 1 => (w, t),
        Some(_) => return None,
        None => (raw, "0"),
    };
    if whole.is_empty()
        || whole.len() > 4
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !tenth.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(whole.parse::<u32>().ok()? * 10 + tenth.parse::<u32>().ok()?)
}

/// Tenths as a person reads them: "8", "8.5".
pub fn points_text(tenths: u32) -> String {
    match tenths % 10 {
        0 => (tenths / 10).to_string(),
        t => format!("{}.{t}", tenths / 10),
    }
}

/// An indicator as written into a draft set.
#[derive(Debug, Clone, Copy)]
pub struct IndicatorDraft<'a> {
    pub name: &'a str,
    pub method: Method,
    /// Full points of the indicator.
    pub weight: u32,
    /// Tenths taken off per record, for deductions; 0 otherwise.
    pub per_item: u32,
    pub guide: &'a str,
}

/// An indicator of a draft, against the names the set already holds.
pub fn check_indicator(
    d: &IndicatorDraft<'_>,
    taken: &[&str],
    total_points: u32,
) -> Result<(), FieldRefusal> {
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(("name", "请填写指标名称（60字以内）".to_owned()));
    }
    if taken.iter().any(|t| t.trim() == name) {
        return Err(("name", format!("本指标体系已有“{name}”")));
    }
    if !(1..=total_points).contains(&d.weight) {
        return Err(("weight", format!("分值须在1到{total_points}之间")));
    }
    match d.method {
        Method::Sanctions if !(1..=d.weight * 10).contains(&d.per_item) => Err((
            "per_item",
            format!("每起扣分须大于0且不超过分值{}", d.weight),
        )),
        Method::Sanctions => Ok(()),
        _ if d.per_item != 0 => Err(("per_item", "只有扣分类指标填写每起扣分".to_owned())),
        Method::Assessor if d.guide.trim().is_empty() => {
            Err(("guide", "上级评分的指标须写明评分标准和所需佐证".to_owned()))
        }
        _ => Ok(()),
    }
}

/// A draft set may be published when it has indicators whose weights add up to the full score.
pub fn check_publish(weights: &[u32], total_points: u32) -> Result<(), String> {
    if weights.is_empty() {
        return Err("指标体系还没有指标".to_owned());
    }
    let sum: u32 = weights.iter().sum();
    if sum != total_points {
        return Err(format!("各指标分值合计{sum}分，须为满分{total_points}分"));
    }
    Ok(())
}

/// An assessor's points for an indicator (self or upper): within the weight, and a note —
/// the evidence for a self score, the reason for an upper score below full marks.
pub fn check_score(
    raw: &str,
    weight: u32,
    note: &str,
    note_needed_below_full: bool,
) -> Result<u32, FieldRefusal> {
    let Some(points) = parse_points(raw) else {
        return Err(("points", "请填写得分（最多一位小数）".to_owned()));
    };
    if points > weight * 10 {
        return Err(("points", format!("得分不能超过分值{weight}")));
    }
    let needs_note = !note_needed_below_full || points < weight * 10;
    if needs_note && note.trim().is_empty() {
        let message = if note_needed_below_full {
            "未得满分的，须写明扣分理由"
        } else {
            "请写明自评依据和佐证材料"
        };
        return Err(("note", message.to_owned()));
    }
    Ok(points)
}

/// The answer to an objection: always a reason; an upheld objection gives the indicator's new
/// points, which must change them.
pub fn check_answer(
    upheld: bool,
    answer: &str,
    new_points: Option<u32>,
    current: Option<u32>,
    weight: u32,
) -> Result<(), FieldRefusal> {
    if answer.trim().is_empty() {
        return Err(("answer", "请写明答复意见".to_owned()));
    }
    if !upheld {
        return Ok(());
    }
    match new_points {
        None => Err(("points", "异议成立的，请填写更正后的得分".to_owned())),
        Some(p) if p > weight * 10 => Err(("points", format!("得分不能超过分值{weight}"))),
        Some(p) if Some(p) == current => Err((
            "points",
            "更正后的得分与原得分相同；异议不成立的请选“不成立”".to_owned(),
        )),
        Some(_) => Ok(()),
    }
}

/// An org's total over its indicators' (weight, points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    /// Points of the indicators with data, in tenths.
    pub raw: u32,
    /// Weight of the indicators with data.
    pub weight_with_data: u32,
    /// Weight of the whole set.
    pub weight: u32,
    /// `raw` scaled to the whole set, in tenths; `None` when too little had data (数据不足).
    pub scaled: Option<u32>,
}

pub fn total(items: &[(u32, Option<u32>)], min_share_with_data: f64) -> Total {
    let weight: u32 = items.iter().map(|(w, _)| w).sum();
    let (raw, weight_with_data) = items
        .iter()
        .filter_map(|(w, p)| p.map(|p| (p.min(w * 10), *w)))
        .fold((0, 0), |(r, ww), (p, w)| (r + p, ww + w));
    let enough = weight_with_data > 0
        && f64::from(weight_with_data) >= min_share_with_data * f64::from(weight);
    Total {
        raw,
        weight_with_data,
        weight,
        scaled: enough.then(|| scale(raw, weight, weight_with_data)),
    }
}

/// The grade a total (tenths) earns: the first band whose line it reaches.
pub fn grade_for(total_tenths: u32, bands: &[GradeBand]) -> Option<&GradeBand> {
    bands.iter().find(|b| total_tenths >= b.min_points * 10)
}

/// The period an assessment round covers: a year or one of its quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    pub quarter: Option<u32>,
}

impl Period {
    /// A period as typed: a year, and a quarter or none (annual).
    pub fn parse(year: &str, quarter: &str) -> Result<Period, FieldRefusal> {
        let year = year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or(("year", "请填写考核年度".to_owned()))?;
        let quarter = match quarter.trim() {
            "" | "0" => None,
            q => Some(
                q.parse::<u32>()
                    .ok()
                    .filter(|q| (1..=4).contains(q))
                    .ok_or(("quarter", "季度须为1到4".to_owned()))?,
            ),
        };
        Ok(Period { year, quarter })
    }

    /// `[from, to)`.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        let day = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN);
        match self.quarter {
            None => (day(self.year, 1), day(self.year + 1, 1)),
            Some(4) => (day(self.year, 10), day(self.year + 1, 1)),
            Some(q) => (day(self.year, 3 * q - 2), day(self.year, 3 * q + 1)),
        }
    }

    pub fn label(&self) -> String {
        match self.quarter {
            None => format!("{}年度", self.year),
            Some(q) => format!("{}年第{q}季度", self.year),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;
    use proptest::prelude::*;

    fn bands() -> Vec<GradeBand> {
        Rules::load(None)
            .unwrap()
            .assessment
            .org_rating
            .grades
            .clone()
    }

    #[test]
    fn the_default_scheme_is_a_hundred_points_in_four_grades() {
        let s = &Rules::load(None).unwrap().assessment.org_rating;
        assert_eq!(s.total_points, 100);
        let labels: Vec<&str> = s.grades.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["好", "较好", "一般", "差"]);
        assert!(check_scheme(s).is_ok());
    }

    #[test]
    fn a_scheme_with_disordered_bands_or_unknown_columns_is_refused() {
        let mut s = Rules::load(None).unwrap().assessment.org_rating.clone();
        s.grades.swap(0, 1);
        assert!(check_scheme(&s).unwrap_err().contains("从高到低"));
        let mut s = Rules::load(None).unwrap().assessment.org_rating.clone();
        s.grades.pop();
        assert!(check_scheme(&s).unwrap_err().contains("从0分起"));
        let mut s = Rules::load(None).unwrap().assessment.org_rating.clone();
        s.performance_export[0].field = "salary".to_owned();
        assert!(check_scheme(&s).unwrap_err().contains("salary"));
        let mut s = Rules::load(None).unwrap().assessment.org_rating.clone();
        s.min_share_with_data = 1.5;
        assert!(check_scheme(&s).is_err());
        let mut s = Rules::load(None).unwrap().assessment.org_rating.clone();
        s.total_points = 0;
        assert!(check_scheme(&s).is_err());
        let mut s = Rules::load(None).unwrap().assessment.org_rating.clone();
        s.performance_export.clear();
        assert!(check_scheme(&s).is_err());
    }

    #[test]
    fn a_bureau_rates_by_stars_from_its_rules_file() {
        let rules = Rules::load(Some(
            "[assessment.org_rating]\ntotal_points = 100\nmin_share_with_data = 0.5\n\
             grades = [{ label = \"五星\", min_points = 95 }, { label = \"三星\", min_points = 75 }, { label = \"一星\", min_points = 0 }]\n\
             performance_export = [{ header = \"警务单位\", field = \"unit_code\" }, { header = \"党建分\", field = \"total\" }]\n",
        ))
        .unwrap();
        let g = &rules.assessment.org_rating.grades;
        assert_eq!(grade_for(960, g).unwrap().label, "五星");
        assert_eq!(grade_for(949, g).unwrap().label, "三星");
        assert_eq!(grade_for(0, g).unwrap().label, "一星");
        assert!(
            Rules::load(Some(
                "[assessment.org_rating]\ntotal_points = 100\nmin_share_with_data = 0.5\n\
                 grades = [{ label = \"好\", min_points = 60 }]\nperformance_export = [{ header = \"分\", field = \"total\" }]\n"
            ))
            .is_err()
        );
    }

    #[test]
    fn a_share_scores_its_part_of_the_weight_and_no_records_score_nothing() {
        assert_eq!(
            computed_points(Fact::Share { met: 10, of: 12 }, 20, 0),
            Some(167)
        );
        assert_eq!(
            computed_points(Fact::Share { met: 12, of: 12 }, 20, 0),
            Some(200)
        );
        assert_eq!(
            computed_points(Fact::Share { met: 0, of: 12 }, 20, 0),
            Some(0)
        );
        assert_eq!(
            computed_points(Fact::Share { met: 1, of: 2 }, 15, 0),
            Some(75)
        );
        assert_eq!(computed_points(Fact::Share { met: 0, of: 0 }, 20, 0), None);
        assert_eq!(computed_points(Fact::NoData, 20, 0), None);
        assert_eq!(
            computed_points(Fact::Deductions { count: 0 }, 10, 30),
            Some(100)
        );
        assert_eq!(
            computed_points(Fact::Deductions { count: 2 }, 10, 30),
            Some(40)
        );
        assert_eq!(
            computed_points(Fact::Deductions { count: 9 }, 10, 30),
            Some(0)
        );
    }

    #[test]
    fn points_are_typed_with_at_most_one_decimal() {
        assert_eq!(parse_points("8"), Some(80));
        assert_eq!(parse_points(" 8.5 "), Some(85));
        assert_eq!(parse_points("0"), Some(0));
        assert_eq!(parse_points("0.0"), Some(0));
        for bad in ["", "8.25", "-1", "八", "1e3", ".5", "8.", "99999", "8.x"] {
            assert_eq!(parse_points(bad), None, "{bad}");
        }
        assert_eq!(points_text(85), "8.5");
        assert_eq!(points_text(80), "8");
        assert_eq!(points_text(0), "0");
    }

    #[test]
    fn an_indicator_is_named_once_weighed_within_the_score_and_explained() {
        let d = |name, method, weight, per_item, guide| IndicatorDraft {
            name,
            method,
            weight,
            per_item,
            guide,
        };
        let ok = d("组织生活", Method::OrgLife, 20, 0, "");
        assert!(check_indicator(&ok, &[], 100).is_ok());
        assert_eq!(
            check_indicator(&ok, &["组织生活"], 100).unwrap_err().0,
            "name"
        );
        assert_eq!(
            check_indicator(&d(" ", Method::OrgLife, 20, 0, ""), &[], 100)
                .unwrap_err()
                .0,
            "name"
        );
        let long = "长".repeat(61);
        assert_eq!(
            check_indicator(&d(&long, Method::OrgLife, 20, 0, ""), &[], 100)
                .unwrap_err()
                .0,
            "name"
        );
        for w in [0, 101] {
            assert_eq!(
                check_indicator(&d("甲", Method::OrgLife, w, 0, ""), &[], 100)
                    .unwrap_err()
                    .0,
                "weight"
            );
        }
        assert_eq!(
            check_indicator(&d("甲", Method::OrgLife, 20, 5, ""), &[], 100)
                .unwrap_err()
                .0,
            "per_item"
        );
        for p in [0, 101] {
            assert_eq!(
                check_indicator(&d("甲", Method::Sanctions, 10, p, ""), &[], 100)
                    .unwrap_err()
                    .0,
                "per_item"
            );
        }
        assert!(check_indicator(&d("甲", Method::Sanctions, 10, 100, ""), &[], 100).is_ok());
        assert_eq!(
            check_indicator(&d("甲", Method::Assessor, 10, 0, " "), &[], 100)
                .unwrap_err()
                .0,
            "guide"
        );
        assert!(check_indicator(&d("甲", Method::Assessor, 10, 0, "查台账"), &[], 100).is_ok());
    }

    #[test]
    fn a_set_is_published_only_when_its_weights_make_the_full_score() {
        assert!(check_publish(&[], 100).unwrap_err().contains("没有指标"));
        assert!(
            check_publish(&[40, 50], 100)
                .unwrap_err()
                .contains("合计90分")
        );
        assert!(check_publish(&[40, 60, 1], 100).is_err());
        assert!(check_publish(&[40, 60], 100).is_ok());
    }

    #[test]
    fn a_score_stays_within_its_weight_and_gives_its_reason() {
        assert_eq!(check_score("8.5", 10, "台账齐全", false), Ok(85));
        assert_eq!(check_score("8.5", 10, "", false).unwrap_err().0, "note");
        assert_eq!(check_score("10", 10, "", true), Ok(100));
        assert_eq!(check_score("9", 10, " ", true).unwrap_err().0, "note");
        assert_eq!(check_score("10.5", 10, "x", true).unwrap_err().0, "points");
        assert_eq!(check_score("", 10, "x", true).unwrap_err().0, "points");
    }

    #[test]
    fn an_objection_is_answered_with_a_reason_and_an_upheld_one_changes_the_points() {
        assert_eq!(
            check_answer(false, " ", None, Some(50), 10).unwrap_err().0,
            "answer"
        );
        assert!(check_answer(false, "依据充分", None, Some(50), 10).is_ok());
        assert_eq!(
            check_answer(true, "成立", None, Some(50), 10)
                .unwrap_err()
                .0,
            "points"
        );
        assert_eq!(
            check_answer(true, "成立", Some(50), Some(50), 10)
                .unwrap_err()
                .0,
            "points"
        );
        assert_eq!(
            check_answer(true, "成立", Some(101), Some(50), 10)
                .unwrap_err()
                .0,
            "points"
        );
        assert!(check_answer(true, "成立", Some(80), Some(50), 10).is_ok());
        assert!(check_answer(true, "补录数据", Some(80), None, 10).is_ok());
    }

    #[test]
    fn the_total_is_scaled_to_the_weight_with_data_and_too_little_gets_no_grade() {
        let t = total(&[(50, Some(400)), (50, Some(500))], 0.5);
        assert_eq!((t.raw, t.scaled), (900, Some(900)));
        // Half the weight without data: 40 of 50 known scales to 80 of 100.
        let t = total(&[(50, Some(400)), (50, None)], 0.5);
        assert_eq!((t.raw, t.weight_with_data, t.scaled), (400, 50, Some(800)));
        let t = total(&[(40, Some(400)), (60, None)], 0.5);
        assert_eq!(t.scaled, None);
        assert_eq!(total(&[(100, None)], 0.0).scaled, None);
        assert_eq!(grade_for(900, &bands()).unwrap().label, "好");
        assert_eq!(grade_for(899, &bands()).unwrap().label, "较好");
        assert_eq!(grade_for(600, &bands()).unwrap().label, "一般");
        assert_eq!(grade_for(599, &bands()).unwrap().label, "差");
    }

    #[test]
    fn periods_cover_their_year_or_quarter() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let p = Period::parse("2025", "").unwrap();
        assert_eq!(p.range(), (d(2025, 1, 1), d(2026, 1, 1)));
        assert_eq!(p.label(), "2025年度");
        let q = Period::parse("2026", "3").unwrap();
        assert_eq!(q.range(), (d(2026, 7, 1), d(2026, 10, 1)));
        assert_eq!(q.label(), "2026年第3季度");
        assert_eq!(Period::parse("2026", "4").unwrap().range().1, d(2027, 1, 1));
        assert_eq!(Period::parse("2026", "1").unwrap().range().0, d(2026, 1, 1));
        assert_eq!(Period::parse("二〇二六", "").unwrap_err().0, "year");
        assert_eq!(Period::parse("2026", "5").unwrap_err().0, "quarter");
    }

    #[test]
    fn stages_run_in_order_and_end_at_publication() {
        let mut s = RoundStage::SelfAssessment;
        let mut seen = vec![s];
        while let Some(n) = s.next() {
            seen.push(n);
            s = n;
        }
        assert_eq!(seen, RoundStage::ALL);
        assert!(Method::ALL.iter().filter(|m| !m.is_computed()).count() == 1);
        assert!(!assessable(OrgKind::Group) && assessable(OrgKind::Branch));
    }

    proptest! {
        #[test]
        fn a_computed_indicator_never_leaves_its_weight(
            met in 0u32..5000, of in 0u32..5000, weight in 1u32..=1000, count in 0u32..1000, per in 1u32..10_000,
        ) {
            if let Some(p) = computed_points(Fact::Share { met, of }, weight, 0) {
                prop_assert!(p <= weight * 10);
                prop_assert!(of > 0);
            }
            let d = computed_points(Fact::Deductions { count }, weight, per).unwrap();
            prop_assert!(d <= weight * 10);
        }

        #[test]
        fn a_scaled_total_stays_within_the_set_and_equals_the_raw_when_all_is_known(
            items in proptest::collection::vec((1u32..=50, proptest::option::of(0u32..=500)), 1..12),
        ) {
            let t = total(&items, 0.5);
            if let Some(s) = t.scaled {
                prop_assert!(s <= t.weight * 10);
                prop_assert!(t.weight_with_data * 2 >= t.weight);
                if t.weight_with_data == t.weight {
                    prop_assert_eq!(s, t.raw);
                }
            } else {
                prop_assert!(t.weight_with_data * 2 < t.weight || t.weight_with_data == 0);
            }
        }

        #[test]
        fn a_higher_total_never_earns_a_lower_grade(a in 0u32..=1000, b in 0u32..=1000) {
            let bands = bands();
            let rank = |t| bands.iter().position(|x| x == grade_for(t, &bands).unwrap()).unwrap();
            if a >= b {
                prop_assert!(rank(a) <= rank(b));
            }
        }
    }
}
