//! Time as an injected dependency. Rules never read the wall clock; they are handed "today".
//! All calendar dates are in Asia/Shanghai, which has had a fixed UTC+8 offset and no daylight
//! saving since 1991, so no time-zone database is needed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// The offset of Asia/Shanghai from UTC.
const SHANGHAI_OFFSET: TimeDelta = TimeDelta::hours(8);

/// The wall-clock time in Asia/Shanghai at instant `t`.
pub fn local_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + SHANGHAI_OFFSET
}

/// The calendar date in Asia/Shanghai at instant `t`.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    local_time(t).date()
}

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Asia/Shanghai.
    fn today(&self) -> NaiveDate {
        local_date(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_shanghai_date_turns_at_sixteen_hundred_utc() {
        let before = Utc.with_ymd_and_hms(2026, 3, 27, 15, 59, 59).single();
        let after = Utc.with_ymd_and_hms(2026, 3, 27, 16, 0, 0).single();
        assert_eq!(before.map(local_date), NaiveDate::from_ymd_opt(2026, 3, 27));
        assert_eq!(after.map(local_date), NaiveDate::from_ymd_opt(2026, 3, 28));
    }

    /// A clock's today is the Shanghai date of its instant.
    #[test]
    fn a_clock_tells_the_shanghai_date() {
        struct At(DateTime<Utc>);
        impl Clock for At {
            fn now(&self) -> DateTime<Utc> {
                self.0
            }
        }
        let evening = Utc.with_ymd_and_hms(2026, 3, 27, 16, 30, 0).unwrap();
        assert_eq!(
            At(evening).today(),
            NaiveDate::from_ymd_opt(2026, 3, 28).unwrap()
        );
    }
}
