//! The party organisation tree (基层党委 → 党总支 → 党支部 → 党小组) and the police units the
//! organisations are set up in. The tree's shape rules live here: which kind may stand under
//! which, no cycles, and the materialised path that makes a data-scope filter one prefix match.

use std::fmt;

use serde::Deserialize;

use crate::field::FieldErrors;
use crate::member::parse_date;
use crate::text;

labelled_enum! {
    /// The kind of a party organisation.
    pub enum OrgKind {
        Committee = ("committee", "党委"),
        GeneralBranch = ("general_branch", "党总支"),
        Branch = ("branch", "党支部"),
        Group = ("group", "党小组"),
    }
}

impl OrgKind {
    /// Whether an org of this kind may stand under `parent` (`None`: at the root).
    /// The bureau committee is the root; committees may have sub-committees (分局党委), general
    /// branches and branches; a general branch has branches; a branch has party groups.
    pub fn may_stand_under(self, parent: Option<OrgKind>) -> bool {
        use OrgKind::*;
        match parent {
            None => self == Committee,
            Some(Committee) => matches!(self, Committee | GeneralBranch | Branch),
            Some(GeneralBranch) => self == Branch,
            Some(Branch) => self == Group,
            Some(Group) => false,
        }
    }

    /// Whether members are assigned to orgs of this kind. Every member belongs to exactly one
    /// branch (党支部); groups organise a branch's members, they do not hold them.
    pub fn holds_members(self) -> bool {
        self == OrgKind::Branch
    }
}

labelled_enum! {
    /// A post in an org's committee (支部委员会 and above) or a party group.
    pub enum Post {
        Secretary = ("secretary", "书记"),
        DeputySecretary = ("deputy_secretary", "副书记"),
        OrganizationCommissioner = ("organization_commissioner", "组织委员"),
        PublicityCommissioner = ("publicity_commissioner", "宣传委员"),
        DisciplineCommissioner = ("discipline_commissioner", "纪检委员"),
        CommitteeMember = ("committee_member", "委员"),
        GroupLeader = ("group_leader", "党小组长"),
        /// A member of the leadership team (领导班子) who holds no committee post: at a
        /// 民主生活会 the whole team takes part, not only the committee (R2.x).
        LeadershipMember = ("leadership_member", "班子成员（非委员）"),
    }
}

impl Post {
    /// Whether the post is a seat on the committee (a group leader's and a leadership team
    /// member's are not).
    pub fn is_committee_seat(self) -> bool {
        !matches!(self, Post::GroupLeader | Post::LeadershipMember)
    }

    /// Whether the post has one holder at a time (委员 and 班子成员 may be several).
    pub fn is_single(self) -> bool {
        !matches!(self, Post::CommitteeMember | Post::LeadershipMember)
    }

    /// The posts an org of `kind` has.
    pub fn for_kind(kind: OrgKind) -> &'static [Post] {
        use Post::*;
        match kind {
            OrgKind::Group => &[GroupLeader],
            OrgKind::Committee => &[
                Secretary,
                DeputySecretary,
                OrganizationCommissioner,
                PublicityCommissioner,
                DisciplineCommissioner,
                CommitteeMember,
                LeadershipMember,
            ],
            _ => &[
                Secretary,
                DeputySecretary,
                OrganizationCommissioner,
                PublicityCommissioner,
                DisciplineCommissioner,
                CommitteeMember,
            ],
        }
    }
}

labelled_enum! {
    /// The kind of police unit (单位) an organisation is set up in.
    pub enum UnitKind {
        Bureau = ("bureau", "局机关"),
        SubBureau = ("sub_bureau", "分局"),
        Department = ("department", "机关科室"),
        Detachment = ("detachment", "支队"),
        Brigade = ("brigade", "大队"),
        PoliceStation = ("police_station", "派出所"),
        DetentionCenter = ("detention_center", "看守所"),
        Other = ("other", "其他"),
    }
}

/// 组织编码 / 单位编码: 1 to 32 letters, digits, `-` or `_`, stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("请填写编码")]
    Missing,
    #[error("编码只能由字母、数字、“-”和“_”组成，不超过32位")]
    Format,
}

