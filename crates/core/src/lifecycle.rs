//! A member's lifecycle as explicit transitions (R4.17–R4.21, R5.5–R5.12): probation and full
//! membership, transfers of the organisational relationship (组织关系转接), mobile members,
//! lost contact, and the ways membership ends. Each transition is allowed only from the states
//! it makes sense in; the service records who made it, when and why.

use chrono::{Months, NaiveDate};

use crate::member::{Category, MemberStatus};
use crate::rules::{RuleBook, Rules};

labelled_enum! {
    /// A recorded transition.
    pub enum EventKind {
        Created = ("created", "建立档案"),
        Converted = ("converted", "转为正式党员"),
        ProbationExtended = ("probation_extended", "延长预备期"),
        ProbationCancelled = ("probation_cancelled", "取消预备党员资格"),
        TransferIssued = ("transfer_issued", "开具组织关系介绍信"),
        TransferReceived = ("transfer_received", "组织关系转入本支部"),
        TransferReturned = ("transfer_returned", "组织关系转接退回"),
        TransferredOut = ("transferred_out", "组织关系转出本局"),
        TransferredIn = ("transferred_in", "组织关系从局外转入"),
        FlowOut = ("flow_out", "外出流动"),
        FlowReturned = ("flow_returned", "流动结束返回"),
        LostContact = ("lost_contact", "失去联系"),
        ContactRestored = ("contact_restored", "恢复联系"),
        Stopped = ("stopped", "停止党籍"),
        Left = ("left", "出党"),
        Died = ("died", "去世"),
    }
}

labelled_enum! {
    /// Where a transfer letter stands.
    pub enum TransferStatus {
        Pending = ("pending", "待接收"),
        Received = ("received", "已接收"),
        Returned = ("returned", "已退回"),
    }
}

/// What the transitions look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberState {
    pub category: Category,
    pub status: MemberStatus,
    pub joined_on: NaiveDate,
    /// When probation ends (`None` once full).
    pub probation_due_on: Option<NaiveDate>,
    /// Whether the probation was already extended once (or as often as the rules allow).
    pub extensions: u32,
    /// Since when the member is away (流动), if they are now.
    pub away_since: Option<NaiveDate>,
    /// The day the outstanding transfer letter was issued, if one is.
    pub letter_issued_on: Option<NaiveDate>,
    /// Since when the member has been out of contact, if they are now.
    pub lost_contact_since: Option<NaiveDate>,
}

/// Why a transition was refused, in Chinese.
pub type Refusal = String;

/// The day probation ends without extension: one year (by the rules) after admission.
pub fn probation_due(joined_on: NaiveDate, book: &RuleBook) -> NaiveDate {
    joined_on
        .checked_add_months(Months::new(book.on(joined_on).development.probation_months))
        .unwrap_or(joined_on)
}

/// The day `months` after `since` (the same day, or the month's last when it has none).
fn after_months(since: NaiveDate, months: u32) -> NaiveDate {
    since
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The first day a transfer letter issued on `issued_on` no longer serves (R5.12: valid for
/// `intro_letter_validity_months`): on and after it the receiving branch sends it back and a
/// new one is issued.
pub fn letter_expires_on(issued_on: NaiveDate, book: &RuleBook) -> NaiveDate {
    after_months(
        issued_on,
        book.on(issued_on)
            .membership_status
            .intro_letter_validity_months,
    )
}

/// The first day a member out of contact since `since` may have their membership stopped
/// (R5.5: 失去联系 `lost_contact_suspend_after_months` 个月以上).
pub fn stop_allowed_from(since: NaiveDate, book: &RuleBook) -> NaiveDate {
    after_months(
        since,
        book.on(since)
            .membership_status
            .lost_contact_suspend_after_months,
    )
}

/// The first day a member away since `since` should have moved their organisational
/// relationship (R5.6, R5.9: 外出 `flow_member_threshold_months` 个月以上).
pub fn transfer_due_from(since: NaiveDate, book: &RuleBook) -> NaiveDate {
    after_months(
        since,
        book.on(since)
            .membership_status
            .flow_member_threshold_months,
    )
}

/// What the rules ask of a member's branch now: the prompts of the lifecycle lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Out of contact long enough that membership should be stopped (R5.5).
    StopMembership { since: NaiveDate },
    /// Away long enough that the relationship should move (R5.6, R5.9).
    MoveRelationship { since: NaiveDate },
    /// The outstanding letter has expired and must be sent back and issued again (R5.12).
    LetterExpired { issued_on: NaiveDate },
}

impl std::fmt::Display for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Prompt::StopMembership { since } => {
                write!(f, "自{since}失去联系已满规定期限，查找仍无联系的应停止党籍")
            }
            Prompt::MoveRelationship { since } => {
                write!(f, "自{since}外出已满规定期限，地点相对固定的应转移组织关系")
            }
            Prompt::LetterExpired { issued_on } => {
                write!(f, "{issued_on}开具的介绍信已过有效期，应退回后重新开具")
            }
        }
    }
}

