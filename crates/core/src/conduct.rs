//! 作风纪律 (issue 16): findings of 四风, 八项规定 and police-conduct problems, how each was
//! handled and which of the four forms (四种形态) that is, the sanctions (党纪处分 and 政务处分)
//! with the periods they run, and the one eligibility rule every other area asks: may this
//! member be commended, named 评先评优 or promoted on this day, and if not, until when.
//!
//! Every category list, kind and period comes from the rules file (`[discipline.*]`,
//! `[inspection]`, `[awards.*]`), in the version of the day being judged.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::rules::Rules;
use crate::rules_second::{GovernmentSanctionRule, PartySanctionRule};

/// 轻处分 or 重处分 (R6.7), which puts a sanction in the second or the third form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Light,
    Heavy,
}

labelled_enum! {
    /// Where a finding came from.
    pub enum Source {
        PoliceInspection = ("police_inspection", "警务督察"),
        DisciplineInspection = ("discipline_inspection", "纪检监察"),
        Tour = ("tour_inspection", "巡察"),
        Audit = ("audit", "审计"),
        Petition = ("petition", "信访举报"),
        SelfInspection = ("self_inspection", "自查自纠"),
    }
}

labelled_enum! {
    /// The official list a finding's category is taken from.
    pub enum CategoryGroup {
        /// 享乐主义、奢靡之风: the CCDI's categories of 违反中央八项规定精神 (M8.2).
        EightRules = ("eight_rules", "违反中央八项规定精神"),
        /// 形式主义、官僚主义 (M8.3).
        Formalism = ("formalism", "形式主义、官僚主义"),
        /// 警务督察 categories (M9.8).
        PoliceConduct = ("police_conduct", "警风警纪"),
    }
}

impl CategoryGroup {
    /// The categories of this list in the rules given.
    pub fn categories(self, rules: &Rules) -> &[String] {
        match self {
            CategoryGroup::EightRules => &rules.discipline.ccdi_categories.hedonism_extravagance,
            CategoryGroup::Formalism => &rules.discipline.ccdi_categories.formalism_bureaucratism,
            CategoryGroup::PoliceConduct => &rules.inspection.categories,
        }
    }

    /// Whether `category` is one of this list's, as the rules give them.
    pub fn has(self, rules: &Rules, category: &str) -> bool {
        self.categories(rules).iter().any(|c| c == category)
    }
}

labelled_enum! {
    /// How a finding was handled (处置方式).
    pub enum Handling {
        ReminderTalk = ("reminder_talk", "提醒谈话"),
        Criticism = ("criticism", "批评教育"),
        OrderedReview = ("ordered_review", "责令检查"),
        Admonition = ("admonition", "诫勉"),
        WrittenInquiry = ("written_inquiry", "函询"),
        OrgAdjustment = ("org_adjustment", "组织处理（组织调整）"),
        MajorPostChange = ("major_post_change", "组织处理（重大职务调整）"),
        PartySanction = ("party_sanction", "纪律处分"),
        GovernmentSanction = ("government_sanction", "政务处分"),
        Prosecution = ("prosecution", "移送司法机关"),
        /// The problem was not borne out, or needs no handling: no form.
        Cleared = ("cleared", "了结（问题不实或不予处理）"),
    }
}

labelled_enum! {
    /// 四种形态 (纪律处分条例 2023 第五条; R6.8, M8.7).
    pub enum FourForm {
        First = ("first", "第一种形态"),
        Second = ("second", "第二种形态"),
        Third = ("third", "第三种形态"),
        Fourth = ("fourth", "第四种形态"),
    }
}

labelled_enum! {
    /// 党纪处分 or 政务处分.
    pub enum Track {
        Party = ("party", "党纪处分"),
        Government = ("government", "政务处分"),
    }
}

impl Handling {
    /// The sanction a handling records a decision of, if any.
    pub fn track(self) -> Option<Track> {
        match self {
            Handling::PartySanction => Some(Track::Party),
            Handling::GovernmentSanction => Some(Track::Government),
            _ => None,
        }
    }

    /// Whether only a member (not an org) can be handled so.
    pub fn needs_member(self) -> bool {
        matches!(
            self,
            Handling::Admonition
                | Handling::WrittenInquiry
                | Handling::OrgAdjustment
                | Handling::MajorPostChange
                | Handling::PartySanction
                | Handling::GovernmentSanction
                | Handling::Prosecution
        )
    }

