//! Roles, what each may do, and the data scope an account works in. The three administrator
//! roles (三员: system, security, audit) have disjoint powers and none of them sees business
//! data; the business roles see a subtree of the org tree, or only the member themselves.

use crate::org::OrgPath;

labelled_enum! {
    /// An account's role. The codes are stable and documented (README): they are used by the
    /// CLI (`dangjian user add --role`) and stored in the database.
    pub enum Role {
        SystemAdmin = ("system_admin", "系统管理员"),
        SecurityAdmin = ("security_admin", "安全管理员"),
        AuditAdmin = ("audit_admin", "审计管理员"),
        CommitteeStaff = ("committee_staff", "党委办公室"),
        OrgSecretary = ("org_secretary", "组织书记/委员"),
        Member = ("member", "党员"),
        /// The committee's discipline office (纪委、督察): findings and sanctions of its subtree.
        DisciplineOffice = ("discipline_office", "纪委/督察"),
        /// An org's 纪检委员: the findings of their org and those below it.
        DisciplineMember = ("discipline_member", "纪检委员"),
        /// An org's 党费收缴员: keeps the dues of their org and those below it, the one
        /// business role besides the member who sees a member's pay base.
        DuesKeeper = ("dues_keeper", "党费收缴员"),
    }
}

labelled_enum! {
    /// A function of the platform that a role may or may not use.
    pub enum Permission {
        ReadOrgs = ("read_orgs", "查看组织"),
        WriteOrgs = ("write_orgs", "维护组织"),
        ReadMembers = ("read_members", "查看党员"),
        WriteMembers = ("write_members", "维护党员"),
        ViewPersonalData = ("view_personal_data", "查看完整身份证号与电话"),
        ReadUnits = ("read_units", "查看单位"),
        WriteUnits = ("write_units", "维护单位"),
        ReadMeetings = ("read_meetings", "查看组织生活"),
        RecordMeetings = ("record_meetings", "记录与审核组织生活"),
        ReadRectification = ("read_rectification", "查看整改事项"),
        Rectify = ("rectify", "落实整改、验收与回头看"),
        ReadConduct = ("read_conduct", "查看问题线索与处分"),
        RecordConduct = ("record_conduct", "登记问题线索与处置"),
        DecideSanctions = ("decide_sanctions", "登记处分决定"),
        RecordHonours = ("record_honours", "表彰奖励提名与关爱帮扶"),
        ApproveHonours = ("approve_honours", "审批表彰奖励"),
        ReadDues = ("read_dues", "查看党费收缴"),
        RecordDues = ("record_dues", "核定与收缴党费"),
        ViewDuesBase = ("view_dues_base", "查看党费基数（工资）"),
        ApproveDues = ("approve_dues", "审批党费减免与生成月度应交"),
        ReadFunds = ("read_funds", "查看党建经费"),
        SpendFunds = ("spend_funds", "申请党建经费支出"),
        ApproveFunds = ("approve_funds", "编制经费预算与审批支出"),
        ReadStudy = ("read_study", "查看学习教育与学时"),
        RecordStudy = ("record_study", "记录集中学习、举办培训班"),
        /// Run a branch's 民主评议党员 and the 组织处置 that follows a 不合格.
        ReviewMembers = ("review_members", "组织民主评议党员与组织处置"),
        /// The upper committee's part: approve 优秀 beyond the share, and dispositions.
        ApproveReviews = ("approve_reviews", "审批民主评议结果与组织处置"),
        /// A member's part: their 自评 and their secret ballot.
        TakePartInReview = ("take_part_in_review", "参加民主评议（自评、民主测评）"),
        /// 党组织考核评价: an org's self-assessment and objections; rounds for the orgs below;
        /// the bureau-wide indicator sets for the committee office (whole-tree scope).
        AssessOrgs = ("assess_orgs", "党组织考核评价（自评、考核、异议）"),
        ManageAccounts = ("manage_accounts", "管理账号"),
        GrantRoles = ("grant_roles", "分配角色与范围"),
        ManageSecurity = ("manage_security", "安全策略与账号解锁"),
        ReadAudit = ("read_audit", "查阅审计日志"),
    }
}

impl Role {
    /// The 三员: each holds exactly one administrative power and no business data.
    pub fn is_administrator(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }

    /// Roles whose scope is the whole tree regardless of the org the account is bound to.
    pub fn is_bureau_wide(self) -> bool {
        self == Role::CommitteeStaff
    }

    /// Whether the role needs an org binding (a secretary's or a discipline role's: their
    /// scope is that org's subtree) or a member link (`member`).
    pub fn needs_org(self) -> bool {
        matches!(
            self,
            Role::OrgSecretary | Role::DisciplineOffice | Role::DisciplineMember | Role::DuesKeeper
        )
    }

