//! Issue 14, 2: units form a tree with dated validity (API, pages, a spreadsheet), and the
//! coverage check (条例 第五条, 纵向到底、横向到边) walks it — a 派出所 without an org of its own
//! is covered when a joint org (联合党支部) names it.

use dangjian_core::role::Role;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{Value, json};

use crate::harness::TestApp;

async fn office_token(app: &TestApp) -> String {
    app.login_as("office", Role::CommitteeStaff, None, None)
        .await;
    app.services
        .cli_create_token("office", "t", None)
        .await
        .unwrap()
        .0
}

/// A unit sheet: a title row, the header on row 2, then the rows; the 成立日期 of the first
/// row written as a real Excel date.
fn sheet(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "单位信息").unwrap();
    for (c, h) in dangjian_service::units::UNIT_COLUMNS.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for (r, cells) in rows.iter().enumerate() {
        for (c, value) in cells.iter().enumerate() {
            if r == 0 && c == 4 {
                let date = ExcelDateTime::from_ymd(2001, 3, 1).unwrap();
                sheet
                    .write_datetime_with_format(r as u32 + 2, c as u16, &date, &date_format)
                    .unwrap();
            } else {
                sheet.write_string(r as u32 + 2, c as u16, *value).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn unit_findings(report: &dangjian_service::coverage::CoverageReport) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.kind.code() == "unit_without_org")
        .map(|f| f.name.clone())
        .collect()
}

#[tokio::test]
async fn units_form_a_tree_kept_over_the_api_and_a_sheet() {
    let app = TestApp::spawn().await;
    let token = office_token(&app).await;
    let client = app.client();
    let send = |method: reqwest::Method, path: &str, body: Value| {
        client
            .request(method, app.url(&format!("/api/v1{path}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let created = send(
        reqwest::Method::POST,
        "/units",
        json!({"code": "FJ1", "name": "城东分局", "kind": "sub_bureau", "valid_from": "2001-03-01"}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let fj: Value = created.json().await.unwrap();
    let station = send(
        reqwest::Method::POST,
        "/units",
        json!({"code": "FJ1P1", "name": "城东分局东湖派出所", "kind": "police_station", "parent": "fj1"}),
    )
    .await
    .unwrap();
    assert_eq!(station.status(), 201);
    let station: Value = station.json().await.unwrap();
    assert_eq!(station["parent_id"], fj["id"]);
    assert_eq!(station["parent_code"], "FJ1");
    // A unit cannot stand below itself, and is not abolished before the units below it.
    let cycle = send(
        reqwest::Method::PUT,
        &format!("/units/{}", fj["id"]),
        json!({"code": "FJ1", "name": "城东分局", "kind": "sub_bureau", "parent": "FJ1P1"}),
    )
    .await
    .unwrap();
    assert_eq!(cycle.status(), 422);
    assert!(cycle.text().await.unwrap().contains("\"parent\""));
    let early = send(
        reqwest::Method::PUT,
        &format!("/units/{}", fj["id"]),
        json!({"code": "FJ1", "name": "城东分局", "kind": "sub_bureau", "valid_to": "2026-01-01"}),
    )
    .await
    .unwrap();
    assert_eq!(early.status(), 422);
    assert!(early.text().await.unwrap().contains("下级单位未撤销"));
    let backwards = send(
        reqwest::Method::POST,
        "/units",
        json!({"code": "X", "name": "某单位", "kind": "other", "valid_from": "2020-01-01", "valid_to": "2019-01-01"}),
    )
    .await
    .unwrap();
    assert_eq!(backwards.status(), 422);
    let list: Vec<Value> = send(reqwest::Method::GET, "/units", Value::Null)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order: Vec<(&str, u64)> = list
        .iter()
        .map(|u| (u["code"].as_str().unwrap(), u["depth"].as_u64().unwrap()))
        .collect();
    assert_eq!(order, [("FJ1", 0), ("FJ1P1", 1), ("U1", 0)]);

    // A sheet: a new station under a unit of the same sheet, listed after it; an update.
    let bytes = sheet(&[
        ["FJ1P2", "城东分局新港派出所", "派出所", "FJ2", "", ""],
        ["FJ2", "城西分局", "分局", "", "2005-01-01", ""],
        [
            "FJ1",
            "城东分局（更名）",
            "sub_bureau",
            "",
            "2001-03-01",
            "",
        ],
    ]);
    let imported = client
        .post(app.url("/api/v1/units/import"))
        .bearer_auth(&token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    assert_eq!(
        imported.json::<Value>().await.unwrap(),
        json!({"created": 2, "updated": 1})
    );
    let stored = app.services.units(&crate::harness::office()).await.unwrap();
    let p2 = stored.iter().find(|t| t.unit.code == "FJ1P2").unwrap();
    assert_eq!(p2.parent_code.as_deref(), Some("FJ2"));
    assert_eq!(p2.unit.valid_from.unwrap().to_string(), "2001-03-01");
    assert!(stored.iter().any(|t| t.unit.name == "城东分局（更名）"));
    // A bad sheet is refused whole, each problem at its row and column.
    let bad = sheet(&[
        ["FJ3", "城南分局", "分局", "", "", ""],
        ["FJ3", "城南分局", "分局", "", "", ""],
        ["FJ4", "", "星际站", "NOPE", "", ""],
    ]);
    let refused = client
        .post(app.url("/api/v1/units/import"))
        .bearer_auth(&token)
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let message = refused.text().await.unwrap();
    assert!(
        message.contains("第4行 单位编码：与第3行重复")
            && message.contains("第5行 单位名称")
            && message.contains("第5行 单位类别"),
        "{message}"
    );
    assert_eq!(
        app.services
            .units(&crate::harness::office())
            .await
            .unwrap()
            .len(),
        stored.len()
    );
    // The page takes a sheet too, and says at the form why it refused one.
    let page = app
        .login_as("office2", Role::CommitteeStaff, None, None)
        .await;
    let app = &app;
    let upload = |bytes: Vec<u8>| {
        let page = page.clone();
        async move {
            let csrf = app.csrf(&page, "/units").await;
            let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("units.xlsx"),
            );
            page.post(app.url("/units/import"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let refused = upload(sheet(&[["FJ5", "城郊分局", "分局", "FJ5", "", ""]])).await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("第3行 上级单位编码：上级单位不能是本单位")
    );
    let done = upload(sheet(&[["FJ5", "城郊分局", "分局", "", "", ""]])).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("新增1个单位"));
    // Only the office keeps units.
    let secretary = app
        .login_as("zhibu", Role::OrgSecretary, Some("A1"), None)
        .await;
    let page = secretary.get(app.url("/units/new")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    assert!(!app.audit("unit.import", Some("success")).await.is_empty());
}

#[tokio::test]
async fn coverage_walks_the_unit_tree_and_counts_what_a_joint_branch_names() {
    let app = TestApp::spawn().await;
    let token = office_token(&app).await;
    let client = app.client();
    let send = |method: reqwest::Method, path: String, body: Value| {
        client
            .request(method, app.url(&format!("/api/v1{path}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    for (code, name, parent) in [
        ("FJ1", "城东分局", ""),
        ("FJ1P1", "东湖警务室", "FJ1"),
        ("FJ1P2", "新港警务室", "FJ1"),
    ] {
        let made = send(
            reqwest::Method::POST,
            "/units".to_owned(),
            json!({"code": code, "name": name, "kind": "other", "parent": parent}),
        )
        .await
        .unwrap();
        assert_eq!(made.status(), 201);
    }
    let office = crate::harness::office();
    let before = app.services.coverage(&office, None).await.unwrap();
    assert_eq!(
        unit_findings(&before),
        ["城东派出所", "城东分局", "东湖警务室", "新港警务室"]
    );
    // A joint branch set up in one 警务室 names the other.
    let mut form = crate::harness::org_form("JW", "警务室联合党支部", "branch", "DW");
    form.unit = "FJ1P1".to_owned();
    form.is_joint = "1".to_owned();
    let joint = app.services.create_org(&office, &form).await.unwrap();
    let named = send(
        reqwest::Method::PUT,
        format!("/orgs/{joint}/units"),
        json!({"units": ["FJ1P2", "NOPE"]}),
    )
    .await
    .unwrap();
    assert_eq!(named.status(), 422);
    assert!(named.text().await.unwrap().contains("NOPE"));
    let named = send(
        reqwest::Method::PUT,
        format!("/orgs/{joint}/units"),
        json!({"units": ["fj1p2"]}),
    )
    .await
    .unwrap();
    assert_eq!(named.status(), 200);
    let named = named.json::<Value>().await.unwrap();
    assert_eq!(named[0]["code"], "FJ1P2");
    assert_eq!(named[0]["parent_code"], "FJ1");
    let after = app.services.coverage(&office, None).await.unwrap();
    assert_eq!(unit_findings(&after), ["城东派出所", "城东分局"]);
    // A branch that is not joint names no other unit.
    let plain = send(
        reqwest::Method::PUT,
        format!("/orgs/{}/units", app.fixture.b),
        json!({"units": ["FJ1"]}),
    )
    .await
    .unwrap();
    assert_eq!(plain.status(), 422);
    // The org page shows what the joint branch covers; the unit list says so.
    let page = app
        .login_as("office2", Role::CommitteeStaff, None, None)
        .await;
    let org_page = page
        .get(app.url(&format!("/orgs/{joint}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(org_page.contains("联合党支部覆盖的单位") && org_page.contains("新港警务室（FJ1P2）"));
    let units_page = page
        .get(app.url("/units"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(units_page.contains("联合党支部覆盖"));
    // A unit abolished is not looked for; a subtree answers for the units below its own.
    let abolished = send(
        reqwest::Method::POST,
        "/units".to_owned(),
        json!({"code": "OLD", "name": "已撤销的所", "kind": "police_station", "valid_from": "2001-01-01", "valid_to": "2020-01-01"}),
    )
    .await
    .unwrap();
    assert_eq!(abolished.status(), 201);
    let later = app.services.coverage(&office, None).await.unwrap();
    assert!(!unit_findings(&later).contains(&"已撤销的所".to_owned()));
    let branch = app.services.coverage(&office, Some("JW")).await.unwrap();
    assert!(unit_findings(&branch).is_empty(), "{:?}", branch.findings);
}