impl Code {
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(CodeError::Missing);
        }
        let ok = value.len() <= Self::MAX_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(CodeError::Format);
        }
        Ok(Self(value.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The materialised path of an org in the current tree: its ancestors' ids and its own, as
/// `/1/5/23/`. Everything in an org's subtree has a path starting with the org's path, so the
/// data-scope filter is one indexed prefix match. The path holds digits and `/` only, so it
/// needs no escaping inside `LIKE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgPath(String);

impl OrgPath {
    pub fn root(id: i64) -> Self {
        Self(format!("/{id}/"))
    }

    pub fn child(&self, id: i64) -> Self {
        Self(format!("{}{id}/", self.0))
    }

    /// Reads a stored path, refusing anything that is not `/` followed by `id/` segments.
    pub fn parse(raw: &str) -> Option<Self> {
        let inner = raw.strip_prefix('/')?.strip_suffix('/')?;
        let ok = !inner.is_empty()
            && inner
                .split('/')
                .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ids from the root down to this org.
    pub fn ids(&self) -> Vec<i64> {
        self.0
            .split('/')
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect()
    }

    /// 0 for the root.
    pub fn depth(&self) -> usize {
        self.ids().len().saturating_sub(1)
    }

    /// The smallest string greater than every path in this subtree: the trailing `/` raised to
    /// the next byte (`0`). A subtree is then the range `[path, upper_bound)`, which both
    /// engines answer from the path index.
    pub fn upper_bound(&self) -> String {
        let mut bound = self.0.clone();
        bound.pop();
        bound.push('0');
        bound
    }

    /// The paths from the root down to this org, this one last.
    pub fn lineage(&self) -> Vec<OrgPath> {
        let mut path = String::from("/");
        self.ids()
            .into_iter()
            .map(|id| {
                path.push_str(&format!("{id}/"));
                OrgPath(path.clone())
            })
            .collect()
    }

    /// Whether this path is `ancestor` or lies below it.
    pub fn is_within(&self, ancestor: &OrgPath) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    /// The path after moving the subtree rooted at `old_root` to `new_root`.
    pub fn rebased(&self, old_root: &OrgPath, new_root: &OrgPath) -> Option<OrgPath> {
        self.0
            .strip_prefix(&old_root.0)
            .map(|rest| OrgPath(format!("{}{rest}", new_root.0)))
    }
}

/// Why an org cannot be placed where it was asked to go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    #[error("{child}不能设在{parent}之下")]
    KindNotAllowed {
        child: &'static str,
        parent: &'static str,
    },
    #[error("最上级组织只能是党委")]
    RootMustBeCommittee,
    #[error("不能把组织移到它自己或它的下级组织之下")]
    Cycle,
    #[error("上级组织已撤销")]
    ParentDissolved,
}

/// Checks a placement of an org of `kind` under `parent` (kind and path), for an org whose
/// own current path is `own_path` when it already exists (a move).
pub fn check_placement(
    kind: OrgKind,
    parent: Option<(OrgKind, &OrgPath)>,
    own_path: Option<&OrgPath>,
) -> Result<(), PlacementError> {
    match parent {
        None if kind != OrgKind::Committee => Err(PlacementError::RootMustBeCommittee),
        None => Ok(()),
        Some((parent_kind, parent_path)) => {
            if own_path.is_some_and(|own| parent_path.is_within(own)) {
                return Err(PlacementError::Cycle);
            }
            if !kind.may_stand_under(Some(parent_kind)) {
                return Err(PlacementError::KindNotAllowed {
                    child: kind.label(),
                    parent: parent_kind.label(),
                });
            }
            Ok(())
        }
    }
}

/// The org form as submitted (create and edit). Unknown fields are refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrgForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: String,
    pub unit: String,
    pub is_joint: String,
    pub founded_on: String,
}

/// An org's own fields, parsed. The parent and unit are codes the service resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFields {
    pub code: Code,
    pub name: String,
    pub kind: OrgKind,
    pub parent_code: Option<Code>,
    pub unit_code: Option<Code>,
    pub is_joint: bool,
    pub founded_on: chrono::NaiveDate,
}

pub const ORG_NAME_MAX_CHARS: usize = 60;

