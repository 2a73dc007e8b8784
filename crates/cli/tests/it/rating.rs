//! 党组织考核评价 over HTTP (issue 19, 1–2): the committee office publishes an indicator set
//! that never changes after (a revision is the next version); a round of the branches below
//! the top reads the computed indicators from the records — 无数据 where an area kept none,
//! never 0 nor full marks — the orgs assess themselves with evidence, the org above scores the
//! rest, an objection is answered and corrects the grade, and the published grade shows on
//! the org page and in the performance-appraisal export.

use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token};

fn field(body: &Value) -> &str {
    body["fields"][0]["field"].as_str().unwrap_or_default()
}

fn message(body: &Value) -> &str {
    body["fields"][0]["message"].as_str().unwrap_or_default()
}

/// Adds an indicator to a draft at `version`; the status and body.
async fn add(
    app: &TestApp,
    office: &str,
    set: i64,
    version: &Value,
    indicator: Value,
) -> (u16, Value) {
    let mut body = indicator;
    body["version"] = version.clone();
    call(
        app,
        office,
        Method::POST,
        &format!("/assess/indicator-sets/{set}/indicators"),
        Some(body),
    )
    .await
}

/// A published branch set of org life 30, study 20, committee 10, sanctions 10 (5 a record)
/// and 30 scored by the assessor; its id and indicator ids by method.
pub(crate) async fn published_set(app: &TestApp, office: &str) -> (i64, Value) {
    let (status, created) = call(
        app,
        office,
        Method::POST,
        "/assess/indicator-sets",
        Some(json!({"name": "党支部考核", "org_kind": "branch"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["set"]["id"].as_i64().unwrap();
    let mut detail = created;
    for indicator in [
        json!({"name": "组织生活", "method": "org_life", "weight": 30}),
        json!({"name": "学时", "method": "study", "weight": 20}),
        json!({"name": "班子", "method": "committee", "weight": 10}),
        json!({"name": "处分", "method": "sanctions", "weight": 10, "per_item": "5"}),
        json!({"name": "特色工作", "method": "assessor", "weight": 30, "guide": "看活动记录和群众评价"}),
    ] {
        let (status, body) = add(app, office, id, &detail["set"]["row_version"], indicator).await;
        assert_eq!(status, 200, "{body}");
        detail = body;
    }
    let (status, published) = call(
        app,
        office,
        Method::POST,
        &format!("/assess/indicator-sets/{id}/publish"),
        Some(json!({"version": detail["set"]["row_version"]})),
    )
    .await;
    assert_eq!(status, 200, "{published}");
    (id, published)
}

pub(crate) fn indicator(set: &Value, method: &str) -> i64 {
    set["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["method"] == method)
        .and_then(|i| i["id"].as_i64())
        .unwrap()
}

fn score(card: &Value, indicator: i64) -> &Value {
    card["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["indicator_id"] == indicator)
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn an_indicator_set_is_checked_published_once_and_revised_as_a_new_version() {
    let app = TestApp::spawn().await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let body = json!({"name": "党支部考核", "org_kind": "branch"});
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        "/assess/indicator-sets",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 403, "a secretary does not write the bureau's sets");
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        "/assess/indicator-sets",
        Some(json!({"name": "小组考核", "org_kind": "group"})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "org_kind"));
    let (status, created) = call(
        &app,
        &office,
        Method::POST,
        "/assess/indicator-sets",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["set"]["id"].as_i64().unwrap();
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        "/assess/indicator-sets",
        Some(body),
    )
    .await;
    assert_eq!(
        (status, field(&refused)),
        (422, "name"),
        "one name, versions under it"
    );

    let v = |body: &Value| body["set"]["row_version"].clone();
    let mut detail = created;
    for (bad, at) in [
        (
            json!({"name": "组织生活", "method": "org_life", "weight": 0}),
            "weight",
        ),
        (
            json!({"name": "组织生活", "method": "org_life", "weight": 101}),
            "weight",
        ),
        (
            json!({"name": "组织生活", "method": "nonsense", "weight": 10}),
            "method",
        ),
        (
            json!({"name": "组织生活", "method": "org_life", "weight": 10, "per_item": "2"}),
            "per_item",
        ),
        (
            json!({"name": "处分", "method": "sanctions", "weight": 10}),
            "per_item",
        ),
        (
            json!({"name": "特色", "method": "assessor", "weight": 10}),
            "guide",
        ),
        (
            json!({"name": " ", "method": "org_life", "weight": 10}),
            "name",
        ),
    ] {
        let (status, refused) = add(&app, &office, id, &v(&detail), bad.clone()).await;
        assert_eq!((status, field(&refused)), (422, at), "{bad}");
    }
    let (status, body) = add(
        &app,
        &office,
        id,
        &v(&detail),
        json!({"name": "组织生活", "method": "org_life", "weight": 60}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, refused) = add(
        &app,
        &office,
        id,
        &v(&detail),
        json!({"name": "学时", "method": "study", "weight": 40}),
    )
    .await;
    assert_eq!(status, 409, "a stale version is refused: {refused}");
    detail = body;
    let (status, refused) = add(
        &app,
        &office,
        id,
        &v(&detail),
        json!({"name": "组织生活", "method": "study", "weight": 10}),
    )
    .await;
    assert_eq!(
        (status, field(&refused)),
        (422, "name"),
        "names are unique in a set"
    );
    let publish = |d: &Value| json!({"version": d["set"]["row_version"]});
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/indicator-sets/{id}/publish"),
        Some(publish(&detail)),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "weight"));
    assert!(message(&refused).contains("合计60分"), "{refused}");
    let (status, body) = add(
        &app,
        &office,
        id,
        &v(&detail),
        json!({"name": "学时", "method": "study", "weight": 40}),
    )
    .await;
    assert_eq!(status, 200);
    detail = body;
    let (status, published) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/indicator-sets/{id}/publish"),
        Some(publish(&detail)),
    )
    .await;
    assert_eq!(status, 200, "{published}");
    assert!(published["set"]["published_on"].is_string());

    // Published, it never changes.
    let (status, _) = add(
        &app,
        &office,
        id,
        &v(&published),
        json!({"name": "班子", "method": "committee", "weight": 10}),
    )
    .await;
    assert_eq!(status, 409);
    let first = published["indicators"][0]["id"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        &office,
        Method::DELETE,
        &format!(
            "/assess/indicator-sets/{id}/indicators/{first}?version={}",
            v(&published)
        ),
        None,
    )
    .await;
    assert_eq!(status, 409);
    let (_, again) = call(
        &app,
        &office,
        Method::GET,
        &format!("/assess/indicator-sets/{id}"),
        None,
    )
    .await;
    assert_eq!(again["indicators"], published["indicators"]);

    // A revision is version 2, a draft copy; version 1 can no longer be revised.
    let (status, revised) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/indicator-sets/{id}/revise"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{revised}");
    assert_eq!(
        (
            revised["set"]["version"].as_i64(),
            revised["set"]["previous_id"].as_i64()
        ),
        (Some(2), Some(id))
    );
    assert!(revised["set"]["published_on"].is_null());
    assert_eq!(revised["indicators"].as_array().unwrap().len(), 2);
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/indicator-sets/{id}/revise"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    let new = revised["set"]["id"].as_i64().unwrap();
    let drop = revised["indicators"][1]["id"].as_i64().unwrap();
    let (status, dropped) = call(
        &app,
        &office,
        Method::DELETE,
        &format!(
            "/assess/indicator-sets/{new}/indicators/{drop}?version={}",
            v(&revised)
        ),
        None,
    )
    .await;
    assert_eq!(
        (status, dropped["indicators"].as_array().unwrap().len()),
        (200, 1)
    );
    let (_, listed) = call(
        &app,
        &secretary,
        Method::GET,
        "/assess/indicator-sets",
        None,
    )
    .await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        2,
        "secretaries read the sets"
    );
    assert_eq!(app.audit("indicator_set.", Some("success")).await.len(), 6);
}

#[tokio::test]
async fn a_round_reads_the_records_hears_an_objection_and_publishes_the_grades() {
    let app = TestApp::spawn().await;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let a1 = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let (set, detail) = published_set(&app, &office).await;
    let (org_life, study, committee, sanctions, assessor) = (
        indicator(&detail, "org_life"),
        indicator(&detail, "study"),
        indicator(&detail, "committee"),
        indicator(&detail, "sanctions"),
        indicator(&detail, "assessor"),
    );
    let open =
        |year: i32, quarter: Option<u32>| json!({"set": set, "year": year, "quarter": quarter});
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        "/assess/rounds",
        Some(open(2026, Some(3))),
    )
    .await;
    assert_eq!(
        (status, field(&refused)),
        (422, "quarter"),
        "the third quarter has not begun"
    );
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        "/assess/rounds",
        Some(open(2024, None)),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "year"));
    let (status, opened) = call(
        &app,
        &office,
        Method::POST,
        "/assess/rounds",
        Some(open(2026, None)),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    let round = opened["round"]["id"].as_i64().unwrap();
    let names: Vec<&str> = opened["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["code"].as_str())
        .collect();
    assert_eq!(names, ["A1", "A2", "B"], "every branch below the top");
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        "/assess/rounds",
        Some(open(2026, None)),
    )
    .await;
    assert_eq!(
        (status, field(&refused)),
        (422, "year"),
        "one round per organiser, set and period"
    );

    // A secretary sees the round and only their own branch in it; not another branch's card.
    let (_, listed) = call(&app, &a1, Method::GET, "/assess/rounds", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (_, seen) = call(
        &app,
        &a1,
        Method::GET,
        &format!("/assess/rounds/{round}"),
        None,
    )
    .await;
    assert_eq!(seen["orgs"].as_array().unwrap().len(), 1);
    assert_eq!(seen["organiser_side"], false);
    let a1_id = app.fixture.a1;
    let card_path = format!("/assess/rounds/{round}/orgs/{a1_id}");
    let (status, _) = call(&app, &b, Method::GET, &card_path, None).await;
    assert_eq!(status, 404);

    // Self-assessment: within the weight, with evidence, then submitted and closed.
    let self_score = |points: &str, note: &str, indicator: i64| json!({"indicator": indicator, "points": points, "note": note});
    let path = format!("{card_path}/self-scores");
    for (body, at) in [
        (self_score("31", "有记录", assessor), "points"),
        (self_score("8.25", "有记录", assessor), "points"),
        (self_score("25", " ", assessor), "note"),
        (self_score("25", "有记录", org_life), "indicator"),
    ] {
        let (status, refused) = call(&app, &a1, Method::POST, &path, Some(body.clone())).await;
        assert_eq!((status, field(&refused)), (422, at), "{body}");
    }
    let (status, _) = call(
        &app,
        &b,
        Method::POST,
        &path,
        Some(self_score("25", "有记录", assessor)),
    )
    .await;
    assert_eq!(status, 404, "not B's to assess");
    let submit = format!("{card_path}/self-submit");
    let (status, refused) = call(
        &app,
        &a1,
        Method::POST,
        &submit,
        Some(json!({"summary": "全面落实"})),
    )
    .await;
    assert_eq!(
        (status, field(&refused)),
        (422, "summary"),
        "the assessor indicator is not self-scored yet"
    );
    let (status, _) = call(
        &app,
        &a1,
        Method::POST,
        &path,
        Some(self_score("26.5", "活动记录12次", assessor)),
    )
    .await;
    assert_eq!(status, 200);
    let (status, card) = call(
        &app,
        &a1,
        Method::POST,
        &submit,
        Some(json!({"summary": "全面落实"})),
    )
    .await;
    assert_eq!(status, 200, "{card}");
    assert!(card["org"]["self_submitted_on"].is_string());
    assert_eq!(score(&card, assessor)["self_points"], 265);
    let (status, _) = call(
        &app,
        &a1,
        Method::POST,
        &path,
        Some(self_score("28", "再改", assessor)),
    )
    .await;
    assert_eq!(status, 409, "submitted, it is closed");

    // Only the organiser moves the round on; the computed indicators come from the records.
    let advance = |version: &Value| json!({"version": version});
    let (status, _) = call(
        &app,
        &a1,
        Method::POST,
        &format!("/assess/rounds/{round}/advance"),
        Some(advance(&seen["round"]["version"])),
    )
    .await;
    assert_eq!(status, 403);
    let (_, now) = call(
        &app,
        &office,
        Method::GET,
        &format!("/assess/rounds/{round}"),
        None,
    )
    .await;
    let (status, upper) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/rounds/{round}/advance"),
        Some(advance(&now["round"]["version"])),
    )
    .await;
    assert_eq!(
        (status, upper["round"]["stage"].as_str()),
        (200, Some("upper")),
        "{upper}"
    );
    assert_eq!(upper["unscored"], 3);
    let (_, card) = call(&app, &a1, Method::GET, &card_path, None).await;
    // No study credited and no conduct records anywhere: 无数据, neither 0 nor full marks.
    for missing in [study, sanctions] {
        let s = score(&card, missing);
        assert!(s["points"].is_null(), "{s}");
        assert!(s["basis"].as_str().unwrap().contains('无'), "{s}");
    }
    // No secretary in post and no election recorded: the secretary check alone, failed.
    let c = score(&card, committee);
    assert_eq!(c["points"], 0, "{c}");
    assert!(c["basis"].as_str().unwrap().contains("书记：空缺"), "{c}");
    assert!(c["basis"].as_str().unwrap().contains("无换届记录"), "{c}");
    let o = score(&card, org_life);
    assert!(
        o["link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/orgs/{a1_id}/orglife")),
        "{o}"
    );
    assert!(
        o["basis"].as_str().unwrap().contains("应按期开展") || o["points"].is_null(),
        "{o}"
    );
    // Traceable: the org-life points are the branch's own compliance of the year, and every
    // link opens the records for the branch's secretary (the conduct count has none).
    let (_, compliance) = call(
        &app,
        &a1,
        Method::GET,
        &format!("/orgs/{a1_id}/compliance?year=2026"),
        None,
    )
    .await;
    let t = &compliance["tally"];
    let (met, of) = (
        t["met"].as_i64().unwrap(),
        t["met"].as_i64().unwrap() + t["late"].as_i64().unwrap() + t["missing"].as_i64().unwrap(),
    );
    if of > 0 {
        assert_eq!(
            o["points"].as_i64(),
            Some((2 * 300 * met + of) / (2 * of)),
            "{o}"
        );
        assert!(
            o["basis"]
                .as_str()
                .unwrap()
                .contains(&format!("应按期开展{of}次")),
            "{o}"
        );
    } else {
        assert!(o["points"].is_null(), "{o}");
    }
    assert!(score(&card, sanctions)["link"].is_null());
    let secretary_pages = app
        .login_as("sec_a1_pages", Role::OrgSecretary, Some("A1"), None)
        .await;
    for s in card["scores"].as_array().unwrap() {
        if let Some(link) = s["link"].as_str() {
            let status = secretary_pages
                .get(app.url(link))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 200, "{link}");
        }
    }
    assert!(
        score(&card, assessor)["points"].is_null(),
        "the upper score is not the org's to see yet"
    );

    // The upper scores: a reason below full marks; all given before feedback.
    let upper_path = |org: i64| format!("/assess/rounds/{round}/orgs/{org}/scores");
    let (_, now) = call(
        &app,
        &office,
        Method::GET,
        &format!("/assess/rounds/{round}"),
        None,
    )
    .await;
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/rounds/{round}/advance"),
        Some(advance(&now["round"]["version"])),
    )
    .await;
    assert_eq!(status, 409);
    assert!(message(&refused).contains("还有3项"), "{refused}");
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &upper_path(a1_id),
        Some(self_score("20", "", assessor)),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "note"));
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &upper_path(a1_id),
        Some(self_score("20", "x", org_life)),
    )
    .await;
    assert_eq!(
        (status, field(&refused)),
        (422, "indicator"),
        "computed indicators are not scored by hand"
    );
    let (status, _) = call(
        &app,
        &a1,
        Method::POST,
        &upper_path(a1_id),
        Some(self_score("30", "", assessor)),
    )
    .await;
    assert_eq!(status, 403, "a branch does not score itself");
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &upper_path(a1_id),
        Some(self_score("20", "群众回访表未签字", assessor)),
    )
    .await;
    assert_eq!(status, 200);
    for org in [app.fixture.a2, app.fixture.b] {
        let (status, _) = call(
            &app,
            &office,
            Method::POST,
            &upper_path(org),
            Some(self_score("30", "", assessor)),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (_, now) = call(
        &app,
        &office,
        Method::GET,
        &format!("/assess/rounds/{round}"),
        None,
    )
    .await;
    let (status, fed) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/rounds/{round}/advance"),
        Some(advance(&now["round"]["version"])),
    )
    .await;
    assert_eq!(
        (status, fed["round"]["stage"].as_str()),
        (200, Some("feedback")),
        "{fed}"
    );

    // The branch sees its result: the known weight (80 of 100: study and sanctions have no
    // data) scaled to the whole.
    let (_, card) = call(&app, &a1, Method::GET, &card_path, None).await;
    let points = |m: i64| score(&card, m)["points"].as_i64();
    let raw: i64 = [org_life, committee, assessor]
        .iter()
        .filter_map(|m| points(*m))
        .sum();
    let known: i64 = 10 + 30 + if points(org_life).is_some() { 30 } else { 0 };
    let expected = (2 * raw * 100 + known) / (2 * known);
    assert_eq!(card["org"]["total"].as_i64(), Some(expected), "{card}");
    assert_eq!(score(&card, assessor)["points"], 200);

    // An objection; one open per indicator; publication waits for its answer.
    let object = format!("{card_path}/objections");
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &object,
        Some(json!({"indicator": assessor, "reason": "组织方自己提"})),
    )
    .await;
    assert_eq!(
        status, 403,
        "the organiser answers objections, it does not raise them"
    );
    let (status, refused) = call(
        &app,
        &a1,
        Method::POST,
        &object,
        Some(json!({"indicator": assessor, "reason": " "})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "reason"));
    let (status, card) = call(
        &app,
        &a1,
        Method::POST,
        &object,
        Some(json!({"indicator": assessor, "reason": "回访表已签字，原件在台账"})),
    )
    .await;
    assert_eq!(status, 201, "{card}");
    let objection = card["objections"][0]["id"].as_i64().unwrap();
    let (status, refused) = call(
        &app,
        &a1,
        Method::POST,
        &object,
        Some(json!({"indicator": assessor, "reason": "再提"})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "indicator"));
    let (_, now) = call(
        &app,
        &office,
        Method::GET,
        &format!("/assess/rounds/{round}"),
        None,
    )
    .await;
    assert_eq!(now["round"]["open_objections"], 1);
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/rounds/{round}/advance"),
        Some(advance(&now["round"]["version"])),
    )
    .await;
    assert_eq!(status, 409);
    assert!(message(&refused).contains("异议"), "{refused}");
    let answer = format!("/assess/rounds/{round}/objections/{objection}/answer");
    let (status, _) = call(
        &app,
        &a1,
        Method::POST,
        &answer,
        Some(json!({"decision": "upheld", "points": "30", "answer": "成立"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &answer,
        Some(json!({"decision": "upheld", "points": "20", "answer": "成立"})),
    )
    .await;
    assert_eq!(
        (status, field(&refused)),
        (422, "points"),
        "an upheld objection changes the points"
    );
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &answer,
        Some(json!({"decision": "upheld", "answer": "成立"})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "points"));
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &answer,
        Some(json!({"decision": "upheld", "points": "28", "answer": "经核对原件，签字齐全"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &answer,
        Some(json!({"decision": "rejected", "answer": "再答"})),
    )
    .await;
    assert_eq!(status, 409, "answered once");
    let (_, card) = call(&app, &a1, Method::GET, &card_path, None).await;
    assert_eq!(score(&card, assessor)["points"], 280);
    let raised = (2 * (raw + 80) * 100 + known) / (2 * known);
    assert_eq!(card["org"]["total"].as_i64(), Some(raised));
    assert_eq!(card["objections"][0]["upheld"], true);
    assert_eq!(card["objections"][0]["points_before"], 200);

    let (_, now) = call(
        &app,
        &office,
        Method::GET,
        &format!("/assess/rounds/{round}"),
        None,
    )
    .await;
    let (status, published) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/rounds/{round}/advance"),
        Some(advance(&now["round"]["version"])),
    )
    .await;
    assert_eq!(
        (status, published["round"]["stage"].as_str()),
        (200, Some("published"))
    );
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/assess/rounds/{round}/advance"),
        Some(advance(&published["round"]["version"])),
    )
    .await;
    assert_eq!(status, 409, "published is the end");

    // The org page's secretary card and the performance export show the published grade.
    let grade = card["org"]["grade"].as_str().unwrap().to_owned();
    let latest = app
        .services
        .latest_org_grade(&crate::harness::office(), a1_id)
        .await
        .unwrap();
    assert_eq!(
        latest,
        Some(("2026年度".to_owned(), grade.clone(), Some(raised)))
    );
    let client = app
        .login_as("office_page", Role::CommitteeStaff, None, None)
        .await;
    let export = client
        .get(app.url(&format!("/assess/rounds/{round}/performance.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let disposition = export.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("xlsx"), "{disposition}");
    let bytes = export.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    let scorecard = client
        .get(app.url(&card_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        scorecard.contains(&grade),
        "the scorecard page shows the grade {grade}"
    );
    assert!(scorecard.contains("无数据"));
    let (status, _) = call(&app, &a1, Method::GET, "/assess/rounds/999999", None).await;
    assert_eq!(status, 404);
    for event in [
        "round.open",
        "round.self_score",
        "round.self_submit",
        "round.score",
        "round.advance",
        "round.object",
        "round.answer",
        "round.export",
    ] {
        assert!(
            !app.audit(event, Some("success")).await.is_empty(),
            "{event} audited"
        );
    }
}
