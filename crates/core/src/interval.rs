//! Dated intervals. A member's branch, category and status, every post, and an org's parent,
//! kind and existence are kept as a timeline of `[from, to)` intervals instead of one
//! overwritten column, because organisational life and assessment ask about the past: "who was
//! in this branch, and who was its secretary, on 2025-03-28?". The open interval (no `to`) is the
//! current value.

use chrono::NaiveDate;
use serde::Serialize;

/// A half-open range of dates: from `from` (inclusive) to `to` (exclusive); `to = None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Span {
    pub fn open(from: NaiveDate) -> Self {
        Self { from, to: None }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && self.to.is_none_or(|to| date < to)
    }

    pub fn is_open(&self) -> bool {
        self.to.is_none()
    }
}

/// How to record that a dated value changes to a new value on a given date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The value is already in force: nothing to write.
    Unchanged,
    /// The open interval starts on the same date: the change corrects its value.
    ReplaceOpen,
    /// Close the open interval on the date and open a new one from it.
    CloseAndOpen { on: NaiveDate },
}

/// Why a change cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("变更日期不能早于当前状态的起始日期（{0}）")]
    BeforeOpenInterval(NaiveDate),
}

/// Plans the change of the value whose open interval is (`current`, `since`) to `new` on `on`.
/// A change may not be dated before the current value began: history is appended to, not
/// rewritten (corrections of the past are a separate, audited action).
pub fn plan_change<V: PartialEq>(
    current: &V,
    since: NaiveDate,
    new: &V,
    on: NaiveDate,
) -> Result<Change, ChangeError> {
    if current == new {
        return Ok(Change::Unchanged);
    }
    if on < since {
        return Err(ChangeError::BeforeOpenInterval(since));
    }
    if on == since {
        return Ok(Change::ReplaceOpen);
    }
    Ok(Change::CloseAndOpen { on })
}

/// A timeline of values, ordered by start date; used to answer "what was it on that date?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline<V> {
    entries: Vec<(Span, V)>,
}

impl<V> Default for Timeline<V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<V: Clone + PartialEq> Timeline<V> {
    /// A timeline from stored intervals, in any order.
    pub fn new(mut entries: Vec<(Span, V)>) -> Self {
        entries.sort_by_key(|(span, _)| span.from);
        Self { entries }
    }

    pub fn entries(&self) -> &[(Span, V)] {
        &self.entries
    }

    /// The value in force on `date`, if any.
    pub fn on(&self, date: NaiveDate) -> Option<&V> {
        self.entries
            .iter()
            .find(|(span, _)| span.contains(date))
            .map(|(_, v)| v)
    }

    /// The open interval's value and start.
    pub fn current(&self) -> Option<(&V, NaiveDate)> {
        self.entries
            .iter()
            .find(|(span, _)| span.is_open())
            .map(|(span, v)| (v, span.from))
    }

    /// Applies a change the way the store does, for tests and in-memory planning.
    pub fn apply(&mut self, new: V, on: NaiveDate) -> Result<Change, ChangeError> {
        let Some((current, since)) = self.current().map(|(v, s)| (v.clone(), s)) else {
            self.entries.push((Span::open(on), new));
            return Ok(Change::CloseAndOpen { on });
        };
        let change = plan_change(&current, since, &new, on)?;
        match change {
            Change::Unchanged => {}
            Change::ReplaceOpen => {
                if let Some(last) = self.entries.iter_mut().find(|(s, _)| s.is_open()) {
                    last.1 = new;
                }
            }
            Change::CloseAndOpen { on } => {
                if let Some(last) = self.entries.iter_mut().find(|(s, _)| s.is_open()) {
                    last.0.to = Some(on);
                }
                self.entries.push((Span::open(on), new));
            }
        }
        Ok(change)
    }

    /// True when the intervals do not overlap, only the last is open, and each starts before
    /// it ends. The store keeps every timeline in this shape.
    pub fn is_well_formed(&self) -> bool {
        let spans_ok = self
            .entries
            .iter()
            .all(|(s, _)| s.to.is_none_or(|to| s.from < to));
        let ordered = self.entries.windows(2).all(|w| {
            let (a, b) = (&w[0].0, &w[1].0);
            a.to.is_some_and(|to| to <= b.from)
        });
        spans_ok && ordered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(days: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::TimeDelta::days(days)
    }

    #[test]
    fn a_change_before_the_open_interval_is_refused() {
        assert_eq!(
            plan_change(&1, d(10), &2, d(9)),
            Err(ChangeError::BeforeOpenInterval(d(10)))
        );
    }

    /// The shape the store keeps: ordered, not overlapping, each span starting before it
    /// ends, only the last open.
    #[test]
    fn a_timeline_says_whether_it_is_well_formed() {
        let span = |from: i64, to: Option<i64>| Span {
            from: d(from),
            to: to.map(d),
        };
        let good = Timeline::new(vec![(span(5, None), 'b'), (span(0, Some(5)), 'a')]);
        assert!(good.is_well_formed());
        assert_eq!(good.entries().len(), 2);
        assert_eq!(good.entries()[0].1, 'a');
        for bad in [
            vec![(span(0, Some(6)), 'a'), (span(5, None), 'b')],
            vec![(span(0, None), 'a'), (span(5, None), 'b')],
            vec![(span(3, Some(3)), 'a')],
        ] {
            assert!(!Timeline::new(bad).is_well_formed());
        }
    }

    #[test]
    fn a_change_on_the_start_date_replaces_the_open_value() {
        assert_eq!(plan_change(&1, d(10), &2, d(10)), Ok(Change::ReplaceOpen));
        assert_eq!(plan_change(&1, d(10), &1, d(3)), Ok(Change::Unchanged));
    }

    proptest! {
        /// Any sequence of accepted changes keeps the timeline well formed, and the value on
        /// every date is the last value set on or before that date.
        #[test]
        fn changes_keep_the_timeline_well_formed(
            steps in proptest::collection::vec((0i64..5, 0u8..4), 1..30)
        ) {
            let mut timeline = Timeline::default();
            let mut day = 0;
            // The reference: the value that was set for each day, in order.
            let mut reference: Vec<(NaiveDate, u8)> = Vec::new();
            for (gap, value) in steps {
                day += gap;
                if timeline.apply(value, d(day)).is_ok() {
                    reference.retain(|(on, _)| *on < d(day));
                    reference.push((d(day), value));
                }
                prop_assert!(timeline.is_well_formed());
            }
            for probe in -1..=day + 1 {
                let expected = reference.iter().rev().find(|(on, _)| *on <= d(probe)).map(|(_, v)| v);
                prop_assert_eq!(timeline.on(d(probe)), expected);
            }
        }
    }
}
