//! Organisational life over HTTP: recording a meeting from the day's roll, the submission
//! check, review from above (never by the author), revisions, make-ups, compliance, scope and
//! lost updates.

use dangjian_core::role::Role;
use serde_json::{Value, json};

use crate::harness::{TestApp, location};

/// The fields of a 主题党日 on 2026-03-20 in 支部A1 with the first member present and the
/// second absent on a business trip.
pub(crate) fn theme_day(app: &TestApp, minutes: &str) -> Vec<(String, String)> {
    let f = &app.fixture;
    let mut fields: Vec<(String, String)> = [
        ("kind", "theme_party_day"),
        ("held_on", "2026-03-20"),
        ("starts_at", "14:30"),
        ("ends_at", "16:00"),
        ("place", "三楼会议室"),
        ("host", "王书记"),
        ("recorder", "李委员"),
        ("topics", "学习新修订的纪律处分条例"),
        ("minutes", minutes),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (id, present) in [(f.member_a1, true), (f.member_a1_second, false)] {
        fields.push((format!("a{id}_expected"), "1".to_owned()));
        if present {
            fields.push((format!("a{id}_present"), "1".to_owned()));
        } else {
            fields.push((format!("a{id}_reason"), "business_trip".to_owned()));
            fields.push((format!("a{id}_note"), "赴省厅培训".to_owned()));
        }
    }
    fields
}

pub(crate) async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(client, path, &pairs).await
}

pub(crate) fn id_of(location: &str) -> i64 {
    location
        .trim_start_matches("/meetings/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

pub(crate) const GOOD_MINUTES: &str =
    "书记领学条例第一章至第三章，全体党员逐一发言，结合执法执勤岗位谈认识，明确下月整改事项。";

#[tokio::test]
async fn a_meeting_is_recorded_from_the_roll_reviewed_from_above_and_made_up_later() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;

    // The form lists the roll of the day.
    let form = text(
        &secretary,
        app.url(&format!(
            "/orgs/{}/meetings/new?kind=theme_party_day&held_on=2026-03-20",
            f.a1
        )),
    )
    .await;
    assert!(form.contains(&format!("a{}_expected", f.member_a1)));
    assert!(form.contains(&format!("a{}_expected", f.member_a1_second)));
    assert!(!form.contains(&format!("a{}_expected", f.member_b)));

    // Saved as a draft with thin minutes.
    let saved = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &theme_day(&app, "已开"),
    )
    .await;
    assert_eq!(saved.status(), 303);
    let id = id_of(&location(&saved));
    let detail = text(&secretary, app.url(&format!("/meetings/{id}"))).await;
    assert!(detail.contains("草稿") && detail.contains("过于简单"));

    // Submission is refused while the minutes say nothing.
    let refused = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/submit"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("会议记录过于简单"));

    // Revised and submitted.
    let mut fields = theme_day(&app, GOOD_MINUTES);
    fields.push(("version".to_owned(), "1".to_owned()));
    let revised = post(&app, &secretary, &format!("/meetings/{id}/edit"), &fields).await;
    assert_eq!(revised.status(), 303);
    let submitted = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/submit"),
            &[("version", "2")],
        )
        .await;
    assert_eq!(submitted.status(), 303);

    // The author cannot review it, nor can anyone not above the branch.
    let own = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/review"),
            &[("version", "3"), ("decision", "accept"), ("reason", "")],
        )
        .await;
    assert_eq!(own.status(), 422);

    // The office returns it, with a reason (required).
    let no_reason = app
        .post_form(
            &office,
            &format!("/meetings/{id}/review"),
            &[("version", "3"), ("decision", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status(), 422);
    assert!(no_reason.text().await.unwrap().contains("退回须写明原因"));
    let returned = app
        .post_form(
            &office,
            &format!("/meetings/{id}/review"),
            &[
                ("version", "3"),
                ("decision", "return"),
                ("reason", "议题与月度计划不符，请补充说明"),
            ],
        )
        .await;
    assert_eq!(returned.status(), 303);
    let todo = text(&secretary, app.url("/orglife")).await;
    assert!(todo.contains("被退回的记录") && todo.contains("学习新修订的纪律处分条例"));

    // Revised again, resubmitted, accepted.
    let mut fields = theme_day(&app, &format!("{GOOD_MINUTES}（补充：议题经支委会调整）"));
    fields.push(("version".to_owned(), "4".to_owned()));
    assert_eq!(
        post(&app, &secretary, &format!("/meetings/{id}/edit"), &fields)
            .await
            .status(),
        303
    );
    assert_eq!(
        app.post_form(
            &secretary,
            &format!("/meetings/{id}/submit"),
            &[("version", "5")]
        )
        .await
        .status(),
        303
    );
    let accepted = app
        .post_form(
            &office,
            &format!("/meetings/{id}/review"),
            &[("version", "6"), ("decision", "accept"), ("reason", "")],
        )
        .await;
    assert_eq!(accepted.status(), 303);
    let detail = text(&office, app.url(&format!("/meetings/{id}"))).await;
    assert!(detail.contains("已通过") && detail.contains("议题与月度计划不符"));
    // Both submitted versions are kept and viewable.
    let first = text(&office, app.url(&format!("/meetings/{id}/revisions/3"))).await;
    assert!(first.contains(GOOD_MINUTES) && !first.contains("补充：议题"));
    let second = text(&office, app.url(&format!("/meetings/{id}/revisions/6"))).await;
    assert!(second.contains("补充：议题"));
    // An accepted record is final.
    let mut fields = theme_day(&app, GOOD_MINUTES);
    fields.push(("version".to_owned(), "7".to_owned()));
    assert_eq!(
        post(&app, &secretary, &format!("/meetings/{id}/edit"), &fields)
            .await
            .status(),
        422
    );

    // The absentee made up later; the member sees it.
    let member = app
        .login_as("m_a1_second", Role::Member, None, Some("200002"))
        .await;
    let mine = text(&member, app.url("/orglife")).await;
    assert!(mine.contains("待补学") && mine.contains("出差"));
    let early = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/makeup"),
            &[
                ("member_id", &f.member_a1_second.to_string()),
                ("on", "2026-03-19"),
                ("note", "观看录像并提交心得"),
            ],
        )
        .await;
    assert_eq!(early.status(), 422);
    let present_one = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/makeup"),
            &[
                ("member_id", &f.member_a1.to_string()),
                ("on", "2026-03-25"),
                ("note", "观看录像并提交心得"),
            ],
        )
        .await;
    assert_eq!(present_one.status(), 422);
    let made_up = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/makeup"),
            &[
                ("member_id", &f.member_a1_second.to_string()),
                ("on", "2026-03-25"),
                ("note", "观看录像并提交心得"),
            ],
        )
        .await;
    assert_eq!(made_up.status(), 303);
    let mine = text(&member, app.url("/orglife")).await;
    assert!(mine.contains("已补学 2026-03-25"), "{mine}");
    // The member reaches no one else's organisational life.
    assert_eq!(
        member
            .get(app.url(&format!("/meetings/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // Compliance: March's 主题党日 is met, January and February are missing.
    let c = app
        .services
        .org_compliance(&crate::harness::office(), f.a1, 2026)
        .await
        .unwrap();
    let theme: Vec<_> = c
        .slots
        .iter()
        .filter(|s| s.kind == dangjian_core::orglife::MeetingKind::ThemePartyDay)
        .map(|s| s.status.code())
        .collect();
    assert_eq!(&theme[..4], ["missing", "missing", "met", "upcoming"]);
    let calendar = text(&secretary, app.url(&format!("/orgs/{}/orglife", f.a1))).await;
    assert!(calendar.contains("2026年3月") && calendar.contains("已完成"));

    // Every step is on the audit record.
    for event in [
        "meeting.create",
        "meeting.update",
        "meeting.submit",
        "meeting.return",
        "meeting.accept",
        "meeting.makeup",
    ] {
        assert!(
            !app.audit(event, Some("success")).await.is_empty(),
            "{event}"
        );
    }
}

#[tokio::test]
async fn a_general_meeting_needs_its_quorum_and_records_its_votes() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let mut fields: Vec<(String, String)> = theme_day(&app, GOOD_MINUTES)
        .into_iter()
        .filter(|(k, _)| k != "kind")
        .collect();
    fields.push(("kind".to_owned(), "branch_general_meeting".to_owned()));
    fields.push(("r0_text".to_owned(), "接收张三为预备党员".to_owned()));
    fields.push(("r0_yes".to_owned(), "1".to_owned()));
    let saved = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &fields,
    )
    .await;
    assert_eq!(saved.status(), 303);
    let id = id_of(&location(&saved));
    // One of two voting members present is not more than half.
    let refused = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/submit"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("未达到法定人数"));
    // More votes than voters are refused at the field.
    let mut too_many = fields.clone();
    too_many.retain(|(k, _)| k != "r0_yes");
    too_many.push(("r0_yes".to_owned(), "abc".to_owned()));
    too_many.push(("version".to_owned(), "1".to_owned()));
    let bad = post(&app, &secretary, &format!("/meetings/{id}/edit"), &too_many).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("票数应为"));
}

