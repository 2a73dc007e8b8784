//! 纵向到底、横向到边: the coverage report. Every unit has a party organisation, every member
//! belongs to one, branches are of a workable size, committees are complete, and secretaries
//! qualify. A pure function of the tree, the roll and the posts as they stand, with the
//! thresholds from the rules; every finding names the object to fix.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::member::{Category, MemberStatus, years_between};
use crate::org::{OrgKind, Post};
use crate::rules::Rules;

/// An org as the report sees it (active orgs only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub parent: Option<i64>,
    pub unit_id: Option<i64>,
    pub is_joint: bool,
    /// The units a joint org (联合党支部) names besides its own.
    pub covers: Vec<i64>,
    pub dissolved: bool,
}

/// How many members on the roll (正常 or 失联) an org has from one unit in one category. The
/// roll is counted, not listed: at province scale a list of every member is most of the
/// report's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollCount {
    pub branch_id: i64,
    pub unit_id: Option<i64>,
    pub category: Category,
    pub members: u32,
}

/// A member on the roll the report may have to name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    pub id: i64,
    pub name: String,
    pub branch_id: i64,
    pub status: MemberStatus,
}

/// A current post holder, with the date they became a full member (for the party age).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostFacts {
    pub org_id: i64,
    pub member_id: i64,
    pub post: Post,
    pub full_membership_on: Option<NaiveDate>,
}

/// A police unit in the unit tree, with the days it exists (None: since ever, still).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFacts {
    pub id: i64,
    pub name: String,
    pub parent: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl UnitFacts {
    /// The unit exists on `day` (its last day is the one before `valid_to`).
    pub fn exists_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_to.is_none_or(|to| day < to)
    }
}

/// Which units the report must find an org for: all of them (the whole bureau), those in the
/// unit tree at and below one unit (the unit the scope's top org is set up in), or none (a
/// scope whose top org names no unit: which units it answers for is not known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnitView {
    #[default]
    Everything,
    Below(i64),
    Nothing,
}

/// What the report looks at. `units` holds the whole unit tree; `unit_view` says which part
/// of it the report answers for.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub orgs: Vec<OrgFacts>,
    /// Everyone on the roll, counted.
    pub roll: Vec<RollCount>,
    /// The members on the roll the report may name: at least every one lost contact and
    /// every one whose org is not an active branch. Others are ignored.
    pub members: Vec<MemberFacts>,
    pub posts: Vec<PostFacts>,
    pub units: Vec<UnitFacts>,
    pub unit_view: UnitView,
}

/// The units in view that exist on `today`, walking the unit tree down from the view's top.
/// A unit that no longer exists is skipped with everything below it.
fn units_in_view(facts: &Facts, today: NaiveDate) -> Vec<&UnitFacts> {
    let mut children: BTreeMap<Option<i64>, Vec<&UnitFacts>> = BTreeMap::new();
    for unit in facts.units.iter().filter(|u| u.exists_on(today)) {
        children.entry(unit.parent).or_default().push(unit);
    }
    let known: BTreeSet<i64> = facts
        .units
        .iter()
        .filter(|u| u.exists_on(today))
        .map(|u| u.id)
        .collect();
    let mut stack: Vec<&UnitFacts> = match facts.unit_view {
        UnitView::Nothing => Vec::new(),
        UnitView::Below(top) => facts
            .units
            .iter()
            .filter(|u| u.id == top && u.exists_on(today))
            .collect(),
        // The tops: units without a parent, or whose parent no longer exists or is unknown.
        UnitView::Everything => facts
            .units
            .iter()
            .filter(|u| u.exists_on(today) && u.parent.is_none_or(|p| !known.contains(&p)))
            .collect(),
    };
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    while let Some(unit) = stack.pop() {
        // The store refuses cycles; the walk still ends on one.
        if !seen.insert(unit.id) {
            continue;
        }
        found.push(unit);
        if let Some(below) = children.get(&Some(unit.id)) {
            stack.extend(below.iter().copied());
        }
    }
    found.sort_by_key(|u| u.id);
    found
}

