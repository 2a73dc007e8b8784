//! 党费 (issue 17; RULES.md §3, 中组发〔2008〕3号): each member's monthly dues from their
//! category and base — the whole base at one bracket's rate, never marginal — the months a
//! payment may be for, hardship reductions, the six-month rule, voluntary payments that go
//! whole to the centre, and the roll-up that makes every level add up to the fen. Every rate,
//! bracket, limit and amount comes from the rules file.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::money::{Fen, Rate, Rounding};
use crate::org::OrgPath;

/// One bracket: bases up to `upper_inclusive` yuan (none: no upper bound) pay `rate`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Bracket {
    #[serde(default)]
    pub upper_inclusive: Option<f64>,
    pub rate: f64,
}

/// 第六条: the fixed monthly amounts, in yuan.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct FixedMonthly {
    pub farmer_min: f64,
    pub farmer_max: f64,
    pub student: f64,
    pub unemployed: f64,
    pub relief_dependent: f64,
    pub minimum_living_allowance: f64,
}

/// 党费收缴 (R3.1–R3.14), the `[dues]` table of the rules file.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct DuesRules {
    /// R3.3: the base is after 个人所得税.
    pub deduct_income_tax: bool,
    /// R3.3: whether the member's own social insurance and housing fund are deducted too
    /// (it differs by province: a bureau setting).
    pub deduct_personal_social_insurance_and_housing_fund: bool,
    /// R3.12: 每季度交纳一次 with the branch's consent.
    pub quarterly_payment_allowed_with_branch_consent: bool,
    /// R3.12: 补交一般不得超过6个月 — more needs a reason on the record.
    pub max_back_pay_months: u32,
    /// R3.13: 无正当理由连续6个月不交纳 → 按自行脱党处理 (by the branch meeting, never here).
    pub lapse_after_consecutive_unpaid_months: u32,
    /// LOCAL: from this many months unpaid in a row the lists warn, before the rule is met.
    pub lapse_warning_from_months: u32,
    /// R3.11: a one-time voluntary payment of at least this (yuan) goes whole to the centre.
    pub large_voluntary_one_time_threshold: f64,
    /// R3.14 (LOCAL).
    pub rounding: Rounding,
    /// R3.2: 按月领取工资 and 年薪制.
    pub employed: Vec<Bracket>,
    /// R3.5: 离退休.
    pub retired: Vec<Bracket>,
    pub fixed_monthly: FixedMonthly,
}

impl DuesRules {
    /// Refuses brackets that would not decide every base: ascending upper bounds, the last
    /// one open, rates within 0..=1; and limits that would switch a rule off by accident.
    pub fn check(&self) -> Result<(), String> {
        for (name, brackets) in [("在职", &self.employed), ("离退休", &self.retired)] {
            let Some(last) = brackets.last() else {
                return Err(format!("{name}党费档次不能为空"));
            };
            if last.upper_inclusive.is_some() {
                return Err(format!("{name}党费的最高一档不能有上限"));
            }
            let mut previous = f64::NEG_INFINITY;
            for bracket in brackets {
                if Rate::from_decimal(bracket.rate).is_none() {
                    return Err(format!("{name}党费比例须在0到1之间"));
                }
                if let Some(upper) = bracket.upper_inclusive {
                    if upper <= previous || upper < 0.0 {
                        return Err(format!("{name}党费档次的上限须从低到高"));
                    }
                    previous = upper;
                } else if !std::ptr::eq(bracket, last) {
                    return Err(format!("{name}党费只有最高一档可以没有上限"));
                }
            }
        }
        let f = &self.fixed_monthly;
        if f.farmer_min > f.farmer_max || f.farmer_min < 0.0 {
            return Err("农民党员党费的上下限不一致".to_owned());
        }
        if self.max_back_pay_months == 0
            || self.lapse_after_consecutive_unpaid_months == 0
            || self.lapse_warning_from_months == 0
            || self.lapse_warning_from_months > self.lapse_after_consecutive_unpaid_months
        {
            return Err("补交月数与连续未交月数须大于0，预警月数不能超过连续未交月数".to_owned());
        }
        if self.large_voluntary_one_time_threshold <= 0.0 {
            return Err("一次性自愿多交上缴中央的数额须大于0".to_owned());
        }
        Ok(())
    }