    /// The form the handling falls in (R6.8): talks, criticism, ordered reviews, 诫勉 and 函询
    /// the first; light sanctions and 组织调整 the second; heavy sanctions and 重大职务调整 the
    /// third; prosecution the fourth. A sanction's form follows its weight (`severity`); a
    /// cleared finding has none.
    pub fn form(self, severity: Option<Severity>) -> Option<FourForm> {
        match self {
            Handling::ReminderTalk
            | Handling::Criticism
            | Handling::OrderedReview
            | Handling::Admonition
            | Handling::WrittenInquiry => Some(FourForm::First),
            Handling::OrgAdjustment => Some(FourForm::Second),
            Handling::MajorPostChange => Some(FourForm::Third),
            Handling::PartySanction | Handling::GovernmentSanction => match severity? {
                Severity::Light => Some(FourForm::Second),
                Severity::Heavy => Some(FourForm::Third),
            },
            Handling::Prosecution => Some(FourForm::Fourth),
            Handling::Cleared => None,
        }
    }
}

/// The rule of one kind of sanction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KindRule<'a> {
    Party(&'a PartySanctionRule),
    Government(&'a GovernmentSanctionRule),
}

impl KindRule<'_> {
    pub fn severity(self) -> Severity {
        match self {
            KindRule::Party(r) => r.severity,
            KindRule::Government(r) => r.severity,
        }
    }
}

/// The rule of a kind of sanction in the rules given, if the rules know the kind.
pub fn kind_rule<'a>(rules: &'a Rules, track: Track, kind: &str) -> Option<KindRule<'a>> {
    match track {
        Track::Party => rules
            .discipline
            .party
            .iter()
            .find(|r| r.kind == kind)
            .map(KindRule::Party),
        Track::Government => rules
            .discipline
            .government
            .iter()
            .find(|r| r.kind == kind)
            .map(KindRule::Government),
    }
}

/// The kinds of a track, lightest first.
pub fn kinds(rules: &Rules, track: Track) -> Vec<&str> {
    match track {
        Track::Party => rules
            .discipline
            .party
            .iter()
            .map(|r| r.kind.as_str())
            .collect(),
        Track::Government => rules
            .discipline
            .government
            .iter()
            .map(|r| r.kind.as_str())
            .collect(),
    }
}

/// `day` plus whole months, as the civil code counts a period (民法典 第二百零二条): the
/// corresponding day of the last month is the period's last day, and the month's last day
/// when it has none (decided 2024-02-29, twelve months run through 2025-02-28).
pub fn months_after(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The last day of an effect: a day, or none in sight (开除, an open investigation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Until {
    Day(NaiveDate),
    Indefinite,
}

impl Until {
    pub fn day(self) -> Option<NaiveDate> {
        match self {
            Until::Day(d) => Some(d),
            Until::Indefinite => None,
        }
    }

    /// The earlier of the two ends.
    fn cut(self, last: NaiveDate) -> Until {
        match self {
            Until::Day(d) => Until::Day(d.min(last)),
            Until::Indefinite => Until::Day(last),
        }
    }
}

impl std::fmt::Display for Until {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Until::Day(d) => write!(f, "至 {d}"),
            Until::Indefinite => f.write_str("期限未定"),
        }
    }
}

/// An effect running from a first day through its end, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effect {
    pub from: NaiveDate,
    pub until: Until,
}

impl Effect {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day
            && match self.until {
                Until::Day(last) => day <= last,
                Until::Indefinite => true,
            }
    }
}

/// A sanction as decided, and what happened to it since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanction {
    pub track: Track,
    pub kind: String,
    pub decided_on: NaiveDate,
    /// 留党察看: the months the decision set.
    pub probation_months: Option<u32>,
    /// 留党察看: the day the probation was extended (期满仍不符合恢复条件).
    pub extended_on: Option<NaiveDate>,
    /// 留党察看: the day the member's rights were restored.
    pub restored_on: Option<NaiveDate>,
    /// The day the decision was revoked (撤销, on appeal or review): every effect ends before it.
    pub revoked_on: Option<NaiveDate>,
}

/// What a sanction does: to promotion and further use, to the vote, and the probation's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effects {
    /// The period of influence: no promotion or further use (R6.2–R6.5, R6.9).
    pub influence: Option<Effect>,
    /// 留党察看: no vote, no election (R6.4, R8.4).
    pub voting_suspended: Option<Effect>,
    /// 留党察看: the last day of the probation, with any extension.
    pub probation_last_day: Option<NaiveDate>,
    /// 开除党籍: the member is out, and may not rejoin through this day (R6.5).
    pub rejoin_ban_through: Option<NaiveDate>,
}

/// The last day of a 留党察看's probation: the months decided, and when extended the rest up
/// to the longest period the rules allow (1 year extended by 1, at most 2: R6.4).
pub fn probation_last_day(s: &Sanction, rule: &PartySanctionRule) -> Option<NaiveDate> {
    let months = s.probation_months?;
    let longest = rule.probation_options_months.iter().copied().max()?;
    let extension = if s.extended_on.is_some() {
        longest.saturating_sub(months)
    } else {
        0
    };
    Some(months_after(s.decided_on, months + extension))
}

