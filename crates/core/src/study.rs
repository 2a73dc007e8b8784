//! Study and training (学习教育): the kinds of group study, 学时 and how they are credited, the
//! year's target of a member and of a secretary or committee member, and the completion of a
//! training class (专题培训班). The numbers come from the rules file (`[training]`).
//!
//! Hours are credited for study done — a group study attended or made up, the sessions of a
//! class attended — and never for time spent online (M3.8: 学习时长 may not drive any
//! evaluation). A year's hours are that year's alone (当年有效, 跨年分开计算).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::org::OrgPath;
use crate::role::Scope;
use crate::rules_second::Training;

labelled_enum! {
    /// A kind of group study (集中学习).
    pub enum StudyKind {
        GroupStudy = ("group_study", "集中学习"),
        CentralGroup = ("central_group", "理论学习中心组学习"),
        BranchStudy = ("branch_study", "支部学习"),
    }
}

labelled_enum! {
    /// Where a member's hours come from: each credit names its record.
    pub enum HourSource {
        GroupStudy = ("group_study", "集中学习"),
        Class = ("class", "专题培训班"),
        Course = ("course", "网络课程"),
        Exam = ("exam", "考试"),
    }
}

labelled_enum! {
    /// What a chapter of a course is.
    pub enum MediaKind {
        Text = ("text", "图文"),
        Pdf = ("pdf", "PDF文档"),
        Audio = ("audio", "音频"),
        Video = ("video", "视频"),
    }
}

impl MediaKind {
    /// The MIME type of a file of this kind read from its first bytes, or `None` when the
    /// bytes are not of it (a renamed file is refused): PDF; MP3, M4A, OGG or WAV audio; MP4
    /// or WebM video.
    pub fn sniff(self, head: &[u8]) -> Option<&'static str> {
        let at =
            |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
        let iso = at(4, b"ftyp");
        match self {
            MediaKind::Text => None,
            MediaKind::Pdf => at(0, b"%PDF-").then_some("application/pdf"),
            MediaKind::Audio => {
                if at(0, b"ID3") || (head.len() > 1 && head[0] == 0xff && head[1] & 0xe0 == 0xe0) {
                    Some("audio/mpeg")
                } else if iso && at(8, b"M4A") {
                    Some("audio/mp4")
                } else if at(0, b"OggS") {
                    Some("audio/ogg")
                } else if at(0, b"RIFF") && at(8, b"WAVE") {
                    Some("audio/wav")
                } else {
                    None
                }
            }
            MediaKind::Video => {
                if iso && !at(8, b"M4A") {
                    Some("video/mp4")
                } else if at(0, b"\x1a\x45\xdf\xa3") {
                    Some("video/webm")
                } else {
                    None
                }
            }
        }
    }
}

/// The 学时 a finished course chapter of `minutes` credits, by the rules' tiers. Credited
/// for the chapter finished, never for the time it was open.
pub fn course_credit(minutes: i64, credit: &Credit) -> Hours {
    let hours = match minutes {
        m if m <= 0 => 0.0,
        m if m >= 30 => credit.course_30min_plus,
        m if m > 15 => credit.course_15_to_30min,
        _ => credit.course_15min_or_less,
    };
    Hours::from_rule(hours)
}

/// A range of bytes asked for (`Range: bytes=a-b`, `a-`, `-n`), resolved against a file of
/// `size` bytes to `[start, end]` inclusive; `None` when it cannot be satisfied (416).
pub fn byte_range(header: &str, size: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    // One range only: a player never asks for several.
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            size - 1
        } else {
            b.parse::<u64>().ok()?.min(size - 1)
        };
        (start, end)
    };
    (start <= end && start < size).then_some((start, end))
}

