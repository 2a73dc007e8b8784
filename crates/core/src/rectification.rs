//! Rectification (整改) of the problems an inspection fed back, as the conference asked: each
//! problem is assigned to the orgs that must fix it, each org analyses the cause, sets measures
//! with a responsible leader, org and person and a deadline, reports progress with evidence,
//! and claims completion; the org above (or the committee office) accepts the claim and signs
//! the item off (销号) — never the one who claimed it — and a follow-up review (回头看) reopens
//! an item whose problem came back. The stored stage moves only by [`Stage::apply`]; what a
//! page shows ([`State`]) adds the clock: due soon and overdue.
//!
//! The same three colours of escalation ([`Escalation`]) apply to every dated duty: the
//! measures here and the tasks of a work plan.

use chrono::{Days, NaiveDate};
use serde::Deserialize;

labelled_enum! {
    /// What kind of problem a finding is. The first five are the problems the conference named.
    pub enum FindingCategory {
        BusinessOverParty = ("business_over_party", "重业务轻党建"),
        ShallowStudy = ("shallow_study", "理论学习不深入"),
        IrregularOrgLife = ("irregular_org_life", "组织生活不规范"),
        LaxDiscipline = ("lax_discipline", "纪律执行不严"),
        LittleInnovation = ("little_innovation", "创新意识不强"),
        Other = ("other", "其他问题"),
    }
}

labelled_enum! {
    /// Where an org's rectification of a finding stands, as stored.
    pub enum Stage {
        NotStarted = ("not_started", "未启动"),
        InProgress = ("in_progress", "整改中"),
        AwaitingAcceptance = ("awaiting_acceptance", "待验收"),
        Closed = ("closed", "已销号"),
        Reopened = ("reopened", "回头看重新整改"),
    }
}

labelled_enum! {
    /// The state people see: the stage, with the clock applied to open items.
    pub enum State {
        NotStarted = ("not_started", "未启动"),
        InProgress = ("in_progress", "整改中"),
        DueSoon = ("due_soon", "临期"),
        Overdue = ("overdue", "逾期"),
        AwaitingAcceptance = ("awaiting_acceptance", "待验收"),
        Closed = ("closed", "已销号"),
        Reopened = ("reopened", "回头看重新整改"),
    }
}

/// What may be done to a rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Write the cause analysis and the measures.
    Plan,
    /// Report progress with evidence (and mark measures done).
    Report,
    /// Claim the problem is fixed.
    Claim,
    /// 验收通过并销号.
    Accept,
    /// Acceptance refused, with a reason: back to work.
    Return,
    /// 回头看 found the problem back.
    Reopen,
}

/// Who is acting, as the rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The actor's scope covers the assigned org (its own people, or anyone above it).
    pub covers: bool,
    /// The actor's scope lies above the assigned org (or is the committee office's).
    pub is_above: bool,
    /// The actor made the pending completion claim.
    pub is_claimant: bool,
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RectificationError {
    #[error("整改事项处于“{0}”状态，不能进行此操作")]
    WrongState(Stage),
    #[error("只能由承担整改的组织或其上级办理")]
    NotAssigned,
    #[error("验收和回头看只能由上级组织或党委办公室进行")]
    NotAbove,
    #[error("不能验收自己申请销号的整改事项")]
    OwnClaim,
}

impl Stage {
    /// The stage after `action` by `who`, or why it is refused. Work (plan, report, claim) is
    /// done by the assigned org while the item is open; a claim goes to someone above who did
    /// not make it; a closed item changes only by reopening after a follow-up review.
    pub fn apply(self, action: Action, who: Actor) -> Result<Stage, RectificationError> {
        use Action::*;
        use Stage::*;
        let next = match (self, action) {
            (NotStarted | InProgress, Plan | Report) => InProgress,
            (Reopened, Plan | Report) => Reopened,
            (InProgress | Reopened, Claim) => AwaitingAcceptance,
            (AwaitingAcceptance, Accept) => Closed,
            (AwaitingAcceptance, Return) => InProgress,
            (Closed, Reopen) => Reopened,
            (stage, _) => return Err(RectificationError::WrongState(stage)),
        };
        match action {
            Plan | Report | Claim if !who.covers => Err(RectificationError::NotAssigned),
            Accept | Return | Reopen if !who.is_above => Err(RectificationError::NotAbove),
            Accept | Return if who.is_claimant => Err(RectificationError::OwnClaim),
            _ => Ok(next),
        }
    }

