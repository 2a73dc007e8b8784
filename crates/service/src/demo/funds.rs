//! The demo's 党建经费: this year's budget of the bureau committee and of the demo branch, by
//! funding source and category, with expenditures approved against it, one waiting for the
//! office, and one the office refused (a dinner after a theme day is not a party activity);
//! and money moved, with approval, from commendation to care within the dues.

use chrono::{Datelike, Days, NaiveDate};
use dangjian_core::money::Fen;
use dangjian_store::funds::{self as store, LineKey, NewExpense, NewTransfer};

use crate::Services;
use crate::error::ServiceResult;

const AUTHOR: &str = "(演示数据)";

/// A line: source, category, yuan.
const LINES: &[(&str, &str, i64)] = &[
    ("财政党建经费", "training", 20_000),
    ("财政党建经费", "meetings", 12_000),
    ("党费", "care", 8_000),
    ("党费", "commendation", 5_000),
    ("党费", "materials", 3_000),
];

/// An expenditure: line index, item, yuan, days before today, what, the decision, persons,
/// days, status and the office's note.
type Planned = (
    usize,
    &'static str,
    i64,
    u64,
    &'static str,
    &'static str,
    Option<u32>,
    Option<u32>,
    &'static str,
    &'static str,
);

const EXPENSES: &[Planned] = &[
    (
        0,
        "讲课费",
        1_500,
        60,
        "邀请市委党校教师讲授专题党课",
        "支委会集体研究",
        None,
        None,
        "approved",
        "同意",
    ),
    (
        1,
        "资料费",
        860,
        45,
        "主题党日学习资料印制",
        "支委会集体研究",
        None,
        None,
        "approved",
        "同意",
    ),
    (
        1,
        "伙食费",
        1_200,
        30,
        "赴革命教育基地开展主题党日（30人，一天一次就餐）",
        "支委会集体研究",
        Some(30),
        Some(1),
        "approved",
        "同意，按标准据实报销",
    ),
    (
        2,
        "其他费用",
        2_000,
        20,
        "走访慰问生活困难党员两名",
        "党委会集体研究",
        None,
        None,
        "approved",
        "同意",
    ),
    (
        4,
        "资料费",
        600,
        5,
        "订阅党建期刊",
        "支委会集体研究",
        None,
        None,
        "proposed",
        "",
    ),
    (
        1,
        "伙食费",
        1_200,
        10,
        "主题党日后集体聚餐",
        "支委会集体研究",
        Some(30),
        Some(1),
        "refused",
        "聚餐不属于党建活动开支，不予批准",
    ),
];

impl Services {
    /// The demo's budgets and expenditures of this year for `orgs` (the committee, the demo
    /// branch); returns how many expenditures.
    pub(super) async fn demo_funds(
        &self,
        tx: &mut dangjian_store::Conn,
        orgs: &[i64],
    ) -> ServiceResult<usize> {
        let today = self.clock().today();
        let now = self.clock().now();
        let year = today.year();
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
        let mut count = 0;
        for (n, org) in orgs.iter().enumerate() {
            // The committee's budget is ten times a branch's.
            let scale = if n == 0 { 10 } else { 1 };
            let mut ids = Vec::new();
            for (source, category, yuan) in LINES {
                let key = LineKey {
                    org: *org,
                    year,
                    source,
                    category,
                };
                ids.push(store::put_line(tx, key, Fen(yuan * 100 * scale), AUTHOR, now).await?);
            }
            for (line, item, yuan, ago, what, decision, persons, days, status, note) in EXPENSES {
                let spent_on = (today - Days::new(*ago)).max(start);
                let id = store::insert_expense(
                    tx,
                    &NewExpense {
                        line_id: ids[*line],
                        item,
                        amount: Fen(yuan * 100),
                        spent_on,
                        description: what,
                        decision,
                        persons: *persons,
                        days: *days,
                        half_days: None,
                        vehicles: None,
                        proposed_by: AUTHOR,
                    },
                    now,
                )
                .await?;
                if *status != "proposed" {
                    store::decide_expense(
                        tx,
                        id,
                        1,
                        status,
                        spent_on,
                        "(演示数据·党委办公室)",
                        note,
                    )
                    .await?;
                }
                count += 1;
            }
            // 党费: 1,000 yuan (a branch's) from commendation to care, for the Spring Festival
            // visits, approved.
            let transfer = NewTransfer {
                org_id: *org,
                year,
                from_line: ids[3],
                to_line: ids[2],
                amount: Fen(1_000 * 100 * scale),
                reason: "支委会研究：春节走访慰问困难党员，增加关怀帮扶支出",
                proposed_by: AUTHOR,
            };
            let id = store::insert_transfer(tx, &transfer, now).await?;
            if let Some(row) = store::transfer_by_id(tx, id).await? {
                store::decide_transfer(
                    tx,
                    &row,
                    "approved",
                    start,
                    "(演示数据·党委办公室)",
                    "同意",
                )
                .await?;
            }
        }
        Ok(count)
    }
}
