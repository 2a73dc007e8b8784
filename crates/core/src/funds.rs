//! 党建工作经费 (issue 17, 5; RULES-2.md §1–2): budgets kept in lines by funding source and
//! category, and the check every expenditure passes before it is proposed and again before
//! it is approved — the item is not one the negative list forbids (八个严禁), an item with a
//! cap stays within it, and the amount fits what remains of its line (专款专用: money is
//! spent from the line it was budgeted in, never from another). Every list and amount comes
//! from the rules file.

use serde::Deserialize;

use crate::dues::FieldRefusal;
use crate::money::Fen;
use crate::rules_second::ActivityRules;

/// A budget line's category.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Category {
    pub code: String,
    pub name: String,
}

/// How a cap counts.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CapUnit {
    /// Per person and day (伙食费: one meal a day).
    PersonDay,
    /// Per person and half day (场地费).
    PersonHalfDay,
    /// Per vehicle and day (租车费).
    VehicleDay,
}

/// An item with a cap, and the activity rule that gives its amount.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Cap {
    pub item: String,
    pub unit: CapUnit,
    /// The name of a yuan amount of `[party_building_funds.activity_rules]`.
    pub limit: String,
}

/// An item people ask for that the negative list forbids, with the 严禁 it breaks.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct RefusedItem {
    pub item: String,
    pub rule: String,
}

/// The `[funds]` table of the rules file.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct FundsRules {
    /// The funding sources that are party dues (their spending is disclosed with the dues).
    pub dues_sources: Vec<String>,
    pub categories: Vec<Category>,
    pub caps: Vec<Cap>,
    pub refused_items: Vec<RefusedItem>,
}

impl FundsRules {
    /// Refuses a table whose lists do not fit together: categories named once, every cap on
    /// an item of the activity rules with an amount there, every refused item pointing at a
    /// rule of the negative list.
    pub fn check(&self, activity: &ActivityRules, sources: &[String]) -> Result<(), String> {
        if self.dues_sources.iter().any(|s| !sources.contains(s)) {
            return Err("党费的经费来源须在经费来源清单中".to_owned());
        }
        let mut codes: Vec<&str> = self.categories.iter().map(|c| c.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        if codes.len() != self.categories.len() || self.categories.is_empty() {
            return Err("经费类别须至少一个且编码不重复".to_owned());
        }
        for cap in &self.caps {
            if !activity.expense_items.contains(&cap.item) || limit(activity, &cap.limit).is_none()
            {
                return Err(format!("经费限额“{}”须对应支出事项和限额规则", cap.item));
            }
        }
        for refused in &self.refused_items {
            if !activity.prohibited.contains(&refused.rule) {
                return Err(format!("“{}”须对应“八个严禁”中的一条", refused.item));
            }
        }
        Ok(())
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }
}

/// A yuan amount of the activity rules, by its name in the rules file.
fn limit(activity: &ActivityRules, name: &str) -> Option<f64> {
    Some(match name {
        "single_meal_day_per_person_max" => activity.single_meal_day_per_person_max,
        "bus_over_25_seats_per_day_max" => activity.bus_over_25_seats_per_day_max,
        "bus_25_or_fewer_seats_per_day_max" => activity.bus_25_or_fewer_seats_per_day_max,
        "venue_per_person_per_half_day_max" => activity.venue_per_person_per_half_day_max,
        _ => return None,
    })
}

/// How many people, days, half days or vehicles an expenditure is for (as far as its item
/// has a cap that counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quantities {
    pub persons: Option<u32>,
    pub days: Option<u32>,
    pub half_days: Option<u32>,
    pub vehicles: Option<u32>,
}

/// What a line has: its budget, and what is approved or waiting against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineState {
    pub budget: Fen,
    pub approved: Fen,
    pub pending: Fen,
}

impl LineState {
    /// What may still be committed: the budget less what is approved and waiting.
    pub fn remaining(self) -> Fen {
        self.budget - self.approved - self.pending
    }
}