    fn brackets(&self, category: DuesCategory) -> Option<&[Bracket]> {
        match category {
            DuesCategory::Employed | DuesCategory::AnnualSalary => Some(&self.employed),
            DuesCategory::Retired => Some(&self.retired),
            _ => None,
        }
    }

    /// The rate the whole `base` pays in `category` (R3.2, R3.5): the first bracket whose
    /// upper bound the base does not exceed.
    pub fn rate(&self, category: DuesCategory, base: Fen) -> Option<Rate> {
        self.brackets(category)?
            .iter()
            .find(|b| {
                b.upper_inclusive
                    .is_none_or(|upper| base <= Fen::from_rule_yuan(upper))
            })
            .and_then(|b| Rate::from_decimal(b.rate))
    }

    /// The fixed monthly amount of a category (第六条); a farmer's is chosen in a range.
    pub fn fixed_amount(&self, category: DuesCategory) -> Option<Fen> {
        let f = &self.fixed_monthly;
        let yuan = match category {
            DuesCategory::Student => f.student,
            DuesCategory::Unemployed => f.unemployed,
            DuesCategory::ReliefDependent => f.relief_dependent,
            DuesCategory::MinimumLiving => f.minimum_living_allowance,
            _ => return None,
        };
        Some(Fen::from_rule_yuan(yuan))
    }

    /// Whether a one-time voluntary payment goes whole to the centre (R3.11).
    pub fn goes_to_centre(&self, amount: Fen) -> bool {
        amount >= Fen::from_rule_yuan(self.large_voluntary_one_time_threshold)
    }
}

labelled_enum! {
    /// How a member's dues are reckoned (第一—六条).
    pub enum DuesCategory {
        Employed = ("employed", "按月领取工资"),
        AnnualSalary = ("annual_salary", "年薪制"),
        Retired = ("retired", "离退休"),
        Student = ("student", "学生"),
        Unemployed = ("unemployed", "下岗失业"),
        ReliefDependent = ("relief_dependent", "依靠抚恤或救济生活"),
        MinimumLiving = ("minimum_living", "领取最低生活保障金"),
        Farmer = ("farmer", "农民"),
    }
}

impl DuesCategory {
    /// Whether the dues are a rate of a pay base (the others are fixed amounts).
    pub fn has_base(self) -> bool {
        matches!(
            self,
            DuesCategory::Employed | DuesCategory::AnnualSalary | DuesCategory::Retired
        )
    }
}

/// A member's monthly pay as the dues keeper enters it, in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pay {
    /// The fixed, regular pay items (R3.1), or the pension (R3.5).
    pub income: Fen,
    pub income_tax: Fen,
    /// The member's own social insurance and housing fund.
    pub insurance: Fen,
}

/// What a member owes each month, and how it was reckoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessed {
    pub base: Option<Fen>,
    pub rate: Option<Rate>,
    pub monthly: Fen,
}

