//! A member's lifecycle as explicit transitions (R4.17–R4.21, R5.5–R5.12): probation and full
//! membership, transfers of the organisational relationship (组织关系转接), mobile members,
//! lost contact, and the ways membership ends. Each transition is allowed only from the states
//! it makes sense in; the service records who made it, when and why.

use chrono::{Months, NaiveDate};

use crate::member::{Category, MemberStatus};
use crate::rules::Rules;

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
    /// Whether the member is away (流动) right now.
    pub away: bool,
    /// Whether a transfer letter is outstanding.
    pub transfer_pending: bool,
}

/// Why a transition was refused, in Chinese.
pub type Refusal = String;

/// The day probation ends without extension: one year (by the rules) after admission.
pub fn probation_due(joined_on: NaiveDate, rules: &Rules) -> NaiveDate {
    joined_on
        .checked_add_months(Months::new(rules.development.probation_months))
        .unwrap_or(joined_on)
}

/// Checks whether `kind` may happen to a member in `state` on `on` (not after `today`).
pub fn check(
    kind: EventKind,
    state: &MemberState,
    on: NaiveDate,
    today: NaiveDate,
    rules: &Rules,
) -> Result<(), Refusal> {
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
                .unwrap_or_else(|| probation_due(state.joined_on, rules));
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
            if state.transfer_pending {
                return Err("已有待接收的组织关系介绍信".to_owned());
            }
            Ok(())
        }
        TransferReceived | TransferReturned => {
            if !state.transfer_pending {
                return Err("没有待接收的组织关系介绍信".to_owned());
            }
            Ok(())
        }
        FlowOut => {
            if !on_roll || state.away {
                return Err("该党员已在流动中或不在册".to_owned());
            }
            Ok(())
        }
        FlowReturned => {
            if !state.away {
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
            away: false,
            transfer_pending: false,
        }
    }

    fn rules() -> Rules {
        Rules::defaults()
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
        assert_eq!(extended_due(d("2026-07-01"), 6, &r), Ok(d("2027-01-01")));
        assert!(extended_due(d("2026-07-01"), 5, &r).is_err());
        assert!(extended_due(d("2026-07-01"), 13, &r).is_err());
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
            ..probationary()
        };
        assert!(check(EventKind::LostContact, &lost, today, today, &r).is_err());
        assert!(check(EventKind::ContactRestored, &lost, today, today, &r).is_ok());
        let pending = MemberState {
            transfer_pending: true,
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