/// The bureau's conversion of study into 学时 (M3.7: no national rule; a local default).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Credit {
    /// 学时 for each hour of group study (支部组织学习 1学时/小时).
    pub group_study_hours_per_hour: f64,
    /// Credited hours are rounded down to a multiple of this (half an hour by default).
    pub round_down_to: f64,
    /// A class is completed (结业) when at least this share of its hours was attended.
    pub class_completion_min_share: f64,
    /// The most 学时 one session of a class may carry (a full day of eight).
    pub session_max_hours: f64,
    /// 学时 of a course chapter finished, by its length: thirty minutes or more, fifteen to
    /// thirty, and a micro-lecture of fifteen or less.
    pub course_30min_plus: f64,
    pub course_15_to_30min: f64,
    pub course_15min_or_less: f64,
    /// 学时 for passing an exam (once an exam).
    pub exam_passed: f64,
}

/// 学时 in hundredths, so that halves and quarters add up exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Hours(pub i64);

impl Hours {
    pub const ZERO: Hours = Hours(0);

    /// From a decimal of the rules file, to the hundredth.
    pub fn from_rule(hours: f64) -> Hours {
        Hours((hours * 100.0).round() as i64)
    }

    /// Hours as typed: `2`, `1.5`, `0.25`; more than zero, at most two decimals, at most `max`.
    pub fn parse(raw: &str, max: Hours) -> Result<Hours, String> {
        let text = raw.trim().trim_end_matches("学时").trim();
        if text.is_empty() {
            return Err("请填写学时".to_owned());
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || whole.len() > 4
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("学时须为数字，如 2 或 1.5".to_owned());
        }
        if fraction.len() > 2 {
            return Err("学时最多两位小数".to_owned());
        }
        let whole: i64 = whole.parse().map_err(|_| "学时过大".to_owned())?;
        let hundredths: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        let hours = Hours(whole * 100 + hundredths);
        if hours == Hours::ZERO {
            return Err("学时须大于0".to_owned());
        }
        if hours > max {
            return Err(format!("学时不能超过{max}"));
        }
        Ok(hours)
    }
}

impl std::ops::Add for Hours {
    type Output = Hours;
    fn add(self, other: Hours) -> Hours {
        Hours(self.0 + other.0)
    }
}

impl std::iter::Sum for Hours {
    fn sum<I: Iterator<Item = Hours>>(iter: I) -> Hours {
        Hours(iter.map(|h| h.0).sum())
    }
}

impl std::fmt::Display for Hours {
    /// `32`, `1.5`, `0.25`: no trailing zeros, as a ledger writes them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, part) = (self.0 / 100, self.0.rem_euclid(100));
        match part {
            0 => write!(f, "{whole}"),
            p if p % 10 == 0 => write!(f, "{whole}.{}", p / 10),
            p => write!(f, "{whole}.{p:02}"),
        }
    }
}

/// The 学时 a group study of `minutes` credits to each who attended it: the rate of the rules
/// file, rounded down to its step (a forty-minute study at 1学时/小时 in half hours: 0.5).
pub fn group_study_credit(minutes: i64, credit: &Credit) -> Hours {
    if minutes <= 0 {
        return Hours::ZERO;
    }
    let raw = minutes as f64 * credit.group_study_hours_per_hour * 100.0 / 60.0;
    let step = Hours::from_rule(credit.round_down_to).0.max(1);
    // A hair of tolerance so that 90 minutes at 1.0 is 1.5, not 1.49999.
    Hours(((raw + 1e-6) as i64) / step * step)
}

/// Whose target a member is held to in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Member,
    /// A secretary or committee member (基层党组织书记和班子成员).
    Leader,
}

impl Holder {
    /// A leader when the member holds a committee post.
    pub fn of(leader: bool) -> Holder {
        if leader {
            Holder::Leader
        } else {
            Holder::Member
        }
    }
}

/// A year's target: 学时, and for a leader the concentrated trainings (集中培训) completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Target {
    pub hours: Hours,
    pub trainings: u32,
}