labelled_enum! {
    /// What a finding is about.
    pub enum FindingKind {
        UnitWithoutOrg = ("unit_without_org", "单位未建立党组织"),
        MemberWithoutBranch = ("member_without_branch", "党员不在有效的党支部中"),
        LostContact = ("lost_contact", "失联党员"),
        BranchTooSmall = ("branch_too_small", "正式党员不足，宜建联合党支部"),
        JointBranchTooManyUnits = ("joint_branch_too_many_units", "联合党支部覆盖单位过多"),
        BranchTooLarge = ("branch_too_large", "党支部人数过多"),
        CommitteeMissing = ("committee_missing", "应设支委会而未设"),
        CommitteeSize = ("committee_size", "委员会人数不符合规定"),
        SecretaryVacant = ("secretary_vacant", "书记空缺"),
        CommitteePostVacant = ("committee_post_vacant", "委员职务空缺"),
        SecretaryPartyAge = ("secretary_party_age", "书记党龄不足"),
        GeneralBranchThreshold = ("general_branch_threshold", "党总支党员人数与设置标准不符"),
        CommitteeThreshold = ("committee_threshold", "党委党员人数与设置标准不符"),
    }
}

impl FindingKind {
    /// Whether the finding is advice (a threshold the rules word as "一般" or "可") rather than
    /// a problem to fix.
    pub fn is_advice(self) -> bool {
        matches!(
            self,
            FindingKind::BranchTooLarge
                | FindingKind::GeneralBranchThreshold
                | FindingKind::CommitteeThreshold
        )
    }
}

/// The object a finding is about, to link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Org(i64),
    Member(i64),
    Unit(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub subject: Subject,
    /// The name of the object, for display.
    pub name: String,
    /// What is wrong, in Chinese, with the numbers.
    pub message: String,
}

/// A branch's roll, summed from its counts.
#[derive(Debug, Clone, Default)]
struct BranchRoll {
    total: u32,
    full: u32,
    units: BTreeSet<i64>,
}