/// The prompts for a member in `state` on `today`.
pub fn prompts(state: &MemberState, today: NaiveDate, book: &RuleBook) -> Vec<Prompt> {
    let mut out = Vec::new();
    if let Some(since) = state.lost_contact_since
        && state.status == MemberStatus::LostContact
        && today >= stop_allowed_from(since, book)
    {
        out.push(Prompt::StopMembership { since });
    }
    if let Some(since) = state.away_since
        && today >= transfer_due_from(since, book)
    {
        out.push(Prompt::MoveRelationship { since });
    }
    if let Some(issued_on) = state.letter_issued_on
        && today >= letter_expires_on(issued_on, book)
    {
        out.push(Prompt::LetterExpired { issued_on });
    }
    out
}

/// Checks whether `kind` may happen to a member in `state` on `on` (not after `today`).
pub fn check(
    kind: EventKind,
    state: &MemberState,
    on: NaiveDate,
    today: NaiveDate,
    book: &RuleBook,
) -> Result<(), Refusal> {
    // The rules of the day the event takes effect; each period from its own first day.
    let rules = book.on(on);
    use EventKind::*;
    if on > today {
        return Err("日期不能晚于今天".to_owned());
    }
    let on_roll = state.status.is_on_roll();
    let probationary = state.category == Category::Probationary;
    match kind {
        Created | TransferredIn => Ok(()),
        Converted => {
            if !probationary || !on_roll {
                return Err("只有在册的预备党员可以转正".to_owned());
            }
            let due = state
                .probation_due_on
                .unwrap_or_else(|| probation_due(state.joined_on, book));
            if on < due {
                return Err(format!("预备期至{due}届满，届满后方可讨论转正"));
            }
            Ok(())
        }
        ProbationExtended => {
            if !probationary || !on_roll {
                return Err("只有在册的预备党员可以延长预备期".to_owned());
            }
            if state.extensions >= rules.development.probation_extension_times_max {
                return Err(format!(
                    "预备期只能延长{}次",
                    rules.development.probation_extension_times_max
                ));
            }
            Ok(())
        }
        ProbationCancelled => {
            if !probationary || !on_roll {
                return Err("只有在册的预备党员可以取消预备党员资格".to_owned());
            }
            Ok(())
        }
        TransferIssued | TransferredOut => {
            if !on_roll {
                return Err(format!(
                    "党籍状态为{}，不能转接组织关系",
                    state.status.label()
                ));
            }
            if state.letter_issued_on.is_some() {
                return Err("已有待接收的组织关系介绍信".to_owned());
            }
            Ok(())
        }
        TransferReceived => match state.letter_issued_on {
            None => Err("没有待接收的组织关系介绍信".to_owned()),
            Some(issued_on) if on >= letter_expires_on(issued_on, book) => Err(format!(
                "介绍信开具于{issued_on}，有效期至{}，已过期，请退回后重新开具",
                letter_expires_on(issued_on, book)
                    .pred_opt()
                    .unwrap_or(issued_on)
            )),
            Some(_) => Ok(()),
        },
        TransferReturned => {
            if state.letter_issued_on.is_none() {
                return Err("没有待接收的组织关系介绍信".to_owned());
            }
            Ok(())
        }
        FlowOut => {
            if !on_roll || state.away_since.is_some() {
                return Err("该党员已在流动中或不在册".to_owned());
            }
            Ok(())
        }
        FlowReturned => {
            if state.away_since.is_none() {
                return Err("该党员没有外出流动记录".to_owned());
            }
            Ok(())
        }
        LostContact => {
            if state.status != MemberStatus::Active {
                return Err(format!("党籍状态为{}，不能登记失联", state.status.label()));
            }
            Ok(())
        }
        ContactRestored => {
            if state.status != MemberStatus::LostContact {
                return Err("该党员未登记失联".to_owned());
            }
            Ok(())
        }
        Stopped | Left | Died => {
            if !on_roll {
                return Err(format!("党籍状态已为{}", state.status.label()));
            }
            // Stopping the membership of a member out of contact waits for the period of
            // R5.5; other grounds (因私出国定居 …) do not.
            if kind == Stopped
                && state.status == MemberStatus::LostContact
                && let Some(since) = state.lost_contact_since
                && on < stop_allowed_from(since, book)
            {
                return Err(format!(
                    "自{since}失去联系，满{}个月（{}）后方可停止党籍",
                    book.on(since)
                        .membership_status
                        .lost_contact_suspend_after_months,
                    stop_allowed_from(since, book)
                ));
            }
            Ok(())
        }
    }
}

