//! 党建经费 over HTTP (issue 17, 5): the office budgets an org's year by line; an org proposes
//! expenditures, each checked against the negative list, the caps and what remains of its
//! line; the office approves or refuses, never its own proposal; budget against actual.

use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token};

fn expense(line: i64, item: &str, fen: u64) -> Value {
    json!({"line_id": line, "item": item, "amount_fen": fen, "spent_on": "2026-03-20",
        "description": "支部主题党日学习资料", "decision": "2026年3月5日支委会"})
}

async fn decide(
    app: &TestApp,
    who: &str,
    id: i64,
    version: i64,
    decision: &str,
    note: &str,
) -> (u16, Value) {
    let body =
        json!({"version": version, "decision": decision, "decided_on": "2026-03-25", "note": note});
    call(
        app,
        who,
        Method::POST,
        &format!("/funds/expenses/{id}/decision"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn expenses_are_checked_against_the_budget_and_approved_from_above() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let office2 = token(&app, "office2", Role::CommitteeStaff, None, None).await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let secretary_b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;

    // The office budgets A1's year; the secretary cannot.
    let lines = format!("/orgs/{}/funds/lines", f.a1);
    let line = |source: &str, category: &str, fen: u64| json!({"year": 2026, "source": source, "category": category, "amount_fen": fen});
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &lines,
        Some(line("党费", "training", 100_000)),
    )
    .await;
    assert_eq!(status, 403);
    for (input, field) in [
        (line("彩票", "training", 100), "source"),
        (line("党费", "banquets", 100), "category"),
        (
            json!({"year": 1999, "source": "党费", "category": "training", "amount_fen": 100}),
            "year",
        ),
    ] {
        let (status, body) = call(&app, &office, Method::POST, &lines, Some(input.clone())).await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (422, Some(field)),
            "{input}"
        );
    }
    let (status, body) = call(
        &app,
        &office,
        Method::POST,
        &lines,
        Some(line("党费", "training", 100_000)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let training = body["id"].as_i64().unwrap();
    let (_, body) = call(
        &app,
        &office,
        Method::POST,
        &lines,
        Some(line("财政党建经费", "meetings", 500_000)),
    )
    .await;
    let meetings = body["id"].as_i64().unwrap();

    // The negative list, with its reason; the caps; the line's remainder.
    let propose = |body: Value| {
        call(
            &app,
            &secretary,
            Method::POST,
            "/funds/expenses",
            Some(body),
        )
    };
    let (status, body) = propose(expense(
        training,
        "购置电脑、复印机、打印机、传真机等",
        50_000,
    ))
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"][0]["field"], "item");
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("不得列支：严禁购置电脑")
    );
    let mut meals = expense(meetings, "伙食费", 120_001);
    meals["persons"] = json!(30);
    meals["days"] = json!(1);
    let (status, body) = propose(meals.clone()).await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("amount")),
        "30 people one day: 1,200 at most"
    );
    meals["amount_fen"] = json!(120_000);
    let (status, _) = propose(meals).await;
    assert_eq!(status, 201);
    let (status, body) = propose(expense(training, "资料费", 100_001)).await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("amount"))
    );
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("尚可使用1000.00元")
    );
    let (status, body) = propose(expense(training, "资料费", 60_000)).await;
    assert_eq!(status, 201, "{body}");
    let first = body["id"].as_i64().unwrap();
    // What waits counts: a second 600 would overrun the 1,000 line.
    let (status, _) = propose(expense(training, "资料费", 60_000)).await;
    assert_eq!(status, 422);
    let (status, _) =
        propose(json!({"line_id": training, "item": "资料费", "amount_fen": 100})).await;
    assert_eq!(status, 422, "no decision, no description");
    // Another branch's secretary cannot spend A1's line; a member cannot see the budget.
    let (status, _) = call(
        &app,
        &secretary_b,
        Method::POST,
        "/funds/expenses",
        Some(expense(training, "资料费", 100)),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &member,
        Method::GET,
        &format!("/orgs/{}/funds", f.a1),
        None,
    )
    .await;
    assert_eq!(status, 403);

    // The office decides; not the secretary, not twice; a refusal gives its reason.
    assert_eq!(
        decide(&app, &secretary, first, 1, "approve", "").await.0,
        403
    );
    assert_eq!(
        decide(&app, &office, first, 1, "refuse", "").await.1["fields"][0]["field"],
        "note"
    );
    assert_eq!(decide(&app, &office, first, 1, "approve", "").await.0, 204);
    assert_eq!(decide(&app, &office, first, 1, "approve", "").await.0, 409);
    // The office's own proposal is decided by someone else.
    let (status, body) = call(
        &app,
        &office,
        Method::POST,
        "/funds/expenses",
        Some(expense(training, "资料费", 10_000)),
    )
    .await;
    assert_eq!(status, 201);
    let own = body["id"].as_i64().unwrap();
    assert_eq!(
        decide(&app, &office, own, 1, "approve", "").await.1["fields"][0]["field"],
        "decision"
    );
    assert_eq!(
        decide(&app, &office2, own, 1, "refuse", "与主题党日无关")
            .await
            .0,
        204
    );

    // Budget against actual; a line cannot be cut below what is committed.
    let (_, budget) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/orgs/{}/funds?year=2026", f.a1),
        None,
    )
    .await;
    let training_line = budget["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == training)
        .unwrap()
        .clone();
    assert_eq!(training_line["approved_fen"], 60_000);
    assert_eq!(training_line["pending_fen"], 0);
    assert_eq!(training_line["remaining_fen"], 40_000);
    assert_eq!(budget["budget_fen"], 600_000);
    let (status, body) = call(
        &app,
        &office,
        Method::POST,
        &lines,
        Some(line("党费", "training", 59_999)),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("amount"))
    );
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &lines,
        Some(line("党费", "training", 60_000)),
    )
    .await;
    assert_eq!(status, 201);
    assert!(!app.audit("funds.expense.decide", None).await.is_empty());
}