/// A refusal at the field it concerns.
pub type FieldRefusal = (&'static str, String);

/// The monthly dues of a member of `category` with `pay` (rate categories) or the amount
/// chosen (a farmer's, within the province's range).
pub fn assess(
    category: DuesCategory,
    pay: Option<Pay>,
    chosen: Option<Fen>,
    rules: &DuesRules,
) -> Result<Assessed, FieldRefusal> {
    if category.has_base() {
        let pay = pay.ok_or(("income", "请填写工资收入".to_owned()))?;
        let base = base(category, pay, rules)?;
        let rate = rules
            .rate(category, base)
            .ok_or(("category", "规则文件没有该类别的党费比例".to_owned()))?;
        return Ok(Assessed {
            base: Some(base),
            rate: Some(rate),
            monthly: rules.rounding.apply(base, rate),
        });
    }
    let monthly = match category {
        DuesCategory::Farmer => {
            let low = Fen::from_rule_yuan(rules.fixed_monthly.farmer_min);
            let high = Fen::from_rule_yuan(rules.fixed_monthly.farmer_max);
            match chosen {
                Some(amount) if (low..=high).contains(&amount) => amount,
                _ => {
                    return Err(("amount", format!("农民党员每月交纳{}至{}", low, high)));
                }
            }
        }
        other => rules
            .fixed_amount(other)
            .ok_or(("category", "规则文件没有该类别的定额".to_owned()))?,
    };
    Ok(Assessed {
        base: None,
        rate: None,
        monthly,
    })
}

/// The base (R3.3): the pay less the deductions the bureau's setting lists. A pension is
/// its own base (R3.5: 基本离退休费).
pub fn base(category: DuesCategory, pay: Pay, rules: &DuesRules) -> Result<Fen, FieldRefusal> {
    if category == DuesCategory::Retired {
        return Ok(pay.income);
    }
    let mut base = pay.income;
    if rules.deduct_income_tax {
        base = base - pay.income_tax;
    }
    if rules.deduct_personal_social_insurance_and_housing_fund {
        base = base - pay.insurance;
    }
    if base.0 < 0 {
        return Err(("income_tax", "扣除额不能超过工资收入".to_owned()));
    }
    Ok(base)
}

/// A calendar month, the period dues are reckoned and paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    /// A month of the years 1900–9999 (a typed year outside them is a mistake, and the
    /// arithmetic stays far from overflow).
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year))
            .then(|| Month(year * 12 + month as i32 - 1))
    }

    pub fn of(day: NaiveDate) -> Month {
        Month(day.year() * 12 + day.month0() as i32)
    }

    /// `2026-03` (also `2026-3`).
    pub fn parse(raw: &str) -> Option<Month> {
        let (year, month) = raw.trim().split_once('-')?;
        if year.len() != 4 || month.len() > 2 {
            return None;
        }
        Month::new(year.parse().ok()?, month.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn plus(self, months: i32) -> Month {
        Month(self.0 + months)
    }

    /// How many months `self` is after `earlier` (negative when before).
    pub fn since(self, earlier: Month) -> i32 {
        self.0 - earlier.0
    }

    /// The first month of the quarter it is in.
    pub fn quarter_start(self) -> Month {
        Month(self.0 - self.0.rem_euclid(12) % 3)
    }

    /// `2026年3月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year(), self.month())
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

labelled_enum! {
    /// How a payment was made (第十二条).
    pub enum PaymentKind {
        InPerson = ("in_person", "本人交纳"),
        Proxy = ("proxy", "委托代交"),
        Quarterly = ("quarterly", "按季交纳"),
        Bank = ("bank", "银行代收"),
        Voluntary = ("voluntary", "自愿多交"),
    }
}

/// Whether a payment made on `paid_on` may be for `period` (R3.12): not ahead of its month
/// except a quarter paid in its first month (with the branch's consent, if the rules allow
/// it at all); more than the back-pay limit behind only with a reason on the record. Returns
/// how many months late it is.
pub fn check_period(
    kind: PaymentKind,
    period: Month,
    paid_on: NaiveDate,
    reasoned: bool,
    rules: &DuesRules,
) -> Result<u32, FieldRefusal> {
    let paid = Month::of(paid_on);
    if kind == PaymentKind::Quarterly && !rules.quarterly_payment_allowed_with_branch_consent {
        return Err(("kind", "规则不允许按季交纳".to_owned()));
    }
    if period > paid {
        let same_quarter = period.quarter_start() == paid.quarter_start();
        if kind == PaymentKind::Quarterly && same_quarter {
            return Ok(0);
        }
        return Err((
            "from_month",
            format!("不能预交{}的党费（按季交纳可交本季度）", period.label()),
        ));
    }
    let late = paid.since(period) as u32;
    if late > rules.max_back_pay_months && !reasoned {
        return Err((
            "reason",
            format!(
                "补交{}的党费已超过{}个月，须写明理由",
                period.label(),
                rules.max_back_pay_months
            ),
        ));
    }
    Ok(late)
}

/// The reduced monthly amount of a hardship case (第七条) must be below what is assessed: a
/// reduction to the same amount or more is no reduction.
pub fn check_reduction(assessed: Fen, reduced: Fen) -> Result<(), FieldRefusal> {
    if reduced >= assessed {
        return Err((
            "amount",
            format!("减免后每月金额须低于核定的{assessed}；免交填0"),
        ));
    }
    Ok(())
}

/// One month of a member's dues: what was due and what was paid for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthState {
    pub month: Month,
    pub due: Fen,
    pub paid: Fen,
}

/// How many months in a row up to `through` a member owed something and paid nothing
/// (R3.13). A month not reckoned, owed nothing (exempt) or partly paid ends the run.
pub fn unpaid_streak(states: &[MonthState], through: Month) -> u32 {
    let by_month: BTreeMap<Month, &MonthState> = states.iter().map(|s| (s.month, s)).collect();
    let mut streak = 0;
    let mut month = through;
    while let Some(state) = by_month.get(&month) {
        if state.due.0 <= 0 || state.paid.0 > 0 {
            break;
        }
        streak += 1;
        month = month.plus(-1);
    }
    streak
}

/// The standing of a member under the six-month rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lapse {
    /// Unpaid this many months, within reach of the rule: the branch should talk to them.
    Warning(u32),
    /// The rule's months are met: the branch meeting decides whether a proper reason exists
    /// (无正当理由 → 按自行脱党处理). The platform never removes anyone.
    Reached(u32),
}