/// Whether an expenditure of `amount` for `item` may be made from a line in `state` (the
/// expenditure itself not counted in it). The first refusal, at its field.
pub fn check_expense(
    item: &str,
    amount: Fen,
    quantities: Quantities,
    state: LineState,
    funds: &FundsRules,
    activity: &ActivityRules,
) -> Result<(), FieldRefusal> {
    if let Some(refused) = funds.refused_items.iter().find(|r| r.item == item) {
        return Err(("item", format!("不得列支：严禁{}", refused.rule)));
    }
    if !activity.expense_items.iter().any(|i| i == item) {
        return Err(("item", "请选择支出事项".to_owned()));
    }
    if amount.0 <= 0 {
        return Err(("amount", "金额须大于0".to_owned()));
    }
    if let Some(cap) = funds.caps.iter().find(|c| c.item == item) {
        let each = Fen::from_rule_yuan(limit(activity, &cap.limit).unwrap_or(0.0));
        let (units, field, what) = match cap.unit {
            CapUnit::PersonDay => (
                quantities
                    .persons
                    .zip(quantities.days)
                    .map(|(p, d)| u64::from(p) * u64::from(d)),
                "persons",
                "人数和天数",
            ),
            CapUnit::PersonHalfDay => (
                quantities
                    .persons
                    .zip(quantities.half_days)
                    .map(|(p, h)| u64::from(p) * u64::from(h)),
                "persons",
                "人数和半天数",
            ),
            CapUnit::VehicleDay => (
                quantities
                    .vehicles
                    .zip(quantities.days)
                    .map(|(v, d)| u64::from(v) * u64::from(d)),
                "vehicles",
                "车辆数和天数",
            ),
        };
        let Some(units) = units.filter(|u| *u > 0) else {
            return Err((field, format!("{item}须填写{what}，以核对标准")));
        };
        // Counts are bounded by the caller; saturate rather than wrap all the same.
        let most = Fen(each
            .0
            .saturating_mul(i64::try_from(units).unwrap_or(i64::MAX)));
        if amount > most {
            return Err((
                "amount",
                format!(
                    "{item}超过标准：每{}不超过{each}，合计不超过{most}",
                    cap.unit.label()
                ),
            ));
        }
    }
    let remaining = state.remaining();
    if amount > remaining {
        return Err((
            "amount",
            format!("超出预算：该预算科目尚可使用{remaining}，经费须专款专用，调整科目须经批准"),
        ));
    }
    Ok(())
}

impl CapUnit {
    fn label(self) -> &'static str {
        match self {
            CapUnit::PersonDay => "人每天",
            CapUnit::PersonHalfDay => "人每半天",
            CapUnit::VehicleDay => "车每天",
        }
    }
}

/// A budget line may not be set below what is already committed against it.
pub fn check_budget(amount: Fen, state: LineState) -> Result<(), FieldRefusal> {
    let committed = state.approved + state.pending;
    if amount < committed {
        return Err((
            "amount",
            format!("预算不能低于已批准和待审批的支出合计（{committed}）"),
        ));
    }
    Ok(())
}

/// A budget line as a transfer (调剂) sees it: where its money came from, what it is for,
/// and what is committed against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineOf<'a> {
    pub source: &'a str,
    pub category: &'a str,
    pub state: LineState,
}