    /// Whether the assigned org still owes work (the clock runs).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Stage::NotStarted | Stage::InProgress | Stage::Reopened
        )
    }

    /// The state shown on `today`, given the earliest deadline still open (the item's own, or
    /// an unfinished measure's). An open item is overdue after that day and due soon from the
    /// first escalation day before it.
    pub fn state(self, due: NaiveDate, today: NaiveDate, escalation: &Escalation) -> State {
        if self.is_open() {
            match escalation.colour(due, today) {
                Some(Colour::Red) => return State::Overdue,
                Some(_) => return State::DueSoon,
                None => {}
            }
        }
        match self {
            Stage::NotStarted => State::NotStarted,
            Stage::InProgress => State::InProgress,
            Stage::AwaitingAcceptance => State::AwaitingAcceptance,
            Stage::Closed => State::Closed,
            Stage::Reopened => State::Reopened,
        }
    }
}

/// What a completion claim must have behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    pub has_cause_analysis: bool,
    pub measures: usize,
    pub unfinished_measures: usize,
    /// Progress reports with evidence since the item was started (or last reopened).
    pub evidence: usize,
}

/// Why a claim would be premature: (field, message) pairs, empty when it may be made.
pub fn claim_gaps(r: Readiness) -> Vec<(&'static str, &'static str)> {
    let mut gaps = Vec::new();
    if !r.has_cause_analysis {
        gaps.push(("cause", "申请销号前须填写原因分析"));
    }
    if r.measures == 0 {
        gaps.push(("measures", "申请销号前须制定至少一项整改措施"));
    } else if r.unfinished_measures > 0 {
        gaps.push(("measures", "还有整改措施未完成"));
    }
    if r.evidence == 0 {
        gaps.push(("evidence", "申请销号前须报送至少一次附佐证材料的整改进展"));
    }
    gaps
}

labelled_enum! {
    /// The colour of an escalation.
    pub enum Colour {
        Green = ("green", "绿色提醒"),
        Yellow = ("yellow", "黄色预警"),
        Red = ("red", "红色督办"),
    }
}

labelled_enum! {
    /// Who is told at a colour.
    pub enum Recipient {
        ResponsiblePerson = ("responsible_person", "责任人"),
        LeaderInCharge = ("leader_in_charge", "分管领导"),
        OrgSecretary = ("org_secretary", "党组织书记"),
    }
}

impl Colour {
    /// Each colour tells the people of the colour before it and one more.
    pub fn recipients(self) -> &'static [Recipient] {
        use Recipient::*;
        match self {
            Colour::Green => &[ResponsiblePerson],
            Colour::Yellow => &[ResponsiblePerson, LeaderInCharge],
            Colour::Red => &[ResponsiblePerson, LeaderInCharge, OrgSecretary],
        }
    }
}

/// The escalation thresholds (rules file `[escalation]`, local defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Escalation {
    /// Green from this many days before the deadline.
    pub green_days_before: u32,
    /// Yellow from this many days before the deadline (fewer than green).
    pub yellow_days_before: u32,
}

impl Escalation {
    /// The colour of a duty due on `deadline` as of `today`: none while more than the green
    /// threshold away, green from that day, yellow from the yellow day up to and including
    /// the deadline itself, red from the day after.
    pub fn colour(&self, deadline: NaiveDate, today: NaiveDate) -> Option<Colour> {
        let (green, yellow, red) = self.starts(deadline);
        if today >= red {
            Some(Colour::Red)
        } else if today >= yellow {
            Some(Colour::Yellow)
        } else if today >= green {
            Some(Colour::Green)
        } else {
            None
        }
    }

    /// The first day of green, yellow and red for a deadline, counted in calendar days (so
    /// across month and year ends). Dates at the ends of the calendar saturate.
    pub fn starts(&self, deadline: NaiveDate) -> (NaiveDate, NaiveDate, NaiveDate) {
        let back = |days: u32| {
            deadline
                .checked_sub_days(Days::new(u64::from(days)))
                .unwrap_or(NaiveDate::MIN)
        };
        let red = deadline.succ_opt().unwrap_or(NaiveDate::MAX);
        (
            back(self.green_days_before),
            back(self.yellow_days_before),
            red,
        )
    }

    /// Thresholds that would make the colours meaningless are refused.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.yellow_days_before >= self.green_days_before || self.green_days_before > 366 {
            return Err("黄色预警天数须少于绿色提醒天数，绿色提醒不超过366天");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const DEFAULT: Escalation = Escalation {
        green_days_before: 20,
        yellow_days_before: 10,
    };

    const WORKER: Actor = Actor {
        covers: true,
        is_above: false,
        is_claimant: false,
    };
    const ABOVE: Actor = Actor {
        covers: true,
        is_above: true,
        is_claimant: false,
    };
    const CLAIMANT_ABOVE: Actor = Actor {
        covers: true,
        is_above: true,
        is_claimant: true,
    };
    const STRANGER: Actor = Actor {
        covers: false,
        is_above: false,
        is_claimant: false,
    };