/// The target of `holder` for `year`. A member on the roll only from a day inside the year
/// is held to the share of the months left (joined in March: ten twelfths), rounded up to the
/// half hour; a whole year otherwise. The concentrated training is not shared out: it is one.
pub fn target(holder: Holder, on_roll_from: NaiveDate, year: i32, rules: &Training) -> Target {
    let (hours, trainings) = match holder {
        Holder::Member => (rules.member_min_hours_per_year, 0),
        Holder::Leader => (
            rules.secretary_and_committee_min_hours_per_year,
            rules.secretary_and_committee_min_centralised_trainings_per_year,
        ),
    };
    let months = match on_roll_from.year() {
        y if y < year => 12,
        y if y == year => 13 - u64::from(on_roll_from.month()),
        _ => 0,
    };
    // Whole fiftieths (half hours) of the share, rounded up: non-negative, so unsigned.
    let share = (u64::from(hours) * 100 * months).div_ceil(12);
    Target {
        hours: Hours((share.div_ceil(50) * 50) as i64),
        trainings: if months > 0 { trainings } else { 0 },
    }
}

/// How a member stands against their target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Attainment {
    pub target: Target,
    pub credited: Hours,
    pub trainings: u32,
}

impl Attainment {
    /// The hours still short (zero when met).
    pub fn hours_short(&self) -> Hours {
        Hours((self.target.hours.0 - self.credited.0).max(0))
    }

    /// The concentrated trainings still short.
    pub fn trainings_short(&self) -> u32 {
        self.target.trainings.saturating_sub(self.trainings)
    }

    pub fn met(&self) -> bool {
        self.hours_short() == Hours::ZERO && self.trainings_short() == 0
    }
}

/// Whether attending `attended` of a class's `total` hours completes it (结业). A class with
/// no sessions completes no one.
pub fn completes(attended: Hours, total: Hours, credit: &Credit) -> bool {
    total > Hours::ZERO
        && (attended.0 as f64) + 1e-9 >= total.0 as f64 * credit.class_completion_min_share
}

/// Checks a class's dates: the end not before the start, within a year of it.
pub fn check_class_dates(starts: NaiveDate, ends: NaiveDate) -> Result<(), &'static str> {
    if ends < starts {
        return Err("结束日期不能早于开始日期");
    }
    if (ends - starts).num_days() > 366 {
        return Err("培训班跨度不能超过一年");
    }
    Ok(())
}

/// The certificate number of the `seq`th member (from one) to complete class `class` that
/// ended in `year`: `2026-0012-003`.
pub fn certificate_number(year: i32, class: i64, seq: usize) -> String {
    format!("{year}-{class:04}-{seq:03}")
}

