//! 党费 imports over HTTP (issue 17, item 6): a sheet of pay bases and a sheet of the bank's
//! collection records, each checked row by row with every problem at its row and column,
//! kept sealed, and committed whole by its importer only after a second check.

use dangjian_core::role::Role;
use reqwest::Method;
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token, location};

const BANK: [&str; 7] = [
    "姓名",
    "警号或党员编号",
    "所属月份",
    "金额（元）",
    "扣款日期",
    "银行流水号",
    "补交理由",
];
const BASES: [&str; 9] = [
    "姓名",
    "警号或党员编号",
    "党费类别",
    "起始月份",
    "核定原因",
    "工资收入（元）",
    "个人所得税（元）",
    "个人缴纳社保公积金（元）",
    "每月金额（元）",
];

/// A workbook with a title on row 1, the header on row 3 and the rows from row 4.
fn workbook(header: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "2026年党费").unwrap();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, value) in cells.iter().enumerate() {
            sheet.write_string(r as u32 + 3, c as u16, *value).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn preview(app: &TestApp, token: &str, kind: &str, bytes: Vec<u8>) -> (u16, Value) {
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/dues/imports/{kind}")))
        .bearer_auth(token)
        .header(
            "content-type",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn commit(app: &TestApp, token: &str, batch: &Value) -> (u16, Value) {
    let path = format!("/dues/import-batches/{batch}/commit");
    call(app, token, Method::POST, &path, None).await
}

/// Where each problem is: (row, column).
fn places(report: &Value) -> Vec<(u64, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn message_at(report: &Value, row: u64) -> String {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["row"] == row)
        .map(|p| p["message"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The two A1 members assessed from January (88.50 and 15.00 a month) and charged for
/// January to March.
async fn charged(app: &TestApp, keeper: &str, office: &str) {
    let f = &app.fixture;
    for (member, income) in [(f.member_a1, 600_000), (f.member_a1_second, 300_000)] {
        let (status, body) = call(
            app,
            keeper,
            Method::POST,
            &format!("/members/{member}/dues/assessments"),
            Some(json!({"category": "employed", "from_month": "2026-01",
                "income_fen": income, "income_tax_fen": if income == 600_000 { 10_000 } else { 0 },
                "reason": "annual"})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    for month in ["2026-01", "2026-02", "2026-03"] {
        let (status, body) = call(
            app,
            office,
            Method::POST,
            "/dues/runs",
            Some(json!({ "month": month })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
}

/// The details of the commits recorded (the filter also finds the previews).
async fn committed(app: &TestApp) -> Vec<String> {
    app.audit("dues.import", Some("success"))
        .await
        .into_iter()
        .filter(|row| row.event == "dues.import")
        .filter_map(|row| row.detail)
        .collect()
}

async fn dues_of(app: &TestApp, token: &str, member: i64) -> Value {
    let (status, body) = call(
        app,
        token,
        Method::GET,
        &format!("/members/{member}/dues?year=2026"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The bank's records: every bad row named at its row and column and nothing written; a
/// clean sheet committed whole by its importer, once; a sheet whose months were paid after
/// its preview refused whole at commit.
#[tokio::test]
async fn bank_records_are_checked_row_by_row_and_committed_whole() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let keeper = token(&app, "keeper_a1", Role::DuesKeeper, Some("A1"), None).await;
    let other_keeper = token(&app, "keeper_a1b", Role::DuesKeeper, Some("A1"), None).await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    charged(&app, &keeper, &office).await;

    let bad = workbook(
        &BANK,
        &[
            &[
                "测试乙",
                "200001",
                "2026-01",
                "88.50",
                "2026-01-05",
                "B001",
                "",
            ],
            &[
                "测试丙",
                "200002",
                "2026-01",
                "15",
                "2026-01-05",
                "B002",
                "",
            ],
            &[
                "测试乙",
                "200001",
                "2026年1月",
                "88.50",
                "2026-02-05",
                "B003",
                "",
            ],
            &[
                "测试丁",
                "200003",
                "2026-01",
                "15",
                "2026-01-05",
                "B004",
                "",
            ],
            &["张三", "200002", "2026-02", "15", "2026-02-05", "B005", ""],
            &[
                "测试丙",
                "200002",
                "2026-02",
                "20.00",
                "2026-02-05",
                "B006",
                "",
            ],
            &[
                "测试丙",
                "200002",
                "2026-03",
                "15",
                "2026-03-05",
                "B001",
                "",
            ],
            &[
                "测试丙",
                "200002",
                "2026-04",
                "15",
                "2026-03-20",
                "B008",
                "",
            ],
            &[
                "测试丙",
                "200002",
                "2026-03",
                "15",
                "2026-12-01",
                "B009",
                "",
            ],
            &["测试丙", "", "2026-03", "1.234", "", "B 10", ""],
        ],
    );
    let (status, report) = preview(&app, &keeper, "bank", bad).await;
    assert_eq!(status, 200, "{report}");
    assert!(report["batch"].is_null(), "{report}");
    assert_eq!(report["rows"], 10);
    let expected: Vec<(u64, String)> = [
        (6, "所属月份"),
        (7, "警号或党员编号"),
        (8, "姓名"),
        (9, "金额（元）"),
        (10, "银行流水号"),
        (11, "所属月份"),
        (12, "扣款日期"),
        (13, "警号或党员编号"),
        (13, "金额（元）"),
        (13, "扣款日期"),
        (13, "银行流水号"),
    ]
    .iter()
    .map(|(r, c)| (*r, (*c).to_owned()))
    .collect();
    assert_eq!(places(&report), expected, "{report}");
    assert_eq!(report["problem_count"], 11);
    assert!(message_at(&report, 6).contains("与第4行重复"), "{report}");
    assert!(message_at(&report, 7).contains("不在本人管理的范围内"));
    assert!(
        message_at(&report, 8).contains("测试丙"),
        "the name on record"
    );
    assert!(message_at(&report, 9).contains("尚欠15.00元"), "{report}");
    assert!(message_at(&report, 10).contains("与第4行的流水号重复"));
    assert!(message_at(&report, 11).contains("不能预交"));
    // The rows that passed are shown; nothing was written.
    assert_eq!(report["lines"].as_array().unwrap().len(), 2);
    assert_eq!(report["total_fen"], 8850 + 1500);
    let before = dues_of(&app, &keeper, f.member_a1).await;
    assert!(before["payments"].as_array().unwrap().is_empty());

    let good = workbook(
        &BANK,
        &[
            &[
                "测试乙",
                "200001",
                "2026-01",
                "88.50",
                "2026-01-05",
                "B001",
                "",
            ],
            &[
                "测试丙",
                "200002",
                "2026-01",
                "15",
                "2026-01-05",
                "B002",
                "",
            ],
            &[
                "测试丙",
                "200002",
                "2026-02",
                "15.00",
                "2026-02-05",
                "B006",
                "",
            ],
        ],
    );
    let (_, report) = preview(&app, &keeper, "bank", good.clone()).await;
    assert_eq!(report["problem_count"], 0, "{report}");
    assert_eq!(report["total_fen"], 8850 + 1500 + 1500);
    let batch = report["batch"].clone();
    assert!(batch.is_i64(), "{report}");
    // Another keeper of the same branch may not commit it (answered as missing, recorded).
    let (status, _) = commit(&app, &other_keeper, &batch).await;
    assert_eq!(status, 404);
    let refused = app.audit("dues.import", Some("denied")).await;
    assert_eq!(
        refused.iter().filter(|r| r.event == "dues.import").count(),
        1
    );
    let (status, body) = commit(&app, &keeper, &batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"batch": batch, "kind": "bank", "rows": 3}));
    let (status, body) = commit(&app, &keeper, &batch).await;
    assert_eq!(status, 422, "a sheet is committed once: {body}");
    assert!(body.to_string().contains("已经导入"), "{body}");

    let after = dues_of(&app, &keeper, f.member_a1).await;
    let payment = &after["payments"][0];
    assert_eq!(payment["kind"], "bank");
    assert_eq!(payment["bank_ref"], "B001");
    assert_eq!(payment["amount_fen"], 8850);
    assert_eq!(payment["paid_on"], "2026-01-05");
    let january = after["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == "2026-01")
        .unwrap()
        .clone();
    assert_eq!(january["paid_fen"], january["due_fen"]);
    let audit = committed(&app).await;
    assert_eq!(audit.len(), 1);
    assert!(audit[0].contains("\"rows\":3"), "{audit:?}");
    // The out-of-scope member the first sheet named was recorded, not just refused.
    let denied = app.audit("dues.import_preview", Some("denied")).await;
    assert_eq!(denied.len(), 1);
    assert!(
        denied[0]
            .detail
            .as_deref()
            .unwrap()
            .contains(&f.member_a2.to_string()),
        "{:?}",
        denied[0].detail
    );

    // The same records again: every reference already on the books.
    let (_, again) = preview(&app, &keeper, "bank", good).await;
    assert!(again["batch"].is_null());
    assert_eq!(again["problem_count"], 3);
    assert!(message_at(&again, 4).contains("已经登记过"));

    // Only the latest sheet checked can be committed: an older preview, confirmed from a
    // page left open, would undo what the newer one corrected.
    let older = workbook(
        &BANK,
        &[&[
            "测试丙",
            "200002",
            "2026-03",
            "15",
            "2026-03-20",
            "B020",
            "",
        ]],
    );
    let (_, first) = preview(&app, &keeper, "bank", older.clone()).await;
    let (_, second) = preview(&app, &keeper, "bank", older).await;
    let (status, body) = commit(&app, &keeper, &first["batch"]).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("最近一次"), "{body}");
    assert!(second["batch"].is_i64());

    // Previewed, then March paid at the counter: the commit is refused whole.
    let march = workbook(
        &BANK,
        &[
            &[
                "测试乙",
                "200001",
                "2026-03",
                "88.50",
                "2026-03-20",
                "B011",
                "",
            ],
            &[
                "测试丙",
                "200002",
                "2026-03",
                "15",
                "2026-03-20",
                "B012",
                "",
            ],
        ],
    );
    let (_, report) = preview(&app, &keeper, "bank", march).await;
    let batch = report["batch"].clone();
    assert!(batch.is_i64(), "{report}");
    let (status, body) = call(
        &app,
        &keeper,
        Method::POST,
        &format!("/members/{}/dues/payments", f.member_a1),
        Some(json!({"kind": "in_person", "from_month": "2026-03"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = commit(&app, &keeper, &batch).await;
    assert_eq!(status, 422);
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("预览后数据已有变化"),
        "{body}"
    );
    let second = dues_of(&app, &keeper, f.member_a1_second).await;
    assert_eq!(
        second["payments"].as_array().unwrap().len(),
        2,
        "nothing of the refused sheet was written"
    );

    // Who may import: not the office (no dues keeping), not a member; not a file at all.
    let (status, _) = preview(&app, &office, "bank", vec![1, 2, 3]).await;
    assert_eq!(status, 403);
    let (status, body) = preview(&app, &keeper, "bank", b"not a workbook".to_vec()).await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"][0]["message"], "文件不是有效的 .xlsx 工作簿");
    let (status, _) = preview(&app, &keeper, "salaries", vec![1]).await;
    assert_eq!(status, 404);
    let wrong = workbook(&BASES, &[&["测试乙"]]);
    let (status, body) = preview(&app, &keeper, "bank", wrong).await;
    assert_eq!(status, 422);
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("表头缺少必填列：所属月份"),
        "{body}"
    );
}

/// The pay sheet: the brackets of the rules, a retiree at the boundary, a farmer's amount;
/// bad rows at their columns; the pay sealed for the keeper and the member, the audit with
/// amounts only; a mid-year change reckons again the months already charged.
#[tokio::test]
async fn pay_bases_are_assessed_by_the_rules_and_sealed() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let keeper = token(&app, "keeper_a1", Role::DuesKeeper, Some("A1"), None).await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let second = format!("DY{}", f.member_a1_second);

    let bad = workbook(
        &BASES,
        &[
            &[
                "测试乙",
                "200001",
                "农民",
                "2026-01",
                "年初核定",
                "",
                "",
                "",
                "",
            ],
            &[
                "测试乙",
                "200001",
                "在职",
                "2026-02",
                "年初核定",
                "",
                "100",
                "",
                "",
            ],
            &[
                "测试乙",
                "200001",
                "公务员",
                "2026-03",
                "年初核定",
                "6000",
                "",
                "",
                "",
            ],
            &[
                "测试丙",
                &second,
                "退休",
                "2028-01",
                "年初核定",
                "5000",
                "",
                "",
                "",
            ],
            &[
                "测试丙",
                &second,
                "退休",
                "2026-01",
                "年初核定",
                "5000",
                "",
                "",
                "",
            ],
            &["测试丙", &second, "学生", "2026-01", "更正", "", "", "", ""],
            &[
                "测试乙",
                "200001",
                "在职",
                "2026-01",
                "年初核定",
                "100",
                "200",
                "",
                "",
            ],
            &[
                "测试乙",
                "200001",
                "在职",
                "2009-01",
                "年初核定",
                "6000",
                "",
                "",
                "",
            ],
        ],
    );
    let (status, report) = preview(&app, &keeper, "bases", bad).await;
    assert_eq!(status, 200, "{report}");
    assert!(report["batch"].is_null());
    let expected: Vec<(u64, String)> = [
        (4, "每月金额（元）"),
        (5, "工资收入（元）"),
        (6, "党费类别"),
        (7, "起始月份"),
        (9, "起始月份"),
        (10, "个人所得税（元）"),
        (11, "起始月份"),
    ]
    .iter()
    .map(|(r, c)| (*r, (*c).to_owned()))
    .collect();
    assert_eq!(places(&report), expected, "{report}");
    assert!(message_at(&report, 9).contains("与第8行重复"));
    assert!(message_at(&report, 11).contains("早于入党日期"), "{report}");

    let good = workbook(
        &BASES,
        &[
            &[
                "测试乙",
                "200001",
                "按月领取工资",
                "2026-01",
                "年初核定",
                "6,000.00",
                "100",
                "",
                "",
            ],
            &[
                "测试丙",
                &second,
                "离退休",
                "2026-01",
                "年初核定",
                "5000.01",
                "",
                "",
                "",
            ],
        ],
    );
    let (_, report) = preview(&app, &keeper, "bases", good).await;
    assert_eq!(report["problem_count"], 0, "{report}");
    // 5,900 at 1.5 % = 88.50; a pension of 5,000.01 at 1 % = 50.00.
    let amounts: Vec<&Value> = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["amount_fen"])
        .collect();
    assert_eq!(amounts, [&json!(8850), &json!(5000)]);
    let (status, body) = commit(&app, &keeper, &report["batch"]).await;
    assert_eq!(status, 200, "{body}");

    let own = dues_of(&app, &keeper, f.member_a1).await;
    assert_eq!(own["assessments"][0]["monthly_fen"], 8850);
    assert_eq!(own["assessments"][0]["pay"]["base_fen"], 590_000);
    assert_eq!(own["assessments"][0]["reason"], "annual");
    let seen = dues_of(&app, &secretary, f.member_a1).await;
    assert!(seen["assessments"][0]["pay"].is_null(), "{seen}");
    let audit = committed(&app).await;
    let detail = &audit[0];
    assert!(
        detail.contains("13850") && !detail.contains("590000") && !detail.contains("600000"),
        "the count and the sum, never the pay: {detail}"
    );

    // Charged January to March, then a rise first received in March.
    for month in ["2026-01", "2026-02", "2026-03"] {
        let (status, _) = call(
            &app,
            &office,
            Method::POST,
            "/dues/runs",
            Some(json!({ "month": month })),
        )
        .await;
        assert_eq!(status, 201);
    }
    let rise = workbook(
        &BASES,
        &[&[
            "测试乙",
            "200001",
            "在职",
            "2026-03",
            "工资变动",
            "10000.01",
            "",
            "",
            "",
        ]],
    );
    let (_, report) = preview(&app, &keeper, "bases", rise).await;
    let (status, _) = commit(&app, &keeper, &report["batch"]).await;
    assert_eq!(status, 200);
    let months = dues_of(&app, &keeper, f.member_a1).await["months"].clone();
    let due = |m: &str| {
        months
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["month"] == m)
            .unwrap()["due_fen"]
            .clone()
    };
    // 10,000.01 is in the 2 % bracket: 200.00.
    assert_eq!(
        (due("2026-02"), due("2026-03")),
        (json!(8850), json!(20000))
    );
}

/// The page: both sheets' templates, a refused upload shown at its rows, a clean one
/// committed from the preview, and what was written said after.
#[tokio::test]
async fn a_keeper_imports_bank_records_through_the_page() {
    let app = TestApp::spawn().await;
    let keeper_api = token(&app, "keeper_api", Role::DuesKeeper, Some("A1"), None).await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    charged(&app, &keeper_api, &office).await;
    let keeper = app
        .login_as("keeper_page", Role::DuesKeeper, Some("A1"), None)
        .await;

    let home = keeper.get(app.url("/dues")).send().await.unwrap();
    assert!(home.text().await.unwrap().contains("/dues/import"));
    let page = keeper.get(app.url("/dues/import")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("党费基数") && text.contains("银行代收记录"));
    let template = keeper
        .get(app.url("/dues/import/bank/template.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(template.status(), 200);
    let cells = crate::exports::cells(template.bytes().await.unwrap().to_vec());
    assert!(
        cells.iter().flatten().any(|c| c == "银行流水号"),
        "{cells:?}"
    );

    let upload = |bytes: Vec<u8>| {
        let keeper = keeper.clone();
        let app = &app;
        async move {
            let csrf = app.csrf(&keeper, "/dues/import").await;
            let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("bank.xlsx"),
            );
            keeper
                .post(app.url("/dues/import/bank"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let refused = upload(workbook(
        &BANK,
        &[&["测试乙", "200001", "2026-01", "80", "2026-01-05", "B1", ""]],
    ))
    .await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("发现 1 处问题") && text.contains("尚欠88.50元"),
        "{text}"
    );
    let garbage = upload(b"plain text".to_vec()).await;
    assert_eq!(garbage.status(), 422);
    assert!(
        garbage
            .text()
            .await
            .unwrap()
            .contains("文件不是有效的 .xlsx 工作簿")
    );

    let ok = upload(workbook(
        &BANK,
        &[&[
            "测试乙",
            "200001",
            "2026-01",
            "88.5",
            "2026-01-05",
            "B1",
            "",
        ]],
    ))
    .await;
    assert_eq!(ok.status(), 200);
    let text = ok.text().await.unwrap();
    assert!(text.contains("确认导入 1 条"), "{text}");
    let action = text
        .split("action=\"")
        .find(|s| s.starts_with("/dues/import/batches/"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let done = app.post_form(&keeper, &action, &[]).await;
    assert_eq!(location(&done), "/dues/import?kind=bank&done=1");
    let after = keeper
        .get(app.url("/dues/import?kind=bank&done=1"))
        .send()
        .await
        .unwrap();
    assert!(
        after
            .text()
            .await
            .unwrap()
            .contains("已导入银行代收记录 1 条")
    );
}
