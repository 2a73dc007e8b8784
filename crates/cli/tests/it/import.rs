//! Importing a spreadsheet: a broken sheet reports every planted problem at its row and
//! column and writes nothing; a good one commits all at once and can be rolled back.

use dangjian_core::role::Role;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::harness::{TestApp, member_form};

const HEADER: [&str; 16] = [
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "身份证号",
    "学历",
    "警号",
    "警衔",
    "职务",
    "单位",
    "所在党组织",
    "党员类别",
    "入党日期",
    "转正日期",
    "手机号",
    "党籍状态",
];

/// A valid row for member `n` of the fixture's numbering.
fn row(n: u32, branch: &str) -> Vec<String> {
    let f = member_form(n, branch);
    vec![
        format!(
            "导入{}",
            ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"][n as usize % 10]
        ),
        "男".into(),
        "汉族".into(),
        f.birth_date,
        f.id_number,
        "大学本科".into(),
        f.police_number,
        "三级警督".into(),
        "民警".into(),
        String::new(),
        branch.into(),
        "正式党员".into(),
        "2010-07-01".into(),
        "2011-07-01".into(),
        "13900139000".into(),
        String::new(),
    ]
}

/// A workbook with a title, the header on row 3, and the rows from row 4; the cell at
/// (`date_row`, 入党日期) is written as a real Excel date.
fn workbook(rows: &[Vec<String>], date_row: Option<usize>) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "党员信息").unwrap();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for (r, cells) in rows.iter().enumerate() {
        for (c, value) in cells.iter().enumerate() {
            if Some(r) == date_row && c == 12 {
                let date = ExcelDateTime::from_ymd(2010, 7, 1).unwrap();
                sheet
                    .write_datetime_with_format(r as u32 + 3, c as u16, &date, &date_format)
                    .unwrap();
            } else {
                sheet.write_string(r as u32 + 3, c as u16, value).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn upload(app: &TestApp, client: &reqwest::Client, bytes: Vec<u8>) -> reqwest::Response {
    let csrf = app.csrf(client, "/members/import").await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("members.xlsx"),
    );
    client
        .post(app.url("/members/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn total(app: &TestApp) -> i64 {
    app.services
        .list_members(
            &crate::harness::office(),
            &Default::default(),
            dangjian_service::Page { number: 1, size: 1 },
        )
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn every_planted_problem_is_reported_at_its_row_and_column_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;
    let mut rows = vec![
        row(20, "A1"),
        row(21, "A2"),
        row(22, "A1"),
        row(23, "A1"),
        row(24, "A1"),
        row(25, "A1"),
        row(26, "A1"),
        row(27, "支部A2"),
    ];
    let last = rows[0][4].pop(); // row 4: a wrong check digit
    rows[0][4].push(if last == Some('0') { '1' } else { '0' });
    rows[1][13] = "2009-01-01".into(); // row 5: full membership before admission
    rows[2][3] = "1985-02-02".into(); // row 6: birth date not matching the ID number
    rows[3][10] = "NOPE".into(); // row 7: an unknown org
    rows[4][4] = rows[5][4].clone(); // row 8 duplicates row 9's ID number (reported at row 9)
    rows[4][3] = rows[5][3].clone();
    rows[6][6] = "200001".into(); // row 10: a 警号 already stored
    rows[5][0] = String::new(); // row 9: missing name
    rows.push(row(28, "B")); // row 12: an org outside the secretary's scope
    rows[7][6] = "２０００２７".into(); // row 11: full-width digits, normalised with a warning
    let response = upload(&app, &client, workbook(&rows, Some(7))).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    let expect = [
        (4, "身份证号", "校验位"),
        (5, "转正日期", "转正日期应晚于入党日期"),
        (6, "出生日期", "出生日期与身份证号不一致"),
        (7, "所在党组织", "没有这个组织"),
        (9, "身份证号", "与第8行重复"),
        (9, "姓名", "请填写姓名"),
        (10, "警号", "已登记"),
        (12, "所在党组织", "不在您的管理范围内"),
    ];
    for (row_no, column, message) in expect {
        let needle = format!("<td class=\"num\">{row_no}</td><td>{column}</td><td class=\"wrap\">");
        let at = page
            .find(&needle)
            .unwrap_or_else(|| panic!("row {row_no} {column} not reported"));
        assert!(
            page[at..].split("</tr>").next().unwrap().contains(message),
            "row {row_no} {column}: {message}"
        );
    }
    assert!(page.contains("已自动规范") && page.contains("２０００２７"));
    assert!(!page.contains("/commit"));
    assert_eq!(total(&app).await, 5, "nothing written");
}

#[tokio::test]
async fn a_clean_sheet_commits_all_at_once_and_the_latest_batch_rolls_back() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let rows = vec![row(30, "A1"), row(31, "支部A2"), row(32, "B")];
    let preview = upload(&app, &client, workbook(&rows, Some(1))).await;
    assert_eq!(preview.status(), 200);
    let page = preview.text().await.unwrap();
    assert!(page.contains("全部 3 行检查通过"));
    assert_eq!(total(&app).await, 5, "a preview writes no member");
    let batch = batch_of(&page);
    let done = app
        .post_form(&client, &format!("/members/import/{batch}/commit"), &[])
        .await;
    assert_eq!(done.status(), 303, "{}", done.text().await.unwrap());
    assert_eq!(total(&app).await, 8);
    // The imported members are whole: sealed numbers, history, their first event.
    let found = app
        .services
        .search_members(
            &crate::harness::office(),
            &dangjian_service::members::Search {
                id_number: Some(member_form(31, "A2").id_number),
                reason: Some("核对导入结果".to_owned()),
                ..Default::default()
            },
            dangjian_service::Page { number: 1, size: 5 },
        )
        .await
        .unwrap();
    assert_eq!(found.members[0].branch_code, "A2");
    let life = app
        .services
        .member_lifecycle(&crate::harness::office(), found.members[0].id)
        .await
        .unwrap();
    assert_eq!(life.events[0].kind.code(), "created");
    // Committing twice does nothing; rolling back removes the batch.
    assert_eq!(
        app.post_form(&client, &format!("/members/import/{batch}/commit"), &[])
            .await
            .status(),
        404
    );
    let back = app
        .post_form(&client, &format!("/members/import/{batch}/rollback"), &[])
        .await;
    assert_eq!(back.status(), 303);
    assert_eq!(total(&app).await, 5);
    assert_eq!(
        app.audit("member.import_rollback", Some("success"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_batch_with_a_changed_member_is_not_rolled_back() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let page = upload(
        &app,
        &client,
        workbook(&[row(40, "A1"), row(41, "A1")], None),
    )
    .await
    .text()
    .await
    .unwrap();
    let batch = batch_of(&page);
    app.post_form(&client, &format!("/members/import/{batch}/commit"), &[])
        .await;
    let member = app
        .services
        .search_members(
            &crate::harness::office(),
            &dangjian_service::members::Search {
                police_number: Some(member_form(40, "A1").police_number),
                ..Default::default()
            },
            dangjian_service::Page { number: 1, size: 5 },
        )
        .await
        .unwrap()
        .members[0]
        .id;
    app.post_form(
        &client,
        &format!("/members/{member}/transitions"),
        &[("kind", "lost_contact"), ("reason", "测试")],
    )
    .await;
    let refused = app
        .post_form(&client, &format!("/members/import/{batch}/rollback"), &[])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("不能整批撤销"));
}

#[tokio::test]
async fn what_is_not_a_spreadsheet_is_refused_with_a_message() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let response = upload(&app, &client, b"<html>not a workbook</html>".to_vec()).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("不是有效的 .xlsx 工作簿")
    );
    let template = client
        .get(app.url("/members/import/template.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(template.status(), 200);
    // The template itself imports as "no data rows", with the header found.
    let response = upload(&app, &client, template.bytes().await.unwrap().to_vec()).await;
    assert!(response.text().await.unwrap().contains("表头下没有数据行"));
}

/// Issue 13, finding 14: another importer's batch answered differently from a missing one,
/// unaudited, and one importer's later batch blocked another's rollback. Now each importer
/// commits and rolls back their own batches only, anyone else's answering exactly as a
/// missing one does (and recorded), and their own latest batch can be undone whatever others
/// imported since.
#[tokio::test]
async fn each_importer_commits_and_rolls_back_their_own_batches_only() {
    let app = TestApp::spawn().await;
    let first = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let second = app
        .login_as("office2", Role::CommitteeStaff, None, None)
        .await;
    let mine = batch_of(
        &upload(&app, &first, workbook(&[row(60, "A1")], None))
            .await
            .text()
            .await
            .unwrap(),
    );
    // Someone else's previewed batch and a batch that does not exist: the same answer.
    let theirs = app
        .post_form(&second, &format!("/members/import/{mine}/commit"), &[])
        .await;
    let missing = app
        .post_form(&second, "/members/import/999999/commit", &[])
        .await;
    assert_eq!(
        (theirs.status().as_u16(), missing.status().as_u16()),
        (404, 404)
    );
    assert_eq!(theirs.text().await.unwrap(), missing.text().await.unwrap());
    assert_eq!(app.audit("member.import", Some("denied")).await.len(), 1);
    assert_eq!(
        app.post_form(&first, &format!("/members/import/{mine}/commit"), &[])
            .await
            .status(),
        303
    );
    // The other importer commits a batch after it.
    let later = batch_of(
        &upload(&app, &second, workbook(&[row(61, "B")], None))
            .await
            .text()
            .await
            .unwrap(),
    );
    app.post_form(&second, &format!("/members/import/{later}/commit"), &[])
        .await;
    assert_eq!(total(&app).await, 7);
    let refused = app
        .post_form(&second, &format!("/members/import/{mine}/rollback"), &[])
        .await;
    assert_eq!(refused.status(), 404);
    assert_eq!(
        app.audit("member.import_rollback", Some("denied"))
            .await
            .len(),
        1
    );
    let undone = app
        .post_form(&first, &format!("/members/import/{mine}/rollback"), &[])
        .await;
    assert_eq!(undone.status(), 303);
    assert_eq!(total(&app).await, 6);
}

/// Issue 14, 1: rows of members without a 警号 (retired members, civilian staff) import, two
/// empty 警号 being no duplicate of each other.
#[tokio::test]
async fn rows_without_a_police_number_import() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let mut rows = vec![row(70, "A1"), row(71, "A1")];
    for r in &mut rows {
        r[6] = String::new();
        r[7] = String::new();
        r[8] = "退休民警".to_owned();
    }
    let page = upload(&app, &client, workbook(&rows, None))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("全部 2 行检查通过"), "{page}");
    let batch = batch_of(&page);
    let done = app
        .post_form(&client, &format!("/members/import/{batch}/commit"), &[])
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(total(&app).await, 7);
}

/// The batch number in the preview's commit form.
fn batch_of(page: &str) -> String {
    let at = page.find("/commit\"").expect("a commit form");
    page[..at].rsplit('/').next().unwrap().to_owned()
}

/// Two valid rows for general branch A, for tests elsewhere (the browser test).
pub fn sample_rows() -> Vec<Vec<String>> {
    vec![row(50, "A1"), row(51, "A2")]
}

/// A workbook of `rows`, as the tests build them.
pub fn sheet(rows: &[Vec<String>]) -> Vec<u8> {
    workbook(rows, None)
}
