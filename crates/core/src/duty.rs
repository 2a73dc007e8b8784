//! The responsibility system as data (党建工作责任制): each org's responsibility list — the
//! committee's primary responsibility (主体责任), the secretary's duties as first responsible
//! person (第一责任人), each leader's dual duty for their post (一岗双责) — and the annual work
//! plan broken into tasks and sub-tasks with an owner, a timetable and a roadmap, whose state
//! and escalation colour follow from their progress and the clock.

use chrono::NaiveDate;

use crate::rectification::{Colour, Escalation};

labelled_enum! {
    /// Whose responsibility an item of the list is.
    pub enum DutyKind {
        PrimaryResponsibility = ("primary_responsibility", "党组织主体责任"),
        FirstResponsible = ("first_responsible", "书记第一责任人职责"),
        DualDuty = ("dual_duty", "班子成员一岗双责"),
    }
}

impl DutyKind {
    /// Whether the item names the person who carries it (the secretary, or a leader).
    pub fn names_a_person(self) -> bool {
        self != DutyKind::PrimaryResponsibility
    }
}

labelled_enum! {
    /// Where a task stands, with the clock applied.
    pub enum TaskState {
        NotStarted = ("not_started", "未开始"),
        InProgress = ("in_progress", "推进中"),
        DueSoon = ("due_soon", "临期"),
        Overdue = ("overdue", "逾期"),
        Done = ("done", "已完成"),
    }
}

/// What the state of a task depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskFacts {
    pub starts_on: NaiveDate,
    pub deadline: NaiveDate,
    pub done_on: Option<NaiveDate>,
    /// Progress reports so far.
    pub reports: usize,
}

impl TaskFacts {
    /// The task's state on `today`: done once finished; otherwise overdue after its deadline,
    /// due soon from the first escalation day, in progress once started (a report, or its
    /// start day passed), else not started.
    pub fn state(&self, today: NaiveDate, escalation: &Escalation) -> TaskState {
        if self.done_on.is_some() {
            return TaskState::Done;
        }
        match escalation.colour(self.deadline, today) {
            Some(Colour::Red) => TaskState::Overdue,
            Some(_) => TaskState::DueSoon,
            None if self.reports > 0 || today >= self.starts_on => TaskState::InProgress,
            None => TaskState::NotStarted,
        }
    }

    /// The escalation colour of an unfinished task.
    pub fn colour(&self, today: NaiveDate, escalation: &Escalation) -> Option<Colour> {
        match self.done_on {
            Some(_) => None,
            None => escalation.colour(self.deadline, today),
        }
    }
}

/// A task's timetable is refused when it ends before it starts, or when it runs past the
/// task it belongs to.
pub fn check_timetable(
    starts_on: NaiveDate,
    deadline: NaiveDate,
    parent: Option<(NaiveDate, NaiveDate)>,
) -> Result<(), &'static str> {
    if deadline < starts_on {
        return Err("完成时限不能早于开始日期");
    }
    if let Some((from, to)) = parent
        && (starts_on < from || deadline > to)
    {
        return Err("子任务的时间须在上级任务的时间之内");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const E: Escalation = Escalation {
        green_days_before: 20,
        yellow_days_before: 10,
    };

    fn task(done: Option<&str>, reports: usize) -> TaskFacts {
        TaskFacts {
            starts_on: d("2027-01-10"),
            deadline: d("2027-03-31"),
            done_on: done.map(d),
            reports,
        }
    }

    #[test]
    fn a_task_moves_from_not_started_to_overdue_with_the_clock() {
        assert_eq!(
            task(None, 0).state(d("2027-01-01"), &E),
            TaskState::NotStarted
        );
        assert_eq!(
            task(None, 1).state(d("2027-01-01"), &E),
            TaskState::InProgress
        );
        assert_eq!(
            task(None, 0).state(d("2027-01-10"), &E),
            TaskState::InProgress
        );
        assert_eq!(task(None, 0).state(d("2027-03-11"), &E), TaskState::DueSoon);
        assert_eq!(task(None, 0).state(d("2027-03-31"), &E), TaskState::DueSoon);
        assert_eq!(task(None, 0).state(d("2027-04-01"), &E), TaskState::Overdue);
        assert_eq!(
            task(Some("2027-04-20"), 2).state(d("2027-05-01"), &E),
            TaskState::Done
        );
    }

    #[test]
    fn a_finished_task_has_no_colour_and_an_open_one_the_rules_colour() {
        assert_eq!(
            task(Some("2027-03-01"), 1).colour(d("2027-04-02"), &E),
            None
        );
        assert_eq!(
            task(None, 1).colour(d("2027-03-12"), &E),
            Some(Colour::Green)
        );
        assert_eq!(
            task(None, 1).colour(d("2027-03-22"), &E),
            Some(Colour::Yellow)
        );
        assert_eq!(task(None, 1).colour(d("2027-04-01"), &E), Some(Colour::Red));
    }

    #[test]
    fn sub_tasks_keep_within_their_task() {
        let parent = Some((d("2027-01-01"), d("2027-12-31")));
        assert!(check_timetable(d("2027-02-01"), d("2027-06-30"), parent).is_ok());
        assert!(check_timetable(d("2026-12-31"), d("2027-06-30"), parent).is_err());
        assert!(check_timetable(d("2027-02-01"), d("2028-01-01"), parent).is_err());
        assert!(check_timetable(d("2027-02-01"), d("2027-01-31"), None).is_err());
        assert!(check_timetable(d("2027-02-01"), d("2027-02-01"), None).is_ok());
        // Exactly the task's own span is within it.
        assert!(check_timetable(d("2027-01-01"), d("2027-12-31"), parent).is_ok());
    }

    #[test]
    fn only_the_committee_item_names_no_person() {
        assert!(!DutyKind::PrimaryResponsibility.names_a_person());
        assert!(DutyKind::FirstResponsible.names_a_person());
        assert!(DutyKind::DualDuty.names_a_person());
    }
}