/// The effects of a sanction under the rules of the day it was decided (a kind the rules do
/// not know has none; [`check_sanction`] refuses it at entry).
pub fn effects(s: &Sanction, rules: &Rules) -> Effects {
    let mut out = Effects {
        influence: None,
        voting_suspended: None,
        probation_last_day: None,
        rejoin_ban_through: None,
    };
    let from = s.decided_on;
    match kind_rule(rules, s.track, &s.kind) {
        None => return out,
        Some(KindRule::Government(rule)) => {
            out.influence = Some(Effect {
                from,
                until: rule
                    .period_months
                    .map_or(Until::Indefinite, |m| Until::Day(months_after(from, m))),
            });
        }
        Some(KindRule::Party(rule)) => {
            if let Some(m) = rule.influence_months {
                out.influence = Some(Effect {
                    from,
                    until: Until::Day(months_after(from, m)),
                });
            }
            if let Some(last) = probation_last_day(s, rule) {
                out.probation_last_day = Some(last);
                if rule.suspends_voting_rights {
                    out.voting_suspended = Some(Effect {
                        from,
                        until: s
                            .restored_on
                            .and_then(|d| d.checked_sub_days(Days::new(1)))
                            .map_or(Until::Indefinite, Until::Day),
                    });
                }
                // Until restored, the influence is reckoned from the probation's end.
                let after = rule.influence_after_restore_months.unwrap_or(0);
                out.influence = Some(Effect {
                    from,
                    until: Until::Day(months_after(s.restored_on.unwrap_or(last), after)),
                });
            }
            if let Some(years) = rule.rejoin_ban_years {
                // Out of the party: no further use, and no vote while the roll still shows
                // them (until the branch records the 出党).
                let out_of_party = Effect {
                    from,
                    until: Until::Indefinite,
                };
                out.influence = Some(out_of_party);
                out.voting_suspended = Some(out_of_party);
                out.rejoin_ban_through = Some(months_after(from, years * 12));
            }
        }
    }
    if let Some(last) = s.revoked_on.and_then(|d| d.checked_sub_days(Days::new(1))) {
        let cut = |e: Effect| Effect {
            from: e.from,
            until: e.until.cut(last),
        };
        out.influence = out.influence.map(cut);
        out.voting_suspended = out.voting_suspended.map(cut);
        out.rejoin_ban_through = out.rejoin_ban_through.map(|d| d.min(last));
    }
    out
}

/// Why a sanction as entered is refused: the field and the message.
pub fn check_sanction(s: &Sanction, rules: &Rules) -> Result<(), (&'static str, String)> {
    let Some(rule) = kind_rule(rules, s.track, &s.kind) else {
        return Err((
            "kind",
            format!(
                "请选择{}的种类：{}",
                s.track.label(),
                kinds(rules, s.track).join("、")
            ),
        ));
    };
    let probation_rule = match rule {
        KindRule::Party(r) if !r.probation_options_months.is_empty() => Some(r),
        _ => None,
    };
    let Some(rule) = probation_rule else {
        if s.probation_months.is_some() {
            return Err(("probation_months", "只有留党察看有察看期限".to_owned()));
        }
        if s.extended_on.is_some() || s.restored_on.is_some() {
            return Err((
                "restored_on",
                "只有留党察看可以延长察看期或恢复党员权利".to_owned(),
            ));
        }
        return check_revoked(s);
    };
    let options = &rule.probation_options_months;
    let listed = options
        .iter()
        .map(|m| format!("{m}个月"))
        .collect::<Vec<_>>()
        .join("或");
    match s.probation_months {
        Some(m) if options.contains(&m) => {}
        _ => return Err(("probation_months", format!("留党察看的期限为{listed}"))),
    }
    let first_last = months_after(s.decided_on, s.probation_months.unwrap_or(0));
    if let Some(extended) = s.extended_on {
        if s.probation_months >= options.iter().copied().max() {
            return Err((
                "extended_on",
                format!(
                    "察看期已是最长期限（{}个月），不能再延长",
                    s.probation_months.unwrap_or(0)
                ),
            ));
        }
        if extended <= s.decided_on {
            return Err((
                "extended_on",
                "延长察看期的日期应晚于处分决定日期".to_owned(),
            ));
        }
    }
    if let Some(restored) = s.restored_on {
        let last = probation_last_day(s, rule).unwrap_or(first_last);
        if restored < last {
            return Err((
                "restored_on",
                format!("察看期至 {last} 届满，届满后方可恢复党员权利"),
            ));
        }
        if s.extended_on.is_some_and(|e| e >= restored) {
            return Err(("extended_on", "延长察看期应在恢复党员权利之前".to_owned()));
        }
    }
    check_revoked(s)
}

fn check_revoked(s: &Sanction) -> Result<(), (&'static str, String)> {
    match s.revoked_on {
        Some(r) if r <= s.decided_on => {
            Err(("revoked_on", "撤销处分的日期应晚于处分决定日期".to_owned()))
        }
        _ => Ok(()),
    }
}