/// Runs every check and returns the findings, ordered by kind then subject.
pub fn check(facts: &Facts, rules: &Rules, today: NaiveDate) -> Vec<Finding> {
    let mut findings = Vec::new();
    let active: BTreeMap<i64, &OrgFacts> = facts
        .orgs
        .iter()
        .filter(|o| !o.dissolved)
        .map(|o| (o.id, o))
        .collect();
    let mut push = |kind: FindingKind, subject: Subject, name: &str, message: String| {
        findings.push(Finding {
            kind,
            subject,
            name: name.to_owned(),
            message,
        });
    };

    // Units in view with no active party org set up in them and none naming them (a 派出所
    // covered by a 联合党支部 of its 分局 is covered).
    let covered: BTreeSet<i64> = active
        .values()
        .flat_map(|o| o.unit_id.into_iter().chain(o.covers.iter().copied()))
        .collect();
    for unit in units_in_view(facts, today) {
        if !covered.contains(&unit.id) {
            push(
                FindingKind::UnitWithoutOrg,
                Subject::Unit(unit.id),
                &unit.name,
                "该单位没有建立党组织，也没有联合党支部覆盖".to_owned(),
            );
        }
    }

    let is_branch = |id: i64| active.get(&id).is_some_and(|o| o.kind == OrgKind::Branch);

    // The roll of each active branch: members, full members, and the units they come from.
    let mut by_branch: BTreeMap<i64, BranchRoll> = BTreeMap::new();
    for count in facts.roll.iter().filter(|c| is_branch(c.branch_id)) {
        let roll = by_branch.entry(count.branch_id).or_default();
        roll.total += count.members;
        if count.category == Category::Full {
            roll.full += count.members;
        }
        roll.units.extend(count.unit_id);
    }

    // Members: in a valid branch, and not lost.
    for m in &facts.members {
        if !is_branch(m.branch_id) {
            push(
                FindingKind::MemberWithoutBranch,
                Subject::Member(m.id),
                &m.name,
                "所在党组织已撤销或不是党支部，须转接组织关系".to_owned(),
            );
        }
        if m.status == MemberStatus::LostContact {
            push(
                FindingKind::LostContact,
                Subject::Member(m.id),
                &m.name,
                "与党组织失去联系".to_owned(),
            );
        }
    }

    // Members counted up the tree, for the general-branch and committee advice.
    let mut subtree_members: BTreeMap<i64, u32> = BTreeMap::new();
    for (branch, roll) in &by_branch {
        let mut at = Some(*branch);
        while let Some(id) = at {
            *subtree_members.entry(id).or_default() += roll.total;
            at = active.get(&id).and_then(|o| o.parent);
        }
    }

    let mut posts: BTreeMap<i64, Vec<&PostFacts>> = BTreeMap::new();
    for p in &facts.posts {
        posts.entry(p.org_id).or_default().push(p);
    }
    let setup = &rules.org_setup;
    let committee = &rules.branch_committee;

    for org in active.values() {
        let held: Vec<&PostFacts> = posts.get(&org.id).cloned().unwrap_or_default();
        let holds = |post: Post| held.iter().any(|p| p.post == post);
        if org.kind == OrgKind::Group {
            continue;
        }
        // The secretary: present, and a party member for long enough.
        match held.iter().find(|p| p.post == Post::Secretary) {
            None => push(
                FindingKind::SecretaryVacant,
                Subject::Org(org.id),
                &org.name,
                "没有现任书记".to_owned(),
            ),
            Some(secretary) => {
                let years = secretary
                    .full_membership_on
                    .map(|full| years_between(full, today));
                if years.is_none_or(|y| y < committee.secretary_min_party_age_years as i32) {
                    push(
                        FindingKind::SecretaryPartyAge,
                        Subject::Org(org.id),
                        &org.name,
                        format!(
                            "书记党龄不足{}年（规定一般应有{}年以上党龄）",
                            committee.secretary_min_party_age_years,
                            committee.secretary_min_party_age_years
                        ),
                    );
                }
            }
        }
        let seats: BTreeSet<i64> = held
            .iter()
            .filter(|p| p.post.is_committee_seat())
            .map(|p| p.member_id)
            .collect();
        let seats = seats.len() as u32;
        let deputies = held
            .iter()
            .filter(|p| p.post == Post::DeputySecretary)
            .count() as u32;
        if deputies > committee.deputy_secretary_max {
            push(
                FindingKind::CommitteeSize,
                Subject::Org(org.id),
                &org.name,
                format!(
                    "副书记{deputies}名，超过{}名",
                    committee.deputy_secretary_max
                ),
            );
        }
        if seats > committee.size_max {
            push(
                FindingKind::CommitteeSize,
                Subject::Org(org.id),
                &org.name,
                format!("委员{seats}名，一般不超过{}名", committee.size_max),
            );
        }

        match org.kind {
            OrgKind::Branch => {
                let roll = by_branch.get(&org.id).cloned().unwrap_or_default();
                let (full, total) = (roll.full, roll.total);
                if full < setup.branch_min_full_members {
                    let message = if org.is_joint {
                        format!("正式党员{full}名，不足{}名", setup.branch_min_full_members)
                    } else {
                        format!(
                            "正式党员{full}名，不足{}名，宜与邻近单位组建联合党支部（覆盖单位一般不超过{}个）",
                            setup.branch_min_full_members, setup.joint_branch_max_units
                        )
                    };
                    push(
                        FindingKind::BranchTooSmall,
                        Subject::Org(org.id),
                        &org.name,
                        message,
                    );
                }
                if org.is_joint {
                    let mut units = roll.units.clone();
                    units.extend(org.unit_id);
                    units.extend(org.covers.iter().copied());
                    if units.len() as u32 > setup.joint_branch_max_units {
                        push(
                            FindingKind::JointBranchTooManyUnits,
                            Subject::Org(org.id),
                            &org.name,
                            format!(
                                "党员来自{}个单位，联合党支部覆盖单位一般不超过{}个",
                                units.len(),
                                setup.joint_branch_max_units
                            ),
                        );
                    }
                }
                if total > setup.branch_max_members_typical {
                    push(
                        FindingKind::BranchTooLarge,
                        Subject::Org(org.id),
                        &org.name,
                        format!(
                            "党员{total}名，一般不超过{}名，可考虑分设党支部",
                            setup.branch_max_members_typical
                        ),
                    );
                }
                if full >= committee.required_from_full_members {
                    if seats < committee.size_min {
                        push(
                            FindingKind::CommitteeMissing,
                            Subject::Org(org.id),
                            &org.name,
                            format!(
                                "正式党员{full}名（{}名以上应设支委会），现有委员{seats}名，应为{}至{}名",
                                committee.required_from_full_members,
                                committee.size_min,
                                committee.size_typical_max
                            ),
                        );
                    }
                    for post in [
                        Post::OrganizationCommissioner,
                        Post::PublicityCommissioner,
                        Post::DisciplineCommissioner,
                    ] {
                        if !holds(post) {
                            push(
                                FindingKind::CommitteePostVacant,
                                Subject::Org(org.id),
                                &org.name,
                                format!("{}空缺", post.label()),
                            );
                        }
                    }
                }
            }
            OrgKind::GeneralBranch => {
                let total = subtree_members.get(&org.id).copied().unwrap_or(0);
                if total <= setup.general_branch_min_members {
                    push(
                        FindingKind::GeneralBranchThreshold,
                        Subject::Org(org.id),
                        &org.name,
                        format!(
                            "党员{total}名，党员超过{}名方可设立党总支，可考虑改设党支部",
                            setup.general_branch_min_members
                        ),
                    );
                }
            }
            OrgKind::Committee => {
                let total = subtree_members.get(&org.id).copied().unwrap_or(0);
                // The bureau's own committee (the root) is set up by the level above it.
                if org.parent.is_some() && total <= setup.base_committee_min_members {
                    push(
                        FindingKind::CommitteeThreshold,
                        Subject::Org(org.id),
                        &org.name,
                        format!(
                            "党员{total}名，党员超过{}名方可设立基层党委（特殊情况经批准的除外）",
                            setup.base_committee_min_members
                        ),
                    );
                }
            }
            OrgKind::Group => {}
        }
    }
    findings.sort_by_key(|a| (a.kind, a.subject));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn long_ago() -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2010, 1, 1)
    }

    /// A bureau that satisfies every rule: a root committee with `branches` branches, each
    /// with `size` full members (numbered `branch × 1000 + k`) and a complete committee when
    /// the size requires one.
    fn clean(branches: usize, size: usize) -> Facts {
        let mut facts = Facts::default();
        facts.units.push(UnitFacts {
            id: 1,
            name: "局机关".into(),
            parent: None,
            valid_from: None,
            valid_to: None,
        });
        facts.orgs.push(OrgFacts {
            id: 1,
            name: "党委".into(),
            kind: OrgKind::Committee,
            parent: None,
            unit_id: Some(1),
            is_joint: false,
            covers: Vec::new(),
            dissolved: false,
        });
        for b in 0..branches {
            let id = 10 + b as i64;
            facts.units.push(UnitFacts {
                id,
                name: format!("单位{b}"),
                parent: None,
                valid_from: None,
                valid_to: None,
            });
            facts.orgs.push(OrgFacts {
                id,
                name: format!("支部{b}"),
                kind: OrgKind::Branch,
                parent: Some(1),
                unit_id: Some(id),
                is_joint: false,
                covers: Vec::new(),
                dissolved: false,
            });
            let first = id * 1000;
            facts.roll.push(RollCount {
                branch_id: id,
                unit_id: Some(id),
                category: Category::Full,
                members: size as u32,
            });
            let posts: &[Post] = if size >= 7 {
                &[
                    Post::Secretary,
                    Post::DeputySecretary,
                    Post::OrganizationCommissioner,
                    Post::PublicityCommissioner,
                    Post::DisciplineCommissioner,
                ]
            } else {
                &[Post::Secretary]
            };
            for (member_id, post) in (first..).zip(posts) {
                facts.posts.push(PostFacts {
                    org_id: id,
                    member_id,
                    post: *post,
                    full_membership_on: long_ago(),
                });
            }
        }
        // The committee's secretary is the last member, who holds no branch post.
        facts.posts.push(PostFacts {
            org_id: 1,
            member_id: (10 + branches as i64 - 1) * 1000 + size as i64 - 1,
            post: Post::Secretary,
            full_membership_on: long_ago(),
        });
        facts
    }

    fn kinds(findings: &[Finding]) -> BTreeSet<(FindingKind, Subject)> {
        findings.iter().map(|f| (f.kind, f.subject)).collect()
    }

    #[test]
    fn a_clean_bureau_has_no_findings() {
        for (branches, size) in [(1, 3), (3, 6), (4, 7), (2, 50)] {
            assert_eq!(
                check(&clean(branches, size), &Rules::load(None).unwrap(), today()),
                vec![],
                "{branches}×{size}"
            );
        }
    }

    #[test]
    fn thresholds_come_from_the_rules() {
        let facts = clean(1, 45);
        assert!(check(&facts, &Rules::load(None).unwrap(), today()).is_empty());
        let strict = Rules::load(Some("[org_setup]\nbranch_max_members_typical = 40")).unwrap();
        let found = check(&facts, &strict, today());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, FindingKind::BranchTooLarge);
        assert!(found[0].message.contains("一般不超过40名"));
        assert!(found[0].kind.is_advice());
    }

    /// Issue 14, 2 (条例 第五条, 纵向到底): under the 局机关 (unit 1) sit 单位0 and 单位1 with
    /// their branches; below 单位0 two 派出所 (21, 22) without an org of their own.
    fn with_stations() -> Facts {
        let mut facts = clean(2, 6);
        for unit in facts.units.iter_mut().filter(|u| u.id != 1) {
            unit.parent = Some(1);
        }
        for (id, name) in [(21, "城东派出所"), (22, "城西派出所")] {
            facts.units.push(UnitFacts {
                id,
                name: name.into(),
                parent: Some(10),
                valid_from: None,
                valid_to: None,
            });
        }
        facts
    }

    #[test]
    fn a_unit_deep_in_the_tree_without_an_org_is_found() {
        let facts = with_stations();
        assert_eq!(
            kinds(&check(&facts, &Rules::load(None).unwrap(), today())),
            BTreeSet::from([
                (FindingKind::UnitWithoutOrg, Subject::Unit(21)),
                (FindingKind::UnitWithoutOrg, Subject::Unit(22)),
            ])
        );
    }

    #[test]
    fn a_unit_named_by_a_joint_branch_is_covered() {
        let mut facts = with_stations();
        let branch = facts.orgs.iter_mut().find(|o| o.id == 10).unwrap();
        branch.is_joint = true;
        branch.covers = vec![21, 22];
        assert!(check(&facts, &Rules::load(None).unwrap(), today()).is_empty());
        // A dissolved joint branch covers nothing.
        facts
            .orgs
            .iter_mut()
            .find(|o| o.id == 10)
            .unwrap()
            .dissolved = true;
        let found = kinds(&check(&facts, &Rules::load(None).unwrap(), today()));
        assert!(found.contains(&(FindingKind::UnitWithoutOrg, Subject::Unit(21))));
    }

    #[test]
    fn a_joint_branch_counts_the_units_it_names() {
        let mut facts = with_stations();
        let max = Rules::load(None).unwrap().org_setup.joint_branch_max_units;
        let branch = facts.orgs.iter_mut().find(|o| o.id == 10).unwrap();
        branch.is_joint = true;
        // Its own unit and the ones it names: exactly the limit passes, one more does not.
        branch.covers = (0..i64::from(max) - 1).map(|i| 100 + i).collect();
        assert!(
            check(&facts, &Rules::load(None).unwrap(), today())
                .iter()
                .all(|f| f.kind != FindingKind::JointBranchTooManyUnits)
        );
        facts
            .orgs
            .iter_mut()
            .find(|o| o.id == 10)
            .unwrap()
            .covers
            .push(999);
        assert!(
            check(&facts, &Rules::load(None).unwrap(), today())
                .iter()
                .any(|f| f.kind == FindingKind::JointBranchTooManyUnits
                    && f.subject == Subject::Org(10))
        );
    }

    #[test]
    fn a_subtree_answers_for_the_units_below_its_own() {
        let mut facts = with_stations();
        facts.unit_view = UnitView::Below(11);
        assert!(check(&facts, &Rules::load(None).unwrap(), today()).is_empty());
        facts.unit_view = UnitView::Below(10);
        assert_eq!(check(&facts, &Rules::load(None).unwrap(), today()).len(), 2);
        facts.unit_view = UnitView::Nothing;
        assert!(check(&facts, &Rules::load(None).unwrap(), today()).is_empty());
    }

    #[test]
    fn a_unit_counts_only_on_the_days_it_exists() {
        let mut facts = with_stations();
        let station = facts.units.iter_mut().find(|u| u.id == 21).unwrap();
        // Abolished on the day: no longer there. Set up tomorrow: not yet there.
        station.valid_to = Some(today());
        facts
            .units
            .iter_mut()
            .find(|u| u.id == 22)
            .unwrap()
            .valid_from = today().succ_opt();
        assert!(check(&facts, &Rules::load(None).unwrap(), today()).is_empty());
        // Set up today: there. A unit still there under an abolished one is not lost from
        // the bureau's view, though it is from the abolished unit's.
        facts
            .units
            .iter_mut()
            .find(|u| u.id == 22)
            .unwrap()
            .valid_from = Some(today());
        assert_eq!(check(&facts, &Rules::load(None).unwrap(), today()).len(), 1);
        facts
            .units
            .iter_mut()
            .find(|u| u.id == 10)
            .unwrap()
            .valid_to = Some(today());
        let found = kinds(&check(&facts, &Rules::load(None).unwrap(), today()));
        assert!(found.contains(&(FindingKind::UnitWithoutOrg, Subject::Unit(22))));
        facts.unit_view = UnitView::Below(10);
        assert!(check(&facts, &Rules::load(None).unwrap(), today()).is_empty());
    }

    /// Adds `n` committee members (委员) to branch 10, numbered after its members.
    fn add_committee_members(facts: &mut Facts, n: i64) {
        for k in 0..n {
            facts.posts.push(PostFacts {
                org_id: 10,
                member_id: 10_500 + k,
                post: Post::CommitteeMember,
                full_membership_on: long_ago(),
            });
        }
    }

    /// R1.7: a committee of up to `size_max` (7) seats is fine; the eighth is found.
    #[test]
    fn a_committee_of_seven_is_fine_and_of_eight_too_large() {
        let rules = Rules::load(None).unwrap();
        let mut facts = clean(1, 20);
        add_committee_members(&mut facts, 2);
        assert!(check(&facts, &rules, today()).is_empty());
        add_committee_members(&mut facts, 3);
        let found = kinds(&check(&facts, &rules, today()));
        assert!(found.contains(&(FindingKind::CommitteeSize, Subject::Org(10))));
    }

    /// R1.9: a secretary of exactly one year's standing qualifies; a day less does not.
    #[test]
    fn a_secretary_of_exactly_a_years_standing_qualifies() {
        let rules = Rules::load(None).unwrap();
        let mut facts = clean(1, 3);
        for (full, findings) in [((2025, 6, 1), 0), ((2025, 6, 2), 1)] {
            facts
                .posts
                .iter_mut()
                .find(|p| p.org_id == 10 && p.post == Post::Secretary)
                .unwrap()
                .full_membership_on = NaiveDate::from_ymd_opt(full.0, full.1, full.2);
            assert_eq!(check(&facts, &rules, today()).len(), findings, "{full:?}");
        }
    }

    /// R1.6 (advice): a general branch wants more than 50 members below it and a committee
    /// below the bureau's more than 100; exactly the number is found, one more is not.
    #[test]
    fn general_branch_and_committee_thresholds_count_the_members_below() {
        let rules = Rules::load(None).unwrap();
        for (kind, size, found) in [
            (OrgKind::GeneralBranch, 25, true),
            (OrgKind::GeneralBranch, 26, false),
            (OrgKind::Committee, 50, true),
            (OrgKind::Committee, 51, false),
        ] {
            // Two branches of `size` under a middle org of `kind` under the root.
            let mut facts = clean(2, size);
            facts.orgs.push(OrgFacts {
                id: 5,
                name: "中间".into(),
                kind,
                parent: Some(1),
                unit_id: None,
                is_joint: false,
                covers: Vec::new(),
                dissolved: false,
            });
            for branch in facts.orgs.iter_mut().filter(|o| o.id >= 10) {
                branch.parent = Some(5);
            }
            facts.posts.push(PostFacts {
                org_id: 5,
                member_id: 10_000,
                post: Post::Secretary,
                full_membership_on: long_ago(),
            });
            let advice: Vec<FindingKind> = check(&facts, &rules, today())
                .iter()
                .filter(|f| f.subject == Subject::Org(5))
                .map(|f| f.kind)
                .collect();
            let expected = match kind {
                OrgKind::GeneralBranch => FindingKind::GeneralBranchThreshold,
                _ => FindingKind::CommitteeThreshold,
            };
            assert_eq!(
                advice.contains(&expected),
                found,
                "{kind:?} over {} members: {advice:?}",
                2 * size
            );
            assert!(expected.is_advice());
        }
        assert!(!FindingKind::SecretaryVacant.is_advice());
        assert!(!FindingKind::UnitWithoutOrg.is_advice());
    }

    #[test]
    fn a_unit_exists_from_its_first_day_to_the_day_before_its_end() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        let unit = UnitFacts {
            id: 1,
            name: "所".into(),
            parent: None,
            valid_from: Some(day(1)),
            valid_to: Some(day(3)),
        };
        assert!(unit.exists_on(day(1)) && unit.exists_on(day(2)));
        assert!(
            !unit.exists_on(day(3))
                && !unit.exists_on(NaiveDate::from_ymd_opt(2026, 5, 31).unwrap())
        );
        // An abolished top unit is not looked for.
        let mut facts = clean(1, 3);
        facts.units.push(UnitFacts {
            id: 99,
            name: "已撤销".into(),
            parent: None,
            valid_from: None,
            valid_to: Some(day(1)),
        });
        assert!(check(&facts, &Rules::load(None).unwrap(), today()).is_empty());
    }

    #[test]
    fn a_secretary_of_less_than_a_years_standing_is_found() {
        let mut facts = clean(1, 3);
        facts
            .posts
            .iter_mut()
            .find(|p| p.org_id == 10)
            .unwrap()
            .full_membership_on = NaiveDate::from_ymd_opt(2025, 6, 2);
        let found = check(&facts, &Rules::load(None).unwrap(), today());
        assert_eq!(
            kinds(&found),
            BTreeSet::from([(FindingKind::SecretaryPartyAge, Subject::Org(10))])
        );
    }

    /// The gaps the property test plants, one per kind it can plant independently.
    #[derive(Debug, Clone, Copy)]
    enum Gap {
        UnitWithoutOrg,
        LostContact,
        SecretaryVacant,
        CommitteePostVacant,
        SmallBranch,
        DissolvedBranchMember,
    }

    fn plant(facts: &mut Facts, gap: Gap, branch: i64) -> BTreeSet<(FindingKind, Subject)> {
        let mut expected = BTreeSet::new();
        match gap {
            Gap::UnitWithoutOrg => {
                let id = 1000 + branch;
                facts.units.push(UnitFacts {
                    id,
                    name: "新单位".into(),
                    parent: None,
                    valid_from: None,
                    valid_to: None,
                });
                expected.insert((FindingKind::UnitWithoutOrg, Subject::Unit(id)));
            }
            Gap::LostContact => {
                // A member without a post; still counted in the branch's roll.
                let id = branch * 1000 + 6;
                facts.members.push(MemberFacts {
                    id,
                    name: "失联者".into(),
                    branch_id: branch,
                    status: MemberStatus::LostContact,
                });
                expected.insert((FindingKind::LostContact, Subject::Member(id)));
            }
            Gap::SecretaryVacant => {
                facts
                    .posts
                    .retain(|p| !(p.org_id == branch && p.post == Post::Secretary));
                expected.insert((FindingKind::SecretaryVacant, Subject::Org(branch)));
            }
            Gap::CommitteePostVacant => {
                facts
                    .posts
                    .retain(|p| !(p.org_id == branch && p.post == Post::PublicityCommissioner));
                expected.insert((FindingKind::CommitteePostVacant, Subject::Org(branch)));
            }
            Gap::SmallBranch => {
                let id = 2000 + branch;
                facts.units.push(UnitFacts {
                    id,
                    name: "小单位".into(),
                    parent: None,
                    valid_from: None,
                    valid_to: None,
                });
                facts.orgs.push(OrgFacts {
                    id,
                    name: "小支部".into(),
                    kind: OrgKind::Branch,
                    parent: Some(1),
                    unit_id: Some(id),
                    is_joint: false,
                    covers: Vec::new(),
                    dissolved: false,
                });
                facts.roll.push(RollCount {
                    branch_id: id,
                    unit_id: Some(id),
                    category: Category::Full,
                    members: 1,
                });
                facts.posts.push(PostFacts {
                    org_id: id,
                    member_id: 100_000 + branch,
                    post: Post::Secretary,
                    full_membership_on: long_ago(),
                });
                expected.insert((FindingKind::BranchTooSmall, Subject::Org(id)));
            }
            Gap::DissolvedBranchMember => {
                let id = 3000 + branch;
                facts.orgs.push(OrgFacts {
                    id,
                    name: "旧支部".into(),
                    kind: OrgKind::Branch,
                    parent: Some(1),
                    unit_id: None,
                    is_joint: false,
                    covers: Vec::new(),
                    dissolved: true,
                });
                let member = 200_000 + branch;
                facts.roll.push(RollCount {
                    branch_id: id,
                    unit_id: None,
                    category: Category::Full,
                    members: 1,
                });
                facts.members.push(MemberFacts {
                    id: member,
                    name: "乙".into(),
                    branch_id: id,
                    status: MemberStatus::Active,
                });
                expected.insert((FindingKind::MemberWithoutBranch, Subject::Member(member)));
            }
        }
        expected
    }

    proptest! {
        /// Random bureaus with random gaps planted: the report finds exactly the planted gaps.
        #[test]
        fn the_report_finds_exactly_the_planted_gaps(
            branches in 1usize..12,
            size in 7usize..40,
            gaps in proptest::collection::vec((0usize..6, 0usize..12), 0..8),
        ) {
            let mut facts = clean(branches, size);
            let mut expected = BTreeSet::new();
            let mut used = BTreeSet::new();
            for (gap, at) in gaps {
                let branch = 10 + (at % branches) as i64;
                let gap = [Gap::UnitWithoutOrg, Gap::LostContact, Gap::SecretaryVacant, Gap::CommitteePostVacant, Gap::SmallBranch, Gap::DissolvedBranchMember][gap];
                // One gap of a kind per branch keeps the expectation exact.
                if used.insert((gap as usize, branch)) {
                    expected.extend(plant(&mut facts, gap, branch));
                }
            }
            let found = kinds(&check(&facts, &Rules::load(None).unwrap(), today()));
            prop_assert_eq!(found, expected);
        }
    }
}
