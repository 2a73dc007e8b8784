//! 关爱与表彰 (issue 16, 6–7): commendations and awards proposed and approved against the one
//! eligibility rule, 政治生日 and 光荣在党50年 from a member's dates, care visits and the
//! hardship register with support in whole fen. No count of visits is ever asked for: the
//! to-do list names whom a visit or follow-up is due for, nothing more.

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::conduct::{Eligibility, repeat_award};
use crate::rules::Rules;

labelled_enum! {
    /// Which system an honour belongs to.
    pub enum HonourSystem {
        /// 党内表彰 (《党内功勋荣誉表彰条例》; R7.3).
        Party = ("party", "党内表彰"),
        /// 公安奖励 (《公安机关人民警察奖励条令》; M6.3).
        Police = ("police", "公安奖励"),
    }
}

labelled_enum! {
    /// The level of the body that confers an honour.
    pub enum HonourLevel {
        National = ("national", "全国（中央、公安部）"),
        Provincial = ("provincial", "省级"),
        Municipal = ("municipal", "市级"),
        County = ("county", "县级"),
        Base = ("base", "基层党委"),
    }
}

labelled_enum! {
    pub enum CommendationStatus {
        Proposed = ("proposed", "已提名，待审批"),
        Approved = ("approved", "已批准"),
        Rejected = ("rejected", "不予批准"),
    }
}

labelled_enum! {
    /// Why a member was visited (走访慰问).
    pub enum Occasion {
        Festival = ("festival", "节日慰问"),
        Illness = ("illness", "生病住院"),
        Hardship = ("hardship", "生活困难"),
        Elderly = ("elderly", "离退休和老党员"),
        PoliticalBirthday = ("political_birthday", "政治生日"),
        Injury = ("injury", "因公负伤"),
        Bereaved = ("bereaved", "因公牺牲、殉职党员家属"),
        Other = ("other", "其他"),
    }
}

labelled_enum! {
    /// What a hardship case is about.
    pub enum HardshipKind {
        Illness = ("illness", "因病"),
        Disaster = ("disaster", "因灾"),
        Injury = ("injury", "因公伤残"),
        Family = ("family", "家庭困难"),
        Other = ("other", "其他"),
    }
}

/// The party commendation only an org receives (R7.3: 先进基层党组织).
const ORG_ONLY: &str = "先进基层党组织";
/// The party commendation only a full member receives (R7.3: 优秀共产党员 正式党员).
const OUTSTANDING_MEMBER: &str = "优秀共产党员";

impl HonourSystem {
    /// The kinds of honour of this system in the rules given, lowest first for awards.
    pub fn kinds(self, rules: &Rules) -> &[String] {
        match self {
            HonourSystem::Party => &rules.awards.party.commendation_types,
            HonourSystem::Police => &rules.awards.police.kinds,
        }
    }
}

/// Who a proposal is for, as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nominee<'a> {
    /// A member: whether a full member, their eligibility on the day, and the police awards
    /// they received before (kind, day).
    Member {
        full_member: bool,
        eligibility: &'a Eligibility,
        earlier_awards: &'a [(String, NaiveDate)],
    },
    Org,
}