    /// The discipline roles: the only ones that read findings and sanctions (issue 16, 4).
    pub fn is_discipline(self) -> bool {
        matches!(self, Role::DisciplineOffice | Role::DisciplineMember)
    }

    pub fn needs_member(self) -> bool {
        self == Role::Member
    }

    /// The permission table. Deny by default: a function not listed for a role is refused.
    pub fn permits(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::SystemAdmin => matches!(permission, ManageAccounts),
            Role::SecurityAdmin => matches!(permission, GrantRoles | ManageSecurity),
            Role::AuditAdmin => matches!(permission, ReadAudit),
            Role::CommitteeStaff => matches!(
                permission,
                ReadOrgs
                    | WriteOrgs
                    | ReadMembers
                    | WriteMembers
                    | ViewPersonalData
                    | ReadUnits
                    | WriteUnits
                    | ReadMeetings
                    | RecordMeetings
                    | ReadRectification
                    | Rectify
                    | RecordHonours
                    | ApproveHonours
                    | ReadDues
                    | ApproveDues
                    | ReadFunds
                    | SpendFunds
                    | ApproveFunds
                    | ReadStudy
                    | RecordStudy
                    | ReviewMembers
                    | ApproveReviews
                    | AssessOrgs
            ),
            Role::OrgSecretary => matches!(
                permission,
                ReadOrgs
                    | WriteOrgs
                    | ReadMembers
                    | WriteMembers
                    | ViewPersonalData
                    | ReadUnits
                    | ReadMeetings
                    | RecordMeetings
                    | ReadRectification
                    | Rectify
                    | RecordHonours
                    | ReadDues
                    | ReadFunds
                    | SpendFunds
                    | ReadStudy
                    | RecordStudy
                    | ReviewMembers
                    | AssessOrgs
            ),
            // A member may see their own numbers in full, their own organisational life and
            // the rectification measures they carry, their own dues and pay base, and their
            // own study hours and training (scope keeps all to their record).
            Role::Member => matches!(
                permission,
                ReadMembers
                    | ViewPersonalData
                    | ReadMeetings
                    | ReadRectification
                    | ReadDues
                    | ViewDuesBase
                    | ReadStudy
                    | TakePartInReview
            ),
            // The discipline roles see the orgs and members their findings name (no personal
            // numbers) and the findings; the office alone records sanction decisions.
            Role::DisciplineOffice => matches!(
                permission,
                ReadOrgs | ReadMembers | ReadConduct | RecordConduct | DecideSanctions
            ),
            Role::DisciplineMember => {
                matches!(
                    permission,
                    ReadOrgs | ReadMembers | ReadConduct | RecordConduct
                )
            }
            // The dues keeper finds the members of their orgs (no personal numbers) and keeps
            // their dues; the secretary and the office see the amounts but never the pay.
            Role::DuesKeeper => matches!(
                permission,
                ReadOrgs
                    | ReadMembers
                    | ReadDues
                    | RecordDues
                    | ViewDuesBase
                    | ReadFunds
                    | SpendFunds
            ),
        }
    }
}

/// The part of the data an account may see and change. Resolved once per request from the
/// account (never from the request), and applied by the service and store to every read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The whole tree (党委办公室).
    Everything,
    /// An org and everything below it (书记/委员).
    Subtree { org_id: i64, path: OrgPath },
    /// Only the member's own record (党员).
    OwnRecord { member_id: i64 },
    /// No business data at all (三员, or an account not yet authorised).
    Nothing,
}

