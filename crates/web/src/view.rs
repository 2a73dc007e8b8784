//! Small display helpers shared by the pages: dates, optional values, interval ends.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::interval::Span;

/// `2026-03-28`.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date or "—" when there is none.
pub fn opt_date(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".to_owned(), date)
}

/// An instant in Beijing time, to the minute: `2026-03-28 14:05`.
pub fn instant(t: DateTime<Utc>) -> String {
    dangjian_core::clock::local_time(t)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A text or "未填写".
pub fn or_blank(value: Option<&str>) -> String {
    value
        .filter(|v| !v.is_empty())
        .unwrap_or("未填写")
        .to_owned()
}

/// The start and end of an interval for a table: the end of the open interval reads "至今".
pub fn span(s: &Span) -> (String, String) {
    (date(s.from), s.to.map_or_else(|| "至今".to_owned(), date))
}

/// A query parameter that is either absent/empty or a value.
pub fn nonempty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The label of a post code.
pub use dangjian_service::orgs::post_label;

/// How many pages `total` rows make at `size` per page (at least one).
pub fn page_count(total: i64, size: u32) -> i64 {
    ((total + i64::from(size) - 1) / i64::from(size)).max(1)
}

/// The Chinese name of an audit event, for the audit browser (the code stays beside it).
pub fn event_label(event: &str) -> &'static str {
    match event {
        "auth.login" => "登录",
        "auth.logout" => "退出",
        "auth.session_end" => "会话结束",
        "auth.password_change" => "修改密码",
        "account.create" => "新建账号",
        "account.grant" => "分配角色",
        "account.disable" => "停用账号",
        "account.enable" => "启用账号",
        "account.reset_password" => "重置密码",
        "account.set_password" => "设置密码（命令行）",
        "account.list" | "account.view" => "查看账号",
        "token.create" => "生成令牌",
        "token.revoke" => "吊销令牌",
        "org.create" => "新建组织",
        "org.update" => "修改组织",
        "org.move" => "调整隶属",
        "org.dissolve" => "撤销组织",
        "org.secretary" => "任命书记",
        "org.view" | "org.search" => "查看组织",
        "member.create" => "新增党员",
        "member.update" => "修改党员",
        "member.view" | "member.list" => "查看党员",
        "unit.create" => "新增单位",
        "unit.update" => "修改单位",
        "unit.list" | "unit.view" => "查看单位",
        "audit.query" => "查询审计日志",
        "security.csrf_rejected" => "安全令牌无效",
        "demo.generate" => "生成演示数据",
        "inspection.create" => "登记检查反馈",
        "finding.create" => "登记反馈问题",
        "rectification.plan" => "制定整改方案",
        "rectification.report" => "报送整改进展",
        "rectification.claim" => "申请销号",
        "rectification.accept" => "验收销号",
        "rectification.return" => "验收退回",
        "rectification.reopen" => "回头看重新整改",
        "rectification.ledger_export" => "导出整改台账",
        "duty.create" => "增加责任事项",
        "duty.link" => "关联责任与任务",
        "duty.report" => "生成述职材料",
        "work_plan.create" => "制定工作计划",
        "task.create" => "增加工作任务",
        "task.report" => "报送任务进展",
        _ => "",
    }
}
