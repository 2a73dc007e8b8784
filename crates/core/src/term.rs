//! 换届: a term's end and the reminder before it (R8.1, R8.2, R8.11).

use chrono::{Months, NaiveDate};

labelled_enum! {
    /// Where an org stands with its election.
    pub enum TermStatus {
        Overdue = ("overdue", "已超期"),
        DueSoon = ("due_soon", "即将到期"),
        Current = ("current", "任期内"),
        NoRecord = ("no_record", "无换届记录"),
    }
}

labelled_enum! {
    /// The committee's rating of a secretary on one count (政治素质、业务能力、群众威信).
    pub enum Rating {
        Excellent = ("excellent", "好"),
        Good = ("good", "较好"),
        Fair = ("fair", "一般"),
        Poor = ("poor", "较差"),
    }
}

/// The day a term that began on `elected_on` ends.
pub fn term_end(elected_on: NaiveDate, years: u32) -> NaiveDate {
    elected_on
        .checked_add_months(Months::new(years * 12))
        .unwrap_or(elected_on)
}

/// The status of a term ending on `ends_on` (`None`: no election recorded), with a reminder
/// `reminder_months` before the end.
pub fn term_status(
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
    reminder_months: u32,
) -> TermStatus {
    match ends_on {
        None => TermStatus::NoRecord,
        Some(end) if today > end => TermStatus::Overdue,
        Some(end) => {
            let remind = end
                .checked_sub_months(Months::new(reminder_months))
                .unwrap_or(end);
            if today >= remind {
                TermStatus::DueSoon
            } else {
                TermStatus::Current
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_three_year_term_from_a_leap_day_ends_on_the_last_day_of_february() {
        assert_eq!(term_end(d("2024-02-29"), 3), d("2027-02-28"));
        assert_eq!(term_end(d("2023-06-15"), 5), d("2028-06-15"));
    }

    #[test]
    fn the_reminder_starts_three_months_before_the_end() {
        let end = Some(d("2026-06-30"));
        assert_eq!(term_status(end, d("2026-03-29"), 3), TermStatus::Current);
        assert_eq!(term_status(end, d("2026-03-30"), 3), TermStatus::DueSoon);
        assert_eq!(term_status(end, d("2026-06-30"), 3), TermStatus::DueSoon);
        assert_eq!(term_status(end, d("2026-07-01"), 3), TermStatus::Overdue);
        assert_eq!(term_status(None, d("2026-07-01"), 3), TermStatus::NoRecord);
    }
}