#[tokio::test]
async fn records_stay_inside_the_scope() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let a1 = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let b = app
        .login_as("sec_b", Role::OrgSecretary, Some("B"), None)
        .await;
    let saved = post(
        &app,
        &a1,
        &format!("/orgs/{}/meetings", f.a1),
        &theme_day(&app, GOOD_MINUTES),
    )
    .await;
    let id = id_of(&location(&saved));
    assert_eq!(
        b.get(app.url(&format!("/meetings/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        b.get(app.url(&format!("/orgs/{}/orglife", f.a1)))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let foreign = post(
        &app,
        &b,
        &format!("/orgs/{}/meetings", f.a1),
        &theme_day(&app, GOOD_MINUTES),
    )
    .await;
    assert_eq!(foreign.status(), 404);
    // Nor can a member of another branch be put on the list.
    let mut outsider: Vec<(String, String)> = theme_day(&app, GOOD_MINUTES)
        .into_iter()
        .filter(|(k, _)| !k.starts_with('a'))
        .collect();
    outsider.push((format!("a{}_expected", f.member_a1), "1".to_owned()));
    outsider.push((format!("a{}_present", f.member_a1), "1".to_owned()));
    outsider.push(("expected_reason".to_owned(), "联合开展".to_owned()));
    let refused = post(&app, &b, &format!("/orgs/{}/meetings", f.b), &outsider).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("不在您的管理范围内"));
    // A list of the other branch is empty; the overview shows only B.
    let list = text(&b, app.url("/meetings")).await;
    assert!(!list.contains("学习新修订的纪律处分条例"));
    let overview = text(&b, app.url("/orglife/overview?year=2026")).await;
    assert!(overview.contains("支部B") && !overview.contains("支部A1"));
    // A page past the end (the list shrank since the link was made) shows the last page.
    let past = text(&b, app.url("/orglife/overview?year=2026&page=7")).await;
    assert!(past.contains("支部B"));
    assert!(!app.audit("meeting.view", Some("denied")).await.is_empty());
}

#[tokio::test]
async fn the_api_records_submits_and_reports_compliance_and_refuses_lost_updates() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let token = secretary_token(&app).await;
    let client = app.client();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = client
            .request(method, app.url(&format!("/api/v1{path}")))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let body = json!({
        "kind": "party_lecture", "held_on": "2026-02-10", "starts_at": "09:00", "ends_at": "10:30",
        "place": "党员活动室", "host": "王书记", "recorder": "李委员", "lecturer": "",
        "topics": "党的二十届四中全会精神", "minutes": GOOD_MINUTES,
        "attendees": [
            { "member_id": f.member_a1, "present": true },
            { "member_id": f.member_a1_second, "present": true }
        ]
    });
    // Bad input: a day in the future and a kind a branch does not hold.
    let mut bad = body.clone();
    bad["held_on"] = json!("2026-12-01");
    bad["kind"] = json!("democratic_life_meeting");
    let refused = call(
        reqwest::Method::POST,
        &format!("/orgs/{}/meetings", f.a1),
        Some(bad),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    let errors: Value = refused.json().await.unwrap();
    let text = errors.to_string();
    assert!(text.contains("held_on") && text.contains("kind"), "{text}");

    let created = call(
        reqwest::Method::POST,
        &format!("/orgs/{}/meetings", f.a1),
        Some(body.clone()),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let meeting: Value = created.json().await.unwrap();
    let id = meeting["id"].as_i64().unwrap();
    assert_eq!(meeting["state"], "draft");
    // The lecture still lacks its lecturer.
    assert!(meeting["gaps"].to_string().contains("lecturer"));
    let refused = call(
        reqwest::Method::POST,
        &format!("/meetings/{id}/submit"),
        Some(json!({"version": 1})),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);

    // Two saves of version 1: the second is refused as a lost update.
    let mut fixed = body.clone();
    fixed["lecturer"] = json!("王书记");
    fixed["version"] = json!(1);
    let first = call(
        reqwest::Method::PUT,
        &format!("/meetings/{id}"),
        Some(fixed.clone()),
    )
    .await
    .unwrap();
    assert_eq!(first.status(), 200);
    let second = call(
        reqwest::Method::PUT,
        &format!("/meetings/{id}"),
        Some(fixed),
    )
    .await
    .unwrap();
    assert_eq!(second.status(), 409);
    let submitted = call(
        reqwest::Method::POST,
        &format!("/meetings/{id}/submit"),
        Some(json!({"version": 2})),
    )
    .await
    .unwrap();
    assert_eq!(submitted.status(), 200);
    let version = submitted.json::<Value>().await.unwrap()["version"].clone();

    // Review over the API (issue 14, 14): never by the author; a return needs its reason;
    // the committee office above returns it, and accepts it once submitted again.
    let own = call(
        reqwest::Method::POST,
        &format!("/meetings/{id}/review"),
        Some(json!({"version": version, "decision": "accept", "reason": ""})),
    )
    .await
    .unwrap();
    assert_eq!(own.status(), 422);
    let grant = dangjian_service::accounts::GrantForm {
        role: "committee_staff".to_owned(),
        org: String::new(),
        police_number: String::new(),
    };
    app.services
        .cli_add_user("api_office", "", &grant, crate::harness::PASSWORD)
        .await
        .unwrap();
    let office = app
        .services
        .cli_create_token("api_office", "t", None)
        .await
        .unwrap()
        .0;
    let review = |body: Value| {
        client
            .post(app.url(&format!("/api/v1/meetings/{id}/review")))
            .bearer_auth(&office)
            .json(&body)
            .send()
    };
    let bare = review(json!({"version": version, "decision": "return", "reason": ""}))
        .await
        .unwrap();
    assert_eq!(bare.status(), 422);
    let returned =
        review(json!({"version": version, "decision": "return", "reason": "议题与月度计划不符"}))
            .await
            .unwrap();
    assert_eq!(returned.status(), 200);
    let returned: Value = returned.json().await.unwrap();
    assert_eq!(returned["state"], "returned");
    let again = call(
        reqwest::Method::POST,
        &format!("/meetings/{id}/submit"),
        Some(json!({"version": returned["version"]})),
    )
    .await
    .unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    let accepted = review(json!({"version": again["version"], "decision": "accept", "reason": ""}))
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(accepted.json::<Value>().await.unwrap()["state"], "accepted");

    let compliance: Value = call(
        reqwest::Method::GET,
        &format!("/orgs/{}/compliance?year=2026", f.a1),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let lecture: Vec<&Value> = compliance["slots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "party_lecture")
        .collect();
    assert_eq!(lecture[0]["status"], "met");
    assert_eq!(lecture[0]["confidence"], "local");
    assert_eq!(lecture[0]["records"], json!([id]));
    assert_eq!(lecture[1]["status"], "upcoming");
    // Issue 14, 6: the bureau's own requirements (党课 quarterly) are counted apart from the
    // national ones (R1.13 主题党日 monthly); the rate and the overview's order read the
    // national ones.
    let last_year: Value = call(
        reqwest::Method::GET,
        &format!("/orgs/{}/compliance?year=2025", f.a1),
        None,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let tally = &last_year["tally"];
    assert_eq!(tally["local"]["missing"], 4, "{tally}");
    assert_eq!(tally["on_time_percent"], 0);
    assert!(tally["missing"].as_u64().unwrap() >= 12, "{tally}");
    let overview: Value = call(reqwest::Method::GET, "/compliance?year=2025", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = overview
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["org_id"] == f.a1)
        .unwrap();
    assert!(
        row["missing_local"][0]
            .as_str()
            .unwrap()
            .starts_with("党课"),
        "{row}"
    );
    assert!(
        row["missing"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| !m.as_str().unwrap().starts_with("党课")),
        "{row}"
    );
    let todo: Value = call(reqwest::Method::GET, "/orglife/todo", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Its own submission is not in its review queue.
    assert_eq!(todo["awaiting_review"], json!([]));
    assert!(!todo["overdue"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_plan_is_generated_from_the_rules_adjusted_and_held_against_the_records() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let plan_path = format!("/orgs/{}/orglife/plan", f.a1);
    let generated = app
        .post_form(
            &secretary,
            &plan_path,
            &[("year", "2026"), ("theme_day", "31")],
        )
        .await;
    assert_eq!(generated.status(), 303);
    let page = text(&secretary, app.url(&format!("{plan_path}?year=2026"))).await;
    // Twelve theme days on the 31st or the month's last day; no 支委会 (A1 has no committee).
    assert!(page.contains("2026-02-28") && page.contains("2026-04-30"));
    assert_eq!(
        page.matches("name=\"kind\" value=\"theme_party_day\"")
            .count(),
        12
    );
    assert!(!page.contains("name=\"kind\" value=\"branch_committee\""));
    // Once only.
    let again = app
        .post_form(
            &secretary,
            &plan_path,
            &[("year", "2026"), ("theme_day", "15")],
        )
        .await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("已有计划"));
    let bad_day = app
        .post_form(
            &secretary,
            &plan_path,
            &[("year", "2027"), ("theme_day", "40")],
        )
        .await;
    assert_eq!(bad_day.status(), 422);

    // Adjusted: March's theme day moves to the 20th with a topic.
    let plan = app
        .services
        .org_plan(&crate::harness::office(), f.a1, 2026)
        .await
        .unwrap();
    let march = plan
        .items
        .iter()
        .find(|i| i.planned_on == chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap())
        .unwrap();
    let changed = app
        .post_form(
            &secretary,
            &format!("/plan-items/{}", march.id),
            &[
                ("year", "2026"),
                ("kind", "theme_party_day"),
                ("planned_on", "2026-03-20"),
                ("topic", "学习纪律处分条例"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    let outside = app
        .post_form(
            &secretary,
            &format!("/plan-items/{}", march.id),
            &[
                ("year", "2026"),
                ("kind", "theme_party_day"),
                ("planned_on", "2027-01-05"),
                ("topic", ""),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(outside.status(), 400);
    // The record of that month shows the plan beside it.
    let saved = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &theme_day(&app, GOOD_MINUTES),
    )
    .await;
    let id = id_of(&location(&saved));
    let detail = text(&secretary, app.url(&format!("/meetings/{id}"))).await;
    assert!(detail.contains("2026-03-20 学习纪律处分条例"), "{detail}");

    // Another branch's secretary cannot touch it; the probe is audited.
    let grant = dangjian_service::accounts::GrantForm {
        role: "org_secretary".to_owned(),
        org: "B".to_owned(),
        police_number: String::new(),
    };
    app.services
        .cli_add_user("api_b", "", &grant, crate::harness::PASSWORD)
        .await
        .unwrap();
    let token = app
        .services
        .cli_create_token("api_b", "t", None)
        .await
        .unwrap()
        .0;
    let refused = app
        .client()
        .delete(app.url(&format!("/api/v1/plan-items/{}", march.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
    assert!(!app.audit("plan.change", Some("denied")).await.is_empty());

    // Cleared with confirmation and generated again through the API.
    let unconfirmed = app
        .post_form(
            &secretary,
            &format!("{plan_path}/clear"),
            &[("year", "2026"), ("confirm", "")],
        )
        .await;
    assert_eq!(unconfirmed.status(), 422);
    let cleared = app
        .post_form(
            &secretary,
            &format!("{plan_path}/clear"),
            &[("year", "2026"), ("confirm", "1")],
        )
        .await;
    assert_eq!(cleared.status(), 303);
    let token = secretary_token(&app).await;
    let created = app
        .client()
        .post(app.url(&format!("/api/v1/orgs/{}/plan", f.a1)))
        .bearer_auth(&token)
        .json(&json!({ "year": 2026 }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let items: Value = created.json().await.unwrap();
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["planned_on"] == "2026-03-15")
    );
    for event in ["plan.generate", "plan.change"] {
        assert!(
            !app.audit(event, Some("success")).await.is_empty(),
            "{event}"
        );
    }
}

#[tokio::test]
async fn attachments_are_checked_kept_with_their_digest_and_stay_in_scope() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let saved = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &theme_day(&app, GOOD_MINUTES),
    )
    .await;
    let id = id_of(&location(&saved));
    let csrf = app.csrf(&secretary, &format!("/meetings/{id}")).await;
    let upload = |name: &'static str, bytes: Vec<u8>, csrf: String| {
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        secretary
            .post(app.url(&format!("/meetings/{id}/attachments")))
            .multipart(form)
            .send()
    };
    let pdf = b"%PDF-1.4\n% sign-in sheet\n".to_vec();
    let ok = upload("签到表.pdf", pdf.clone(), csrf.clone())
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    // An executable renamed to .pdf is refused at the field; so is a wrong token.
    let renamed = upload("材料.pdf", b"MZ\x90\x00".to_vec(), csrf.clone())
        .await
        .unwrap();
    assert_eq!(renamed.status(), 422);
    assert!(
        renamed
            .text()
            .await
            .unwrap()
            .contains("文件内容与扩展名不符")
    );
    let forged = upload("签到表.pdf", pdf.clone(), "forged".to_owned())
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let detail = app
        .services
        .meeting(&crate::harness::office(), id)
        .await
        .unwrap();
    assert_eq!(detail.attachments.len(), 1);
    let attachment = &detail.attachments[0];
    assert_eq!(attachment.content_type, "application/pdf");
    let page = text(&secretary, app.url(&format!("/meetings/{id}"))).await;
    assert!(page.contains("签到表.pdf"));
    let download = secretary
        .get(app.url(&format!("/meetings/{id}/attachments/{}", attachment.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().to_vec(), pdf);

    // Another branch cannot read it.
    let b = app
        .login_as("sec_b", Role::OrgSecretary, Some("B"), None)
        .await;
    assert_eq!(
        b.get(app.url(&format!("/meetings/{id}/attachments/{}", attachment.id)))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The submitted version names the file; afterwards attachments are fixed.
    assert_eq!(
        app.post_form(
            &secretary,
            &format!("/meetings/{id}/submit"),
            &[("version", "1")]
        )
        .await
        .status(),
        303
    );
    let revision = text(&secretary, app.url(&format!("/meetings/{id}/revisions/2"))).await;
    assert!(revision.contains("签到表.pdf"), "{revision}");
    let late = upload("照片.png", b"\x89PNG\r\n\x1a\n....".to_vec(), csrf)
        .await
        .unwrap();
    assert_eq!(late.status(), 422);
    let removed = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/attachments/{}/delete", attachment.id),
            &[],
        )
        .await;
    assert_eq!(removed.status(), 422);
    assert!(
        !app.audit("meeting.attach", Some("success"))
            .await
            .is_empty()
    );
}

/// The periods of 2026 an org owes a 党课 for, as the services judge them.
async fn lecture_periods(services: &dangjian_service::Services, org: i64) -> Vec<String> {
    services
        .org_compliance(&crate::harness::office(), org, 2026)
        .await
        .unwrap()
        .slots
        .iter()
        .filter(|s| s.kind == dangjian_core::orglife::MeetingKind::PartyLecture)
        .map(dangjian_service::orglife::period_label)
        .collect()
}

#[tokio::test]
async fn a_rule_change_in_the_middle_of_the_year_governs_from_the_next_period() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = crate::harness::office();
    app.services.apply_rule_versions(true).await.unwrap();
    // On 15 August the bureau moves to a monthly 党课.
    app.clock.advance(chrono::TimeDelta::days(140));
    let monthly = dangjian_core::rules::RuleBook::load(Some(
        "[meetings.party_lecture]\nperiod = \"month\"\n",
    ))
    .unwrap();
    let changed = app.services.clone().with_rules(monthly);
    changed.apply_rule_versions(true).await.unwrap();
    assert_eq!(
        lecture_periods(&changed, f.a1).await,
        [
            "2026年第一季度",
            "2026年第二季度",
            "2026年第三季度",
            "2026年10月",
            "2026年11月",
            "2026年12月"
        ]
    );
    // The past year is judged by the rules of its time.
    let last = changed.org_compliance(&office, f.a1, 2025).await.unwrap();
    assert_eq!(
        last.slots
            .iter()
            .filter(|s| s.kind == dangjian_core::orglife::MeetingKind::PartyLecture)
            .count(),
        4
    );
    assert!(!app.audit("rules.version", Some("success")).await.is_empty());
}

/// Issue 14, 12: a bureau's file is its own dated layer — dated 1 September, its monthly
/// 党课 governs from the first period after (the engine changes at a period's start), the
/// compiled-in quarterly one before; every section is kept
/// with the version (a letter issued before keeps its validity), and starting again with the
/// same file records nothing new.
#[tokio::test]
async fn a_dated_bureau_file_governs_from_its_day_and_is_recorded_once() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let book = dangjian_core::rules::RuleBook::load(Some(
        "[meta]\neffective_from = 2026-09-01\n[meetings.party_lecture]\nperiod = \"month\"\n\
         [membership_status]\nintro_letter_validity_months = 1\n",
    ))
    .unwrap();
    let bureau = app.services.clone().with_rules(book);
    bureau.apply_rule_versions(true).await.unwrap();
    assert_eq!(
        lecture_periods(&bureau, f.a1).await,
        [
            "2026年第一季度",
            "2026年第二季度",
            "2026年第三季度",
            "2026年10月",
            "2026年11月",
            "2026年12月"
        ]
    );
    // Today (28 March) the compiled-in numbers hold; the book has both versions.
    assert_eq!(
        bureau
            .rules()
            .membership_status
            .intro_letter_validity_months,
        3
    );
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    assert_eq!(
        dangjian_core::lifecycle::letter_expires_on(d(9, 15), &bureau.rule_book()),
        d(10, 15)
    );
    assert_eq!(
        dangjian_core::lifecycle::letter_expires_on(d(3, 15), &bureau.rule_book()),
        d(6, 15)
    );
    let recorded = app.audit("rules.version", Some("success")).await.len();
    assert_eq!(recorded, 2);
    bureau.apply_rule_versions(true).await.unwrap();
    assert_eq!(
        app.audit("rules.version", Some("success")).await.len(),
        recorded
    );
}

/// Issue 14, 7: a meeting may pass midnight, said so in the record; without that, an end
/// before the start is refused at its field. The record keeps the clock times and the flag,
/// and its page shows the end on the next day.
#[tokio::test]
async fn a_meeting_past_midnight_says_so() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let token = secretary_token(&app).await;
    let client = app.client();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = client
            .request(method, app.url(&format!("/api/v1{path}")))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let body = json!({
        "kind": "theme_party_day", "held_on": "2026-02-10", "starts_at": "09:00", "ends_at": "10:30",
        "place": "党员活动室", "host": "王书记", "recorder": "李委员",
        "topics": "夜班结束后集中学习", "minutes": GOOD_MINUTES,
        "attendees": [
            { "member_id": f.member_a1, "present": true },
            { "member_id": f.member_a1_second, "present": true }
        ]
    });
    // A meeting past midnight says so (issue 14, 7): without it, the end is refused at its
    // field; with it, the record keeps the clock times and the flag.
    let mut late = body.clone();
    late["starts_at"] = json!("22:00");
    late["ends_at"] = json!("00:30");
    let refused = call(
        reqwest::Method::POST,
        &format!("/orgs/{}/meetings", f.a1),
        Some(late.clone()),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("ends_at") && text.contains("次日结束"),
        "{text}"
    );
    late["ends_next_day"] = json!(true);
    let created = call(
        reqwest::Method::POST,
        &format!("/orgs/{}/meetings", f.a1),
        Some(late),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let night: Value = created.json().await.unwrap();
    assert_eq!(
        (
            &night["starts_at"],
            &night["ends_at"],
            &night["ends_next_day"]
        ),
        (&json!("22:00"), &json!("00:30"), &json!(true))
    );
    let client = app
        .login_as(
            "sec_a1",
            dangjian_core::role::Role::OrgSecretary,
            Some("A1"),
            None,
        )
        .await;
    let page = client
        .get(app.url(&format!("/meetings/{}", night["id"])))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("22:00–次日00:30"), "{page}");
}

/// A bearer token for `api_a1`, secretary of 支部A1.
async fn secretary_token(app: &TestApp) -> String {
    let grant = dangjian_service::accounts::GrantForm {
        role: "org_secretary".to_owned(),
        org: "A1".to_owned(),
        police_number: String::new(),
    };
    app.services
        .cli_add_user("api_a1", "", &grant, crate::harness::PASSWORD)
        .await
        .unwrap();
    app.services
        .cli_create_token("api_a1", "t", None)
        .await
        .unwrap()
        .0
}

/// Issue 14, 4 (M4.11): a 支部党员大会's quorum is counted against every voting member of the
/// day's roll. Taking five of nine off the expected roll does not make four a quorum; only
/// members left out in one of the five cases, with the upper committee's approval named,
/// shrink the base — and a member who came cannot be left out.
#[tokio::test]
async fn a_general_meeting_counts_its_quorum_against_the_whole_roll() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let mut members = vec![f.member_a1, f.member_a1_second];
    for n in 10..17 {
        let id = app
            .services
            .create_member(
                &crate::harness::office(),
                &crate::harness::member_form(n, "A1"),
            )
            .await
            .unwrap();
        members.push(id);
    }
    let token = secretary_token(&app).await;
    let client = app.client();
    let call = |method: reqwest::Method, path: String, body: Value| {
        client
            .request(method, app.url(&format!("/api/v1{path}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    // Four present, one absent on duty; the other four taken off the expected roll.
    let mut attendees: Vec<Value> = members[..4]
        .iter()
        .map(|id| json!({ "member_id": id, "present": true }))
        .collect();
    attendees.push(json!({ "member_id": members[4], "absence_reason": "on_duty" }));
    let mut body = json!({
        "kind": "branch_general_meeting", "held_on": "2026-03-20", "starts_at": "14:30",
        "ends_at": "16:00", "place": "三楼会议室", "host": "王书记", "recorder": "李委员",
        "topics": "讨论接收预备党员", "minutes": GOOD_MINUTES,
        "expected_reason": "四名同志另有任务",
        "attendees": attendees,
        "resolutions": [{ "text": "同意接收张三为预备党员", "yes": 4 }]
    });
    let created = call(
        reqwest::Method::POST,
        format!("/orgs/{}/meetings", f.a1),
        body.clone(),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let meeting: Value = created.json().await.unwrap();
    let id = meeting["id"].as_i64().unwrap();
    assert_eq!(meeting["voting_roll"], 9);
    let refused = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/submit"),
        json!({ "version": 1 }),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    let errors = refused.text().await.unwrap();
    assert!(errors.contains("应到9人"), "{errors}");
    // The quarter says why it has no record (issue 14, 5).
    let general_meetings = |compliance: Value| -> Vec<Value> {
        compliance["slots"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "branch_general_meeting")
            .cloned()
            .collect()
    };
    let compliance = call(
        reqwest::Method::GET,
        format!("/orgs/{}/compliance?year=2026", f.a1),
        Value::Null,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let q1 = &general_meetings(compliance)[0];
    assert_eq!(
        (&q1["status"], &q1["why"], &q1["records"]),
        (&json!("upcoming"), &json!("quorum_short"), &json!([id]))
    );

    // An exclusion without the approval, and one of a member who came, are refused at the
    // field; nothing is saved.
    body["version"] = json!(1);
    for (exclusion, says) in [
        (
            json!({ "member_id": members[5], "category": "abroad_self_funded", "approval": "" }),
            "须经上级党委同意",
        ),
        (
            json!({ "member_id": members[0], "category": "bedridden", "approval": "市局党委2026-03-01" }),
            "已到会",
        ),
        (
            json!({ "member_id": members[5], "category": "on_holiday", "approval": "公党委〔2026〕3号" }),
            "情形无效",
        ),
    ] {
        body["quorum_exclusions"] = json!([exclusion]);
        let bad = call(
            reqwest::Method::PUT,
            format!("/meetings/{id}"),
            body.clone(),
        )
        .await
        .unwrap();
        assert_eq!(bad.status(), 422);
        let errors = bad.text().await.unwrap();
        assert!(
            errors.contains("quorum_exclusions") && errors.contains(says),
            "{errors}"
        );
    }
    // Two left out with approval: four of seven is more than half, and the vote passes.
    body["quorum_exclusions"] = json!([
        { "member_id": members[5], "category": "abroad_self_funded", "approval": "公党委〔2026〕3号" },
        { "member_id": members[6], "category": "illness", "approval": "公党委〔2026〕4号" }
    ]);
    let saved = call(
        reqwest::Method::PUT,
        format!("/meetings/{id}"),
        body.clone(),
    )
    .await
    .unwrap();
    assert_eq!(saved.status(), 200);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(
        saved["quorum_exclusions"][1]["approval"],
        "公党委〔2026〕4号"
    );
    let submitted = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/submit"),
        json!({ "version": 2 }),
    )
    .await
    .unwrap();
    assert_eq!(
        submitted.status(),
        200,
        "{}",
        submitted.text().await.unwrap()
    );
    let compliance = call(
        reqwest::Method::GET,
        format!("/orgs/{}/compliance?year=2026", f.a1),
        Value::Null,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let q1 = &general_meetings(compliance)[0];
    assert_eq!(
        (&q1["status"], &q1["why_label"]),
        (&json!("met"), &json!("记录待审核"))
    );
    // The record's page says what the quorum was counted against, and why.
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let page = text(&secretary, app.url(&format!("/meetings/{id}"))).await;
    assert!(
        page.contains("法定人数与表决按7人计算") && page.contains("公党委〔2026〕4号"),
        "{page}"
    );
}

/// Issue 14, 8 (R1.16): a 谈心谈话 is recorded as who talked with whom, from the day's roll;
/// the year is covered when every member had each kind of talk the rules ask for, and the
/// org's compliance says who still lacks which.
#[tokio::test]
async fn talks_are_pairs_and_the_year_names_who_lacks_which() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = crate::harness::office();
    let third = app
        .services
        .create_member(&office, &crate::harness::member_form(20, "A1"))
        .await
        .unwrap();
    // The first member is the branch's secretary: the others are members.
    let appoint = dangjian_service::orgs::SecretaryForm {
        police_number: "200001".to_owned(),
        on: "2026-01-05".to_owned(),
    };
    app.services
        .set_secretary(&office, f.a1, &appoint)
        .await
        .unwrap();
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let talk = |pairs: &[(i64, i64)]| {
        let mut fields: Vec<(String, String)> = [
            ("kind", "heart_to_heart_talk"),
            ("held_on", "2026-03-10"),
            ("starts_at", "15:00"),
            ("ends_at", "16:00"),
            ("place", "书记办公室"),
            ("host", "王书记"),
            ("recorder", "王书记"),
            ("topics", "年度谈心谈话"),
            ("minutes", GOOD_MINUTES),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for (i, (a, b)) in pairs.iter().enumerate() {
            fields.push((format!("p{i}_a"), a.to_string()));
            fields.push((format!("p{i}_b"), b.to_string()));
        }
        fields
    };
    // A member with themself, and one of another branch, are refused at the field.
    let alone = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &talk(&[(f.member_a1, f.member_a1)]),
    )
    .await;
    assert_eq!(alone.status(), 422);
    assert!(alone.text().await.unwrap().contains("不能与自己谈心谈话"));
    let stranger = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &talk(&[(f.member_a1, f.member_a2)]),
    )
    .await;
    assert_eq!(stranger.status(), 422);
    assert!(stranger.text().await.unwrap().contains("名册中的党员"));
    // The secretary talked with the second member: the third lacks both kinds.
    let saved = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &talk(&[(f.member_a1, f.member_a1_second)]),
    )
    .await;
    assert_eq!(saved.status(), 303);
    let id = id_of(&location(&saved));
    let submitted = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/submit"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(submitted.status(), 303);
    let page = text(&secretary, app.url(&format!("/meetings/{id}"))).await;
    assert!(
        page.contains("谈话双方") && page.contains("应到2人，实到2人"),
        "{page}"
    );
    let token = secretary_token(&app).await;
    let compliance: Value = app
        .client()
        .get(app.url(&format!("/api/v1/orgs/{}/compliance?year=2026", f.a1)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slot = compliance["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "heart_to_heart_talk")
        .unwrap();
    assert_eq!(slot["status"], "met");
    assert_eq!(slot["why"], "pairs_incomplete");
    assert_eq!(
        slot["pairs_missing"],
        json!([
            { "member_id": f.member_a1_second, "name": "测试丙", "lacking": ["member-member"] },
            { "member_id": third, "name": "测试甲", "lacking": ["committee-member", "member-member"] }
        ])
    );
    let calendar = text(
        &secretary,
        app.url(&format!("/orgs/{}/orglife?year=2026", f.a1)),
    )
    .await;
    assert!(
        calendar.contains("谈心谈话未全覆盖")
            && calendar.contains("测试甲（缺委员与党员、党员之间）")
    );
    // Through the API: the secretary with the third member, the two members together.
    let created = app
        .client()
        .post(app.url(&format!("/api/v1/orgs/{}/meetings", f.a1)))
        .bearer_auth(&token)
        .json(&json!({
            "kind": "heart_to_heart_talk", "held_on": "2026-03-12", "starts_at": "15:00",
            "ends_at": "16:00", "place": "书记办公室", "host": "王书记", "recorder": "王书记",
            "topics": "年度谈心谈话", "minutes": GOOD_MINUTES,
            "pairs": [ { "a": f.member_a1, "b": third }, { "a": third, "b": f.member_a1_second } ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let record: Value = created.json().await.unwrap();
    assert_eq!(record["pairs"].as_array().unwrap().len(), 2);
    assert_eq!(record["attendees"].as_array().unwrap().len(), 3);
    let submitted = app
        .client()
        .post(app.url(&format!("/api/v1/meetings/{}/submit", record["id"])))
        .bearer_auth(&token)
        .json(&json!({ "version": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);
    let compliance: Value = app
        .client()
        .get(app.url(&format!("/api/v1/orgs/{}/compliance?year=2026", f.a1)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slot = compliance["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "heart_to_heart_talk")
        .unwrap();
    assert_eq!(slot["pairs_missing"], json!([]));
    // Covered; what is left is the review from above.
    assert_eq!(slot["why"], "awaiting_review");
}

/// Issue 14, 9: at a 组织生活会 each member present gives a 党性分析 and the branch its
/// feedback; the record is not submitted without them, and they are kept in the member's
/// record (page and API), within scope.
#[tokio::test]
async fn party_analyses_are_given_at_the_life_meeting_and_kept_in_the_members_record() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let mut fields: Vec<(String, String)> = theme_day(&app, GOOD_MINUTES)
        .into_iter()
        .filter(|(k, _)| {
            k != "kind"
                && !["_reason", "_note", "_present"]
                    .iter()
                    .any(|e| k.ends_with(e))
        })
        .collect();
    fields.push(("kind".to_owned(), "organizational_life_meeting".to_owned()));
    for id in [f.member_a1, f.member_a1_second] {
        fields.push((format!("a{id}_present"), "1".to_owned()));
        fields.push((format!("a{id}_self"), "理论学习不够深入".to_owned()));
        fields.push((format!("a{id}_criticism"), "联系群众不够主动".to_owned()));
    }
    let saved = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &fields,
    )
    .await;
    assert_eq!(saved.status(), 303);
    let id = id_of(&location(&saved));
    let refused = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/submit"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("每位参会党员都应进行党性分析")
    );
    for id in [f.member_a1, f.member_a1_second] {
        fields.push((
            format!("a{id}_analysis"),
            "对照党章，理想信念坚定；不足是学习不够系统".to_owned(),
        ));
    }
    fields.push((
        format!("a{}_feedback", f.member_a1),
        "同意本人分析，望制定学习计划".to_owned(),
    ));
    fields.push(("version".to_owned(), "1".to_owned()));
    let edited = post(&app, &secretary, &format!("/meetings/{id}/edit"), &fields).await;
    assert_eq!(edited.status(), 303);
    let submitted = app
        .post_form(
            &secretary,
            &format!("/meetings/{id}/submit"),
            &[("version", "2")],
        )
        .await;
    assert_eq!(submitted.status(), 303);
    let member_page = text(&secretary, app.url(&format!("/members/{}", f.member_a1))).await;
    assert!(
        member_page.contains("学习不够系统") && member_page.contains("望制定学习计划"),
        "{member_page}"
    );
    let token = secretary_token(&app).await;
    let analyses: Value = app
        .client()
        .get(app.url(&format!("/api/v1/members/{}/party-analyses", f.member_a1)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            &analyses[0]["meeting_id"],
            &analyses[0]["kind"],
            &analyses[0]["feedback"]
        ),
        (
            &json!(id),
            &json!("organizational_life_meeting"),
            &json!("同意本人分析，望制定学习计划")
        )
    );
    // Another branch's secretary does not see it.
    let other = app
        .login_as("sec_b", Role::OrgSecretary, Some("B"), None)
        .await;
    let hidden = other
        .get(app.url(&format!("/members/{}", f.member_a1)))
        .send()
        .await
        .unwrap();
    assert!(matches!(hidden.status().as_u16(), 403 | 404));
}

/// The root committee's id (市公安局党委, code DW).
async fn committee_id(app: &TestApp) -> i64 {
    let filter = dangjian_service::orgs::Filter {
        text: Some("DW".to_owned()),
        ..Default::default()
    };
    app.services
        .search_orgs(&crate::harness::office(), &filter, 10)
        .await
        .unwrap()
        .iter()
        .find(|o| o.code == "DW")
        .unwrap()
        .id
}

/// Appoints the root committee's leadership team through its page as the office would —
/// a secretary, a committee member and two 班子成员 without a committee seat — and returns
/// the committee's id with the team's ids as a 民主生活会 on 10 March 2026 expects them.
pub(crate) async fn leadership_team(app: &TestApp, office: &reqwest::Client) -> (i64, Vec<i64>) {
    let dw = committee_id(app).await;
    for (post, number) in [
        ("secretary", "200001"),
        ("committee_member", "200003"),
        ("leadership_member", "200004"),
        ("leadership_member", "200005"),
    ] {
        let appointed = app
            .post_form(
                office,
                &format!("/orgs/{dw}/posts"),
                &[
                    ("post", post),
                    ("police_number", number),
                    ("on", "2026-01-05"),
                ],
            )
            .await;
        assert_eq!(appointed.status(), 303, "{post} {number}");
    }
    let team = app
        .services
        .meeting_roll(
            &crate::harness::office(),
            dw,
            dangjian_core::orglife::MeetingKind::DemocraticLifeMeeting,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        )
        .await
        .unwrap();
    (dw, team.iter().map(|m| m.member_id).collect())
}

/// A 民主生活会 of 10 March 2026 as the API takes it, everyone present; with the preparation,
/// each member's 对照检查材料 and a 整改清单 of two actions when `complete`.
pub(crate) fn life_meeting_body(team: &[i64], complete: bool) -> Value {
    let attendees: Vec<Value> = team
        .iter()
        .map(|id| {
            json!({
                "member_id": id, "present": true,
                "criticism": "抓基层党建工作不够经常", "self_criticism": "深入基层调研不够",
                "review_material": if complete { "对照检查材料：……" } else { "" },
            })
        })
        .collect();
    let mut body = json!({
        "kind": "democratic_life_meeting", "held_on": "2026-03-10", "starts_at": "09:00",
        "ends_at": "12:00", "place": "局党委会议室", "host": "王书记", "recorder": "办公室",
        "topics": "年度民主生活会", "minutes": GOOD_MINUTES, "attendees": attendees
    });
    if complete {
        body["preparation"] = json!("会前征求意见36条");
        body["actions"] = json!([
            {"text": "建立班子成员基层联系点制度", "owner": "王书记", "due_on": "2026-06-30"},
            {"text": "开展执法规范化专项整治", "owner": "李副局长", "due_on": "2026-09-30"},
        ]);
    }
    body
}

/// Issue 14, 10 (R2.x, R2.9): a 民主生活会 takes the whole leadership team (班子成员 who hold
/// no committee post too), needs the opinions gathered beforehand and each member's 对照检查
/// 材料, and is reported to the level above within 15 days (by the rules), late ones said so.
#[tokio::test]
async fn a_life_meeting_of_the_leadership_is_prepared_examined_and_reported() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let (dw, team) = leadership_team(&app, &office).await;
    // The roll of the day is the whole team, the two 班子成员 among them.
    let form = text(
        &office,
        app.url(&format!(
            "/orgs/{dw}/meetings/new?kind=democratic_life_meeting&held_on=2026-03-10"
        )),
    )
    .await;
    assert!(
        form.contains(&format!("a{}_expected", f.member_b)) && form.contains("会前征求意见情况")
    );
    assert_eq!(team.len(), 4);

    let token = app
        .services
        .cli_create_token("office", "t", None)
        .await
        .unwrap()
        .0;
    let client = app.client();
    let call = |method: reqwest::Method, path: String, body: Value| {
        client
            .request(method, app.url(&format!("/api/v1{path}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let body = life_meeting_body(&team, false);
    let created = call(
        reqwest::Method::POST,
        format!("/orgs/{dw}/meetings"),
        body.clone(),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    // A draft is not reported.
    let early = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/report"),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(early.status(), 422);
    let refused = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/submit"),
        json!({"version": 1}),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    let errors = refused.text().await.unwrap();
    assert!(
        errors.contains("preparation") && errors.contains("review_material"),
        "{errors}"
    );
    let mut body = life_meeting_body(&team, true);
    body["version"] = json!(1);
    let updated = call(reqwest::Method::PUT, format!("/meetings/{id}"), body)
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let submitted = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/submit"),
        json!({"version": 2}),
    )
    .await
    .unwrap();
    assert_eq!(submitted.status(), 200);
    let record: Value = submitted.json().await.unwrap();
    // Today is 28 March: the report was due by 25 March.
    assert_eq!(
        record["report_status"],
        "应于2026-03-25前报送上级党组织，已逾期3天未报送"
    );
    assert_eq!(record["report_late"], true);
    let before = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/report"),
        json!({"reported_on": "2026-03-09"}),
    )
    .await
    .unwrap();
    assert_eq!(before.status(), 422);
    let reported = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/report"),
        json!({"reported_on": "2026-03-27"}),
    )
    .await
    .unwrap();
    assert_eq!(reported.status(), 200);
    let record: Value = reported.json().await.unwrap();
    assert_eq!(record["reported_on"], "2026-03-27");
    assert!(
        record["report_status"]
            .as_str()
            .unwrap()
            .contains("逾期2天")
    );
    let page = text(&office, app.url(&format!("/meetings/{id}"))).await;
    assert!(
        page.contains("会前征求意见36条")
            && page.contains("对照检查材料：……")
            && page.contains("逾期2天")
    );
    assert!(
        !app.audit("meeting.report", Some("success"))
            .await
            .is_empty()
    );

    // Its 整改清单 becomes a rectification inspection, one finding per action, made once.
    let made = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/rectification"),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(made.status(), 201);
    let inspection = made.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let again = call(
        reqwest::Method::POST,
        format!("/meetings/{id}/rectification"),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(again.status(), 422);
    let record: Value = call(reqwest::Method::GET, format!("/meetings/{id}"), json!(null))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["rectification_id"], inspection);
    let detail = app
        .services
        .inspection(
            &crate::harness::office(),
            inspection,
            None,
            dangjian_service::Page {
                number: 1,
                size: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        detail.inspection.feedback_ref,
        format!("民主生活会记录{id}")
    );
    let problems: Vec<&str> = detail
        .findings
        .iter()
        .map(|(f, _)| f.problem.as_str())
        .collect();
    assert_eq!(
        problems,
        [
            "建立班子成员基层联系点制度（责任人：王书记）",
            "开展执法规范化专项整治（责任人：李副局长）"
        ]
    );
    let page = text(&office, app.url(&format!("/meetings/{id}"))).await;
    assert!(page.contains(&format!("/inspections/{inspection}")));
}