impl OrgForm {
    pub fn parse(&self, today: chrono::NaiveDate) -> Result<OrgFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let code = errors.check("code", Code::parse(&self.code));
        let name = errors.check(
            "name",
            text::required(&self.name, "组织名称", ORG_NAME_MAX_CHARS),
        );
        let kind = errors.check(
            "kind",
            OrgKind::from_code(self.kind.trim()).ok_or("请选择组织类别"),
        );
        let parent_code = errors.check(
            "parent",
            match self.parent.trim() {
                "" => Ok(None),
                raw => Code::parse(raw).map(Some),
            },
        );
        let unit_code = errors.check(
            "unit",
            match self.unit.trim() {
                "" => Ok(None),
                raw => Code::parse(raw).map(Some),
            },
        );
        let is_joint = matches!(self.is_joint.trim(), "on" | "true" | "1");
        let founded_on = errors.check(
            "founded_on",
            match self.founded_on.trim() {
                "" => Ok(today),
                raw => parse_date(raw),
            },
        );
        if founded_on.is_some_and(|d| d > today) {
            errors.add("founded_on", "成立日期不能晚于今天");
        }
        if is_joint && kind.is_some_and(|k| k != OrgKind::Branch) {
            errors.add("is_joint", "只有党支部可以是联合党支部");
        }
        let (
            Some(code),
            Some(name),
            Some(kind),
            Some(parent_code),
            Some(unit_code),
            Some(founded_on),
        ) = (code, name, kind, parent_code, unit_code, founded_on)
        else {
            return Err(errors);
        };
        errors.into_result(OrgFields {
            code,
            name,
            kind,
            parent_code,
            unit_code,
            is_joint,
            founded_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_lineage_of_a_path_runs_from_the_root_to_itself() {
        let path = OrgPath::root(1).child(5).child(23);
        let lineage: Vec<String> = path.lineage().iter().map(|p| p.0.clone()).collect();
        assert_eq!(lineage, ["/1/", "/1/5/", "/1/5/23/"]);
        assert!(path.lineage().iter().all(|p| path.is_within(p)));
        assert_eq!(OrgPath::root(7).lineage(), [OrgPath::root(7)]);
    }

    /// Only a branch holds members (条例: every member in one 党支部); a group has only its
    /// leader's post, a committee its 班子成员 too.
    #[test]
    fn members_belong_to_branches_and_each_kind_has_its_posts() {
        let holders: Vec<OrgKind> = OrgKind::ALL
            .iter()
            .copied()
            .filter(|k| k.holds_members())
            .collect();
        assert_eq!(holders, [OrgKind::Branch]);
        assert_eq!(Post::for_kind(OrgKind::Group), [Post::GroupLeader]);
        assert!(Post::for_kind(OrgKind::Committee).contains(&Post::LeadershipMember));
        assert!(!Post::for_kind(OrgKind::Branch).contains(&Post::LeadershipMember));
        assert!(!Post::for_kind(OrgKind::Branch).contains(&Post::GroupLeader));
    }

    #[test]
    fn a_stored_path_is_slash_separated_ids_and_nothing_else() {
        for good in ["/1/", "/1/5/23/"] {
            assert_eq!(
                OrgPath::parse(good).map(|p| p.as_str().to_owned()),
                Some(good.to_owned())
            );
        }
        for bad in ["//", "/1//2/", "/1/x/", "/a/", "1/", "/1", "/1/2a/"] {
            assert_eq!(OrgPath::parse(bad), None, "{bad}");
        }
        assert_eq!(Code::parse(" ab-1 ").unwrap().to_string(), "AB-1");
    }

    proptest! {
        /// A subtree is the range `[path, upper_bound)`: every path below is inside it, and
        /// a sibling whose id shares the prefix (`/1/5/` and `/1/50/`) is not.
        #[test]
        fn the_subtree_range_holds_the_subtree_and_nothing_else(
            a in 1i64..1000, b in 1i64..1000, c in 1i64..1000,
        ) {
            let path = OrgPath::root(1).child(a);
            let below = path.child(b).child(c);
            let bound = path.upper_bound();
            prop_assert!(path.as_str() < bound.as_str());
            prop_assert!(below.as_str() >= path.as_str() && below.as_str() < bound.as_str());
            let sibling = OrgPath::root(1).child(a * 10 + b % 10);
            prop_assert!(!(sibling.as_str() >= path.as_str() && sibling.as_str() < bound.as_str()));
            prop_assert!(!sibling.is_within(&path));
            prop_assert_eq!(below.depth(), 3);
        }
    }

    #[test]
    fn a_party_group_stands_only_under_a_branch() {
        assert!(OrgKind::Group.may_stand_under(Some(OrgKind::Branch)));
        for parent in [
            None,
            Some(OrgKind::Committee),
            Some(OrgKind::GeneralBranch),
            Some(OrgKind::Group),
        ] {
            assert!(!OrgKind::Group.may_stand_under(parent));
        }
    }

    /// Issue 14, 10: the leadership team's members who hold no committee post belong to a
    /// committee (党委) only, may be several, and are not committee seats.
    #[test]
    fn a_leadership_member_is_a_committees_and_no_seat() {
        assert!(Post::for_kind(OrgKind::Committee).contains(&Post::LeadershipMember));
        for kind in [OrgKind::GeneralBranch, OrgKind::Branch, OrgKind::Group] {
            assert!(!Post::for_kind(kind).contains(&Post::LeadershipMember));
        }
        assert!(!Post::LeadershipMember.is_single() && !Post::CommitteeMember.is_single());
        assert!(Post::Secretary.is_single() && Post::GroupLeader.is_single());
        assert!(!Post::LeadershipMember.is_committee_seat());
        assert!(
            !Post::GroupLeader.is_committee_seat() && Post::CommitteeMember.is_committee_seat()
        );
    }

    #[test]
    fn only_a_committee_may_be_the_root() {
        assert_eq!(
            check_placement(OrgKind::Branch, None, None),
            Err(PlacementError::RootMustBeCommittee)
        );
        assert_eq!(check_placement(OrgKind::Committee, None, None), Ok(()));
    }

    #[test]
    fn an_org_cannot_move_under_its_own_subtree() {
        let own = OrgPath::root(1).child(5);
        let below = own.child(9);
        assert_eq!(
            check_placement(
                OrgKind::Committee,
                Some((OrgKind::Committee, &below)),
                Some(&own)
            ),
            Err(PlacementError::Cycle)
        );
        assert_eq!(
            check_placement(
                OrgKind::Committee,
                Some((OrgKind::Committee, &own)),
                Some(&own)
            ),
            Err(PlacementError::Cycle)
        );
    }

    #[test]
    fn a_sibling_path_with_a_common_digit_prefix_is_not_within() {
        // /1/5/ must not contain /1/55/: the trailing slash makes the prefix exact.
        let five = OrgPath::root(1).child(5);
        let fifty_five = OrgPath::root(1).child(55);
        assert!(!fifty_five.is_within(&five));
    }

    #[test]
    fn codes_are_upper_cased_and_checked() {
        assert_eq!(Code::parse(" zb-01 ").unwrap().as_str(), "ZB-01");
        assert_eq!(Code::parse("支部"), Err(CodeError::Format));
        assert_eq!(Code::parse(&"A".repeat(33)), Err(CodeError::Format));
        assert_eq!(Code::parse(""), Err(CodeError::Missing));
    }

    #[test]
    fn a_joint_org_must_be_a_branch() {
        let form = OrgForm {
            code: "X1".into(),
            name: "某党委".into(),
            kind: "committee".into(),
            is_joint: "on".into(),
            ..OrgForm::default()
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(form.parse(today).unwrap_err().get("is_joint").is_some());
        // A joint branch is fine; a committee that is not joint too.
        let branch = OrgForm {
            kind: "branch".into(),
            ..form.clone()
        };
        assert!(branch.parse(today).unwrap().is_joint);
        let plain = OrgForm {
            is_joint: String::new(),
            ..form
        };
        assert!(!plain.parse(today).unwrap().is_joint);
    }

    #[test]
    fn a_placement_is_checked_for_kind_and_cycle() {
        let root = OrgPath::root(1);
        let own = root.child(2);
        assert_eq!(
            check_placement(
                OrgKind::Branch,
                Some((OrgKind::Committee, &root)),
                Some(&own)
            ),
            Ok(())
        );
        assert!(matches!(
            check_placement(OrgKind::Committee, Some((OrgKind::Branch, &root)), None),
            Err(PlacementError::KindNotAllowed { .. })
        ));
        assert_eq!(
            check_placement(
                OrgKind::Branch,
                Some((OrgKind::Committee, &own.child(3))),
                Some(&own)
            ),
            Err(PlacementError::Cycle)
        );
        assert_eq!(check_placement(OrgKind::Committee, None, None), Ok(()));
        assert_eq!(
            check_placement(OrgKind::Branch, None, None),
            Err(PlacementError::RootMustBeCommittee)
        );
    }

    /// An org may be founded today, not tomorrow; an empty date is today.
    #[test]
    fn an_org_is_founded_by_today_at_the_latest() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let form = |founded_on: &str| OrgForm {
            code: "X1".into(),
            name: "某支部".into(),
            kind: "branch".into(),
            founded_on: founded_on.into(),
            ..OrgForm::default()
        };
        assert_eq!(form("2026-01-01").parse(today).unwrap().founded_on, today);
        assert_eq!(form("").parse(today).unwrap().founded_on, today);
        assert!(
            form("2026-01-02")
                .parse(today)
                .unwrap_err()
                .get("founded_on")
                .is_some()
        );
    }

    proptest! {
        #[test]
        fn paths_parse_back_and_rebase_consistently(
            ids in proptest::collection::vec(1i64..10_000, 1..8),
            cut in 0usize..7,
            new_root in 1i64..10_000,
        ) {
            let mut path = OrgPath::root(ids[0]);
            for id in &ids[1..] { path = path.child(*id); }
            prop_assert_eq!(OrgPath::parse(path.as_str()), Some(path.clone()));
            prop_assert_eq!(path.ids(), ids.clone());
            let cut = cut.min(ids.len() - 1);
            let mut old_root = OrgPath::root(ids[0]);
            for id in &ids[1..=cut] { old_root = old_root.child(*id); }
            let target = OrgPath::root(new_root);
            let moved = path.rebased(&old_root, &target).unwrap();
            prop_assert!(moved.is_within(&target));
            prop_assert!(path.as_str() >= old_root.as_str());
            prop_assert!(path.as_str() < old_root.upper_bound().as_str());
            prop_assert_eq!(moved.depth(), path.depth() - cut);
        }
    }
}
