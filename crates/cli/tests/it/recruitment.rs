//! 发展党员 over HTTP (issue 18, the path and the pipeline): an application at eighteen, once,
//! at an org that holds members; the steps in order and at their time with their lateness
//! kept; the activist's reviews; the pipeline with the overdue first; scope for reads and
//! writes; and the pages.

use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token, location};

fn applicant(name: &str, birth: &str, applied: &str) -> Value {
    json!({"org": "A1", "name": name, "gender": "male", "birth_date": birth, "applied_on": applied})
}

async fn step(app: &TestApp, who: &str, id: i64, step: &str, on: &str) -> (u16, Value) {
    let (_, person) = call(app, who, Method::GET, &format!("/recruits/{id}"), None).await;
    call(
        app,
        who,
        Method::POST,
        &format!("/recruits/{id}/steps"),
        Some(json!({"version": person["version"], "step": step, "on": on, "note": ""})),
    )
    .await
}

#[tokio::test]
async fn a_path_is_recorded_in_order_and_at_its_time() {
    let app = TestApp::spawn().await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let secretary_b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;

    // Eighteen on the day of the application, not a day before (the clock is 2026-03-28).
    let (status, body) = call(
        &app,
        &secretary,
        Method::POST,
        "/recruits",
        Some(applicant("申请人甲", "2008-03-29", "2026-03-28")),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["fields"][0]["field"], "applied_on");
    for (input, field) in [
        (applicant("", "2000-01-01", ""), "name"),
        (
            json!({"org": "A1", "name": "乙", "gender": "x", "birth_date": "2000-01-01"}),
            "gender",
        ),
        (applicant("乙", "2000-13-01", ""), "birth_date"),
        (
            json!({"org": "B", "name": "乙", "gender": "male", "birth_date": "2000-01-01"}),
            "org",
        ),
    ] {
        let (status, body) = call(
            &app,
            &secretary,
            Method::POST,
            "/recruits",
            Some(input.clone()),
        )
        .await;
        assert_eq!(
            (status, body["fields"][0]["field"].as_str()),
            (422, Some(field)),
            "{input}: {body}"
        );
    }
    let (status, body) = call(
        &app,
        &secretary,
        Method::POST,
        "/recruits",
        Some(applicant("申请人甲", "2008-03-28", "2026-01-10")),
    )
    .await;
    // Born 2008-03-28: seventeen on 2026-01-10.
    assert_eq!(status, 422, "{body}");
    let (status, body) = call(
        &app,
        &secretary,
        Method::POST,
        "/recruits",
        Some(applicant("申请人乙", "1998-05-01", "2026-01-10")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();

    let (_, person) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/recruits/{id}"),
        None,
    )
    .await;
    assert_eq!(person["rules"], "2014");
    assert_eq!(person["stage"], "applicant");
    assert_eq!(person["deadlines"][0]["step"], "talk");
    assert_eq!(person["deadlines"][0]["by"], "2026-02-10");
    assert_eq!(person["next"], json!(["talk"]));

    // Out of order, before what it follows, in the future: refused at the field.
    let (status, body) = step(&app, &secretary, id, "activist_chosen", "2026-02-01").await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("step")),
        "{body}"
    );
    let (status, body) = step(&app, &secretary, id, "talk", "2026-01-09").await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("on")),
        "{body}"
    );
    let (status, _) = step(&app, &secretary, id, "talk", "2026-03-29").await;
    assert_eq!(status, 422);
    // The talk a day late: recorded, and its lateness kept.
    let (status, body) = step(&app, &secretary, id, "talk", "2026-02-11").await;
    assert_eq!(status, 204, "{body}");
    let (_, person) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/recruits/{id}"),
        None,
    )
    .await;
    let talk = person["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "talk")
        .unwrap()
        .clone();
    assert_eq!(talk["days_late"], 1);
    // A stale version is refused.
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/recruits/{id}/steps"),
        Some(json!({"version": 1, "step": "activist_chosen", "on": "2026-03-01"})),
    )
    .await;
    assert_eq!(status, 409);

    // The activist: a review, then no candidate before a full year.
    let (status, _) = step(&app, &secretary, id, "activist_chosen", "2026-03-01").await;
    assert_eq!(status, 204);
    let (status, body) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/recruits/{id}/reviews"),
        Some(json!({"on": "2026-03-20", "note": "表现良好"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    for s in ["activist_filed", "contacts_assigned", "cultivation"] {
        let (status, body) = step(&app, &secretary, id, s, "2026-03-20").await;
        assert_eq!(status, 204, "{s}: {body}");
    }
    let (status, body) = step(&app, &secretary, id, "candidate_chosen", "2026-03-28").await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("on")),
        "{body}"
    );
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2027-03-01"),
        "{body}"
    );
    let (_, person) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/recruits/{id}"),
        None,
    )
    .await;
    assert_eq!(person["stage"], "activist");
    assert_eq!(person["reviews"], json!(["2026-03-20"]));
    assert_eq!(
        person["next_review"], "2026-09-20",
        "the next review half a year after the last"
    );
    let cultivation = person["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "cultivation")
        .unwrap()
        .clone();
    assert!(
        cultivation["days_late"].is_null(),
        "step 6 has no deadline of its own"
    );

    // Scope: another branch's secretary, a member.
    let (status, _) = call(
        &app,
        &secretary_b,
        Method::GET,
        &format!("/recruits/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.audit("recruit.view", Some("denied")).await.len(), 1);
    let (status, _) = call(
        &app,
        &secretary_b,
        Method::POST,
        &format!("/recruits/{id}/steps"),
        Some(json!({"version": 1, "step": "candidate_chosen", "on": "2026-03-28"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &secretary_b,
        Method::POST,
        &format!("/recruits/{id}/reviews"),
        Some(json!({"on": "2026-03-28"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.audit("recruit.step", Some("denied")).await.len(), 2);
    let (status, _) = call(&app, &member, Method::GET, "/recruits", None).await;
    assert_eq!(status, 403);
    // Once per person; at an org that holds members.
    let (status, body) = call(
        &app,
        &secretary,
        Method::POST,
        "/recruits",
        Some(applicant("申请人乙", "1998-05-01", "2026-03-01")),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("name")),
        "{body}"
    );
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let (status, body) = call(
        &app,
        &office,
        Method::POST,
        "/recruits",
        Some(json!({"org": "DW", "name": "戊", "gender": "male", "birth_date": "2000-01-01"})),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("org")),
        "{body}"
    );
    let (_, theirs) = call(&app, &secretary_b, Method::GET, "/recruits", None).await;
    assert_eq!(theirs, json!([]));

    // The pipeline: a second applicant whose talk is overdue comes first.
    let (_, late) = call(
        &app,
        &secretary,
        Method::POST,
        "/recruits",
        Some(applicant("申请人丙", "1999-07-01", "2026-02-01")),
    )
    .await;
    let (_, lines) = call(&app, &secretary, Method::GET, "/recruits", None).await;
    let lines = lines.as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], late["id"]);
    assert_eq!(lines[0]["overdue"], true);
    assert_eq!(lines[1]["overdue"], false);
}

/// The page: a new application from the form, the path with its 25 steps, a step refused at
/// its field, then recorded; the navigation has the area.
#[tokio::test]
async fn a_secretary_records_a_path_from_the_pages() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("sec_web", Role::OrgSecretary, Some("A1"), None)
        .await;
    let home = client.get(app.url("/recruitment")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let text = home.text().await.unwrap();
    assert!(text.contains("没有正在发展的人员") && text.contains("href=\"/recruitment\""));
    let refused = app
        .post_form(
            &client,
            "/recruitment",
            &[
                ("org", "A1"),
                ("name", "申请人丁"),
                ("gender", "female"),
                ("birth_date", "2010-01-01"),
                ("police_number", ""),
                ("applied_on", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("年满18周岁"));
    let saved = app
        .post_form(
            &client,
            "/recruitment",
            &[
                ("org", "A1"),
                ("name", "申请人丁"),
                ("gender", "female"),
                ("birth_date", "2000-01-01"),
                ("police_number", ""),
                ("applied_on", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let page = location(&saved);
    let id: i64 = page
        .trim_start_matches("/recruitment/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let text = client
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("发展程序（25步）")
            && text.contains("党组织派人谈话")
            && text.contains("2026-04-01")
    );
    let refused = app
        .post_form(
            &client,
            &format!("/recruitment/{id}/steps"),
            &[
                ("version", "2"),
                ("step", "talk"),
                ("on", "2026-02-01"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("不能早于"));
    let done = app
        .post_form(
            &client,
            &format!("/recruitment/{id}/steps"),
            &[
                // The application, recorded with the person, was the first change.
                ("version", "2"),
                ("step", "talk"),
                ("on", "2026-03-10"),
                ("note", "组织委员谈话"),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let text = client
        .get(app.url(&format!("/recruitment/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("组织委员谈话") && text.contains("2026-03-10"));
    // The pipeline lists them at their stage.
    let text = client
        .get(app.url("/recruitment"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("申请人丁") && text.contains("入党申请人 1 人"),
        "{text}"
    );
}