labelled_enum! {
    /// Why a member may not be commended or promoted. Only the discipline roles see the
    /// cause; every other role sees the effect and its end alone.
    pub enum Cause {
        PartyDiscipline = ("party_discipline", "党纪处分影响期"),
        GovernmentSanction = ("government_sanction", "政务处分期"),
        Investigation = ("investigation", "正在接受组织调查"),
        Expelled = ("expelled", "已开除"),
    }
}

/// One bar and the last day it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar {
    pub cause: Cause,
    pub until: Until,
}

/// What a member may be on a day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Eligibility {
    /// Bars to 评先评优 and to commendations and awards.
    pub commend: Vec<Bar>,
    /// Bars to promotion (晋职) and further use.
    pub promote: Vec<Bar>,
    /// The vote is suspended (留党察看).
    pub vote_suspended: Option<Until>,
}

impl Eligibility {
    pub fn may_commend(&self) -> bool {
        self.commend.is_empty()
    }

    pub fn may_promote(&self) -> bool {
        self.promote.is_empty()
    }

    /// The day the last bar to commendation ends.
    pub fn commend_until(&self) -> Option<Until> {
        self.commend.iter().map(|b| b.until).max()
    }

    pub fn promote_until(&self) -> Option<Until> {
        self.promote.iter().map(|b| b.until).max()
    }

    /// The effects as others may read them, without the facts: "不可评先评优（至 2026-03-15）".
    /// An expulsion is said as such: the branch has a 出党 to record.
    pub fn derived(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.commend.iter().any(|b| b.cause == Cause::Expelled) {
            out.push("已被开除党籍，应办理出党手续".to_owned());
        }
        if let Some(until) = self.commend_until() {
            out.push(format!("不可评先评优（{until}）"));
        }
        if let Some(until) = self.promote_until() {
            out.push(format!("不可晋职或进一步使用（{until}）"));
        }
        if let Some(until) = self.vote_suspended {
            out.push(format!("无表决权、选举权和被选举权（{until}）"));
        }
        out
    }
}

/// Adds a bar, keeping one per cause with the latest end.
fn bar(bars: &mut Vec<Bar>, cause: Cause, until: Until) {
    match bars.iter_mut().find(|b| b.cause == cause) {
        Some(b) => b.until = b.until.max(until),
        None => bars.push(Bar { cause, until }),
    }
}

/// May the member be commended, named 评先评优 or promoted on `day`? Each sanction is read
/// under the rules of the day it was decided (`rules_on`); what bars a nomination is read
/// from today's rules (`rules`: [awards.nomination_blocks], a bureau setting). An open
/// investigation bars commendation until it is closed (奖励条令 第十二条).
pub fn eligibility<'a>(
    day: NaiveDate,
    sanctions: &[Sanction],
    open_investigation: bool,
    rules: &Rules,
    rules_on: impl Fn(NaiveDate) -> &'a Rules,
) -> Eligibility {
    let blocks = &rules.awards.nomination_blocks;
    let mut out = Eligibility::default();
    for s in sanctions.iter().filter(|s| s.decided_on <= day) {
        let e = effects(s, rules_on(s.decided_on));
        if let Some(v) = e.voting_suspended.filter(|v| v.covers(day)) {
            out.vote_suspended = Some(out.vote_suspended.map_or(v.until, |u| u.max(v.until)));
        }
        let Some(influence) = e.influence.filter(|i| i.covers(day)) else {
            continue;
        };
        let (cause, blocks_commendation) = match (s.track, e.rejoin_ban_through) {
            (_, Some(_)) => (Cause::Expelled, true),
            (Track::Party, None) => (
                Cause::PartyDiscipline,
                blocks.block_during_party_discipline_effect,
            ),
            (Track::Government, None) => (
                Cause::GovernmentSanction,
                blocks.block_during_government_sanction_period,
            ),
        };
        bar(&mut out.promote, cause, influence.until);
        if blocks_commendation {
            bar(&mut out.commend, cause, influence.until);
        }
    }
    if open_investigation && blocks.block_during_open_investigation {
        bar(&mut out.commend, Cause::Investigation, Until::Indefinite);
    }
    out
}

/// Whether the vote of a member under these sanctions is suspended on `day` (the org-life
/// quorum counts only those who vote: R8.4).
pub fn vote_suspended<'a>(
    day: NaiveDate,
    sanctions: &[Sanction],
    rules_on: impl Fn(NaiveDate) -> &'a Rules,
) -> bool {
    sanctions.iter().any(|s| {
        effects(s, rules_on(s.decided_on))
            .voting_suspended
            .is_some_and(|v| v.covers(day))
    })
}