/// Whether `amount` may move from one line of an org's year to another. Money stays with
/// its source (专款专用: dues given down by the committee above are not spent as the
/// finance bureau's grant), so only categories of the same source trade; and only what is
/// neither spent nor waiting may leave a line. The first refusal, at its field.
pub fn check_transfer(from: LineOf<'_>, to: LineOf<'_>, amount: Fen) -> Result<(), FieldRefusal> {
    if from.source == to.source && from.category == to.category {
        return Err(("to_line", "调出与调入须为不同的科目".to_owned()));
    }
    if from.source != to.source {
        return Err((
            "to_line",
            format!(
                "只能在同一经费来源的科目之间调剂（专款专用）：调出科目来源为{}，调入科目为{}",
                from.source, to.source
            ),
        ));
    }
    if amount.0 <= 0 {
        return Err(("amount", "金额须大于0".to_owned()));
    }
    let remaining = from.state.remaining();
    if amount > remaining {
        return Err((
            "amount",
            format!("超过调出科目的余额（{remaining}）：已批准和待审批的支出不能调出"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    #[test]
    fn a_transfer_stays_within_its_source_and_the_uncommitted_money() {
        let line = |source, category, budget, approved, pending| LineOf {
            source,
            category,
            state: state(budget, approved, pending),
        };
        let from = line("党费", "training", 10_000, 3_000, 2_000);
        let to = line("党费", "care", 0, 0, 0);
        assert_eq!(check_transfer(from, to, Fen(5_000)), Ok(()));
        assert_eq!(
            check_transfer(from, to, Fen(5_001)).unwrap_err().0,
            "amount"
        );
        assert!(
            check_transfer(from, to, Fen(5_001))
                .unwrap_err()
                .1
                .contains("50.00元")
        );
        assert_eq!(check_transfer(from, to, Fen(0)).unwrap_err().0, "amount");
        assert_eq!(check_transfer(from, to, Fen(-1)).unwrap_err().0, "amount");
        let other_source = line("财政党建经费", "care", 0, 0, 0);
        let refused = check_transfer(from, other_source, Fen(1)).unwrap_err();
        assert_eq!(refused.0, "to_line");
        assert!(refused.1.contains("专款专用"), "{}", refused.1);
        assert_eq!(check_transfer(from, from, Fen(1)).unwrap_err().0, "to_line");
        // Nothing left: not a fen may leave.
        let spent = line("党费", "training", 5_000, 5_000, 0);
        assert_eq!(check_transfer(spent, to, Fen(1)).unwrap_err().0, "amount");
    }

    fn rules() -> Rules {
        Rules::load(None).unwrap()
    }

    fn state(budget: i64, approved: i64, pending: i64) -> LineState {
        LineState {
            budget: Fen(budget),
            approved: Fen(approved),
            pending: Fen(pending),
        }
    }

    fn check(item: &str, amount: i64, q: Quantities, s: LineState) -> Result<(), FieldRefusal> {
        let r = rules();
        check_expense(
            item,
            Fen(amount),
            q,
            s,
            &r.funds,
            &r.party_building_funds.activity_rules,
        )
    }

    #[test]
    fn the_rules_file_lists_fit_together() {
        let r = rules();
        let sources = &r.party_building_funds.funding_sources;
        assert!(
            r.funds
                .check(&r.party_building_funds.activity_rules, sources)
                .is_ok()
        );
        assert_eq!(r.funds.category("training").unwrap().name, "教育培训");
        assert!(r.funds.category("banquet").is_none());
        let activity = &r.party_building_funds.activity_rules;
        let mut bad = r.funds.clone();
        bad.dues_sources.push("彩票".to_owned());
        assert!(
            bad.check(activity, sources)
                .unwrap_err()
                .contains("经费来源")
        );
        let mut bad = r.funds.clone();
        bad.refused_items[0].rule = "随便写的".to_owned();
        assert!(
            bad.check(activity, sources)
                .unwrap_err()
                .contains("八个严禁")
        );
        let mut bad = r.funds.clone();
        bad.caps[0].limit = "nothing".to_owned();
        assert!(bad.check(activity, sources).is_err());
        let mut bad = r.funds.clone();
        bad.caps[0].item = "飞机票".to_owned();
        assert!(bad.check(activity, sources).is_err());
        let mut bad = r.funds.clone();
        bad.categories.push(bad.categories[0].clone());
        assert!(bad.check(activity, sources).is_err());
        bad.categories.clear();
        assert!(bad.check(activity, sources).is_err());
    }

    /// M2.7: an item of the negative list is refused with the rule it breaks.
    #[test]
    fn the_negative_list_is_refused_with_its_reason() {
        let big = state(10_000_000, 0, 0);
        let refusal = check(
            "购置电脑、复印机、打印机、传真机等",
            500_000,
            Quantities::default(),
            big,
        )
        .unwrap_err();
        assert_eq!(refusal.0, "item");
        assert!(
            refusal.1.starts_with("不得列支：严禁购置电脑"),
            "{}",
            refusal.1
        );
        let refusal = check("会餐、宴请", 100, Quantities::default(), big).unwrap_err();
        assert!(refusal.1.contains("会餐或安排宴请"));
        assert_eq!(
            check("茶叶", 100, Quantities::default(), big)
                .unwrap_err()
                .0,
            "item"
        );
        assert_eq!(
            check("资料费", 0, Quantities::default(), big)
                .unwrap_err()
                .0,
            "amount"
        );
        assert_eq!(check("资料费", 100, Quantities::default(), big), Ok(()));
    }

    /// M2.6: 伙食费 40 a person a day, 场地费 50 a person a half day, a bus 1,500 a day.
    #[test]
    fn capped_items_stay_within_their_standard() {
        let big = state(10_000_000, 0, 0);
        let meals = Quantities {
            persons: Some(30),
            days: Some(2),
            ..Quantities::default()
        };
        assert_eq!(check("伙食费", 240_000, meals, big), Ok(()));
        let refusal = check("伙食费", 240_001, meals, big).unwrap_err();
        assert_eq!(refusal.0, "amount");
        assert!(
            refusal
                .1
                .contains("每人每天不超过40.00元，合计不超过2400.00元"),
            "{}",
            refusal.1
        );
        assert_eq!(
            check("伙食费", 100, Quantities::default(), big)
                .unwrap_err()
                .0,
            "persons"
        );
        let zero = Quantities {
            persons: Some(0),
            days: Some(1),
            ..Quantities::default()
        };
        assert_eq!(check("伙食费", 100, zero, big).unwrap_err().0, "persons");
        let venue = Quantities {
            persons: Some(40),
            half_days: Some(2),
            ..Quantities::default()
        };
        assert_eq!(check("场地费", 400_000, venue, big), Ok(()));
        assert!(check("场地费", 400_001, venue, big).is_err());
        let bus = Quantities {
            vehicles: Some(2),
            days: Some(3),
            ..Quantities::default()
        };
        assert_eq!(check("租车费", 900_000, bus, big), Ok(()));
        assert!(check("租车费", 900_001, bus, big).is_err());
        // A bureau may point the bus cap at the smaller buses' amount.
        let r = rules();
        let mut small = r.funds.clone();
        small
            .caps
            .iter_mut()
            .find(|c| c.item == "租车费")
            .unwrap()
            .limit = "bus_25_or_fewer_seats_per_day_max".to_owned();
        let activity = &r.party_building_funds.activity_rules;
        assert!(
            small
                .check(activity, &r.party_building_funds.funding_sources)
                .is_ok()
        );
        assert_eq!(
            check_expense("租车费", Fen(600_000), bus, big, &small, activity),
            Ok(())
        );
        assert!(check_expense("租车费", Fen(600_001), bus, big, &small, activity).is_err());
        assert_eq!(
            check("租车费", 100, Quantities::default(), big)
                .unwrap_err()
                .0,
            "vehicles"
        );
        // Counts too large to multiply in 32 bits are no crash.
        let many = Quantities {
            persons: Some(u32::MAX),
            days: Some(u32::MAX),
            ..Quantities::default()
        };
        assert_eq!(check("伙食费", 100, many, big), Ok(()));
    }

    /// 专款专用: only what remains of the line, counting what waits for approval.
    #[test]
    fn an_expense_fits_what_remains_of_its_line() {
        let q = Quantities::default();
        assert_eq!(
            check("资料费", 40_000, q, state(100_000, 50_000, 10_000)),
            Ok(())
        );
        let refusal = check("资料费", 40_001, q, state(100_000, 50_000, 10_000)).unwrap_err();
        assert_eq!(refusal.0, "amount");
        assert!(refusal.1.contains("尚可使用400.00元"), "{}", refusal.1);
        assert_eq!(state(100, 30, 20).remaining(), Fen(50));
        assert_eq!(check_budget(Fen(50), state(0, 30, 20)), Ok(()));
        assert_eq!(
            check_budget(Fen(49), state(0, 30, 20)).unwrap_err().0,
            "amount"
        );
    }
}