    const ACTIONS: [Action; 6] = [
        Action::Plan,
        Action::Report,
        Action::Claim,
        Action::Accept,
        Action::Return,
        Action::Reopen,
    ];

    /// Every (stage, action) pair, for a rightful actor: exactly these are allowed.
    #[test]
    fn the_transition_table_is_exactly_this() {
        use Stage::*;
        let allowed = [
            (NotStarted, Action::Plan, InProgress),
            (NotStarted, Action::Report, InProgress),
            (InProgress, Action::Plan, InProgress),
            (InProgress, Action::Report, InProgress),
            (InProgress, Action::Claim, AwaitingAcceptance),
            (Reopened, Action::Plan, Reopened),
            (Reopened, Action::Report, Reopened),
            (Reopened, Action::Claim, AwaitingAcceptance),
            (AwaitingAcceptance, Action::Accept, Closed),
            (AwaitingAcceptance, Action::Return, InProgress),
            (Closed, Action::Reopen, Reopened),
        ];
        for stage in Stage::ALL {
            for action in ACTIONS {
                let expected = allowed
                    .iter()
                    .find(|(s, a, _)| s == stage && *a == action)
                    .map(|(_, _, next)| *next);
                // The assigned org's own people for work; someone above for the rest.
                let who = match action {
                    Action::Plan | Action::Report | Action::Claim => WORKER,
                    _ => ABOVE,
                };
                match expected {
                    Some(next) => assert_eq!(stage.apply(action, who), Ok(next)),
                    None => assert_eq!(
                        stage.apply(action, who),
                        Err(RectificationError::WrongState(*stage)),
                        "{stage:?} {action:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn no_one_accepts_their_own_claim_and_only_from_above() {
        let s = Stage::AwaitingAcceptance;
        assert_eq!(
            s.apply(Action::Accept, CLAIMANT_ABOVE),
            Err(RectificationError::OwnClaim)
        );
        assert_eq!(
            s.apply(Action::Return, CLAIMANT_ABOVE),
            Err(RectificationError::OwnClaim)
        );
        assert_eq!(
            s.apply(Action::Accept, WORKER),
            Err(RectificationError::NotAbove)
        );
        assert_eq!(
            Stage::Closed.apply(Action::Reopen, WORKER),
            Err(RectificationError::NotAbove)
        );
        assert_eq!(s.apply(Action::Accept, ABOVE), Ok(Stage::Closed));
    }

    #[test]
    fn strangers_do_no_work() {
        for action in [Action::Plan, Action::Report] {
            assert_eq!(
                Stage::InProgress.apply(action, STRANGER),
                Err(RectificationError::NotAssigned)
            );
        }
        assert_eq!(
            Stage::InProgress.apply(Action::Claim, STRANGER),
            Err(RectificationError::NotAssigned)
        );
    }

    #[test]
    fn a_claim_needs_cause_measures_all_done_and_evidence() {
        let ready = Readiness {
            has_cause_analysis: true,
            measures: 2,
            unfinished_measures: 0,
            evidence: 1,
        };
        assert!(claim_gaps(ready).is_empty());
        let fields = |r| {
            claim_gaps(r)
                .into_iter()
                .map(|(f, _)| f)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(Readiness {
                has_cause_analysis: false,
                ..ready
            }),
            ["cause"]
        );
        assert_eq!(
            fields(Readiness {
                unfinished_measures: 1,
                ..ready
            }),
            ["measures"]
        );
        assert_eq!(
            fields(Readiness {
                measures: 0,
                unfinished_measures: 0,
                ..ready
            }),
            ["measures"]
        );
        assert_eq!(
            fields(Readiness {
                evidence: 0,
                ..ready
            }),
            ["evidence"]
        );
    }

    #[test]
    fn colours_change_on_the_threshold_days_across_a_year_end() {
        // Deadline 5 January: green from 16 December, yellow from 26 December, red from
        // 6 January.
        let deadline = d("2027-01-05");
        assert_eq!(
            DEFAULT.starts(deadline),
            (d("2026-12-16"), d("2026-12-26"), d("2027-01-06"))
        );
        assert_eq!(DEFAULT.colour(deadline, d("2026-12-15")), None);
        assert_eq!(
            DEFAULT.colour(deadline, d("2026-12-16")),
            Some(Colour::Green)
        );
        assert_eq!(
            DEFAULT.colour(deadline, d("2026-12-25")),
            Some(Colour::Green)
        );
        assert_eq!(
            DEFAULT.colour(deadline, d("2026-12-26")),
            Some(Colour::Yellow)
        );
        assert_eq!(DEFAULT.colour(deadline, deadline), Some(Colour::Yellow));
        assert_eq!(DEFAULT.colour(deadline, d("2027-01-06")), Some(Colour::Red));
        assert_eq!(DEFAULT.colour(deadline, d("2028-01-06")), Some(Colour::Red));
    }

    #[test]
    fn colours_count_calendar_days_across_month_ends_and_leap_days() {
        // 2028 is a leap year: 20 days before 10 March is 19 February.
        assert_eq!(DEFAULT.starts(d("2028-03-10")).0, d("2028-02-19"));
        assert_eq!(DEFAULT.starts(d("2027-03-10")).0, d("2027-02-18"));
        // Red starts the day after a deadline on the last day of a month.
        assert_eq!(DEFAULT.starts(d("2027-02-28")).2, d("2027-03-01"));
        assert_eq!(DEFAULT.starts(d("2026-12-31")).2, d("2027-01-01"));
        assert_eq!(DEFAULT.starts(d("2027-05-01")).1, d("2027-04-21"));
    }

    #[test]
    fn each_colour_tells_more_people() {
        assert_eq!(Colour::Green.recipients(), [Recipient::ResponsiblePerson]);
        assert_eq!(Colour::Yellow.recipients().len(), 2);
        assert!(Colour::Red.recipients().contains(&Recipient::OrgSecretary));
    }

    #[test]
    fn only_open_items_are_due_soon_or_overdue() {
        let due = d("2027-01-05");
        let late = d("2027-02-01");
        assert_eq!(Stage::InProgress.state(due, late, &DEFAULT), State::Overdue);
        assert_eq!(
            Stage::Reopened.state(due, d("2026-12-20"), &DEFAULT),
            State::DueSoon
        );
        assert_eq!(
            Stage::NotStarted.state(due, d("2026-11-01"), &DEFAULT),
            State::NotStarted
        );
        assert_eq!(
            Stage::AwaitingAcceptance.state(due, late, &DEFAULT),
            State::AwaitingAcceptance
        );
        assert_eq!(Stage::Closed.state(due, late, &DEFAULT), State::Closed);
    }

    #[test]
    fn thresholds_out_of_order_are_refused() {
        assert!(DEFAULT.check().is_ok());
        let bad = Escalation {
            green_days_before: 10,
            yellow_days_before: 10,
        };
        assert!(bad.check().is_err());
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (0i64..4000).prop_map(|n| d("2024-01-01") + chrono::Duration::days(n))
    }

    proptest! {
        /// Colours only escalate as the days pass, and each starts exactly the set number of
        /// days before the deadline.
        #[test]
        fn colours_never_step_back(deadline in date(), today in date(),
                                   yellow in 0u32..60, extra in 1u32..60) {
            let e = Escalation { green_days_before: yellow + extra, yellow_days_before: yellow };
            let rank = |c: Option<Colour>| c.map_or(0, |c| c as u8 + 1);
            let next = today.succ_opt().unwrap();
            prop_assert!(rank(e.colour(deadline, today)) <= rank(e.colour(deadline, next)));
            let (g, y, r) = e.starts(deadline);
            prop_assert_eq!((deadline - g).num_days(), i64::from(yellow + extra));
            prop_assert_eq!((deadline - y).num_days(), i64::from(yellow));
            prop_assert_eq!((r - deadline).num_days(), 1);
        }

        /// Any sequence of actions by anyone keeps to the table: a closed item is reached only
        /// through acceptance by someone above who did not claim it.
        #[test]
        fn closing_always_passes_through_acceptance(steps in proptest::collection::vec(
            (0usize..6, any::<bool>(), any::<bool>(), any::<bool>()), 0..40)) {
            let mut stage = Stage::NotStarted;
            for (a, covers, is_above, is_claimant) in steps {
                let who = Actor { covers, is_above, is_claimant };
                let action = ACTIONS[a];
                if let Ok(next) = stage.apply(action, who) {
                    if next == Stage::Closed {
                        prop_assert_eq!(stage, Stage::AwaitingAcceptance);
                        prop_assert!(who.is_above && !who.is_claimant);
                    }
                    stage = next;
                }
            }
        }
    }

    /// Mutation testing (issue 14, 16): a green reminder of a year is allowed, more is not.
    #[test]
    fn the_green_reminder_reaches_at_most_a_year() {
        let e = |green, yellow| Escalation {
            green_days_before: green,
            yellow_days_before: yellow,
        };
        assert!(e(366, 10).check().is_ok());
        assert!(e(367, 10).check().is_err());
        assert!(e(20, 20).check().is_err());
    }
}