impl Scope {
    /// Whether an org with this path is inside the scope. For `OwnRecord` no org is: a member
    /// sees their own record, not their branch's.
    pub fn covers_org(&self, path: &OrgPath) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Subtree { path: root, .. } => path.is_within(root),
            Scope::OwnRecord { .. } | Scope::Nothing => false,
        }
    }

    /// Whether a member with this id, in the branch with this path, is inside the scope.
    pub fn covers_member(&self, member_id: i64, branch_path: &OrgPath) -> bool {
        match self {
            Scope::OwnRecord { member_id: own } => *own == member_id,
            _ => self.covers_org(branch_path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_administrators_hold_disjoint_powers_and_no_business_data() {
        let admins = [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin];
        for permission in Permission::ALL {
            let holders = admins.iter().filter(|r| r.permits(*permission)).count();
            assert!(
                holders <= 1,
                "{permission:?} held by {holders} administrators"
            );
        }
        for admin in admins {
            for business in [
                Permission::ReadOrgs,
                Permission::ReadMembers,
                Permission::ReadUnits,
            ] {
                assert!(!admin.permits(business), "{admin:?} may {business:?}");
            }
        }
    }

    #[test]
    fn business_roles_hold_no_administrative_power() {
        for role in [
            Role::CommitteeStaff,
            Role::OrgSecretary,
            Role::Member,
            Role::DisciplineOffice,
            Role::DisciplineMember,
            Role::DuesKeeper,
        ] {
            for admin in [
                Permission::ManageAccounts,
                Permission::GrantRoles,
                Permission::ReadAudit,
            ] {
                assert!(!role.permits(admin));
            }
        }
    }

    /// The whole table, pinned cell by cell (the HTTP matrix tests the routes; this the
    /// rule): a row per role, a column per permission in `Permission::ALL` order.
    #[test]
    fn the_permission_table_is_exactly_this() {
        const TABLE: [(Role, &str); 9] = [
            (Role::SystemAdmin, "000000000000000000000000000001000"),
            (Role::SecurityAdmin, "000000000000000000000000000000110"),
            (Role::AuditAdmin, "000000000000000000000000000000001"),
            (Role::CommitteeStaff, "111111111110001110011111111010000"),
            (Role::OrgSecretary, "111111011110001010001101110010000"),
            (Role::Member, "001010010100000010100001000100000"),
            (Role::DisciplineOffice, "101000000001110000000000000000000"),
            (Role::DisciplineMember, "101000000001100000000000000000000"),
            (Role::DuesKeeper, "101000000000000011101100000000000"),
        ];
        assert_eq!(Permission::ALL.len(), 33);
        for (role, row) in TABLE {
            let got: String = Permission::ALL
                .iter()
                .map(|p| if role.permits(*p) { '1' } else { '0' })
                .collect();
            assert_eq!(got, row, "{role:?}");
        }
        // The audit administrator's one power is the last column.
        assert!(Role::AuditAdmin.permits(Permission::ReadAudit));
        assert_eq!(Permission::ALL.last(), Some(&Permission::ReadAudit));
    }

    #[test]
    fn each_role_says_what_it_needs_and_how_far_it_reaches() {
        let admins: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.is_administrator())
            .collect();
        assert_eq!(
            admins,
            [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin]
        );
        let wide: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.is_bureau_wide())
            .collect();
        assert_eq!(wide, [Role::CommitteeStaff]);
        let org: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.needs_org())
            .collect();
        assert_eq!(
            org,
            [
                Role::OrgSecretary,
                Role::DisciplineOffice,
                Role::DisciplineMember,
                Role::DuesKeeper
            ]
        );
        // Only the keeper and the member themselves see a pay base.
        let pay: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.permits(Permission::ViewDuesBase))
            .collect();
        assert_eq!(pay, [Role::Member, Role::DuesKeeper]);
        let discipline: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.is_discipline())
            .collect();
        assert_eq!(discipline, [Role::DisciplineOffice, Role::DisciplineMember]);
        // Only they read findings and sanctions.
        for role in Role::ALL {
            assert_eq!(
                role.permits(Permission::ReadConduct),
                role.is_discipline(),
                "{role:?}"
            );
        }
        let member: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.needs_member())
            .collect();
        assert_eq!(member, [Role::Member]);
    }

    #[test]
    fn everything_covers_all_and_nothing_covers_none() {
        let branch = OrgPath::root(1).child(2);
        assert!(Scope::Everything.covers_org(&branch));
        assert!(Scope::Everything.covers_member(9, &branch));
        assert!(!Scope::Nothing.covers_org(&branch));
        assert!(!Scope::Nothing.covers_member(9, &branch));
        let subtree = Scope::Subtree {
            org_id: 2,
            path: branch.clone(),
        };
        assert!(subtree.covers_member(9, &branch.child(5)));
        assert!(!subtree.covers_member(9, &OrgPath::root(1)));
    }

    #[test]
    fn a_subtree_scope_covers_its_root_and_descendants_only() {
        let root = OrgPath::root(1);
        let a = root.child(2);
        let scope = Scope::Subtree {
            org_id: 2,
            path: a.clone(),
        };
        assert!(scope.covers_org(&a));
        assert!(scope.covers_org(&a.child(3)));
        assert!(!scope.covers_org(&root));
        assert!(!scope.covers_org(&root.child(22)));
    }

    #[test]
    fn a_member_sees_only_their_own_record() {
        let scope = Scope::OwnRecord { member_id: 7 };
        let branch = OrgPath::root(1).child(2);
        assert!(scope.covers_member(7, &branch));
        assert!(!scope.covers_member(8, &branch));
        assert!(!scope.covers_org(&branch));
    }
}