/// Whether an account may open a course or an exam held by the org at `org`: one in its
/// scope (drafts too), or one published by an org at or above `home` (the member's branch,
/// the secretary's org). The store's lists and the search index apply the same rule.
pub fn may_open(scope: &Scope, home: Option<&OrgPath>, org: &OrgPath, published: bool) -> bool {
    scope.covers_org(org) || (published && home.is_some_and(|h| h.is_within(org)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;
    use proptest::prelude::*;

    fn rules() -> Rules {
        Rules::load(None).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_course_is_opened_in_scope_or_published_at_or_above_home() {
        let root = OrgPath::root(1);
        let general = root.child(2);
        let branch = general.child(3);
        let other = root.child(9);
        let secretary = Scope::Subtree {
            org_id: 2,
            path: general.clone(),
        };
        let member = Scope::OwnRecord { member_id: 7 };
        // In scope: drafts too.
        assert!(may_open(&secretary, Some(&general), &branch, false));
        assert!(may_open(&Scope::Everything, None, &other, false));
        // Above home: only once published.
        assert!(may_open(&member, Some(&branch), &root, true));
        assert!(may_open(&member, Some(&branch), &branch, true));
        assert!(!may_open(&member, Some(&branch), &root, false));
        assert!(may_open(&secretary, Some(&general), &root, true));
        // Beside or below home: never, published or not.
        assert!(!may_open(&member, Some(&branch), &other, true));
        assert!(!may_open(&member, Some(&general), &branch, true));
        assert!(!may_open(&Scope::Nothing, None, &root, true));
    }

    #[test]
    fn hours_are_parsed_as_a_ledger_writes_them() {
        let max = Hours(800);
        assert_eq!(Hours::parse("2", max), Ok(Hours(200)));
        assert_eq!(Hours::parse(" 1.5 ", max), Ok(Hours(150)));
        assert_eq!(Hours::parse("0.25", max), Ok(Hours(25)));
        assert_eq!(Hours::parse("4学时", max), Ok(Hours(400)));
        assert_eq!(Hours::parse("8", max), Ok(Hours(800)));
        assert_eq!(Hours::parse("", max).unwrap_err(), "请填写学时");
        assert_eq!(Hours::parse("0", max).unwrap_err(), "学时须大于0");
        assert_eq!(Hours::parse("0.00", max).unwrap_err(), "学时须大于0");
        assert_eq!(Hours::parse("8.01", max).unwrap_err(), "学时不能超过8");
        assert_eq!(Hours::parse("1.234", max).unwrap_err(), "学时最多两位小数");
        assert_eq!(Hours::parse("1000", Hours(1_000_000)), Ok(Hours(100_000)));
        assert_eq!(
            Hours::parse(".5", max).unwrap_err(),
            "学时须为数字，如 2 或 1.5"
        );
        assert_eq!(
            Hours::parse("99999", Hours(100_000_000)).unwrap_err(),
            "学时须为数字，如 2 或 1.5"
        );
        for bad in ["-1", "abc", ".5", "1,5", "1e2", "99999"] {
            assert!(Hours::parse(bad, max).is_err(), "{bad}");
        }
    }

    #[test]
    fn hours_print_without_trailing_zeros() {
        assert_eq!(Hours(3200).to_string(), "32");
        assert_eq!(Hours(150).to_string(), "1.5");
        assert_eq!(Hours(25).to_string(), "0.25");
        assert_eq!(Hours(5).to_string(), "0.05");
        assert_eq!(Hours(0).to_string(), "0");
        assert_eq!(Hours(100) + Hours(50), Hours(150));
        assert_eq!(
            [Hours(25), Hours(75)].into_iter().sum::<Hours>(),
            Hours(100)
        );
    }

    #[test]
    fn group_study_is_credited_by_the_hour_in_half_hours() {
        let r = rules();
        let c = &r.training.credit;
        assert_eq!(group_study_credit(60, c), Hours(100));
        assert_eq!(group_study_credit(90, c), Hours(150));
        assert_eq!(group_study_credit(40, c), Hours(50));
        assert_eq!(group_study_credit(29, c), Hours::ZERO);
        assert_eq!(group_study_credit(30, c), Hours(50));
        assert_eq!(group_study_credit(119, c), Hours(150));
        assert_eq!(group_study_credit(0, c), Hours::ZERO);
        assert_eq!(group_study_credit(-30, c), Hours::ZERO);
        let double = Credit {
            group_study_hours_per_hour: 2.0,
            round_down_to: 0.25,
            ..c.clone()
        };
        assert_eq!(group_study_credit(45, &double), Hours(150));
        assert_eq!(group_study_credit(10, &double), Hours(25));
    }

    #[test]
    fn a_year_on_the_roll_is_held_to_the_whole_target() {
        let r = rules();
        let t = &r.training;
        assert_eq!(
            target(Holder::Member, day(2020, 1, 1), 2026, t),
            Target {
                hours: Hours(3200),
                trainings: 0
            }
        );
        assert_eq!(
            target(Holder::Leader, day(2026, 1, 1), 2026, t),
            Target {
                hours: Hours(5600),
                trainings: 1
            }
        );
        // Joined in March: ten months of 32, rounded up to the half hour.
        assert_eq!(
            target(Holder::Member, day(2026, 3, 28), 2026, t).hours,
            Hours(2700)
        );
        // Joined in December: one month.
        assert_eq!(
            target(Holder::Member, day(2026, 12, 31), 2026, t).hours,
            Hours(300)
        );
        // Not yet on the roll in that year: nothing is asked.
        assert_eq!(
            target(Holder::Leader, day(2027, 1, 1), 2026, t),
            Target {
                hours: Hours::ZERO,
                trainings: 0
            }
        );
    }

    #[test]
    fn a_committee_post_makes_a_leader() {
        assert_eq!(Holder::of(true), Holder::Leader);
        assert_eq!(Holder::of(false), Holder::Member);
    }

    #[test]
    fn attainment_counts_both_hours_and_trainings() {
        let t = Target {
            hours: Hours(5600),
            trainings: 1,
        };
        let a = Attainment {
            target: t,
            credited: Hours(6000),
            trainings: 0,
        };
        assert!(!a.met());
        assert_eq!(a.hours_short(), Hours::ZERO);
        assert_eq!(a.trainings_short(), 1);
        let b = Attainment {
            target: t,
            credited: Hours(5550),
            trainings: 2,
        };
        assert!(!b.met());
        assert_eq!(b.hours_short(), Hours(50));
        assert_eq!(b.trainings_short(), 0);
        let c = Attainment {
            credited: Hours(5600),
            ..b
        };
        assert!(c.met());
    }

    #[test]
    fn a_class_is_completed_at_its_share_of_hours() {
        let r = rules();
        let c = &r.training.credit;
        assert!(completes(Hours(1600), Hours(2000), c));
        assert!(!completes(Hours(1599), Hours(2000), c));
        assert!(completes(Hours(2000), Hours(2000), c));
        assert!(!completes(Hours::ZERO, Hours::ZERO, c));
    }

    #[test]
    fn class_dates_and_certificates() {
        assert!(check_class_dates(day(2026, 3, 1), day(2026, 3, 1)).is_ok());
        assert_eq!(
            check_class_dates(day(2026, 3, 2), day(2026, 3, 1)),
            Err("结束日期不能早于开始日期")
        );
        assert_eq!(
            check_class_dates(day(2026, 1, 1), day(2027, 1, 3)),
            Err("培训班跨度不能超过一年")
        );
        assert!(check_class_dates(day(2026, 1, 1), day(2027, 1, 2)).is_ok());
        assert_eq!(certificate_number(2026, 12, 3), "2026-0012-003");
    }

    #[test]
    fn chapters_are_credited_by_their_length_tier() {
        let r = rules();
        let c = &r.training.credit;
        assert_eq!(course_credit(45, c), Hours(100));
        assert_eq!(course_credit(30, c), Hours(100));
        assert_eq!(course_credit(29, c), Hours(50));
        assert_eq!(course_credit(16, c), Hours(50));
        assert_eq!(course_credit(15, c), Hours(25));
        assert_eq!(course_credit(1, c), Hours(25));
        assert_eq!(course_credit(0, c), Hours::ZERO);
    }

    #[test]
    fn media_is_known_by_its_first_bytes() {
        let mp4 = b"\0\0\0\x20ftypisom\0\0\x02\0";
        let m4a = b"\0\0\0\x20ftypM4A \0\0\0\0";
        assert_eq!(MediaKind::Video.sniff(mp4), Some("video/mp4"));
        assert_eq!(
            MediaKind::Video.sniff(b"\x1a\x45\xdf\xa3\x01"),
            Some("video/webm")
        );
        assert_eq!(MediaKind::Video.sniff(m4a), None);
        assert_eq!(MediaKind::Audio.sniff(m4a), Some("audio/mp4"));
        assert_eq!(MediaKind::Audio.sniff(b"ID3\x04\0"), Some("audio/mpeg"));
        assert_eq!(MediaKind::Audio.sniff(b"\xff\xfb\x90"), Some("audio/mpeg"));
        assert_eq!(MediaKind::Audio.sniff(b"OggS\0"), Some("audio/ogg"));
        assert_eq!(
            MediaKind::Audio.sniff(b"RIFF\0\0\0\0WAVEfmt "),
            Some("audio/wav")
        );
        assert_eq!(MediaKind::Audio.sniff(mp4), None);
        assert_eq!(MediaKind::Pdf.sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(MediaKind::Pdf.sniff(b"MZ\x90\0"), None);
        assert_eq!(MediaKind::Video.sniff(b"%PDF-1.7"), None);
        assert_eq!(MediaKind::Text.sniff(b"hello"), None);
        assert_eq!(MediaKind::Video.sniff(b""), None);
        // A frame sync needs both bytes; a RIFF is audio only when it is WAVE.
        assert_eq!(MediaKind::Audio.sniff(b"\xff"), None);
        assert_eq!(MediaKind::Audio.sniff(b"\xff\x00\x00"), None);
        assert_eq!(MediaKind::Audio.sniff(b"\x00\xe0\x00"), None);
        assert_eq!(MediaKind::Audio.sniff(b"RIFF\0\0\0\0AVI LIST"), None);
    }

    #[test]
    fn byte_ranges_are_resolved_against_the_size() {
        assert_eq!(byte_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(byte_range("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=-5000", 1000), Some((0, 999)));
        assert_eq!(byte_range("bytes=990-2000", 1000), Some((990, 999)));
        assert_eq!(byte_range("bytes=999-999", 1000), Some((999, 999)));
        assert_eq!(byte_range("bytes=1000-", 1000), None);
        assert_eq!(byte_range("bytes=5-4", 1000), None);
        assert_eq!(byte_range("bytes=-0", 1000), None);
        assert_eq!(byte_range("bytes=0-1,5-6", 1000), None);
        assert_eq!(byte_range("items=0-1", 1000), None);
        assert_eq!(byte_range("bytes=a-b", 1000), None);
        assert_eq!(byte_range("bytes=0-", 0), None);
    }

    #[test]
    fn kinds_and_sources_keep_their_codes() {
        for k in StudyKind::ALL {
            assert_eq!(StudyKind::from_code(k.code()), Some(*k));
        }
        assert_eq!(HourSource::from_code("class"), Some(HourSource::Class));
        for m in MediaKind::ALL {
            assert_eq!(MediaKind::from_code(m.code()), Some(*m));
        }
    }

    proptest! {
        /// Credited hours never exceed the study's length at its rate, are a multiple of the
        /// step, and grow with the minutes.
        #[test]
        fn credit_is_bounded_stepped_and_monotone(minutes in 0i64..2000, more in 0i64..600) {
            let r = rules();
            let c = &r.training.credit;
            let h = group_study_credit(minutes, c);
            prop_assert!(h.0 * 60 <= minutes * 100);
            prop_assert_eq!(h.0 % 50, 0);
            prop_assert!(group_study_credit(minutes + more, c) >= h);
            prop_assert!(minutes * 100 - h.0 * 60 < 50 * 60);
        }

        /// A later start on the roll never asks more, and every target is in half hours.
        #[test]
        fn targets_shrink_with_a_later_start(m1 in 1u32..=12, m2 in 1u32..=12) {
            let r = rules();
            let (a, b) = (m1.min(m2), m1.max(m2));
            let early = target(Holder::Member, day(2026, a, 1), 2026, &r.training);
            let late = target(Holder::Member, day(2026, b, 1), 2026, &r.training);
            prop_assert!(late.hours <= early.hours);
            prop_assert_eq!(late.hours.0 % 50, 0);
            prop_assert!(early.hours <= Hours(3200));
        }

        /// Parsing what is printed gives the same hours back.
        #[test]
        fn hours_round_trip(h in 1i64..10_000) {
            prop_assert_eq!(Hours::parse(&Hours(h).to_string(), Hours(10_000)), Ok(Hours(h)));
        }
    }
}