#[tokio::test]
async fn the_budget_page_shows_budget_against_actual() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = app
        .login_as("office_web", Role::CommitteeStaff, None, None)
        .await;
    let landing = office.get(app.url("/funds")).send().await.unwrap();
    assert_eq!(landing.status(), 303);
    let page = format!("/funds/orgs/{}", f.a1);
    let refused = app
        .post_form(
            &office,
            &format!("{page}/lines"),
            &[
                ("year", "2026"),
                ("source", "党费"),
                ("category", "training"),
                ("amount", "一千"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("金额须为数字"));
    let saved = app
        .post_form(
            &office,
            &format!("{page}/lines"),
            &[
                ("year", "2026"),
                ("source", "党费"),
                ("category", "training"),
                ("amount", "1000"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let secretary = app
        .login_as("sec_web", Role::OrgSecretary, Some("A1"), None)
        .await;
    let body = secretary
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("教育培训") && body.contains("1000.00") && body.contains("申请支出"));
    assert!(
        body.contains("严禁借党建活动名义组织会餐或安排宴请"),
        "the negative list beside the form"
    );
    assert!(
        !body.contains("编制或调整预算科目"),
        "the secretary does not budget"
    );

    // A second line to move money to; a transfer refused at its field, then one proposed and
    // approved by the office from the page; a voucher uploaded from the page.
    for (category, amount) in [("care", "200")] {
        let saved = app
            .post_form(
                &office,
                &format!("{page}/lines"),
                &[
                    ("year", "2026"),
                    ("source", "党费"),
                    ("category", category),
                    ("amount", amount),
                ],
            )
            .await;
        assert_eq!(saved.status(), 303);
    }
    let api = token(&app, "office_api", Role::CommitteeStaff, None, None).await;
    let (_, budget) = call(
        &app,
        &api,
        Method::GET,
        &format!("/orgs/{}/funds?year=2026", f.a1),
        None,
    )
    .await;
    let line_of = |category: &str| {
        budget["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["category"] == category)
            .unwrap()["id"]
            .to_string()
    };
    let (training, care) = (line_of("training"), line_of("care"));
    let refused = app
        .post_form(
            &secretary,
            &format!("{page}/transfers"),
            &[
                ("from_line", &training),
                ("to_line", &care),
                ("amount", "1000.01"),
                ("reason", "帮扶"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(text.contains("超过调出科目的余额"));
    assert_eq!(
        text.matches("value=\"1000.01\"").count(),
        1,
        "what was typed stays in the refused form only, not in the others' amount fields"
    );
    let proposed = app
        .post_form(
            &secretary,
            &format!("{page}/transfers"),
            &[
                ("from_line", &training),
                ("to_line", &care),
                ("amount", "100"),
                ("reason", "帮扶"),
            ],
        )
        .await;
    assert_eq!(proposed.status(), 303);
    let (_, budget) = call(
        &app,
        &api,
        Method::GET,
        &format!("/orgs/{}/funds?year=2026", f.a1),
        None,
    )
    .await;
    let transfer = budget["transfers"][0]["id"].as_i64().unwrap();
    let approved = app
        .post_form(
            &office,
            &format!("{page}/transfers/{transfer}/decision"),
            &[
                ("version", "1"),
                ("decision", "approve"),
                ("decided_on", ""),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(approved.status(), 303);
    let (status, spent) = call(
        &app,
        &token(&app, "sec_api", Role::OrgSecretary, Some("A1"), None).await,
        Method::POST,
        "/funds/expenses",
        Some(expense(care.parse().unwrap(), "资料费", 5_000)),
    )
    .await;
    assert_eq!(status, 201, "{spent}");
    let expense_id = spent["id"].as_i64().unwrap();
    let csrf = app.csrf(&secretary, &page).await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("收据.pdf"),
    );
    let uploaded = secretary
        .post(app.url(&format!("{page}/expenses/{expense_id}/vouchers")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 303);
    let body = secretary
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("科目调剂") && body.contains("已批准"),
        "{body}"
    );
    assert!(
        body.contains("900.00") && body.contains("300.00"),
        "both lines moved"
    );
    assert!(
        body.contains("收据.pdf"),
        "the voucher listed with its expenditure"
    );

    // The year as a workbook: budget against actual, the total adding up.
    let export = secretary
        .get(app.url(&format!("{page}/report.xlsx?year=2026")))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let rows = crate::exports::cells(export.bytes().await.unwrap().to_vec());
    let total = rows.iter().find(|r| r[0] == "合计").unwrap();
    assert_eq!(&total[2..6], ["1200", "0", "50", "1150"], "{rows:?}");
    assert!(!app.audit("funds.export", Some("success")).await.is_empty());
}

/// Issue 17, 5: money moves between lines only within its source, no more than the line
/// leaving it has uncommitted, and only once the office approves — then both budgets move;
/// vouchers are kept with each expenditure, checked by their bytes, read back in scope.
#[tokio::test]
async fn transfers_wait_for_approval_and_vouchers_stay_with_their_expenditure() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let secretary_b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let keeper = token(&app, "keeper_a1", Role::DuesKeeper, Some("A1"), None).await;
    let lines = format!("/orgs/{}/funds/lines", f.a1);
    let mut ids = Vec::new();
    for (source, category, fen) in [
        ("党费", "training", 100_000),
        ("党费", "care", 20_000),
        ("财政党建经费", "care", 50_000),
    ] {
        let (status, body) = call(
            &app,
            &office,
            Method::POST,
            &lines,
            Some(json!({"year": 2026, "source": source, "category": category, "amount_fen": fen})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["id"].as_i64().unwrap());
    }
    let (training, care, grant_care) = (ids[0], ids[1], ids[2]);
    // 300 yuan of training already waits for approval.
    let (status, spent) = call(
        &app,
        &secretary,
        Method::POST,
        "/funds/expenses",
        Some(expense(training, "资料费", 30_000)),
    )
    .await;
    assert_eq!(status, 201, "{spent}");
    let expense_id = spent["id"].as_i64().unwrap();

    let transfer = |from: i64, to: i64, fen: u64| json!({"from_line": from, "to_line": to, "amount_fen": fen, "reason": "支委会研究：增加困难党员帮扶"});
    for (input, field) in [
        (transfer(training, grant_care, 1_000), "to_line"),
        (transfer(training, training, 1_000), "to_line"),
        (transfer(training, care, 70_001), "amount"),
        (transfer(training, care, 0), "amount"),
        (
            json!({"from_line": training, "to_line": care, "amount_fen": 100}),
            "reason",
        ),
    ] {
        let (status, body) = call(
            &app,
            &secretary,
            Method::POST,
            "/funds/transfers",
            Some(input.clone()),
        )
        .await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (422, Some(field)),
            "{input}: {body}"
        );
    }
    // Another branch's secretary cannot touch A1's lines.
    let (status, _) = call(
        &app,
        &secretary_b,
        Method::POST,
        "/funds/transfers",
        Some(transfer(training, care, 1_000)),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = call(
        &app,
        &secretary,
        Method::POST,
        "/funds/transfers",
        Some(transfer(training, care, 50_000)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let transfer_id = body["id"].as_i64().unwrap();
    let budget = format!("/orgs/{}/funds?year=2026", f.a1);
    let budget_in = |shown: &Value, id: i64| {
        shown["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap()["budget_fen"]
            .clone()
    };
    let (_, before) = call(&app, &office, Method::GET, &budget, None).await;
    assert_eq!(
        budget_in(&before, training),
        100_000,
        "nothing moves before approval"
    );
    assert_eq!(before["transfers"][0]["status"], "proposed");

    let decide_transfer =
        |who: String, version: i64, decision: &'static str, note: &'static str| {
            let app = &app;
            async move {
                call(
                    app,
                    &who,
                    Method::POST,
                    &format!("/funds/transfers/{transfer_id}/decision"),
                    Some(json!({"version": version, "decision": decision, "note": note})),
                )
                .await
            }
        };
    // The proposer cannot approve; a stale version is refused.
    let (status, _) = decide_transfer(secretary.clone(), 1, "approve", "").await;
    assert_eq!(status, 403);
    let (status, _) = decide_transfer(office.clone(), 7, "approve", "").await;
    assert_eq!(status, 409);
    // The transfer waits on its line with the expenditures: 100,000 − 30,000 − 50,000 leaves
    // 20,000, and 300 yuan more of training no longer fits.
    let (status, body) = call(
        &app,
        &secretary,
        Method::POST,
        "/funds/expenses",
        Some(expense(training, "资料费", 30_000)),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("amount")),
        "{body}"
    );
    let (_, waiting) = call(&app, &office, Method::GET, &budget, None).await;
    let training_line = waiting["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == training)
        .unwrap()
        .clone();
    assert_eq!(training_line["pending_fen"], 80_000);
    assert_eq!(training_line["remaining_fen"], 20_000);
    let (status, body) = decide(&app, &office, expense_id, 1, "approve", "").await;
    assert_eq!(status, 204, "{body}");
    // Another, refused: it takes no vouchers later.
    let (_, other) = call(
        &app,
        &secretary,
        Method::POST,
        "/funds/expenses",
        Some(expense(training, "资料费", 10_000)),
    )
    .await;
    let refused_id = other["id"].as_i64().unwrap();
    let (status, _) = decide(&app, &office, refused_id, 1, "refuse", "重复申请").await;
    assert_eq!(status, 204);
    let (status, body) = decide_transfer(office.clone(), 1, "approve", "同意").await;
    assert_eq!(status, 204, "{body}");
    let (_, after) = call(&app, &office, Method::GET, &budget, None).await;
    let budget_of = |id: i64| budget_in(&after, id);
    assert_eq!(
        (budget_of(training), budget_of(care), budget_of(grant_care)),
        (json!(50_000), json!(70_000), json!(50_000))
    );
    assert_eq!(
        after["budget_fen"], 170_000,
        "a transfer moves money, it adds none"
    );
    assert_eq!(after["transfers"][0]["status"], "approved");
    assert_eq!(
        app.audit("funds.transfer.decide", Some("success"))
            .await
            .len(),
        1
    );

    // Vouchers: the bytes decide the type; kept with the expenditure; read back in scope.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let approved = expense_id;
    let upload = |who: &str, expense: i64, name: &str, bytes: Vec<u8>| {
        app.client()
            .post(app.url(&format!(
                "/api/v1/funds/expenses/{expense}/vouchers?name={name}"
            )))
            .bearer_auth(who)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
    };
    let refused = upload(&keeper, approved, "invoice.pdf", b"MZ\x90\x00".to_vec())
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let kept = upload(&keeper, approved, "发票.pdf", pdf.clone())
        .await
        .unwrap();
    assert_eq!(kept.status(), 201);
    let kept: Value = kept.json().await.unwrap();
    let to_refused = upload(&keeper, refused_id, "invoice.pdf", pdf.clone())
        .await
        .unwrap();
    assert_eq!(
        to_refused.status(),
        422,
        "a refused expenditure takes no vouchers"
    );
    let outside = upload(&secretary_b, approved, "invoice.pdf", pdf.clone())
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    let (_, budget_now) = call(&app, &office, Method::GET, &budget, None).await;
    let listed = budget_now["expenses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == approved)
        .unwrap()["vouchers"]
        .clone();
    assert_eq!(listed[0]["file_name"], "发票.pdf");
    let voucher = listed[0]["id"].as_i64().unwrap();
    assert_eq!(kept["id"], voucher, "the answer names the voucher kept");
    let back = app
        .client()
        .get(app.url(&format!(
            "/api/v1/funds/expenses/{approved}/vouchers/{voucher}"
        )))
        .bearer_auth(&office)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 200);
    assert_eq!(back.bytes().await.unwrap().to_vec(), pdf);
    let (status, _) = call(
        &app,
        &secretary_b,
        Method::GET,
        &format!("/funds/expenses/{approved}/vouchers/{voucher}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.audit("funds.voucher.read", Some("success")).await.len(),
        1
    );
}