/// 奖励条令 第十一条: within `months` of an award, none of the same or a lower level (原则上).
/// `kinds` lists the award kinds lowest first; returns the earlier award that stands in the
/// way, if any.
pub fn repeat_award<'a>(
    kinds: &[String],
    kind: &str,
    on: NaiveDate,
    earlier: &'a [(String, NaiveDate)],
    months: u32,
) -> Option<&'a (String, NaiveDate)> {
    let rank = |k: &str| kinds.iter().position(|x| x == k);
    let new = rank(kind)?;
    earlier.iter().find(|(k, day)| {
        rank(k).is_some_and(|r| r >= new) && *day <= on && on <= months_after(*day, months)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::load(None).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn party(kind: &str, on: NaiveDate) -> Sanction {
        Sanction {
            track: Track::Party,
            kind: kind.to_owned(),
            decided_on: on,
            probation_months: None,
            extended_on: None,
            restored_on: None,
            revoked_on: None,
        }
    }

    fn government(kind: &str, on: NaiveDate) -> Sanction {
        Sanction {
            track: Track::Government,
            ..party(kind, on)
        }
    }

    fn probation(months: u32, on: NaiveDate) -> Sanction {
        Sanction {
            probation_months: Some(months),
            ..party("留党察看", on)
        }
    }

    fn until(s: &Sanction) -> Option<Until> {
        effects(s, &rules()).influence.map(|e| e.until)
    }

    /// R6.2, R6.3, R6.9 with the civil code's count: the period's last day is the
    /// corresponding day, or the month's last day when it has none.
    #[test]
    fn periods_run_to_the_corresponding_day_and_clamp_at_month_end() {
        let on = day(2024, 3, 15);
        assert_eq!(
            until(&party("警告", on)),
            Some(Until::Day(day(2025, 3, 15)))
        );
        assert_eq!(
            until(&party("严重警告", on)),
            Some(Until::Day(day(2025, 9, 15)))
        );
        assert_eq!(
            until(&party("撤销党内职务", on)),
            Some(Until::Day(day(2026, 3, 15)))
        );
        // A leap day: twelve months end on 28 February.
        assert_eq!(
            until(&party("警告", day(2024, 2, 29))),
            Some(Until::Day(day(2025, 2, 28)))
        );
        // 31 August plus 18 months: February has no 31st.
        assert_eq!(
            until(&party("严重警告", day(2023, 8, 31))),
            Some(Until::Day(day(2025, 2, 28)))
        );
        // Into a leap February.
        assert_eq!(
            until(&party("严重警告", day(2022, 8, 31))),
            Some(Until::Day(day(2024, 2, 29)))
        );
        let gov = [
            ("警告", 6),
            ("记过", 12),
            ("记大过", 18),
            ("降级", 24),
            ("撤职", 24),
        ];
        for (kind, months) in gov {
            assert_eq!(
                until(&government(kind, day(2024, 8, 31))),
                Some(Until::Day(months_after(day(2024, 8, 31), months))),
                "{kind}"
            );
        }
        assert_eq!(
            until(&government("警告", day(2024, 8, 31))),
            Some(Until::Day(day(2025, 2, 28)))
        );
        assert_eq!(until(&government("开除", on)), Some(Until::Indefinite));
        // An unknown kind has no effect (and is refused at entry).
        assert_eq!(until(&party("通报批评", on)), None);
    }

    /// R6.4: 留党察看 removes the vote until the rights are restored; the influence runs two
    /// years beyond the restoration; an extension brings the probation to the longest period.
    #[test]
    fn probation_suspends_the_vote_and_extends_to_the_longest_period() {
        let r = rules();
        let on = day(2024, 1, 31);
        let s = probation(12, on);
        let e = effects(&s, &r);
        assert_eq!(e.probation_last_day, Some(day(2025, 1, 31)));
        assert_eq!(
            e.voting_suspended,
            Some(Effect {
                from: on,
                until: Until::Indefinite
            })
        );
        assert_eq!(
            e.influence.map(|i| i.until),
            Some(Until::Day(day(2027, 1, 31)))
        );
        let extended = Sanction {
            extended_on: Some(day(2025, 1, 31)),
            ..s.clone()
        };
        assert_eq!(
            effects(&extended, &r).probation_last_day,
            Some(day(2026, 1, 31))
        );
        let restored = Sanction {
            restored_on: Some(day(2025, 2, 3)),
            ..s.clone()
        };
        let e = effects(&restored, &r);
        assert_eq!(
            e.voting_suspended.map(|v| v.until),
            Some(Until::Day(day(2025, 2, 2)))
        );
        assert_eq!(
            e.influence.map(|i| i.until),
            Some(Until::Day(day(2027, 2, 3)))
        );
        assert!(vote_suspended(
            day(2025, 2, 2),
            std::slice::from_ref(&restored),
            |_| &r
        ));
        assert!(!vote_suspended(
            day(2025, 2, 3),
            std::slice::from_ref(&restored),
            |_| &r
        ));
        assert!(!vote_suspended(day(2024, 1, 30), &[restored], |_| &r));
        // A two-year probation cannot be extended.
        let long = Sanction {
            extended_on: Some(day(2026, 1, 31)),
            ..probation(24, on)
        };
        assert_eq!(
            effects(&long, &r).probation_last_day,
            Some(day(2026, 1, 31))
        );
        assert_eq!(check_sanction(&long, &r).unwrap_err().0, "extended_on");
    }

    /// R6.5: expulsion bars everything and rejoining for five years.
    #[test]
    fn expulsion_has_no_end_and_bars_rejoining_for_five_years() {
        let r = rules();
        let e = effects(&party("开除党籍", day(2024, 2, 29)), &r);
        assert_eq!(e.influence.map(|i| i.until), Some(Until::Indefinite));
        assert_eq!(e.rejoin_ban_through, Some(day(2029, 2, 28)));
        let el = eligibility(
            day(2040, 1, 1),
            &[party("开除党籍", day(2024, 2, 29))],
            false,
            &r,
            |_| &r,
        );
        assert_eq!(
            el.commend,
            [Bar {
                cause: Cause::Expelled,
                until: Until::Indefinite
            }]
        );
        assert_eq!(el.vote_suspended, Some(Until::Indefinite));
        assert_eq!(el.derived()[0], "已被开除党籍，应办理出党手续");
        assert!(vote_suspended(
            day(2024, 2, 29),
            &[party("开除党籍", day(2024, 2, 29))],
            |_| &r
        ));
    }

    /// Two sanctions of one kind of cause make one bar, to the later end; a revocation after
    /// the decision is accepted.
    #[test]
    fn bars_of_one_cause_merge_to_the_later_end() {
        let r = rules();
        let sanctions = [
            party("严重警告", day(2025, 1, 10)),
            party("警告", day(2025, 3, 15)),
        ];
        let el = eligibility(day(2025, 6, 1), &sanctions, false, &r, |_| &r);
        assert_eq!(
            el.commend,
            [Bar {
                cause: Cause::PartyDiscipline,
                until: Until::Day(day(2026, 7, 10))
            }]
        );
        let revoked = Sanction {
            revoked_on: Some(day(2025, 4, 1)),
            ..party("警告", day(2025, 3, 15))
        };
        assert!(check_sanction(&revoked, &r).is_ok());
    }

    #[test]
    fn an_end_is_a_day_or_none_in_sight() {
        assert_eq!(Until::Day(day(2026, 3, 15)).day(), Some(day(2026, 3, 15)));
        assert_eq!(Until::Indefinite.day(), None);
        assert_eq!(Until::Day(day(2026, 3, 15)).to_string(), "至 2026-03-15");
        assert_eq!(Until::Indefinite.to_string(), "期限未定");
        assert!(Until::Indefinite > Until::Day(NaiveDate::MAX));
    }

    #[test]
    fn a_revoked_sanction_ends_the_day_before_its_revocation() {
        let r = rules();
        let s = Sanction {
            revoked_on: Some(day(2024, 6, 1)),
            ..party("严重警告", day(2024, 3, 15))
        };
        assert_eq!(until(&s), Some(Until::Day(day(2024, 5, 31))));
        let p = Sanction {
            revoked_on: Some(day(2024, 6, 1)),
            ..probation(12, day(2024, 3, 15))
        };
        let e = effects(&p, &r);
        assert_eq!(
            e.voting_suspended.map(|v| v.until),
            Some(Until::Day(day(2024, 5, 31)))
        );
        let x = Sanction {
            revoked_on: Some(day(2024, 6, 1)),
            ..party("开除党籍", day(2024, 3, 15))
        };
        let e = effects(&x, &r);
        assert_eq!(
            e.influence.map(|i| i.until),
            Some(Until::Day(day(2024, 5, 31)))
        );
        assert_eq!(e.rejoin_ban_through, Some(day(2024, 5, 31)));
        assert_eq!(
            check_sanction(
                &Sanction {
                    revoked_on: Some(day(2024, 3, 15)),
                    ..party("警告", day(2024, 3, 15))
                },
                &r
            )
            .unwrap_err()
            .0,
            "revoked_on"
        );
    }

    #[test]
    fn sanctions_are_checked_against_the_kinds_and_periods_of_the_rules() {
        let r = rules();
        let on = day(2024, 3, 15);
        assert!(check_sanction(&party("警告", on), &r).is_ok());
        assert!(check_sanction(&government("记大过", on), &r).is_ok());
        let (field, message) = check_sanction(&party("记过", on), &r).unwrap_err();
        assert_eq!(field, "kind");
        assert!(message.contains("警告、严重警告、撤销党内职务、留党察看、开除党籍"));
        assert_eq!(
            check_sanction(&probation(18, on), &r).unwrap_err(),
            (
                "probation_months",
                "留党察看的期限为12个月或24个月".to_owned()
            )
        );
        assert_eq!(
            check_sanction(&party("留党察看", on), &r).unwrap_err().0,
            "probation_months"
        );
        assert_eq!(
            check_sanction(
                &Sanction {
                    probation_months: Some(12),
                    ..party("警告", on)
                },
                &r
            )
            .unwrap_err()
            .0,
            "probation_months"
        );
        assert_eq!(
            check_sanction(
                &Sanction {
                    restored_on: Some(day(2026, 1, 1)),
                    ..party("警告", on)
                },
                &r
            )
            .unwrap_err()
            .0,
            "restored_on"
        );
        // Restored before the probation is served.
        let early = Sanction {
            restored_on: Some(day(2025, 3, 14)),
            ..probation(12, on)
        };
        assert_eq!(
            check_sanction(&early, &r).unwrap_err(),
            (
                "restored_on",
                "察看期至 2025-03-15 届满，届满后方可恢复党员权利".to_owned()
            )
        );
        let served = Sanction {
            restored_on: Some(day(2025, 3, 15)),
            ..probation(12, on)
        };
        assert!(check_sanction(&served, &r).is_ok());
        // Extended: restoration waits for the longer end, and the extension comes first.
        let extended = Sanction {
            extended_on: Some(day(2025, 3, 15)),
            restored_on: Some(day(2025, 4, 1)),
            ..probation(12, on)
        };
        assert_eq!(check_sanction(&extended, &r).unwrap_err().0, "restored_on");
        let late_extension = Sanction {
            extended_on: Some(day(2026, 4, 1)),
            restored_on: Some(day(2026, 3, 15)),
            ..probation(12, on)
        };
        assert_eq!(
            check_sanction(&late_extension, &r).unwrap_err().0,
            "extended_on"
        );
        let fine = Sanction {
            extended_on: Some(day(2025, 3, 15)),
            restored_on: Some(day(2026, 3, 15)),
            ..probation(12, on)
        };
        assert!(check_sanction(&fine, &r).is_ok());
        // Extended and restored the same day contradict each other.
        let same_day = Sanction {
            extended_on: Some(day(2026, 3, 15)),
            restored_on: Some(day(2026, 3, 15)),
            ..probation(12, on)
        };
        assert_eq!(check_sanction(&same_day, &r).unwrap_err().0, "extended_on");
        assert_eq!(
            check_sanction(
                &Sanction {
                    extended_on: Some(on),
                    ..probation(12, on)
                },
                &r
            )
            .unwrap_err()
            .0,
            "extended_on"
        );
    }

    /// M6.6 (engine default, a bureau setting): commendation barred in a sanction's period
    /// and during an investigation; promotion in every period of influence.
    #[test]
    fn eligibility_reads_the_periods_and_the_bureau_blocks() {
        let r = rules();
        let sanctions = [
            party("警告", day(2025, 3, 15)),
            government("记过", day(2025, 6, 1)),
        ];
        let el = eligibility(day(2025, 12, 1), &sanctions, false, &r, |_| &r);
        assert!(!el.may_commend());
        assert!(!el.may_promote());
        assert_eq!(el.commend_until(), Some(Until::Day(day(2026, 6, 1))));
        assert_eq!(
            el.derived(),
            [
                "不可评先评优（至 2026-06-01）",
                "不可晋职或进一步使用（至 2026-06-01）"
            ]
        );
        // The day after the last day, free again; the day before the decision, too.
        let later = eligibility(day(2026, 6, 2), &sanctions, false, &r, |_| &r);
        assert!(later.may_commend() && later.may_promote());
        assert!(later.derived().is_empty());
        let earlier = eligibility(day(2025, 3, 14), &sanctions, false, &r, |_| &r);
        assert_eq!(earlier, Eligibility::default());
        // On the last day still barred.
        let last = eligibility(day(2026, 3, 15), &sanctions[..1], false, &r, |_| &r);
        assert_eq!(last.commend_until(), Some(Until::Day(day(2026, 3, 15))));
        // The bureau may let a party sanction not bar commendation; promotion still is.
        let mut lenient = r.clone();
        lenient
            .awards
            .nomination_blocks
            .block_during_party_discipline_effect = false;
        lenient
            .awards
            .nomination_blocks
            .block_during_government_sanction_period = false;
        let el = eligibility(day(2025, 12, 1), &sanctions, false, &lenient, |_| &r);
        assert!(el.may_commend());
        assert!(!el.may_promote());
        // An open investigation bars commendation until it closes, promotion not.
        let el = eligibility(day(2025, 12, 1), &[], true, &r, |_| &r);
        assert_eq!(el.commend_until(), Some(Until::Indefinite));
        assert!(el.may_promote());
        assert_eq!(el.derived(), ["不可评先评优（期限未定）"]);
        lenient
            .awards
            .nomination_blocks
            .block_during_open_investigation = false;
        assert!(eligibility(day(2025, 12, 1), &[], true, &lenient, |_| &r).may_commend());
        // A probation: no vote, shown as such.
        let p = eligibility(
            day(2025, 12, 1),
            &[probation(12, day(2025, 3, 1))],
            false,
            &r,
            |_| &r,
        );
        assert_eq!(p.vote_suspended, Some(Until::Indefinite));
        assert_eq!(
            p.derived(),
            [
                "不可评先评优（至 2028-03-01）",
                "不可晋职或进一步使用（至 2028-03-01）",
                "无表决权、选举权和被选举权（期限未定）"
            ]
        );
    }

    /// Each sanction is read under the rules of the day it was decided.
    #[test]
    fn a_sanction_keeps_the_period_of_the_rules_it_was_decided_under() {
        let old = rules();
        let mut new = old.clone();
        new.discipline.party[0].influence_months = Some(6);
        let switch = day(2025, 1, 1);
        let on = |d: NaiveDate| if d < switch { &old } else { &new };
        let before = eligibility(
            day(2025, 6, 1),
            &[party("警告", day(2024, 12, 1))],
            false,
            &new,
            on,
        );
        assert_eq!(before.promote_until(), Some(Until::Day(day(2025, 12, 1))));
        let after = eligibility(
            day(2025, 6, 1),
            &[party("警告", day(2025, 1, 15))],
            false,
            &new,
            on,
        );
        assert_eq!(after.promote_until(), Some(Until::Day(day(2025, 7, 15))));
    }

    /// R6.8: the handling decides the form; a sanction's weight decides second or third.
    #[test]
    fn each_handling_falls_in_its_form() {
        use FourForm::*;
        use Handling::*;
        let expected = [
            (ReminderTalk, None, Some(First)),
            (Criticism, None, Some(First)),
            (OrderedReview, None, Some(First)),
            (Admonition, None, Some(First)),
            (WrittenInquiry, None, Some(First)),
            (OrgAdjustment, None, Some(Second)),
            (MajorPostChange, None, Some(Third)),
            (PartySanction, Some(Severity::Light), Some(Second)),
            (PartySanction, Some(Severity::Heavy), Some(Third)),
            (PartySanction, None, None),
            (GovernmentSanction, Some(Severity::Light), Some(Second)),
            (GovernmentSanction, Some(Severity::Heavy), Some(Third)),
            (Prosecution, None, Some(Fourth)),
            (Cleared, Some(Severity::Heavy), None),
        ];
        for (handling, severity, form) in expected {
            assert_eq!(handling.form(severity), form, "{handling:?} {severity:?}");
        }
        let r = rules();
        let weight = |t, k| kind_rule(&r, t, k).unwrap().severity();
        assert_eq!(weight(Track::Party, "严重警告"), Severity::Light);
        assert_eq!(weight(Track::Party, "撤销党内职务"), Severity::Heavy);
        assert_eq!(weight(Track::Government, "记大过"), Severity::Light);
        assert_eq!(weight(Track::Government, "撤职"), Severity::Heavy);
        let tracks: Vec<_> = Handling::ALL.iter().filter_map(|h| h.track()).collect();
        assert_eq!(tracks, [Track::Party, Track::Government]);
        let members_only: Vec<_> = Handling::ALL.iter().filter(|h| !h.needs_member()).collect();
        assert_eq!(
            members_only,
            [&ReminderTalk, &Criticism, &OrderedReview, &Cleared]
        );
    }

    #[test]
    fn categories_come_from_the_lists_in_force() {
        let r = rules();
        assert!(CategoryGroup::EightRules.has(&r, "违规吃喝"));
        assert!(!CategoryGroup::Formalism.has(&r, "违规吃喝"));
        assert!(CategoryGroup::PoliceConduct.has(&r, "警容风纪与着装"));
        assert_eq!(CategoryGroup::Formalism.categories(&r).len(), 4);
        let mut local = r.clone();
        local.inspection.categories.push("内务卫生".to_owned());
        assert!(CategoryGroup::PoliceConduct.has(&local, "内务卫生"));
        assert!(!CategoryGroup::PoliceConduct.has(&r, "内务卫生"));
    }

    /// 奖励条令 第十一条: within twelve months no award of the same or a lower level.
    #[test]
    fn an_award_of_the_same_or_lower_level_waits_twelve_months() {
        let kinds: Vec<String> = ["嘉奖", "记三等功", "记二等功"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let earlier = vec![("记三等功".to_owned(), day(2024, 2, 29))];
        let hit = |k: &str, on| repeat_award(&kinds, k, on, &earlier, 12).is_some();
        assert!(hit("嘉奖", day(2024, 6, 1)));
        assert!(hit("记三等功", day(2025, 2, 28)));
        assert!(!hit("记三等功", day(2025, 3, 1)));
        assert!(!hit("记二等功", day(2024, 6, 1)));
        assert!(!hit("嘉奖", day(2024, 2, 28)));
        assert!(!hit("荣誉称号", day(2024, 6, 1)));
    }
}