/// Why a proposal of `kind` in `system` for `nominee` on `day` is refused: the field and the
/// message. Facts of a sanction never appear in the message, only its effect.
pub fn check_proposal(
    system: HonourSystem,
    kind: &str,
    nominee: &Nominee<'_>,
    day: NaiveDate,
    rules: &Rules,
) -> Result<(), (&'static str, String)> {
    let kinds = system.kinds(rules);
    if !kinds.iter().any(|k| k == kind) {
        return Err((
            "kind",
            format!("请选择{}的种类：{}", system.label(), kinds.join("、")),
        ));
    }
    let for_org = system == HonourSystem::Party && kind == ORG_ONLY;
    match nominee {
        Nominee::Org if system == HonourSystem::Party && !for_org => {
            Err(("member", format!("{kind}授予党员个人，请填写党员")))
        }
        Nominee::Org => Ok(()),
        Nominee::Member { .. } if for_org => Err(("org", format!("{kind}授予党组织，请填写组织"))),
        Nominee::Member {
            full_member,
            eligibility,
            earlier_awards,
        } => {
            if kind == OUTSTANDING_MEMBER
                && rules.commendation.outstanding_member_must_be_full_member
                && !full_member
            {
                return Err(("member", format!("{kind}须为正式党员")));
            }
            if let Some(until) = eligibility.commend_until() {
                return Err(("member", format!("该党员不可评先评优（{until}），不能提名")));
            }
            if system == HonourSystem::Police
                && let Some((earlier, on)) = repeat_award(
                    kinds,
                    kind,
                    day,
                    earlier_awards,
                    rules.awards.police.no_same_or_lower_level_within_months,
                )
            {
                return Err((
                    "kind",
                    format!(
                        "该党员已于 {on} 获{earlier}，{}个月内原则上不再给予同等级及以下奖励",
                        rules.awards.police.no_same_or_lower_level_within_months
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// The anniversary of `joined_on` in `year` (29 February is 28 February in other years).
fn anniversary(joined_on: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, joined_on.month(), joined_on.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(joined_on)
}

/// The next 政治生日 (the anniversary of joining the party) on or after `today` within
/// `notice_days`, with the years it marks; none when it is further off, or when there is no
/// anniversary yet.
pub fn political_birthday(
    joined_on: NaiveDate,
    today: NaiveDate,
    notice_days: u32,
) -> Option<(NaiveDate, i32)> {
    let this_year = anniversary(joined_on, today.year());
    let next = if this_year >= today {
        this_year
    } else {
        anniversary(joined_on, today.year() + 1)
    };
    let years = next.year() - joined_on.year();
    let last = today.checked_add_days(Days::new(u64::from(notice_days)))?;
    (years > 0 && next <= last).then_some((next, years))
}

/// The day of `year` by which party age is counted for the "光荣在党50年" medal (M6.2:
/// `MM-DD` in the rules, 7月1日).
fn fifty_cutoff(year: i32, rules: &Rules) -> Option<NaiveDate> {
    let (m, d) = rules
        .awards
        .party
        .glorious_50_years_cutoff
        .split_once('-')?;
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)
}

/// Whether a member whose party age counts from `full_member_on` reaches the years of the
/// "光荣在党50年" medal by the cutoff day of `year` (M6.2: 党龄 from 转正, by 7月1日).
pub fn glorious_fifty(full_member_on: NaiveDate, year: i32, rules: &Rules) -> bool {
    let years = rules.awards.party.glorious_50_years_min_party_age_years as i32;
    fifty_cutoff(year, rules)
        .is_some_and(|cutoff| anniversary(full_member_on, full_member_on.year() + years) <= cutoff)
}

/// The days of becoming a full member whose fifty years fall due in `year`: after the first
/// day, through the second — the medal's list of that year.
pub fn glorious_fifty_window(year: i32, rules: &Rules) -> Option<(NaiveDate, NaiveDate)> {
    let months = Months::new(rules.awards.party.glorious_50_years_min_party_age_years * 12);
    let this = fifty_cutoff(year, rules)?.checked_sub_months(months)?;
    let last = fifty_cutoff(year - 1, rules)?.checked_sub_months(months)?;
    Some((last, this))
}

/// Whether an open hardship case is due a follow-up: nothing since `last` (its last
/// follow-up, or its registration) for the days the rules give.
pub fn follow_up_due(last: NaiveDate, today: NaiveDate, rules: &Rules) -> bool {
    last.checked_add_days(Days::new(u64::from(rules.care.hardship_follow_up_days)))
        .is_some_and(|due| due <= today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conduct::{Bar, Cause, Until};

    fn rules() -> Rules {
        Rules::load(None).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// R7.3, M6.3, M6.6: the kinds of each system, who receives them, the full-member rule,
    /// the eligibility bar (its effect, not its facts) and 第十一条.
    #[test]
    fn a_proposal_is_checked_against_the_kind_the_nominee_and_eligibility() {
        let r = rules();
        let free = Eligibility::default();
        let none: Vec<(String, NaiveDate)> = Vec::new();
        let member = |full, e, earlier| Nominee::Member {
            full_member: full,
            eligibility: e,
            earlier_awards: earlier,
        };
        let today = day(2026, 6, 1);
        let ok = |s, k, n: &Nominee| check_proposal(s, k, n, today, &r);
        assert!(
            ok(
                HonourSystem::Party,
                "优秀共产党员",
                &member(true, &free, &none)
            )
            .is_ok()
        );
        assert!(ok(HonourSystem::Party, "先进基层党组织", &Nominee::Org).is_ok());
        assert!(ok(HonourSystem::Police, "记三等功", &Nominee::Org).is_ok());
        assert_eq!(
            ok(HonourSystem::Party, "记三等功", &Nominee::Org)
                .unwrap_err()
                .0,
            "kind"
        );
        assert_eq!(
            ok(HonourSystem::Party, "优秀党务工作者", &Nominee::Org).unwrap_err(),
            (
                "member",
                "优秀党务工作者授予党员个人，请填写党员".to_owned()
            )
        );
        assert_eq!(
            ok(
                HonourSystem::Party,
                "先进基层党组织",
                &member(true, &free, &none)
            )
            .unwrap_err()
            .0,
            "org"
        );
        assert_eq!(
            ok(
                HonourSystem::Party,
                "优秀共产党员",
                &member(false, &free, &none)
            )
            .unwrap_err(),
            ("member", "优秀共产党员须为正式党员".to_owned())
        );
        // A probationary member may be an 优秀党务工作者 (the rule names only the first).
        assert!(
            ok(
                HonourSystem::Party,
                "优秀党务工作者",
                &member(false, &free, &none)
            )
            .is_ok()
        );
        let barred = Eligibility {
            commend: vec![Bar {
                cause: Cause::PartyDiscipline,
                until: Until::Day(day(2027, 3, 15)),
            }],
            ..Eligibility::default()
        };
        let (field, message) =
            ok(HonourSystem::Police, "嘉奖", &member(true, &barred, &none)).unwrap_err();
        assert_eq!(field, "member");
        assert_eq!(message, "该党员不可评先评优（至 2027-03-15），不能提名");
        assert!(!message.contains("处分"));
        // 第十一条: a 嘉奖 within a year of a 三等功 is refused, a 二等功 is not.
        let earlier = vec![("记三等功".to_owned(), day(2025, 12, 1))];
        assert_eq!(
            ok(HonourSystem::Police, "嘉奖", &member(true, &free, &earlier))
                .unwrap_err()
                .0,
            "kind"
        );
        assert!(
            ok(
                HonourSystem::Police,
                "记二等功",
                &member(true, &free, &earlier)
            )
            .is_ok()
        );
        // The full-member rule is a setting.
        let mut lenient = r.clone();
        lenient.commendation.outstanding_member_must_be_full_member = false;
        assert!(
            check_proposal(
                HonourSystem::Party,
                "优秀共产党员",
                &member(false, &free, &none),
                today,
                &lenient
            )
            .is_ok()
        );
    }

    #[test]
    fn the_political_birthday_is_named_within_the_notice_days() {
        let joined = day(2010, 7, 1);
        assert_eq!(
            political_birthday(joined, day(2026, 6, 20), 14),
            Some((day(2026, 7, 1), 16))
        );
        assert_eq!(
            political_birthday(joined, day(2026, 7, 1), 14),
            Some((day(2026, 7, 1), 16))
        );
        assert_eq!(political_birthday(joined, day(2026, 6, 16), 14), None);
        assert_eq!(
            political_birthday(joined, day(2026, 6, 17), 14),
            Some((day(2026, 7, 1), 16))
        );
        assert_eq!(political_birthday(joined, day(2026, 7, 2), 14), None);
        // Across the new year.
        assert_eq!(
            political_birthday(day(2000, 1, 3), day(2026, 12, 25), 14),
            Some((day(2027, 1, 3), 27))
        );
        // Joined on a leap day: the 28th in other years.
        assert_eq!(
            political_birthday(day(2008, 2, 29), day(2026, 2, 20), 14),
            Some((day(2026, 2, 28), 18))
        );
        // Not before the first anniversary.
        assert_eq!(
            political_birthday(day(2026, 6, 1), day(2026, 6, 1), 14),
            None
        );
    }

    /// M6.2: 党龄 reaches 50 years by 1 July of the year.
    #[test]
    fn fifty_years_in_the_party_are_counted_to_the_first_of_july() {
        let r = rules();
        assert!(glorious_fifty(day(1976, 7, 1), 2026, &r));
        assert!(!glorious_fifty(day(1976, 7, 2), 2026, &r));
        assert!(glorious_fifty(day(1976, 7, 2), 2027, &r));
        assert!(glorious_fifty(day(1960, 1, 1), 2026, &r));
        assert!(glorious_fifty(day(1976, 2, 29), 2026, &r));
        let (after, through) = glorious_fifty_window(2026, &r).unwrap();
        assert_eq!((after, through), (day(1975, 7, 1), day(1976, 7, 1)));
        // The window holds exactly those who reach fifty this year, not last.
        for d in [
            after,
            after.succ_opt().unwrap(),
            through,
            through.succ_opt().unwrap(),
        ] {
            let inside = after < d && d <= through;
            assert_eq!(
                glorious_fifty(d, 2026, &r) && !glorious_fifty(d, 2025, &r),
                inside,
                "{d}"
            );
        }
        let mut broken = r.clone();
        broken.awards.party.glorious_50_years_cutoff = "七月一日".to_owned();
        assert!(!glorious_fifty(day(1960, 1, 1), 2026, &broken));
        assert_eq!(glorious_fifty_window(2026, &broken), None);
    }

    #[test]
    fn a_hardship_case_is_due_a_follow_up_after_the_days_of_the_rules() {
        let r = rules();
        let last = day(2026, 1, 1);
        assert!(!follow_up_due(last, day(2026, 3, 31), &r));
        assert!(follow_up_due(last, day(2026, 4, 1), &r));
    }
}
