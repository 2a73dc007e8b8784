//! The frame around every page: the account in the top bar, the navigation (only what the
//! role can use), breadcrumbs and a notice after a save.

use dangjian_core::role::Permission;
use dangjian_service::Actor;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub struct Crumb {
    pub href: Option<String>,
    pub label: String,
}

pub struct Layout {
    pub title: String,
    pub user: String,
    pub role: String,
    pub scope: Option<String>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub crumbs: Vec<Crumb>,
    pub notice: Option<String>,
    /// The password expires within a week: said on every page until it is changed.
    pub password_warning: Option<String>,
    /// A refusal to show above the page when the form it concerns is not on it.
    pub problem: Option<String>,
}

/// The areas of the navigation, each with the permission that shows it.
const AREAS: &[(&str, &str, Option<Permission>)] = &[
    ("/", "工作台", None),
    ("/orgs", "组织", Some(Permission::ReadOrgs)),
    ("/coverage", "组织覆盖", Some(Permission::ReadOrgs)),
    ("/terms", "换届提醒", Some(Permission::ReadOrgs)),
    ("/members", "党员", Some(Permission::ReadMembers)),
    ("/orglife", "组织生活", Some(Permission::ReadMeetings)),
    (
        "/rectification",
        "整改落实",
        Some(Permission::ReadRectification),
    ),
    ("/duty", "责任落实", Some(Permission::Rectify)),
    ("/conduct", "作风纪律", Some(Permission::ReadConduct)),
    ("/study", "学习教育", Some(Permission::ReadStudy)),
    ("/care", "关爱表彰", Some(Permission::RecordHonours)),
    ("/assess", "考核评价", Some(Permission::ReviewMembers)),
    ("/assess", "民主评议", Some(Permission::TakePartInReview)),
    ("/dues", "党费", Some(Permission::ReadDues)),
    ("/funds", "党建经费", Some(Permission::ReadFunds)),
    ("/recruitment", "发展党员", Some(Permission::WriteMembers)),
    ("/probation", "预备党员", Some(Permission::WriteMembers)),
    ("/transfers", "组织关系转接", Some(Permission::WriteMembers)),
    ("/mobile", "流动党员", Some(Permission::WriteMembers)),
    ("/stats", "党内统计", Some(Permission::WriteMembers)),
    ("/units", "单位", Some(Permission::ReadUnits)),
    ("/accounts", "账号", Some(Permission::ManageAccounts)),
    ("/accounts", "账号与授权", Some(Permission::GrantRoles)),
    ("/security", "安全策略", Some(Permission::ManageSecurity)),
    ("/audit", "审计日志", Some(Permission::ReadAudit)),
];

impl Layout {
    /// The frame for `actor`, with `area` ("/orgs", …) highlighted.
    pub fn new(actor: &Actor, area: &str, title: impl Into<String>) -> Self {
        let nav = AREAS
            .iter()
            .filter(|(_, _, needs)| needs.is_none_or(|p| actor.permits(p)))
            .map(|(href, label, _)| NavItem {
                href,
                label: match (*href, actor.role) {
                    ("/members", Some(dangjian_core::role::Role::Member)) => "我的档案",
                    ("/orglife", Some(dangjian_core::role::Role::Member)) => "我的组织生活",
                    ("/dues", Some(dangjian_core::role::Role::Member)) => "我的党费",
                    _ => label,
                },
                active: *href == area,
            })
            .collect();
        Self {
            title: title.into(),
            user: actor.display_name.clone(),
            role: actor.role.map_or("未授权", |r| r.label()).to_owned(),
            scope: actor.org_name.clone(),
            csrf: actor.csrf_token.clone().unwrap_or_default(),
            nav,
            crumbs: Vec::new(),
            notice: None,
            password_warning: actor
                .password_expires_in_days
                .map(|days| format!("您的密码将在 {days} 天后过期，请及时修改。")),
            problem: None,
        }
    }

    pub fn crumb(mut self, label: impl Into<String>, href: Option<String>) -> Self {
        self.crumbs.push(Crumb {
            href,
            label: label.into(),
        });
        self
    }

    /// Shows "已保存" (or another notice) when the page was reached after a successful post.
    pub fn notice(mut self, notice: Option<&str>) -> Self {
        self.notice = notice.map(str::to_owned);
        self
    }
}
