//! 党内统计-style tables for a scope: members by category, gender, age band, education,
//! party-age band and ethnicity, and orgs by kind. Pure counting over the roll.

use chrono::NaiveDate;
use serde::Serialize;

use crate::member::{Category, Education, Ethnicity, Gender, years_between};
use crate::org::OrgKind;

/// What the tables count of a member on the roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberCounts {
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub education: Option<Education>,
    pub ethnicity: Option<Ethnicity>,
    pub category: Category,
    pub full_membership_on: Option<NaiveDate>,
}

/// One table: a title, its rows (label, count) and the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub title: &'static str,
    pub rows: Vec<(String, u64)>,
    pub total: u64,
}

fn table(title: &'static str, rows: Vec<(String, u64)>) -> Table {
    let total = rows.iter().map(|(_, n)| n).sum();
    Table { title, rows, total }
}

/// Counts `members` into bands: `bands` are (label, inclusive upper bound); the last band
/// takes everything above.
fn banded(
    values: impl Iterator<Item = i32>,
    bands: &[(&str, i32)],
    last: &str,
) -> Vec<(String, u64)> {
    let mut counts = vec![0u64; bands.len() + 1];
    for value in values {
        let slot = bands
            .iter()
            .position(|(_, max)| value <= *max)
            .unwrap_or(bands.len());
        counts[slot] += 1;
    }
    bands
        .iter()
        .map(|(label, _)| (*label).to_owned())
        .chain(std::iter::once(last.to_owned()))
        .zip(counts)
        .collect()
}

