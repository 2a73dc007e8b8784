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

/// How an election stands against the term it ends (R8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Within the reminder window before the end, or after it: the regular election.
    Due,
    /// Earlier: 提前换届, which needs the upper committee's approval.
    Early,
    /// Earlier than the rules allow even with approval.
    TooEarly,
}

/// How an election on `elected_on` stands against a term ending `ends_on`: an election in
/// the last `reminder_months` is the regular one; before that it is held early with
/// approval, by at most `max_years`.
pub fn election_timing(
    ends_on: NaiveDate,
    elected_on: NaiveDate,
    reminder_months: u32,
    max_years: u32,
) -> Timing {
    let window = ends_on
        .checked_sub_months(Months::new(reminder_months))
        .unwrap_or(NaiveDate::MIN);
    let earliest = ends_on
        .checked_sub_months(Months::new(max_years * 12))
        .unwrap_or(NaiveDate::MIN);
    if elected_on >= window {
        Timing::Due
    } else if elected_on >= earliest {
        Timing::Early
    } else {
        Timing::TooEarly
    }
}

/// Checks an extension (延期换届) of a term ending `ends_on` to `until`: later than the end,
/// by at most `max_years` (R8.2).
pub fn check_extension(ends_on: NaiveDate, until: NaiveDate, max_years: u32) -> Result<(), String> {
    let latest = ends_on
        .checked_add_months(Months::new(max_years * 12))
        .unwrap_or(ends_on);
    if until <= ends_on {
        return Err(format!("任期至{ends_on}，延期后的日期应更晚"));
    }
    if until > latest {
        return Err(format!("延期一般不超过{max_years}年（至{latest}）"));
    }
    Ok(())
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

    /// R8.2: an election in the last three months is the regular one; up to a year before
    /// the end it is held early with approval; earlier is refused. An extension goes at most a
    /// year past the end.
    #[test]
    fn elections_early_and_extensions_are_bounded_by_a_year() {
        let end = d("2026-06-30");
        assert_eq!(election_timing(end, d("2026-03-30"), 3, 1), Timing::Due);
        assert_eq!(election_timing(end, d("2026-07-15"), 3, 1), Timing::Due);
        assert_eq!(election_timing(end, d("2026-03-29"), 3, 1), Timing::Early);
        assert_eq!(election_timing(end, d("2025-06-30"), 3, 1), Timing::Early);
        assert_eq!(
            election_timing(end, d("2025-06-29"), 3, 1),
            Timing::TooEarly
        );
        assert_eq!(election_timing(end, d("2024-06-30"), 3, 2), Timing::Early);
        assert!(check_extension(end, d("2027-06-30"), 1).is_ok());
        assert!(check_extension(end, d("2026-07-01"), 1).is_ok());
        assert!(check_extension(end, d("2027-07-01"), 1).is_err_and(|m| m.contains("2027-06-30")));
        assert!(check_extension(end, end, 1).is_err());
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