pub fn lapse(streak: u32, rules: &DuesRules) -> Option<Lapse> {
    if streak >= rules.lapse_after_consecutive_unpaid_months {
        Some(Lapse::Reached(streak))
    } else if streak >= rules.lapse_warning_from_months {
        Some(Lapse::Warning(streak))
    } else {
        None
    }
}

/// What remains owed for the months before `before`.
pub fn arrears(states: &[MonthState], before: Month) -> Fen {
    states
        .iter()
        .filter(|s| s.month < before)
        .map(|s| (s.due - s.paid).max(Fen::ZERO))
        .sum()
}

/// Due, paid and counted members of an org and everything below it, and what is owed: the
/// sum of each month's shortfall, so that one member's overpayment never hides another's
/// arrears (it is not `due - paid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub members: u64,
    pub due: Fen,
    pub paid: Fen,
    pub owed: Fen,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, other: Totals) {
        self.members += other.members;
        self.due += other.due;
        self.paid += other.paid;
        self.owed += other.owed;
    }
}

/// Adds each branch's totals to the branch and to every org above it, so that a committee's
/// figure is exactly the sum of what lies below it (the reconciliation of issue 17).
pub fn roll_up<'a>(
    branches: impl IntoIterator<Item = (&'a OrgPath, Totals)>,
) -> BTreeMap<i64, Totals> {
    let mut by_org: BTreeMap<i64, Totals> = BTreeMap::new();
    for (path, totals) in branches {
        for id in path.ids() {
            *by_org.entry(id).or_default() += totals;
        }
    }
    by_org
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;
    use proptest::prelude::*;

    fn rules() -> DuesRules {
        Rules::load(None).unwrap().dues
    }

    fn yuan(text: &str) -> Fen {
        Fen::parse_yuan(text).unwrap()
    }

    fn employed(base: &str) -> Fen {
        let pay = Pay {
            income: yuan(base),
            ..Pay::default()
        };
        assess(DuesCategory::Employed, Some(pay), None, &rules())
            .unwrap()
            .monthly
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn month(y: i32, m: u32) -> Month {
        Month::new(y, m).unwrap()
    }

    /// R3.2 at every boundary: the whole base at one rate, not marginal.
    #[test]
    fn employed_brackets_at_every_boundary() {
        assert_eq!(employed("0"), Fen(0));
        assert_eq!(employed("3000.00"), yuan("15.00"));
        assert_eq!(employed("3000.01"), yuan("30.00"));
        assert_eq!(employed("5000.00"), yuan("50.00"));
        assert_eq!(employed("5000.01"), yuan("75.00"));
        assert_eq!(employed("10000.00"), yuan("150.00"));
        assert_eq!(employed("10000.01"), yuan("200.00"));
        // Not marginal: 8,000 pays 1.5 % of all of it (120), not 15 + 20 + 45.
        assert_eq!(employed("8000"), yuan("120.00"));
        // Rounded half up to the fen: 33.3333 → 33.33, 44.445 → 44.45.
        assert_eq!(employed("3333.33"), yuan("33.33"));
        assert_eq!(employed("4444.50"), yuan("44.45"));
        // 年薪制 pays on the same brackets.
        let pay = Pay {
            income: yuan("12000"),
            ..Pay::default()
        };
        assert_eq!(
            assess(DuesCategory::AnnualSalary, Some(pay), None, &rules())
                .unwrap()
                .monthly,
            yuan("240.00")
        );
    }

    /// R3.5: retirees at 5,000.00 and 5,000.01; the pension is its own base.
    #[test]
    fn retired_brackets() {
        let retired = |income: &str, tax: &str| {
            let pay = Pay {
                income: yuan(income),
                income_tax: yuan(tax),
                insurance: Fen(0),
            };
            assess(DuesCategory::Retired, Some(pay), None, &rules()).unwrap()
        };
        assert_eq!(retired("5000.00", "0").monthly, yuan("25.00"));
        assert_eq!(retired("5000.01", "0").monthly, yuan("50.00"));
        assert_eq!(retired("5000.01", "300").base, Some(yuan("5000.01")));
        assert_eq!(retired("5000.01", "0").rate, Some(Rate(10_000)));
    }

    /// R3.3: tax always deducted; insurance only where the bureau's setting says so.
    #[test]
    fn the_base_is_after_the_deductions_the_setting_lists() {
        let pay = Pay {
            income: yuan("6000"),
            income_tax: yuan("100"),
            insurance: yuan("1000"),
        };
        let mut r = rules();
        assert_eq!(base(DuesCategory::Employed, pay, &r), Ok(yuan("5900")));
        r.deduct_personal_social_insurance_and_housing_fund = true;
        assert_eq!(base(DuesCategory::Employed, pay, &r), Ok(yuan("4900")));
        // 4,900 falls in the 1 % bracket once insurance is deducted.
        assert_eq!(
            assess(DuesCategory::Employed, Some(pay), None, &r)
                .unwrap()
                .monthly,
            yuan("49.00")
        );
        r.deduct_income_tax = false;
        assert_eq!(base(DuesCategory::Employed, pay, &r), Ok(yuan("5000")));
        let too_much = Pay {
            income: yuan("100"),
            income_tax: yuan("100.01"),
            insurance: Fen(0),
        };
        assert_eq!(
            base(DuesCategory::Employed, too_much, &rules())
                .unwrap_err()
                .0,
            "income_tax"
        );
        assert_eq!(
            assess(DuesCategory::Employed, None, None, &rules())
                .unwrap_err()
                .0,
            "income"
        );
    }

    /// R3.6: fixed amounts, and a farmer's within the province's range.
    #[test]
    fn fixed_amounts() {
        let r = rules();
        for category in [
            DuesCategory::Student,
            DuesCategory::Unemployed,
            DuesCategory::ReliefDependent,
            DuesCategory::MinimumLiving,
        ] {
            let a = assess(category, None, None, &r).unwrap();
            assert_eq!(a.monthly, Fen(20), "{category:?}");
            assert_eq!(a.base, None);
            assert!(!category.has_base());
        }
        assert_eq!(
            assess(DuesCategory::Farmer, None, Some(Fen(50)), &r)
                .unwrap()
                .monthly,
            Fen(50)
        );
        for edge in [Fen(20), Fen(100)] {
            assert!(assess(DuesCategory::Farmer, None, Some(edge), &r).is_ok());
        }
        for bad in [None, Some(Fen(19)), Some(Fen(101))] {
            let refusal = assess(DuesCategory::Farmer, None, bad, &r).unwrap_err();
            assert_eq!(refusal.0, "amount");
            assert!(refusal.1.contains("0.20元至1.00元"), "{}", refusal.1);
        }
        assert_eq!(r.fixed_amount(DuesCategory::Employed), None);
        assert_eq!(r.fixed_amount(DuesCategory::Farmer), None);
    }

    #[test]
    fn months_parse_count_and_print() {
        let m = Month::parse("2026-03").unwrap();
        assert_eq!((m.year(), m.month()), (2026, 3));
        assert_eq!(Month::parse("2026-3"), Some(m));
        assert_eq!(m.to_string(), "2026-03");
        assert_eq!(m.label(), "2026年3月");
        assert_eq!(m.first_day(), day(2026, 3, 1));
        assert_eq!(Month::of(day(2026, 3, 31)), m);
        assert_eq!(m.plus(-3), month(2025, 12));
        assert_eq!(m.plus(10), month(2027, 1));
        assert_eq!(month(2027, 1).since(m), 10);
        assert_eq!(m.quarter_start(), month(2026, 1));
        assert_eq!(month(2026, 12).quarter_start(), month(2026, 10));
        assert_eq!(month(2026, 4).quarter_start(), month(2026, 4));
        for bad in [
            "", "2026", "2026-13", "2026-0", "26-03", "2026-003", "2026-x",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }

    /// R3.12: back-pay limit, no prepayment except the current quarter paid quarterly.
    #[test]
    fn the_months_a_payment_may_be_for() {
        let r = rules();
        let on = day(2026, 8, 10);
        let ok = |kind, period, reasoned| check_period(kind, period, on, reasoned, &r);
        assert_eq!(ok(PaymentKind::InPerson, month(2026, 8), false), Ok(0));
        assert_eq!(ok(PaymentKind::InPerson, month(2026, 2), false), Ok(6));
        let refusal = ok(PaymentKind::InPerson, month(2026, 1), false).unwrap_err();
        assert_eq!(refusal.0, "reason");
        assert!(refusal.1.contains("超过6个月"));
        assert_eq!(ok(PaymentKind::InPerson, month(2026, 1), true), Ok(7));
        assert_eq!(
            ok(PaymentKind::InPerson, month(2026, 9), false)
                .unwrap_err()
                .0,
            "from_month"
        );
        // Quarterly: the rest of the quarter (Jul–Sep) may be paid in August, not October.
        assert_eq!(ok(PaymentKind::Quarterly, month(2026, 9), false), Ok(0));
        assert_eq!(
            ok(PaymentKind::Quarterly, month(2026, 10), false)
                .unwrap_err()
                .0,
            "from_month"
        );
        let mut strict = r.clone();
        strict.quarterly_payment_allowed_with_branch_consent = false;
        assert_eq!(
            check_period(PaymentKind::Quarterly, month(2026, 8), on, false, &strict)
                .unwrap_err()
                .0,
            "kind"
        );
    }

    #[test]
    fn a_reduction_is_below_the_assessed_amount() {
        assert!(check_reduction(Fen(5000), Fen(0)).is_ok());
        assert!(check_reduction(Fen(5000), Fen(4999)).is_ok());
        assert_eq!(
            check_reduction(Fen(5000), Fen(5000)).unwrap_err().0,
            "amount"
        );
        assert!(check_reduction(Fen(5000), Fen(6000)).is_err());
    }

    /// R3.13 with the months given: the run counts back from the month named, and any
    /// payment, exemption or unreckoned month ends it.
    #[test]
    fn the_six_month_rule() {
        let r = rules();
        let state = |m: u32, due: i64, paid: i64| MonthState {
            month: month(2026, m),
            due: Fen(due),
            paid: Fen(paid),
        };
        let mut states: Vec<MonthState> = (1..=8).map(|m| state(m, 5000, 0)).collect();
        assert_eq!(unpaid_streak(&states, month(2026, 8)), 8);
        assert_eq!(unpaid_streak(&states, month(2026, 9)), 0);
        states[2].paid = Fen(1);
        assert_eq!(unpaid_streak(&states, month(2026, 8)), 5);
        states[4].due = Fen(0);
        assert_eq!(unpaid_streak(&states, month(2026, 8)), 3);
        states.remove(6);
        assert_eq!(unpaid_streak(&states, month(2026, 8)), 1);
        assert_eq!(lapse(2, &r), None);
        assert_eq!(lapse(3, &r), Some(Lapse::Warning(3)));
        assert_eq!(lapse(5, &r), Some(Lapse::Warning(5)));
        assert_eq!(lapse(6, &r), Some(Lapse::Reached(6)));
        assert_eq!(lapse(9, &r), Some(Lapse::Reached(9)));
        let owed = [
            state(1, 5000, 5000),
            state(2, 5000, 2000),
            state(3, 5000, 0),
            state(4, 5000, 6000),
        ];
        assert_eq!(arrears(&owed, month(2026, 3)), Fen(3000));
        assert_eq!(arrears(&owed, month(2026, 5)), Fen(8000));
    }

    /// R3.11: one thousand yuan or more goes whole to the centre.
    #[test]
    fn large_voluntary_payments_go_to_the_centre() {
        let r = rules();
        assert!(r.goes_to_centre(yuan("1000")));
        assert!(r.goes_to_centre(yuan("5000")));
        assert!(!r.goes_to_centre(yuan("999.99")));
    }

    #[test]
    fn the_rules_check_refuses_brackets_that_do_not_decide_every_base() {
        assert!(rules().check().is_ok());
        // R3.11 stands in both files: a bureau changing one alone is told.
        assert!(Rules::load(Some("[dues]\nlarge_voluntary_one_time_threshold = 500.0\n")).is_err());
        assert!(
            Rules::load(Some(
                "[dues]\nlarge_voluntary_one_time_threshold = 500.0\n[dues_management]\nvoluntary_one_time_to_central_min = 500.0\n"
            ))
            .is_ok()
        );
        let mut r = rules();
        r.employed[3].upper_inclusive = Some(20_000.0);
        assert!(r.check().unwrap_err().contains("最高一档"));
        let mut r = rules();
        r.employed[1].upper_inclusive = Some(2000.0);
        assert!(r.check().unwrap_err().contains("从低到高"));
        let mut r = rules();
        r.employed[1].upper_inclusive = None;
        assert!(r.check().unwrap_err().contains("只有最高一档"));
        let mut r = rules();
        r.retired[0].rate = 1.5;
        assert!(r.check().unwrap_err().contains("比例"));
        let mut r = rules();
        r.retired.clear();
        assert!(r.check().unwrap_err().contains("不能为空"));
        let mut r = rules();
        r.fixed_monthly.farmer_min = 2.0;
        assert!(r.check().is_err());
        let mut r = rules();
        r.lapse_warning_from_months = 7;
        assert!(r.check().is_err());
        let mut r = rules();
        r.max_back_pay_months = 0;
        assert!(r.check().is_err());
        let mut r = rules();
        r.large_voluntary_one_time_threshold = 0.0;
        assert!(r.check().is_err());
        // The edges: a first bound at 0 is a bound, below 0 is not; a farmer's range may be
        // one amount, not below 0; the warning may come in the month the rule is met.
        let mut r = rules();
        r.employed[0].upper_inclusive = Some(0.0);
        assert!(r.check().is_ok());
        r.employed[0].upper_inclusive = Some(-1.0);
        assert!(r.check().unwrap_err().contains("从低到高"));
        let mut r = rules();
        r.fixed_monthly.farmer_min = r.fixed_monthly.farmer_max;
        assert!(r.check().is_ok());
        r.fixed_monthly.farmer_min = 0.0;
        assert!(r.check().is_ok());
        r.fixed_monthly.farmer_min = -0.1;
        assert!(r.check().is_err());
        let mut r = rules();
        r.lapse_warning_from_months = r.lapse_after_consecutive_unpaid_months;
        assert!(r.check().is_ok());
        r.lapse_warning_from_months = 0;
        assert!(r.check().is_err());
        let mut r = rules();
        r.lapse_after_consecutive_unpaid_months = 0;
        r.lapse_warning_from_months = 0;
        assert!(r.check().is_err());
    }

    fn path(ids: &[i64]) -> OrgPath {
        let mut p = OrgPath::root(ids[0]);
        for id in &ids[1..] {
            p = p.child(*id);
        }
        p
    }

    #[test]
    fn a_committee_is_the_sum_of_its_branches() {
        let a = path(&[1, 2, 3]);
        let b = path(&[1, 2, 4]);
        let c = path(&[1, 5]);
        let t = |m, due, paid, owed| Totals {
            members: m,
            due: Fen(due),
            paid: Fen(paid),
            owed: Fen(owed),
        };
        let by_org = roll_up([
            (&a, t(2, 100, 50, 50)),
            (&b, t(1, 30, 40, 0)),
            (&c, t(3, 7, 0, 7)),
        ]);
        assert_eq!(by_org[&1], t(6, 137, 90, 57));
        assert_eq!(by_org[&2], t(3, 130, 90, 50));
        assert_eq!(by_org[&3], t(2, 100, 50, 50));
        assert_eq!(by_org[&5], t(3, 7, 0, 7));
    }

    proptest! {
        /// Reconciliation: with random branches under a random tree and random members'
        /// dues and payments, every org's figure is its own members' plus its children's,
        /// to the fen, and the top is the sum of all members.
        #[test]
        fn every_level_adds_up_to_the_fen(
            parents in prop::collection::vec(0usize..8, 1..12),
            members in prop::collection::vec((0usize..12, 0i64..500_000, 0i64..600_000), 0..200),
        ) {
            // Org i (from 1) hangs under an earlier org; org 0 is the top.
            let mut paths = vec![OrgPath::root(1)];
            for (i, parent) in parents.iter().enumerate() {
                let parent = parent % paths.len();
                paths.push(paths[parent].child(i as i64 + 2));
            }
            let mut own: BTreeMap<i64, Totals> = BTreeMap::new();
            let mut leaves = Vec::new();
            let mut total = Totals::default();
            for (org, due, paid) in &members {
                let p = &paths[org % paths.len()];
                let t = Totals {
                    members: 1,
                    due: Fen(*due),
                    paid: Fen(*paid),
                    owed: Fen((*due - *paid).max(0)),
                };
                let id = *p.ids().last().unwrap();
                *own.entry(id).or_default() += t;
                total += t;
                leaves.push((p, t));
            }
            let by_org = roll_up(leaves);
            prop_assert_eq!(by_org.get(&1).copied().unwrap_or_default(), total);
            for p in &paths {
                let id = *p.ids().last().unwrap();
                let mut expected = own.get(&id).copied().unwrap_or_default();
                for child in paths.iter().filter(|c| c.ids().len() == p.ids().len() + 1 && c.is_within(p)) {
                    expected += by_org.get(child.ids().last().unwrap()).copied().unwrap_or_default();
                }
                prop_assert_eq!(by_org.get(&id).copied().unwrap_or_default(), expected);
            }
        }

        /// Dues never fall as the base rises within a bracket, and every base gets one rate.
        #[test]
        fn dues_follow_the_base(fen in 0i64..10_000_000) {
            let r = rules();
            let rate = r.rate(DuesCategory::Employed, Fen(fen)).unwrap();
            let next = r.rate(DuesCategory::Employed, Fen(fen + 1)).unwrap();
            prop_assert!(next >= rate);
            if next == rate {
                prop_assert!(r.rounding.apply(Fen(fen + 1), next) >= r.rounding.apply(Fen(fen), rate));
            }
        }
    }
}