/// The status a transition leaves the member in, when it changes it.
pub fn status_after(kind: EventKind) -> Option<MemberStatus> {
    use EventKind::*;
    match kind {
        LostContact => Some(MemberStatus::LostContact),
        ContactRestored => Some(MemberStatus::Active),
        Stopped => Some(MemberStatus::Stopped),
        Left | ProbationCancelled => Some(MemberStatus::Left),
        Died => Some(MemberStatus::Deceased),
        TransferredOut => Some(MemberStatus::TransferredOut),
        _ => None,
    }
}

/// The new end of probation after an extension of `months`, which the rules bound.
pub fn extended_due(
    current_due: NaiveDate,
    months: u32,
    rules: &Rules,
) -> Result<NaiveDate, Refusal> {
    let d = &rules.development;
    if months < d.probation_extension_min_months || months > d.probation_extension_max_months {
        return Err(format!(
            "延长时间应为{}至{}个月",
            d.probation_extension_min_months, d.probation_extension_max_months
        ));
    }
    current_due
        .checked_add_months(Months::new(months))
        .ok_or_else(|| "日期无效".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn probationary() -> MemberState {
        MemberState {
            category: Category::Probationary,
            status: MemberStatus::Active,
            joined_on: d("2025-07-01"),
            probation_due_on: Some(d("2026-07-01")),
            extensions: 0,
            away_since: None,
            letter_issued_on: None,
            lost_contact_since: None,
        }
    }

    fn rules() -> RuleBook {
        RuleBook::single(Rules::load(None).unwrap())
    }

    #[test]
    fn conversion_waits_for_the_end_of_probation() {
        let today = d("2026-08-01");
        assert!(
            check(
                EventKind::Converted,
                &probationary(),
                d("2026-06-30"),
                today,
                &rules()
            )
            .is_err()
        );
        assert!(
            check(
                EventKind::Converted,
                &probationary(),
                d("2026-07-01"),
                today,
                &rules()
            )
            .is_ok()
        );
        let full = MemberState {
            category: Category::Full,
            probation_due_on: None,
            ..probationary()
        };
        assert!(
            check(
                EventKind::Converted,
                &full,
                d("2026-07-01"),
                today,
                &rules()
            )
            .is_err()
        );
    }

    #[test]
    fn probation_is_extended_once_by_six_to_twelve_months() {
        let r = rules();
        assert_eq!(
            extended_due(d("2026-07-01"), 6, r.on(d("2026-07-01"))),
            Ok(d("2027-01-01"))
        );
        assert!(extended_due(d("2026-07-01"), 5, r.on(d("2026-07-01"))).is_err());
        assert!(extended_due(d("2026-07-01"), 13, r.on(d("2026-07-01"))).is_err());
        let extended = MemberState {
            extensions: 1,
            ..probationary()
        };
        assert!(
            check(
                EventKind::ProbationExtended,
                &extended,
                d("2026-07-01"),
                d("2026-08-01"),
                &r
            )
            .is_err()
        );
    }

    #[test]
    fn every_transition_is_refused_from_the_wrong_state() {
        let today = d("2026-08-01");
        let r = rules();
        let deceased = MemberState {
            status: MemberStatus::Deceased,
            ..probationary()
        };
        for kind in EventKind::ALL {
            let allowed = check(*kind, &deceased, today, today, &r).is_ok();
            assert_eq!(
                allowed,
                matches!(kind, EventKind::Created | EventKind::TransferredIn),
                "{kind:?}"
            );
        }
        let lost = MemberState {
            status: MemberStatus::LostContact,
            lost_contact_since: Some(d("2026-01-31")),
            ..probationary()
        };
        assert!(check(EventKind::LostContact, &lost, today, today, &r).is_err());
        assert!(check(EventKind::ContactRestored, &lost, today, today, &r).is_ok());
        let pending = MemberState {
            letter_issued_on: Some(d("2026-07-15")),
            ..probationary()
        };
        assert!(check(EventKind::TransferIssued, &pending, today, today, &r).is_err());
        assert!(check(EventKind::TransferReceived, &pending, today, today, &r).is_ok());
        assert!(
            check(
                EventKind::TransferReceived,
                &probationary(),
                today,
                today,
                &r
            )
            .is_err()
        );
        assert!(check(EventKind::Died, &probationary(), d("2026-08-02"), today, &r).is_err());
    }

    /// R5.5: membership of a member out of contact is stopped only after six months (by the
    /// rules); on the day it becomes due the to-do says so. 31 January plus six months is
    /// 31 July.
    #[test]
    fn a_member_out_of_contact_is_stopped_after_the_period_and_prompted_on_its_day() {
        let r = rules();
        let lost = MemberState {
            status: MemberStatus::LostContact,
            lost_contact_since: Some(d("2026-01-31")),
            ..probationary()
        };
        let today = d("2026-12-01");
        assert_eq!(stop_allowed_from(d("2026-01-31"), &r), d("2026-07-31"));
        let early = check(EventKind::Stopped, &lost, d("2026-07-30"), today, &r);
        assert!(early.is_err_and(|m| m.contains("2026-07-31")));
        assert!(check(EventKind::Stopped, &lost, d("2026-07-31"), today, &r).is_ok());
        // Other grounds for an active member do not wait.
        assert!(
            check(
                EventKind::Stopped,
                &probationary(),
                d("2026-07-30"),
                today,
                &r
            )
            .is_ok()
        );
        assert!(prompts(&lost, d("2026-07-30"), &r).is_empty());
        assert_eq!(
            prompts(&lost, d("2026-07-31"), &r),
            vec![Prompt::StopMembership {
                since: d("2026-01-31")
            }]
        );
        // A bureau that waits a year says so in its rules file.
        let year = RuleBook::single(
            Rules::load(Some(
                "[membership_status]\nlost_contact_suspend_after_months = 12\n",
            ))
            .unwrap(),
        );
        assert!(check(EventKind::Stopped, &lost, d("2026-07-31"), today, &year).is_err());
    }

    /// R5.12: a letter serves for three months (by the rules). Issued on 15 July, it is
    /// received up to 14 October; from 15 October it is refused and prompted, and can only be
    /// sent back.
    #[test]
    fn a_transfer_letter_expires_after_its_validity() {
        let r = rules();
        let pending = MemberState {
            letter_issued_on: Some(d("2026-07-15")),
            ..probationary()
        };
        let today = d("2026-12-01");
        assert_eq!(letter_expires_on(d("2026-07-15"), &r), d("2026-10-15"));
        assert!(
            check(
                EventKind::TransferReceived,
                &pending,
                d("2026-10-14"),
                today,
                &r
            )
            .is_ok()
        );
        let late = check(
            EventKind::TransferReceived,
            &pending,
            d("2026-10-15"),
            today,
            &r,
        );
        assert!(late.is_err_and(|m| m.contains("有效期至2026-10-14")));
        assert!(
            check(
                EventKind::TransferReturned,
                &pending,
                d("2026-10-15"),
                today,
                &r
            )
            .is_ok()
        );
        assert!(prompts(&pending, d("2026-10-14"), &r).is_empty());
        assert_eq!(
            prompts(&pending, d("2026-10-15"), &r),
            vec![Prompt::LetterExpired {
                issued_on: d("2026-07-15")
            }]
        );
    }

    /// What each transition leaves the member's status at.
    #[test]
    fn each_transition_leaves_its_status() {
        use EventKind::*;
        let expected = [
            (LostContact, Some(MemberStatus::LostContact)),
            (ContactRestored, Some(MemberStatus::Active)),
            (Stopped, Some(MemberStatus::Stopped)),
            (Left, Some(MemberStatus::Left)),
            (ProbationCancelled, Some(MemberStatus::Left)),
            (Died, Some(MemberStatus::Deceased)),
            (TransferredOut, Some(MemberStatus::TransferredOut)),
            (Converted, None),
            (FlowOut, None),
        ];
        for (kind, status) in expected {
            assert_eq!(status_after(kind), status, "{kind:?}");
        }
        // R4.19: an extension of exactly the longest the rules allow (12 months) is taken.
        let r = rules();
        assert_eq!(
            extended_due(d("2026-07-01"), 12, r.on(d("2026-07-01"))),
            Ok(d("2027-07-01"))
        );
    }

    /// Only a probationary member on the roll has a probation to extend or cancel.
    #[test]
    fn probation_is_extended_or_cancelled_only_for_probationary_members() {
        let book = rules();
        let today = d("2026-08-01");
        for kind in [EventKind::ProbationExtended, EventKind::ProbationCancelled] {
            assert!(
                check(kind, &probationary(), today, today, &book).is_ok(),
                "{kind:?}"
            );
            let full = MemberState {
                category: Category::Full,
                ..probationary()
            };
            assert!(check(kind, &full, today, today, &book).is_err(), "{kind:?}");
        }
        assert!(
            Prompt::LetterExpired {
                issued_on: d("2026-07-15")
            }
            .to_string()
            .contains("2026-07-15")
        );
    }

    /// Issue 14, 12: a letter serves for the validity in force the day it was issued — a
    /// bureau that shortens it from 1 September does not expire the letters issued before.
    #[test]
    fn a_letter_keeps_the_validity_of_the_day_it_was_issued() {
        let book = RuleBook::load(Some(
            "[meta]\neffective_from = 2026-09-01\n[membership_status]\nintro_letter_validity_months = 1\n",
        ))
        .unwrap();
        assert_eq!(letter_expires_on(d("2026-07-15"), &book), d("2026-10-15"));
        assert_eq!(letter_expires_on(d("2026-09-15"), &book), d("2026-10-15"));
        assert_eq!(probation_due(d("2025-07-01"), &book), d("2026-07-01"));
    }

    /// R5.6, R5.9: a member away six months (by the rules) should move their relationship.
    #[test]
    fn a_member_away_six_months_is_prompted_to_move_the_relationship() {
        let r = rules();
        let away = MemberState {
            away_since: Some(d("2026-02-28")),
            ..probationary()
        };
        assert_eq!(transfer_due_from(d("2026-02-28"), &r), d("2026-08-28"));
        assert!(prompts(&away, d("2026-08-27"), &r).is_empty());
        assert_eq!(
            prompts(&away, d("2026-08-28"), &r),
            vec![Prompt::MoveRelationship {
                since: d("2026-02-28")
            }]
        );
        assert!(
            check(
                EventKind::FlowOut,
                &away,
                d("2026-08-28"),
                d("2026-09-01"),
                &r
            )
            .is_err()
        );
        assert!(
            check(
                EventKind::FlowReturned,
                &away,
                d("2026-08-28"),
                d("2026-09-01"),
                &r
            )
            .is_ok()
        );
    }

    #[test]
    fn the_statuses_transitions_leave() {
        assert_eq!(status_after(EventKind::Died), Some(MemberStatus::Deceased));
        assert_eq!(
            status_after(EventKind::ProbationCancelled),
            Some(MemberStatus::Left)
        );
        assert_eq!(
            status_after(EventKind::TransferredOut),
            Some(MemberStatus::TransferredOut)
        );
        assert_eq!(status_after(EventKind::FlowOut), None);
        assert!(!MemberStatus::TransferredOut.is_on_roll());
    }
}
