//! 党费 over HTTP (issue 17, 1–3): assessments by bracket with the pay sealed and shown only
//! to the keeper and the member; the month's run, payments one by one and by batch, the
//! back-pay limit, voluntary payments for the centre; arrears and the six-month rule with an
//! injected clock; hardship reductions approved from above; the reconciliation adding up.

use chrono::TimeDelta;
use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token, location};

pub(crate) fn assessment(from: &str, income_fen: u64, tax_fen: u64) -> Value {
    json!({"category": "employed", "from_month": from, "income_fen": income_fen,
        "income_tax_fen": tax_fen, "reason": "annual"})
}

pub(crate) async fn run(app: &TestApp, office: &str, month: &str) -> Value {
    let (status, body) = call(
        app,
        office,
        Method::POST,
        "/dues/runs",
        Some(json!({"month": month})),
    )
    .await;
    assert_eq!(status, 201, "{month}: {body}");
    body
}

/// Issue 17, 2: the bracket of the whole base; the pay opens for the keeper and the member
/// only; the secretary and the office see amounts.
#[tokio::test]
async fn pay_is_seen_by_the_keeper_and_the_member_alone() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let keeper = token(&app, "keeper_a1", Role::DuesKeeper, Some("A1"), None).await;
    let keeper_a2 = token(&app, "keeper_a2", Role::DuesKeeper, Some("A2"), None).await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;
    let path = format!("/members/{}/dues/assessments", f.member_a1);

    // 6,000 less 100 tax = 5,900: the whole of it at 1.5 % (not marginal) = 88.50.
    let (status, body) = call(
        &app,
        &keeper,
        Method::POST,
        &path,
        Some(assessment("2026-01", 600_000, 10_000)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["monthly_fen"], 8850);
    // 3,000.01 is in the 1 % bracket; 3,000.00 in the 0.5 %.
    let second = format!("/members/{}/dues/assessments", f.member_a1_second);
    let (_, body) = call(
        &app,
        &keeper,
        Method::POST,
        &second,
        Some(assessment("2026-01", 300_001, 0)),
    )
    .await;
    assert_eq!(body["monthly_fen"], 3000);
    let (_, body) = call(
        &app,
        &keeper,
        Method::POST,
        &second,
        Some(assessment("2026-01", 300_000, 0)),
    )
    .await;
    assert_eq!(
        body["monthly_fen"], 1500,
        "the same month's assessment is corrected"
    );

    // Bad input at its field, nothing written.
    for (input, field) in [
        (
            json!({"category": "employed", "reason": "annual"}),
            "income",
        ),
        (
            json!({"category": "employed", "income_fen": 100, "income_tax_fen": 200, "reason": "annual"}),
            "income_tax",
        ),
        (
            json!({"category": "nobody", "reason": "annual"}),
            "category",
        ),
        (json!({"category": "student", "reason": "why"}), "reason"),
        (
            json!({"category": "student", "from_month": "2026-13", "reason": "annual"}),
            "from_month",
        ),
        // Before the member joined (2010-07-01).
        (
            json!({"category": "student", "from_month": "2010-06", "reason": "annual"}),
            "from_month",
        ),
        (
            json!({"category": "farmer", "amount_fen": 500, "reason": "annual"}),
            "amount",
        ),
    ] {
        let (status, body) = call(&app, &keeper, Method::POST, &path, Some(input.clone())).await;
        assert_eq!(status, 422, "{input}: {body}");
        assert_eq!(body["fields"][0]["field"], field, "{input}: {body}");
    }

    let dues = format!("/members/{}/dues?year=2026", f.member_a1);
    let (_, seen) = call(&app, &keeper, Method::GET, &dues, None).await;
    assert_eq!(seen["assessments"][0]["pay"]["base_fen"], 590_000);
    assert_eq!(seen["assessments"][0]["pay"]["income_tax_fen"], 10_000);
    let (_, own) = call(&app, &member, Method::GET, &dues, None).await;
    assert_eq!(own["assessments"][0]["pay"]["base_fen"], 590_000);
    for reader in [&secretary, &office] {
        let (status, body) = call(&app, reader, Method::GET, &dues, None).await;
        assert_eq!(status, 200);
        assert_eq!(body["assessments"][0]["monthly_fen"], 8850);
        assert!(body["assessments"][0]["pay"].is_null(), "{body}");
    }
    // Out of scope: another branch's keeper, another member.
    let (status, _) = call(&app, &keeper_a2, Method::GET, &dues, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &member,
        Method::GET,
        &format!("/members/{}/dues", f.member_a1_second),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // Only the keeper assesses.
    for other in [&secretary, &office, &member] {
        let (status, _) = call(
            &app,
            other,
            Method::POST,
            &path,
            Some(assessment("2026-02", 500_000, 0)),
        )
        .await;
        assert_eq!(status, 403);
    }
    // The pay never reaches the audit trail; reading it is on record.
    let assessed = app.audit("dues.assess", None).await;
    assert!(!assessed.is_empty());
    for row in &assessed {
        let detail = row.detail.clone().unwrap_or_default();
        assert!(
            !detail.contains("600000") && !detail.contains("590000"),
            "{detail}"
        );
    }
    assert!(!app.audit("dues.pay.view", None).await.is_empty());
}

/// Issue 17, 1 and 3: the run, payments, the limits of what a payment may be for, voluntary
/// payments, the sheet and a reconciliation that adds up.
#[tokio::test]
async fn a_month_is_charged_paid_and_reconciled() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let keeper = token(&app, "keeper", Role::DuesKeeper, Some("ZZA"), None).await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    for (member, income) in [(f.member_a1, 600_000), (f.member_a1_second, 450_000)] {
        let (status, _) = call(
            &app,
            &keeper,
            Method::POST,
            &format!("/members/{member}/dues/assessments"),
            Some(assessment("2026-01", income, 0)),
        )
        .await;
        assert_eq!(status, 201);
    }
    // The A2 member has no assessment: left uncharged and counted, never 0.
    let body = run(&app, &office, "2026-01").await;
    assert_eq!(body["charged"], 2);
    assert!(body["unassessed"].as_u64().unwrap() >= 1, "{body}");
    let body = run(&app, &office, "2026-01").await;
    assert_eq!(body["charged"], 0, "a second run writes nothing");
    run(&app, &keeper, "2026-02").await;
    run(&app, &keeper, "2026-03").await;
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        "/dues/runs",
        Some(json!({"month": "2026-04"})),
    )
    .await;
    assert_eq!(status, 422, "no month ahead");
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        "/dues/runs",
        Some(json!({"month": "2026-03"})),
    )
    .await;
    assert_eq!(status, 403);

    // The collection day: both pay January at once; a second time pays nobody.
    let batch = json!({"month": "2026-01", "paid_on": "2026-01-10", "members": [f.member_a1, f.member_a1_second]});
    let (status, body) = call(
        &app,
        &keeper,
        Method::POST,
        "/dues/payments",
        Some(batch.clone()),
    )
    .await;
    assert_eq!((status, body["paid"].as_u64()), (201, Some(2)));
    let (_, body) = call(&app, &keeper, Method::POST, "/dues/payments", Some(batch)).await;
    assert_eq!(body["paid"], 0);
    let pay = format!("/members/{}/dues/payments", f.member_a1);
    // By proxy: the proxy is named.
    let (status, body) = call(
        &app,
        &keeper,
        Method::POST,
        &pay,
        Some(json!({"kind": "proxy", "from_month": "2026-02"})),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("proxy"))
    );
    let (status, body) = call(
        &app,
        &keeper,
        Method::POST,
        &pay,
        Some(json!({"kind": "proxy", "from_month": "2026-02", "proxy": "李四"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Not ahead of its month, not twice, not a month never charged.
    for (input, field) in [
        (
            json!({"kind": "in_person", "from_month": "2026-04"}),
            "from_month",
        ),
        (
            json!({"kind": "in_person", "from_month": "2026-02"}),
            "from_month",
        ),
        (
            json!({"kind": "in_person", "from_month": "2025-12"}),
            "from_month",
        ),
        (
            json!({"kind": "in_person", "from_month": "2026-03", "paid_on": "2026-04-01"}),
            "paid_on",
        ),
        (
            json!({"kind": "in_person", "from_month": "2026-03", "to_month": "2026-01"}),
            "to_month",
        ),
    ] {
        let (status, body) = call(&app, &keeper, Method::POST, &pay, Some(input.clone())).await;
        assert_eq!(status, 422, "{input}: {body}");
        assert_eq!(body["fields"][0]["field"], field, "{input}: {body}");
    }
    // Voluntary: 1,000 yuan goes whole to the centre, 999.99 does not.
    for (fen, centre) in [(100_000, true), (99_999, false)] {
        let (status, body) = call(
            &app,
            &keeper,
            Method::POST,
            &pay,
            Some(json!({"kind": "voluntary", "amount_fen": fen})),
        )
        .await;
        assert_eq!(status, 201);
        let id = body["payments"][0].as_i64().unwrap();
        let (_, p) = call(
            &app,
            &keeper,
            Method::GET,
            &format!("/dues/payments/{id}"),
            None,
        )
        .await;
        assert_eq!(p["to_centre"], centre);
        assert!(p["receipt"].as_str().unwrap().starts_with("DF20260328"));
    }

    // The sheet of A1 for February, and who owes (March is this month: not yet owed).
    let (_, sheet) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/dues/orgs/{}/sheet?month=2026-02", f.a1),
        None,
    )
    .await;
    let lines = sheet["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    let first = lines
        .iter()
        .find(|l| l["member_id"] == f.member_a1)
        .unwrap();
    assert_eq!(
        (first["due_fen"].as_i64(), first["paid_fen"].as_i64()),
        (Some(9000), Some(9000))
    );
    let (_, arrears) = call(&app, &secretary, Method::GET, "/dues/arrears", None).await;
    let arrears = arrears.as_array().unwrap();
    assert_eq!(arrears.len(), 1, "{arrears:?}");
    assert_eq!(arrears[0]["member_id"], f.member_a1_second);
    assert_eq!(arrears[0]["owed_fen"], 4500);
    assert!(arrears[0]["lapse"].is_null());

    // Reconciliation of January to March: every line is the sum of what lies below it.
    let (_, ledger) = call(
        &app,
        &office,
        Method::GET,
        "/dues/ledger?from=2026-01&to=2026-03",
        None,
    )
    .await;
    let due = 3 * (9000 + 4500);
    let paid = 9000 + 4500 + 9000;
    assert_eq!(ledger["total"]["due_fen"], due, "{ledger}");
    assert_eq!(ledger["total"]["paid_fen"], paid);
    let (_, below) = call(
        &app,
        &office,
        Method::GET,
        &format!("/dues/ledger?org={}&from=2026-01&to=2026-03", f.general_a),
        None,
    )
    .await;
    let sum: i64 = below["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["totals"]["due_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, due);
    assert_eq!(below["total"]["due_fen"], due);
    // The same period as the workbook a finance office files: by org, and month by month.
    let web = app
        .login_as("office_web", Role::CommitteeStaff, None, None)
        .await;
    let export = web
        .get(app.url(&format!(
            "/dues/ledger.xlsx?org={}&from=2026-01&to=2026-03",
            f.general_a
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let rows = crate::exports::cells(export.bytes().await.unwrap().to_vec());
    let total = rows.iter().find(|r| r[0] == "合计").unwrap();
    assert_eq!(
        &total[2..5],
        [
            format!("{}", due as f64 / 100.0),
            format!("{}", paid as f64 / 100.0),
            format!("{}", (due - paid) as f64 / 100.0)
        ],
        "{rows:?}"
    );
    let (status, _) = call(
        &app,
        &office,
        Method::GET,
        "/dues/ledger?from=2026-03&to=2026-01",
        None,
    )
    .await;
    assert_eq!(status, 422);
}

/// R3.12 and R3.13: back pay beyond the limit needs a reason; the six-month rule is counted
/// over the months before this one and moves with the clock.
#[tokio::test]
async fn back_pay_limit_and_the_six_month_rule() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let keeper = token(&app, "keeper", Role::DuesKeeper, Some("A1"), None).await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let (status, _) = call(
        &app,
        &keeper,
        Method::POST,
        &format!("/members/{}/dues/assessments", f.member_a1),
        Some(assessment("2025-06", 600_000, 0)),
    )
    .await;
    assert_eq!(status, 201);
    for month in [
        "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01",
        "2026-02", "2026-03",
    ] {
        run(&app, &office, month).await;
    }
    let standing = |body: &Value| {
        (
            body["lapse"]["level"].as_str().map(str::to_owned),
            body["lapse"]["months"].as_u64(),
        )
    };
    let dues = format!("/members/{}/dues", f.member_a1);
    let (_, d) = call(&app, &keeper, Method::GET, &dues, None).await;
    assert_eq!(standing(&d), (Some("reached".to_owned()), Some(9)));
    assert_eq!(d["arrears_fen"], 9 * 9000);
    let (_, list) = call(&app, &office, Method::GET, "/dues/arrears", None).await;
    assert_eq!(list[0]["lapse"]["level"], "reached");

    // August paid on 28 March: seven months back needs a reason.
    let pay = format!("/members/{}/dues/payments", f.member_a1);
    let (status, body) = call(
        &app,
        &keeper,
        Method::POST,
        &pay,
        Some(json!({"kind": "in_person", "from_month": "2025-08"})),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("超过6个月")
    );
    let (status, _) = call(
        &app,
        &keeper,
        Method::POST,
        &pay,
        Some(
            json!({"kind": "in_person", "from_month": "2025-08", "reason": "外派援藏，返回后补交"}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    // July to September within one form: all or nothing — July needs a reason, so September
    // (within the limit) is not kept either.
    let (status, _) = call(
        &app,
        &keeper,
        Method::POST,
        &pay,
        Some(json!({"kind": "in_person", "from_month": "2025-07", "to_month": "2025-09"})),
    )
    .await;
    assert_eq!(status, 422);
    let (_, d) = call(&app, &keeper, Method::GET, &dues, None).await;
    assert_eq!(
        standing(&d),
        (Some("reached".to_owned()), Some(6)),
        "nothing of the refused form was kept"
    );
    let (status, _) = call(
        &app,
        &keeper,
        Method::POST,
        &pay,
        Some(json!({"kind": "in_person", "from_month": "2025-12"})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, d) = call(&app, &keeper, Method::GET, &dues, None).await;
    assert_eq!(
        standing(&d),
        (None, None),
        "two months unpaid in a row: no warning yet"
    );

    // Five weeks on, in May: January to April unpaid — the warning from the fourth month.
    app.clock.advance(TimeDelta::days(40));
    let office = token(&app, "office_may", Role::CommitteeStaff, None, None).await;
    let keeper = token(&app, "keeper_may", Role::DuesKeeper, Some("A1"), None).await;
    run(&app, &office, "2026-04").await;
    run(&app, &office, "2026-05").await;
    let (_, d) = call(&app, &keeper, Method::GET, &dues, None).await;
    assert_eq!(standing(&d), (Some("warning".to_owned()), Some(4)));
    // A quarter paid ahead in May writes June's charge and pays it.
    let (status, body) = call(
        &app,
        &keeper,
        Method::POST,
        &pay,
        Some(json!({"kind": "quarterly", "from_month": "2026-05", "to_month": "2026-06"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, d) = call(
        &app,
        &keeper,
        Method::GET,
        &format!("{dues}?year=2026"),
        None,
    )
    .await;
    let june = d["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == "2026-06")
        .cloned()
        .unwrap();
    assert_eq!(
        (june["due_fen"].as_i64(), june["paid_fen"].as_i64()),
        (Some(9000), Some(9000))
    );
    let (status, _) = call(
        &app,
        &keeper,
        Method::POST,
        &pay,
        Some(json!({"kind": "quarterly", "from_month": "2026-07"})),
    )
    .await;
    assert_eq!(status, 422, "not the next quarter");
}

/// 第七条: the branch decides, the committee approves; the months charged follow.
#[tokio::test]
async fn hardship_reductions_are_approved_from_above() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let keeper = token(&app, "keeper", Role::DuesKeeper, Some("A1"), None).await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    call(
        &app,
        &keeper,
        Method::POST,
        &format!("/members/{}/dues/assessments", f.member_a1),
        Some(assessment("2026-01", 600_000, 0)),
    )
    .await;
    run(&app, &office, "2026-01").await;
    run(&app, &office, "2026-02").await;
    let reduce = format!("/members/{}/dues/reductions", f.member_a1);
    let (status, body) = call(&app, &keeper, Method::POST, &reduce,
        Some(json!({"from_month": "2026-02", "to_month": "2026-12", "amount_fen": 9000, "reason": "家属重病", "branch_decided_on": "2026-02-05"}))).await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("amount")),
        "no reduction at all"
    );
    let (status, body) = call(&app, &keeper, Method::POST, &reduce,
        Some(json!({"from_month": "2026-02", "to_month": "2026-12", "amount_fen": 0, "reason": "家属重病"}))).await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("branch_decided_on"))
    );
    let (status, proposed) = call(&app, &keeper, Method::POST, &reduce,
        Some(json!({"from_month": "2026-02", "to_month": "2026-12", "amount_fen": 0, "reason": "家属重病", "branch_decided_on": "2026-02-05"}))).await;
    assert_eq!(status, 201, "{proposed}");
    assert_eq!(proposed["status"], "proposed");
    let id = proposed["id"].as_i64().unwrap();
    let decision =
        json!({"version": proposed["version"], "decision": "approve", "decided_on": "2026-02-20"});
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/dues/reductions/{id}/decision"),
        Some(decision.clone()),
    )
    .await;
    assert_eq!(status, 403, "the branch does not approve its own decision");
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/dues/reductions/{id}/decision"),
        Some(decision.clone()),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/dues/reductions/{id}/decision"),
        Some(decision),
    )
    .await;
    assert_eq!(status, 409);
    // February (already charged) and March (charged now) are exempt; January is not.
    run(&app, &office, "2026-03").await;
    let (_, d) = call(
        &app,
        &keeper,
        Method::GET,
        &format!("/members/{}/dues?year=2026", f.member_a1),
        None,
    )
    .await;
    let due: Vec<i64> = d["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["due_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(due, [9000, 0, 0]);
    assert_eq!(d["reductions"][0]["status"], "approved");
    assert_eq!(d["arrears_fen"], 9000);
}

/// The pages: the keeper assesses (a refusal at its field keeps what was typed), marks the
/// month on the branch sheet; a member's 党费 is their own page.
#[tokio::test]
async fn the_keeper_works_from_the_pages_and_a_member_sees_their_own() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let keeper = app
        .login_as("keeper_web", Role::DuesKeeper, Some("A1"), None)
        .await;
    let page = format!("/dues/members/{}", f.member_a1);
    let refused = app
        .post_form(
            &keeper,
            &format!("{page}/assessment"),
            &[
                ("category", "employed"),
                ("from_month", "2026-01"),
                ("reason", "annual"),
                ("income", "六千"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("金额须为数字") && body.contains("六千"),
        "the message at the field, the input kept"
    );
    let saved = app
        .post_form(
            &keeper,
            &format!("{page}/assessment"),
            &[
                ("category", "employed"),
                ("from_month", "2026-01"),
                ("reason", "annual"),
                ("income", "6000"),
                ("income_tax", "100"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let body = keeper
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("5900.00元") && body.contains("88.50元") && body.contains("1.5%"),
        "{body}"
    );

    let run = app
        .post_form(&keeper, "/dues/run", &[("month", "2026-03")])
        .await;
    assert_eq!(run.status(), 303);
    let sheet = format!("/dues/orgs/{}?month=2026-03", f.a1);
    let body = keeper
        .get(app.url(&sheet))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("尚未核定") && body.contains("88.50"),
        "one unassessed member, one charged"
    );
    let member = f.member_a1.to_string();
    let paid = app
        .post_form(
            &keeper,
            &format!("/dues/orgs/{}/payments", f.a1),
            &[
                ("month", "2026-03"),
                ("paid_on", "2026-03-10"),
                ("member", &member),
            ],
        )
        .await;
    assert_eq!(paid.status(), 303);
    let body = keeper
        .get(app.url(&sheet))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("已交清"));

    let own = app
        .login_as("m_web", Role::Member, None, Some("200001"))
        .await;
    let landing = own.get(app.url("/dues")).send().await.unwrap();
    assert_eq!(
        location(&landing),
        page,
        "the member is sent to their own dues"
    );
    let body = own
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("我的党费") && body.contains("5900.00元") && body.contains("DF20260310"));
    assert!(!body.contains("核定党费</h2>"), "a member records nothing");
    // The receipt, with the amount in capitals as finance offices write it.
    let receipt = body
        .split("/dues/payments/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a receipt link")
        .to_owned();
    let printed = own
        .get(app.url(&format!("/dues/payments/{receipt}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        printed.contains("党费收据") && printed.contains("捌拾捌元伍角整"),
        "{printed}"
    );
    let other = app
        .login_as("m_other", Role::Member, None, Some("200002"))
        .await;
    let refused = other
        .get(app.url(&format!("/dues/payments/{receipt}")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404, "not another member's receipt");
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
    assert!(
        body.contains("88.50元") && !body.contains("5900.00"),
        "the secretary sees amounts, not pay"
    );
}

/// Issue 17, 4: the annual disclosure of a branch — each member's year, what is kept and
/// remitted, voluntary payments for the centre, the uses paid from dues — published to its
/// members, printable and as a workbook.
#[tokio::test]
async fn the_year_is_disclosed_to_the_branch() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let keeper = token(&app, "keeper", Role::DuesKeeper, Some("A1"), None).await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let office2 = token(&app, "office2", Role::CommitteeStaff, None, None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;
    for (m, income) in [(f.member_a1, 600_000), (f.member_a1_second, 450_000)] {
        call(
            &app,
            &keeper,
            Method::POST,
            &format!("/members/{m}/dues/assessments"),
            Some(assessment("2026-01", income, 0)),
        )
        .await;
    }
    run(&app, &office, "2026-01").await;
    run(&app, &office, "2026-02").await;
    call(&app, &keeper, Method::POST, "/dues/payments",
        Some(json!({"month": "2026-01", "paid_on": "2026-01-10", "members": [f.member_a1, f.member_a1_second]}))).await;
    for fen in [100_000, 20_000] {
        call(
            &app,
            &keeper,
            Method::POST,
            &format!("/members/{}/dues/payments", f.member_a1),
            Some(json!({"kind": "voluntary", "amount_fen": fen})),
        )
        .await;
    }
    // A use paid from dues, approved by the office.
    let (_, line) = call(
        &app,
        &office,
        Method::POST,
        &format!("/orgs/{}/funds/lines", f.a1),
        Some(
            json!({"year": 2026, "source": "党费", "category": "materials", "amount_fen": 50_000}),
        ),
    )
    .await;
    let (_, spent) = call(&app, &keeper, Method::POST, "/funds/expenses",
        Some(json!({"line_id": line["id"], "item": "资料费", "amount_fen": 30_000, "spent_on": "2026-03-01",
            "description": "订阅党建期刊", "decision": "2026年2月27日支委会"}))).await;
    let (status, _) = call(
        &app,
        &office2,
        Method::POST,
        &format!("/funds/expenses/{}/decision", spent["id"]),
        Some(json!({"version": 1, "decision": "approve"})),
    )
    .await;
    assert_eq!(status, 204);

    let path = format!("/dues/orgs/{}/disclosure?year=2026", f.a1);
    let (status, d) = call(&app, &member, Method::GET, &path, None).await;
    assert_eq!(status, 200, "a member reads their own branch's: {d}");
    assert_eq!(d["lines"].as_array().unwrap().len(), 2);
    assert_eq!(d["due_fen"], 2 * (9000 + 4500));
    assert_eq!(d["paid_fen"], 9000 + 4500);
    assert_eq!(
        (d["voluntary_fen"].as_i64(), d["to_centre_fen"].as_i64()),
        (Some(120_000), Some(100_000))
    );
    // The branch keeps nothing by default: all but the centre's share goes up.
    assert_eq!(d["kept_fen"], 0);
    assert_eq!(d["remitted_fen"], 9000 + 4500 + 20_000);
    assert_eq!(d["uses"][0]["amount_fen"], 30_000);
    let (status, _) = call(
        &app,
        &member,
        Method::GET,
        &format!("/dues/orgs/{}/disclosure", f.a2),
        None,
    )
    .await;
    assert_eq!(status, 404, "not another branch's");

    let secretary = app
        .login_as("sec_web", Role::OrgSecretary, Some("A1"), None)
        .await;
    let page = secretary
        .get(app.url(&format!("/dues/orgs/{}/disclosure?year=2026", f.a1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("党费收缴使用情况")
            && page.contains("订阅党建期刊")
            && page.contains("135.00")
    );
    let xlsx = secretary
        .get(app.url(&format!("/dues/orgs/{}/disclosure.xlsx?year=2026", f.a1)))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(
        xlsx.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(!app.audit("dues.disclosure", None).await.is_empty());

    // The month as finance offices print it: each member, then the orgs below.
    let month = secretary
        .get(app.url(&format!("/dues/orgs/{}/sheet.xlsx?month=2026-01", f.a1)))
        .send()
        .await
        .unwrap();
    assert_eq!(month.status(), 200);
    // Named with the org and the month, as an office files it.
    let name = crate::exports::file_name(&month);
    assert_eq!(name, "支部A1-党费收缴-2026-01.xlsx");
    let rows = crate::exports::cells(month.bytes().await.unwrap().to_vec());
    assert!(rows[0][0].contains("2026年1月党费收缴"), "{rows:?}");
    assert!(rows[1][0].contains("导出人：sec_web"), "watermarked");
    // Amounts are numbers (yuan, two decimals shown), so the office can sum them.
    let yuan = |cell: &str| cell.parse::<f64>().unwrap_or(f64::NAN);
    assert!(
        rows.iter()
            .any(|r| r[0] == "测试乙" && yuan(&r[2]) == 90.0 && r[4] == "已交清"),
        "{rows:?}"
    );
    let total = rows.last().unwrap();
    assert_eq!(total[0], "合计");
    assert_eq!((yuan(&total[2]), yuan(&total[3])), (135.0, 135.0));
    assert!(!app.audit("dues.export", None).await.is_empty());
}
