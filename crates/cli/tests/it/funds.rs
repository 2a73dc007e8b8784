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
}