/// Every table for the members on the roll of a scope, on `today`.
pub fn tables(
    members: &[MemberCounts],
    orgs_by_kind: &[(OrgKind, u64)],
    today: NaiveDate,
) -> Vec<Table> {
    let count = |f: &dyn Fn(&MemberCounts) -> bool| members.iter().filter(|m| f(m)).count() as u64;
    let mut out = vec![table(
        "党员类别",
        Category::ALL
            .iter()
            .map(|c| (c.label().to_owned(), count(&|m| m.category == *c)))
            .collect(),
    )];
    out.push(table(
        "性别",
        Gender::ALL
            .iter()
            .map(|g| (g.label().to_owned(), count(&|m| m.gender == *g)))
            .collect(),
    ));
    out.push(table(
        "年龄",
        banded(
            members.iter().map(|m| years_between(m.birth_date, today)),
            &[
                ("30岁及以下", 30),
                ("31至35岁", 35),
                ("36至40岁", 40),
                ("41至45岁", 45),
                ("46至50岁", 50),
                ("51至55岁", 55),
                ("56至60岁", 60),
            ],
            "61岁及以上",
        ),
    ));
    let mut education: Vec<(String, u64)> = Education::ALL
        .iter()
        .map(|e| (e.label().to_owned(), count(&|m| m.education == Some(*e))))
        .collect();
    education.push(("未填写".to_owned(), count(&|m| m.education.is_none())));
    out.push(table("学历", education));
    let full: Vec<i32> = members
        .iter()
        .filter_map(|m| {
            m.full_membership_on
                .filter(|_| m.category == Category::Full)
        })
        .map(|full| years_between(full, today).max(0))
        .collect();
    let mut party_age = banded(
        full.into_iter(),
        &[
            ("不满5年", 4),
            ("5至10年", 10),
            ("11至20年", 20),
            ("21至30年", 30),
            ("31至40年", 40),
        ],
        "41年及以上",
    );
    party_age.push((
        "预备党员（不计党龄）".to_owned(),
        count(&|m| m.category == Category::Probationary),
    ));
    out.push(table("党龄", party_age));
    let mut ethnicity = vec![
        (
            "汉族".to_owned(),
            count(&|m| m.ethnicity == Some(Ethnicity::HAN)),
        ),
        (
            "少数民族".to_owned(),
            count(&|m| m.ethnicity.is_some_and(|e| e != Ethnicity::HAN)),
        ),
    ];
    for e in Ethnicity::all().filter(|e| *e != Ethnicity::HAN) {
        let n = count(&|m| m.ethnicity == Some(e));
        if n > 0 {
            ethnicity.push((format!("　其中：{}", e.label()), n));
        }
    }
    let mut ethnicity_table = table("民族", ethnicity);
    // The breakdown of minorities is part of, not in addition to, the two main rows.
    ethnicity_table.total = ethnicity_table.rows.iter().take(2).map(|(_, n)| n).sum();
    out.push(ethnicity_table);
    out.push(table(
        "党组织",
        orgs_by_kind
            .iter()
            .map(|(k, n)| (k.label().to_owned(), *n))
            .collect(),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn member(birth: &str, full: Option<&str>) -> MemberCounts {
        MemberCounts {
            gender: Gender::Male,
            birth_date: d(birth),
            education: Some(Education::Bachelor),
            ethnicity: Some(Ethnicity::HAN),
            category: if full.is_some() {
                Category::Full
            } else {
                Category::Probationary
            },
            full_membership_on: full.map(d),
        }
    }

    #[test]
    fn band_edges_fall_where_the_labels_say() {
        let today = d("2026-06-30");
        let members = [
            member("1996-06-30", Some("2021-07-01")), // 30 years old; party age 4
            member("1995-06-30", Some("2021-06-30")), // 31; 5
            member("1965-07-01", Some("1985-01-01")), // 60; 41
            member("1965-06-30", None),               // 61; probationary
        ];
        let t = tables(&members, &[], today);
        let rows = |title: &str| t.iter().find(|x| x.title == title).unwrap().rows.clone();
        let age = rows("年龄");
        assert_eq!(age[0], ("30岁及以下".to_owned(), 1));
        assert_eq!(age[1], ("31至35岁".to_owned(), 1));
        assert_eq!(age[6], ("56至60岁".to_owned(), 1));
        assert_eq!(age[7], ("61岁及以上".to_owned(), 1));
        let party = rows("党龄");
        assert_eq!(party[0], ("不满5年".to_owned(), 1));
        assert_eq!(party[1], ("5至10年".to_owned(), 1));
        assert_eq!(party[5], ("41年及以上".to_owned(), 1));
        assert_eq!(party[6], ("预备党员（不计党龄）".to_owned(), 1));
    }

    /// Each count lands in its own row: categories, genders, Han and minorities with each
    /// minority named under them (but counted once), and orgs by kind.
    #[test]
    fn each_member_is_counted_in_the_row_of_what_they_are() {
        let today = d("2026-06-30");
        let mut zhuang = member("1980-01-01", None);
        zhuang.ethnicity = Ethnicity::parse("壮族");
        zhuang.gender = Gender::Female;
        let members = [
            member("1980-01-01", Some("2005-07-01")),
            zhuang.clone(),
            zhuang,
        ];
        let t = tables(
            &members,
            &[(OrgKind::Branch, 4), (OrgKind::Group, 0)],
            today,
        );
        let rows = |title: &str| t.iter().find(|x| x.title == title).unwrap().clone();
        let category = rows("党员类别");
        assert!(
            category
                .rows
                .contains(&(Category::Full.label().to_owned(), 1))
        );
        assert!(
            category
                .rows
                .contains(&(Category::Probationary.label().to_owned(), 2))
        );
        let gender = rows("性别");
        assert!(
            gender.rows.contains(&("男".to_owned(), 1))
                && gender.rows.contains(&("女".to_owned(), 2))
        );
        let ethnicity = rows("民族");
        assert_eq!(
            ethnicity.rows,
            [
                ("汉族".to_owned(), 1),
                ("少数民族".to_owned(), 2),
                ("　其中：壮族".to_owned(), 2)
            ]
        );
        assert_eq!(ethnicity.total, 3);
        let orgs = rows("党组织");
        assert!(
            orgs.rows
                .iter()
                .any(|(label, n)| label == OrgKind::Branch.label() && *n == 4)
        );
        assert!(orgs.rows.contains(&(OrgKind::Group.label().to_owned(), 0)));
    }

    proptest! {
        /// Every member is counted exactly once in every member table.
        #[test]
        fn every_member_is_counted_once_in_each_table(
            people in proptest::collection::vec((0i64..25000, proptest::option::of(0i64..15000), any::<bool>(), 0u8..8), 0..60)
        ) {
            let today = d("2026-06-30");
            let base = d("1950-01-01");
            let members: Vec<MemberCounts> = people
                .iter()
                .map(|(birth, full, male, edu)| MemberCounts {
                    gender: if *male { Gender::Male } else { Gender::Female },
                    birth_date: base + chrono::TimeDelta::days(*birth),
                    education: Education::ALL.get(*edu as usize).copied(),
                    ethnicity: Ethnicity::parse(if edu % 3 == 0 { "03" } else { "01" }),
                    category: if full.is_some() { Category::Full } else { Category::Probationary },
                    full_membership_on: full.map(|f| base + chrono::TimeDelta::days(f + 6570)),
                })
                .collect();
            for t in tables(&members, &[], today).iter().filter(|t| t.title != "党组织") {
                prop_assert_eq!(t.total, members.len() as u64, "{}", t.title);
            }
        }
    }
}
