//! 学习教育 over HTTP (issue 15): a study inside a 主题党日 credits the record's roll once (and
//! only once the record is on file), make-ups are credited on their day, a group study on its
//! own roll, training classes with attendance, completion and certificates, the year's hours
//! equal to the records, the leaders' training ledger, and scope.

use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token, location};
use crate::orglife::{GOOD_MINUTES, id_of, post, theme_day};

/// A member's credited hours of 2026 over the API, and the sum of their credits.
async fn hours(app: &TestApp, token: &str, member: i64) -> (f64, f64) {
    let (status, year) = call(
        app,
        token,
        Method::GET,
        &format!("/study/members/{member}?year=2026"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{year}");
    let sum: f64 = year["credits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["hours"].as_f64().unwrap())
        .sum();
    (year["attainment"]["credited_hours"].as_f64().unwrap(), sum)
}

fn field(body: &Value) -> &str {
    body["fields"][0]["field"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_study_inside_a_theme_day_credits_its_roll_once_and_make_ups_when_done() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let api = token(&app, "sec_api", Role::OrgSecretary, Some("A1"), None).await;

    // A 主题党日 of ninety minutes, saved as a draft: one present, one away.
    let saved = post(
        &app,
        &secretary,
        &format!("/orgs/{}/meetings", f.a1),
        &theme_day(&app, GOOD_MINUTES),
    )
    .await;
    assert_eq!(saved.status(), 303);
    let meeting = id_of(&location(&saved));
    // The record's page offers the study part.
    let page = secretary
        .get(app.url(&format!("/meetings/{meeting}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("登记学习内容"));
    // The study's form is for those who record study in the record's scope.
    let member = app
        .login_as("member_web", Role::Member, None, Some("200001"))
        .await;
    let other = app
        .login_as("sec_b_web", Role::OrgSecretary, Some("B"), None)
        .await;
    for (client, status) in [(&member, 403), (&other, 404), (&secretary, 200)] {
        let form = client
            .get(app.url(&format!("/meetings/{meeting}/study")))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), status);
    }

    // Longer than the meeting, and empty topics, are refused at their fields.
    let study = |minutes: u32, topic: &str| json!({"minutes": minutes, "topic": topic, "materials": "《中国共产党纪律处分条例》第一章至第三章"});
    let (status, refused) = call(
        &app,
        &api,
        Method::POST,
        &format!("/meetings/{meeting}/study"),
        Some(study(120, "学习纪律处分条例")),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(field(&refused), "minutes");
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("90分钟")
    );
    let (status, refused) = call(
        &app,
        &api,
        Method::POST,
        &format!("/meetings/{meeting}/study"),
        Some(study(60, "  ")),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "topic"));

    // Recorded once, through the page; nothing is credited while the record is a draft.
    let linked = app
        .post_form(
            &secretary,
            &format!("/meetings/{meeting}/study"),
            &[
                ("topic", "学习纪律处分条例"),
                ("minutes", "60"),
                ("materials", "《中国共产党纪律处分条例》第一章至第三章"),
            ],
        )
        .await;
    assert_eq!(linked.status(), 303);
    assert_eq!(hours(&app, &api, f.member_a1).await, (0.0, 0.0));
    let (status, twice) = call(
        &app,
        &api,
        Method::POST,
        &format!("/meetings/{meeting}/study"),
        Some(study(30, "再学一次")),
    )
    .await;
    assert_eq!((status, field(&twice)), (422, "topic"));

    // Submitted: the one present is credited an hour, the absentee nothing.
    let submitted = app
        .post_form(
            &secretary,
            &format!("/meetings/{meeting}/submit"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(submitted.status(), 303);
    assert_eq!(hours(&app, &api, f.member_a1).await, (1.0, 1.0));
    assert_eq!(hours(&app, &api, f.member_a1_second).await, (0.0, 0.0));

    // The absentee's make-up on the record credits the study on the make-up's day.
    let made_up = app
        .post_form(
            &secretary,
            &format!("/meetings/{meeting}/makeup"),
            &[
                ("member_id", &f.member_a1_second.to_string()),
                ("on", "2026-03-25"),
                ("note", "观看录像并提交心得"),
            ],
        )
        .await;
    assert_eq!(made_up.status(), 303);
    let (_, year) = call(
        &app,
        &api,
        Method::GET,
        &format!("/study/members/{}?year=2026", f.member_a1_second),
        None,
    )
    .await;
    assert_eq!(year["attainment"]["credited_hours"], 1.0);
    assert_eq!(year["credits"][0]["credited_on"], "2026-03-25");
    assert_eq!(year["credits"][0]["source"], "group_study");
    // Its make-up goes through the record, not the study.
    let study_id = year["credits"][0]["record_id"].as_i64().unwrap();
    let (status, refused) = call(
        &app,
        &api,
        Method::POST,
        &format!("/study/sessions/{study_id}/makeups"),
        Some(json!({"member_id": f.member_a1, "on": "2026-03-26", "note": "自学"})),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    // The study shows the record's roll.
    let (_, detail) = call(
        &app,
        &api,
        Method::GET,
        &format!("/study/sessions/{study_id}"),
        None,
    )
    .await;
    assert_eq!(detail["study"]["meeting_id"], meeting);
    assert_eq!(detail["attendees"].as_array().unwrap().len(), 2);

    // A year of 32 hours is far off; nothing else of the branch counts twice.
    let (_, org) = call(
        &app,
        &api,
        Method::GET,
        &format!("/study/hours?org={}&year=2026", f.a1),
        None,
    )
    .await;
    assert_eq!(org["any_data"], true);
    assert_eq!(org["members"], 2);
    assert_eq!(org["met"], 0);
    assert_eq!(org["branches"][0]["hours"], 2.0);
    assert_eq!(org["lines"][0]["attainment"]["target_hours"], 32.0);
}

#[tokio::test]
async fn a_group_study_on_its_own_roll_credits_attendees_and_keeps_to_scope() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let sec = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let sec_b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;
    let body = |absences: Value| {
        json!({"kind": "branch_study", "held_on": "2026-03-10", "minutes": 150,
            "topic": "学习贯彻全国公安工作会议精神", "materials": "会议讲话全文，分段领学，交流发言",
            "absences": absences})
    };
    let path = format!("/study/sessions?org={}", f.a1);

    // Bad input, each at its field, nothing saved.
    for (input, at) in [
        (
            json!({"kind": "walk", "held_on": "2026-03-10", "minutes": 60, "topic": "t", "materials": "m"}),
            "kind",
        ),
        (
            json!({"kind": "branch_study", "held_on": "2026-04-10", "minutes": 60, "topic": "t", "materials": "m"}),
            "held_on",
        ),
        (
            json!({"kind": "branch_study", "held_on": "2026-03-10", "minutes": 0, "topic": "t", "materials": "m"}),
            "minutes",
        ),
        (
            json!({"kind": "branch_study", "held_on": "2026-03-10", "minutes": 900, "topic": "t", "materials": "m"}),
            "minutes",
        ),
        (
            body(json!([{"member_id": f.member_b, "reason": "on_duty"}])),
            "absences",
        ),
        (
            body(json!([{"member_id": f.member_a1, "reason": "nap"}])),
            "absences",
        ),
        (
            body(json!([{"member_id": f.member_a1, "reason": "on_duty"},
                        {"member_id": f.member_a1_second, "reason": "on_duty"}])),
            "absences",
        ),
    ] {
        let (status, refused) = call(&app, &sec, Method::POST, &path, Some(input)).await;
        assert_eq!((status, field(&refused)), (422, at), "{refused}");
    }
    let (_, none) = call(&app, &sec, Method::GET, "/study/sessions?year=2026", None).await;
    assert_eq!(none["total"], 0);

    // Recorded: two and a half hours to the one present, none to the absentee.
    let (status, made) = call(
        &app,
        &sec,
        Method::POST,
        &path,
        Some(body(
            json!([{"member_id": f.member_a1_second, "reason": "on_duty"}]),
        )),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["study"]["hours"], 2.5);
    let id = made["study"]["id"].as_i64().unwrap();
    assert_eq!(hours(&app, &sec, f.member_a1).await, (2.5, 2.5));
    assert_eq!(hours(&app, &sec, f.member_a1_second).await, (0.0, 0.0));
    assert!(
        app.audit("study.create", Some("success"))
            .await
            .iter()
            .any(|e| e.object_id.as_deref() == Some(&id.to_string()))
    );

    // The make-up: not before the study, not for the one present, once.
    let makeup = |member: i64, on: &str| json!({"member_id": member, "on": on, "note": "观看录像，提交学习心得"});
    let mpath = format!("/study/sessions/{id}/makeups");
    let (status, early) = call(
        &app,
        &sec,
        Method::POST,
        &mpath,
        Some(makeup(f.member_a1_second, "2026-03-09")),
    )
    .await;
    assert_eq!((status, field(&early)), (422, "on"));
    let (status, _) = call(
        &app,
        &sec,
        Method::POST,
        &mpath,
        Some(makeup(f.member_a1, "2026-03-12")),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = call(
        &app,
        &sec,
        Method::POST,
        &mpath,
        Some(makeup(f.member_a1_second, "2026-03-12")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(hours(&app, &sec, f.member_a1_second).await, (2.5, 2.5));
    let (status, _) = call(
        &app,
        &sec,
        Method::POST,
        &mpath,
        Some(makeup(f.member_a1_second, "2026-03-13")),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(hours(&app, &sec, f.member_a1_second).await, (2.5, 2.5));

    // Out of scope: another branch's secretary sees no such study, and the refusal is audited.
    let (status, _) = call(
        &app,
        &sec_b,
        Method::GET,
        &format!("/study/sessions/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, &sec_b, Method::POST, &path, Some(body(json!([])))).await;
    assert_eq!(status, 404);
    let (_, listed) = call(&app, &sec_b, Method::GET, "/study/sessions?year=2026", None).await;
    assert_eq!(listed["total"], 0);
    // A member reads their own year only, and records nothing.
    assert_eq!(hours(&app, &member, f.member_a1).await, (2.5, 2.5));
    let (status, _) = call(
        &app,
        &member,
        Method::GET,
        &format!("/study/members/{}?year=2026", f.member_a1_second),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, &member, Method::POST, &path, Some(body(json!([])))).await;
    assert_eq!(status, 403);
    // A member's page is their own year.
    let web = app
        .login_as("m1_web", Role::Member, None, Some("200001"))
        .await;
    let page = web
        .get(app.url("/study/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("学习贯彻全国公安工作会议精神") && page.contains("还差29.5学时"));
}

#[tokio::test]
async fn a_training_class_completes_those_who_attended_enough_and_the_ledger_flags_the_rest() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    // 测试乙 is 支部A1's secretary, 测试丁 支部A2's.
    for (org, number) in [(f.a1, "200001"), (f.a2, "200003")] {
        let (status, _) = call(
            &app,
            &office,
            Method::POST,
            &format!("/orgs/{org}/posts"),
            Some(json!({"post": "secretary", "police_number": number, "on": "2026-01-05"})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (_, ledger) = call(
        &app,
        &office,
        Method::GET,
        "/training/ledger?year=2026",
        None,
    )
    .await;
    assert_eq!(ledger.as_array().unwrap().len(), 2);
    assert!(
        ledger
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["lacks_training"] == true)
    );

    // A class: its dates checked, then two sessions of four hours each.
    let class = json!({"title": "2026年基层党支部书记轮训班", "organiser": "市局党委", "place": "市委党校",
        "starts_on": "2026-03-16", "ends_on": "2026-03-17", "concentrated": true});
    let mut backwards = class.clone();
    backwards["ends_on"] = json!("2026-03-01");
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        "/training/classes",
        Some(backwards),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "ends_on"));
    let (status, made) = call(
        &app,
        &office,
        Method::POST,
        "/training/classes",
        Some(class),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let id = made["class"]["id"].as_i64().unwrap();
    let mut version = made["class"]["version"].as_i64().unwrap();
    let session = |version: i64, on: &str, hours: &str| json!({"version": version, "held_on": on, "topic": "学习党章", "lecturer": "党校教授", "hours": hours});
    for (bad, at) in [
        (session(version, "2026-03-18", "4"), "held_on"),
        (session(version, "2026-03-16", "9"), "hours"),
        (session(version, "2026-03-16", "0"), "hours"),
        (session(version, "2026-03-16", "四"), "hours"),
    ] {
        let (status, refused) = call(
            &app,
            &office,
            Method::POST,
            &format!("/training/classes/{id}/sessions"),
            Some(bad),
        )
        .await;
        assert_eq!((status, field(&refused)), (422, at), "{refused}");
    }
    for on in ["2026-03-16", "2026-03-17"] {
        let (status, d) = call(
            &app,
            &office,
            Method::POST,
            &format!("/training/classes/{id}/sessions"),
            Some(session(version, on, "4")),
        )
        .await;
        assert_eq!(status, 201, "{d}");
        version = d["class"]["version"].as_i64().unwrap();
    }
    // A stale version is refused.
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/training/classes/{id}/sessions"),
        Some(session(1, "2026-03-16", "1")),
    )
    .await;
    assert_eq!(status, 409);

    // Enrolment from the roster: the leaders under 总支A; a stranger's number is refused.
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &format!("/training/classes/{id}/enrolments"),
        Some(json!({"version": version, "members": "299999"})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "members"));
    let (status, d) = call(
        &app,
        &office,
        Method::POST,
        &format!("/training/classes/{id}/enrolments"),
        Some(json!({"version": version, "org": "ZZA", "whom": "leaders"})),
    )
    .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["enrolments"].as_array().unwrap().len(), 2);
    version = d["class"]["version"].as_i64().unwrap();
    let sessions: Vec<i64> = d["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();

    // Closing before attendance is taken is refused.
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &format!("/training/classes/{id}/close"),
        Some(json!({"version": version, "closed_on": "2026-03-17"})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "closed_on"));

    // 测试乙 attends both days, 测试丁 only the first: 4 of 8 hours is short of completion.
    let (status, refused) = call(
        &app,
        &office,
        Method::POST,
        &format!("/training/classes/{id}/sessions/{}/attendance", sessions[0]),
        Some(json!({"version": version, "present": [f.member_b]})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "present"));
    for (s, present) in [
        (sessions[0], vec![f.member_a1, f.member_a2]),
        (sessions[1], vec![f.member_a1]),
    ] {
        let (status, d) = call(
            &app,
            &office,
            Method::POST,
            &format!("/training/classes/{id}/sessions/{s}/attendance"),
            Some(json!({"version": version, "present": present})),
        )
        .await;
        assert_eq!(status, 200, "{d}");
        version = d["class"]["version"].as_i64().unwrap();
    }
    assert_eq!(hours(&app, &office, f.member_a1).await, (8.0, 8.0));
    assert_eq!(hours(&app, &office, f.member_a2).await, (4.0, 4.0));
    // A correction replaces the session's credits, it does not add to them.
    let (_, d) = call(
        &app,
        &office,
        Method::POST,
        &format!("/training/classes/{id}/sessions/{}/attendance", sessions[1]),
        Some(json!({"version": version, "present": [f.member_a1]})),
    )
    .await;
    version = d["class"]["version"].as_i64().unwrap();
    assert_eq!(hours(&app, &office, f.member_a1).await, (8.0, 8.0));

    let (status, closed) = call(
        &app,
        &office,
        Method::POST,
        &format!("/training/classes/{id}/close"),
        Some(json!({"version": version, "closed_on": "2026-03-18"})),
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    let by_name = |name: &str| {
        closed["enrolments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("测试乙")["completed"], true);
    assert_eq!(
        by_name("测试乙")["certificate"],
        format!("2026-{id:04}-001")
    );
    assert_eq!(by_name("测试丁")["completed"], false);
    assert!(by_name("测试丁")["certificate"].is_null());
    // A closed class is final.
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/training/classes/{id}/sessions"),
        Some(session(
            closed["class"]["version"].as_i64().unwrap(),
            "2026-03-17",
            "1",
        )),
    )
    .await;
    assert_eq!(status, 422);

    // The ledger: 测试乙 has the year's concentrated training, 测试丁 is flagged.
    let (_, ledger) = call(
        &app,
        &office,
        Method::GET,
        "/training/ledger?year=2026",
        None,
    )
    .await;
    let line = |name: &str| {
        ledger
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(line("测试乙")["lacks_training"], false);
    assert_eq!(line("测试丁")["lacks_training"], true);
    assert_eq!(line("测试丁")["classes"][0]["completed"], false);
    // The org page's secretary card shows it.
    let web = app
        .login_as("office_web", Role::CommitteeStaff, None, None)
        .await;
    let page = web
        .get(app.url(&format!("/orgs/{}", f.a1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2026年结业集中培训1次（2026年基层党支部书记轮训班），已记8学时"),
        "{page}"
    );
    let page = web
        .get(app.url(&format!("/orgs/{}", f.a2)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("缺集中培训"));
    // The export holds the three sheets and is audited.
    let export = web
        .get(app.url("/study/export.xlsx?year=2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    assert!(
        export.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("xlsx")
    );
    assert!(!export.bytes().await.unwrap().is_empty());
    assert!(!app.audit("study.export", Some("success")).await.is_empty());
}

/// Adds a chapter over the API (multipart), with a file or a text body.
pub(crate) async fn chapter(
    app: &TestApp,
    token: &str,
    course: i64,
    version: i64,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new().text("version", version.to_string());
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/study/courses/{course}/chapters")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_course_is_served_in_ranges_and_a_finished_chapter_credits_its_hours_once() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let sec_b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;
    let (status, made) = call(
        &app,
        &office,
        Method::POST,
        &format!("/study/courses?org={}", f.general_a),
        Some(json!({"title": "全面从严管党治警", "description": "微党课三讲", "micro": true})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let course = made["course"]["id"].as_i64().unwrap();
    let version = |v: &Value| v["course"]["version"].as_i64().unwrap();
    let mut v = version(&made);

    // A video of three chunks and a bit: its bytes numbered so every range can be checked.
    let video: Vec<u8> = b"\0\0\0\x20ftypisom\0\0\x02\0"
        .iter()
        .copied()
        .chain((0..3 * 1024 * 1024 + 100).map(|i: u32| (i % 251) as u8))
        .collect();
    // Refused: the wrong kind of bytes, no length, no file.
    let (status, refused) = chapter(
        &app,
        &office,
        course,
        v,
        &[("title", "第一讲"), ("media", "pdf"), ("minutes", "35")],
        Some(("讲座.pdf", video.clone())),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "file"), "{refused}");
    let (status, refused) = chapter(
        &app,
        &office,
        course,
        v,
        &[("title", "第一讲"), ("media", "video"), ("minutes", "0")],
        Some(("讲座.mp4", video.clone())),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "minutes"));
    let (status, refused) = chapter(
        &app,
        &office,
        course,
        v,
        &[("title", "第一讲"), ("media", "video"), ("minutes", "35")],
        None,
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "file"));
    // A member cannot make the server take a file at all: refused before the upload is read.
    let (status, _) = chapter(
        &app,
        &member,
        course,
        v,
        &[("title", "第一讲"), ("media", "video"), ("minutes", "35")],
        Some(("讲座.mp4", video.clone())),
    )
    .await;
    assert_eq!(status, 403);
    // Another branch's secretary cannot add to it.
    let (status, _) = chapter(
        &app,
        &sec_b,
        course,
        v,
        &[
            ("title", "第一讲"),
            ("media", "text"),
            ("minutes", "10"),
            ("body", "正文"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, d) = chapter(
        &app,
        &office,
        course,
        v,
        &[
            ("title", "第一讲 严管就是厚爱"),
            ("media", "video"),
            ("minutes", "35"),
        ],
        Some(("讲座.mp4", video.clone())),
    )
    .await;
    assert_eq!(status, 201, "{d}");
    v = version(&d);
    let (status, d) = chapter(
        &app,
        &office,
        course,
        v,
        &[
            ("title", "第二讲 读原文"),
            ("media", "text"),
            ("minutes", "12"),
            ("body", "从严管党治警，首先要从严教育。"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 201, "{d}");
    v = version(&d);
    let video_chapter = d["chapters"][0]["id"].as_i64().unwrap();
    let text_chapter = d["chapters"][1]["id"].as_i64().unwrap();
    assert_eq!(d["chapters"][0]["hours"], 1.0);
    assert_eq!(d["chapters"][1]["hours"], 0.25);
    assert_eq!(d["chapters"][0]["sm3"].as_str().unwrap().len(), 64);

    // Not published: the member cannot see it.
    let (status, _) = call(
        &app,
        &member,
        Method::GET,
        &format!("/study/courses/{course}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/study/courses/{course}/publish"),
        Some(json!({"version": v - 1})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/study/courses/{course}/publish"),
        Some(json!({"version": v})),
    )
    .await;
    assert_eq!(status, 200);
    // Published, it no longer changes.
    let (status, _) = chapter(
        &app,
        &office,
        course,
        v + 1,
        &[
            ("title", "第三讲"),
            ("media", "text"),
            ("minutes", "10"),
            ("body", "正文"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 409);

    // The member of a branch below sees it; one of a branch elsewhere does not.
    let (_, listed) = call(&app, &member, Method::GET, "/study/courses", None).await;
    assert_eq!(listed["total"], 1);
    let other = token(&app, "member_b", Role::Member, None, Some("200004")).await;
    let (_, listed) = call(&app, &other, Method::GET, "/study/courses", None).await;
    assert_eq!(listed["total"], 0);
    let (status, _) = call(
        &app,
        &other,
        Method::GET,
        &format!("/study/courses/{course}"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // The file in ranges, across chunk boundaries, for a player to seek.
    let get = |range: Option<&str>| {
        let mut request = app
            .client()
            .get(app.url(&format!("/api/v1/study/chapters/{video_chapter}/file")))
            .bearer_auth(&member);
        if let Some(r) = range {
            request = request.header("range", r);
        }
        request.send()
    };
    let whole = get(None).await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), video.as_slice());
    for (range, from, to) in [
        ("bytes=0-15", 0, 15),
        ("bytes=1048570-1048590", 1_048_570, 1_048_590),
        ("bytes=1048576-", 1_048_576, video.len() - 1),
        ("bytes=-10", video.len() - 10, video.len() - 1),
        ("bytes=2097000-3145800", 2_097_000, 3_145_800),
    ] {
        let part = get(Some(range)).await.unwrap();
        assert_eq!(part.status(), 206, "{range}");
        assert_eq!(
            part.headers()["content-range"],
            format!("bytes {from}-{to}/{}", video.len()).as_str()
        );
        assert_eq!(
            part.bytes().await.unwrap().as_ref(),
            &video[from..=to],
            "{range}"
        );
    }
    let beyond = get(Some(&format!("bytes={}-", video.len()))).await.unwrap();
    assert_eq!(beyond.status(), 416);
    // Outside the course's reach, the file is not there either.
    let (status, _) = call(
        &app,
        &other,
        Method::GET,
        &format!("/study/chapters/{video_chapter}/file"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // Finishing credits the chapter's hours once, on the day.
    let (status, year) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/chapters/{video_chapter}/complete"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{year}");
    assert_eq!(year["attainment"]["credited_hours"], 1.0);
    let (_, year) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/chapters/{video_chapter}/complete"),
        None,
    )
    .await;
    assert_eq!(year["attainment"]["credited_hours"], 1.0);
    let (_, year) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/chapters/{text_chapter}/complete"),
        None,
    )
    .await;
    assert_eq!(year["attainment"]["credited_hours"], 1.25);
    assert_eq!(year["by_source"][0]["source"], "course");
    assert_eq!(hours(&app, &member, f.member_a1).await, (1.25, 1.25));
    // Only a member's own account records finishing; the chapter shows as finished.
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/study/chapters/{text_chapter}/complete"),
        None,
    )
    .await;
    assert_eq!(status, 422);
    let (_, d) = call(
        &app,
        &member,
        Method::GET,
        &format!("/study/courses/{course}"),
        None,
    )
    .await;
    assert_eq!(d["chapters"][0]["finished_on"], "2026-03-28");
    assert_eq!(app.audit("course.complete", Some("success")).await.len(), 2);
}

#[tokio::test]
async fn an_exam_is_drawn_shuffled_timed_graded_and_retaken_by_its_rule() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;
    let post = |path: String, body: Value| {
        let (app, office) = (&app, office.clone());
        async move { call(app, &office, Method::POST, &path, Some(body)).await }
    };
    // The bank: each kind, and refusals at their fields.
    for (bad, at) in [
        (
            json!({"kind": "single", "stem": "题", "options": ["甲", "乙"], "key": "C"}),
            "key",
        ),
        (
            json!({"kind": "multiple", "stem": "题", "options": ["甲", "乙", "丙"], "key": "A"}),
            "key",
        ),
        (json!({"kind": "judge", "stem": "题", "key": "也许"}), "key"),
        (
            json!({"kind": "single", "stem": "", "options": ["甲", "乙"], "key": "A"}),
            "stem",
        ),
        (
            json!({"kind": "single", "stem": "题", "options": ["甲"], "key": "A"}),
            "options",
        ),
    ] {
        let (status, refused) = post("/study/questions".into(), bad).await;
        assert_eq!((status, field(&refused)), (422, at), "{refused}");
    }
    let single = post("/study/questions".into(), json!({"kind": "single", "stem": "党的根本宗旨是", "options": ["全心全意为人民服务", "发展经济", "维护稳定"], "key": "A"})).await;
    assert_eq!(single.0, 201, "{}", single.1);
    let multiple = post("/study/questions".into(), json!({"kind": "multiple", "stem": "三会一课包括", "options": ["支部党员大会", "支委会", "党小组会", "茶话会"], "key": "ABC"})).await;
    let judge = post(
        "/study/questions".into(),
        json!({"kind": "judge", "stem": "党员每年集中学习培训一般不少于32学时。", "key": "对"}),
    )
    .await;
    // Imported from the template: all rows or none.
    let header = |r: [&str; 9]| r.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let titles = header([
        "题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案",
    ]);
    let bad = crate::import::sheet(&[
        titles.clone(),
        header([
            "填空题",
            "全面从严____",
            "",
            "",
            "",
            "",
            "",
            "",
            "治党|治警",
        ]),
        header(["问答题", "谈谈体会", "", "", "", "", "", "", "略"]),
    ]);
    let refused = app
        .client()
        .post(app.url("/api/v1/study/questions/import"))
        .bearer_auth(&office)
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let message = refused.json::<Value>().await.unwrap()["fields"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("第") && message.contains("题型"),
        "{message}"
    );
    let (_, bank) = call(&app, &office, Method::GET, "/study/questions", None).await;
    assert_eq!(bank["total"], 3);
    let good = crate::import::sheet(&[
        titles,
        header([
            "填空题",
            "全面从严____",
            "",
            "",
            "",
            "",
            "",
            "",
            "治党|管党治党",
        ]),
        header([
            "判断题",
            "主题党日每月固定一天开展。",
            "",
            "",
            "",
            "",
            "",
            "",
            "√",
        ]),
    ]);
    let imported = app
        .client()
        .post(app.url("/api/v1/study/questions/import"))
        .bearer_auth(&office)
        .body(good)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 201);
    let (_, bank) = call(&app, &office, Method::GET, "/study/questions", None).await;
    assert_eq!(bank["total"], 5);
    let blank_id = bank["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "blank")
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    // An exam: the single and the multiple fixed, two judges drawn, the blank fixed.
    let (status, made) = post(
        "/study/exams".into(),
        json!({"title": "党规党纪知识测试", "minutes": 20, "pass_percent": 60,
        "max_attempts": 2, "opens_on": "2026-03-01", "closes_on": "2026-04-30"}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let exam = made["exam"]["id"].as_i64().unwrap();
    let mut version = made["exam"]["version"].as_i64().unwrap();
    let (status, refused) = post(
        format!("/study/exams/{exam}/parts"),
        json!({"version": version, "kind": "judge", "count": 3, "points": 20}),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "count"));
    for part in [
        json!({"question": single.1["id"], "points": 20}),
        json!({"question": multiple.1["id"], "points": 20}),
        json!({"kind": "judge", "count": 2, "points": 20}),
        json!({"question": blank_id, "points": 20}),
    ] {
        let mut part = part;
        part["version"] = json!(version);
        let (status, d) = post(format!("/study/exams/{exam}/parts"), part).await;
        assert_eq!(status, 200, "{d}");
        version = d["exam"]["version"].as_i64().unwrap();
    }
    // A draft cannot be sat.
    let (status, _) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/exams/{exam}/sittings"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, d) = post(
        format!("/study/exams/{exam}/publish"),
        json!({"version": version}),
    )
    .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["total_points"], 100);
    assert!(judge.0 == 201);

    // The member sits it: five questions, options in this sitting's order.
    let (status, sitting) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/exams/{exam}/sittings"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{sitting}");
    let id = sitting["sitting"]["id"].as_i64().unwrap();
    assert_eq!(sitting["questions"].as_array().unwrap().len(), 5);
    assert_eq!(sitting["seconds_left"], 1200);
    assert!(sitting["questions"][0]["key"].is_null());
    // Answer right where the shown options allow, leaving the multiple wrong.
    let answers: Vec<Value> = sitting["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            let letter_of = |text: &str| {
                let i = q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|o| o == text)
                    .unwrap();
                ((b'A' + i as u8) as char).to_string()
            };
            let given = match q["kind"].as_str().unwrap() {
                "single" => letter_of("全心全意为人民服务"),
                "multiple" => letter_of("支部党员大会"),
                "judge" => "对".to_owned(),
                _ => "全面从严治党"
                    .replace("全面从严", "治党")
                    .replace("治党治党", "治党"),
            };
            json!({"position": q["position"], "given": given})
        })
        .collect();
    // Saved, the connection drops; the sitting resumes with the answers and the clock.
    app.clock.advance(chrono::TimeDelta::minutes(5));
    let (status, _) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/sittings/{id}/answers"),
        Some(json!({"answers": answers})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, resumed) = call(
        &app,
        &member,
        Method::GET,
        &format!("/study/sittings/{id}"),
        None,
    )
    .await;
    assert_eq!(resumed["seconds_left"], 900);
    assert!(
        resumed["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["given"].is_string())
    );
    // Another member cannot see it; starting again while it runs is refused.
    let other = token(&app, "member2", Role::Member, None, Some("200002")).await;
    let (status, _) = call(
        &app,
        &other,
        Method::GET,
        &format!("/study/sittings/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/exams/{exam}/sittings"),
        None,
    )
    .await;
    assert_eq!(status, 422);

    // Time runs out: the saved answers are graded as they stand.
    app.clock.advance(chrono::TimeDelta::minutes(16));
    let (status, late) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/sittings/{id}/answers"),
        Some(json!({"answers": [], "submit": true})),
    )
    .await;
    assert_eq!(status, 422, "{late}");
    assert_eq!(
        late["fields"][0]["message"],
        "考试时间已到，已按保存的答案交卷"
    );
    let (_, graded) = call(
        &app,
        &member,
        Method::GET,
        &format!("/study/sittings/{id}"),
        None,
    )
    .await;
    let score = graded["sitting"]["score"].as_i64().unwrap();
    // Single, two judges (the imported one is 对 too) and the blank right; the multiple wrong.
    assert_eq!(score, 80, "{graded}");
    assert_eq!(graded["sitting"]["passed"], true);
    let wrong: Vec<&Value> = graded["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["correct"] == false)
        .collect();
    assert_eq!(wrong.len(), 1);
    assert_eq!(wrong[0]["kind"], "multiple");
    assert_eq!(wrong[0]["key"].as_str().unwrap().len(), 3);
    // Passing credits the rules' hours once, and ends the exam for them.
    assert_eq!(hours(&app, &member, f.member_a1).await, (0.5, 0.5));
    let (status, refused) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/exams/{exam}/sittings"),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("已经通过")
    );

    // A second member fails twice and may not sit a third time.
    for _ in 0..2 {
        let (status, s) = call(
            &app,
            &other,
            Method::POST,
            &format!("/study/exams/{exam}/sittings"),
            None,
        )
        .await;
        assert_eq!(status, 201, "{s}");
        let sid = s["sitting"]["id"].as_i64().unwrap();
        let (_, done) = call(
            &app,
            &other,
            Method::POST,
            &format!("/study/sittings/{sid}/answers"),
            Some(json!({"answers": [], "submit": true})),
        )
        .await;
        assert_eq!(done["sitting"]["score"], 0);
        assert_eq!(done["sitting"]["passed"], false);
    }
    let (status, refused) = call(
        &app,
        &other,
        Method::POST,
        &format!("/study/exams/{exam}/sittings"),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("已考满2次")
    );
    assert_eq!(hours(&app, &other, f.member_a1_second).await, (0.0, 0.0));

    // The office sees every sitting and each question's results; the member only their own.
    let (_, results) = call(
        &app,
        &office,
        Method::GET,
        &format!("/study/exams/{exam}"),
        None,
    )
    .await;
    assert_eq!(results["sittings"].as_array().unwrap().len(), 3);
    let multiple_row = results["by_question"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["stem"] == "三会一课包括")
        .unwrap()
        .clone();
    assert_eq!(
        (
            multiple_row["answered"].as_i64(),
            multiple_row["right"].as_i64()
        ),
        (Some(3), Some(0))
    );
    let (_, mine) = call(
        &app,
        &member,
        Method::GET,
        &format!("/study/exams/{exam}"),
        None,
    )
    .await;
    assert!(mine["sittings"].as_array().unwrap().is_empty());
    assert_eq!(mine["mine"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_study_plan_is_issued_from_above_and_adopted_with_changes() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let sec = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let sec_b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let (_, top) = call(&app, &office, Method::GET, "/study/hours?year=2026", None).await;
    let root = top["org_id"].as_i64().unwrap();
    let topic = |version: i64, month: u32, topic: &str| {
        json!({"year": 2026, "version": version, "month": month, "topic": topic,
            "materials": "原文\n讲话"})
    };
    let path = format!("/orgs/{root}/study-plan/topics");
    for (bad, at) in [
        (topic(0, 13, "学习条例"), "month"),
        (topic(0, 3, " "), "topic"),
    ] {
        let (status, refused) = call(&app, &office, Method::POST, &path, Some(bad)).await;
        assert_eq!((status, field(&refused)), (422, at), "{refused}");
    }
    let (status, plan) = call(
        &app,
        &office,
        Method::POST,
        &path,
        Some(topic(0, 3, "学习纪律处分条例")),
    )
    .await;
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["topics"][0]["materials"], "原文\n讲话");
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &path,
        Some(topic(0, 4, "重复新建")),
    )
    .await;
    assert_eq!(status, 409);
    let v = plan["version"].as_i64().unwrap();
    let (_, plan) = call(
        &app,
        &office,
        Method::POST,
        &path,
        Some(topic(v, 6, "学习党章")),
    )
    .await;
    let v = plan["version"].as_i64().unwrap();
    // Not yet issued: the branch sees nothing from above.
    let (_, mine) = call(
        &app,
        &sec,
        Method::GET,
        &format!("/orgs/{}/study-plan?year=2026", f.a1),
        None,
    )
    .await;
    assert!(mine["issued_above"].as_array().unwrap().is_empty());
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/orgs/{root}/study-plan/issue"),
        Some(json!({"year": 2026, "version": v})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, mine) = call(
        &app,
        &sec,
        Method::GET,
        &format!("/orgs/{}/study-plan?year=2026", f.a1),
        None,
    )
    .await;
    let issued = mine["issued_above"][0]["id"].as_i64().unwrap();
    assert_eq!(
        mine["issued_above"][0]["topics"].as_array().unwrap().len(),
        2
    );
    // Adopted by the branch, then changed: a topic of its own added, one removed.
    let (status, adopted) = call(
        &app,
        &sec,
        Method::POST,
        &format!("/orgs/{}/study-plan/adopt", f.a1),
        Some(json!({"year": 2026, "version": 0, "from": issued})),
    )
    .await;
    assert_eq!(status, 200, "{adopted}");
    assert_eq!(adopted["adopted_from"], "市公安局党委");
    assert_eq!(adopted["topics"].as_array().unwrap().len(), 2);
    let v = adopted["version"].as_i64().unwrap();
    let (_, changed) = call(
        &app,
        &sec,
        Method::POST,
        &format!("/orgs/{}/study-plan/topics", f.a1),
        Some(topic(v, 5, "学习反诈典型案例")),
    )
    .await;
    let v = changed["version"].as_i64().unwrap();
    let first = changed["topics"][0]["id"].as_i64().unwrap();
    let (status, changed) = call(
        &app,
        &sec,
        Method::POST,
        &format!("/orgs/{}/study-plan/topics/{first}/delete", f.a1),
        Some(json!({"year": 2026, "version": v})),
    )
    .await;
    assert_eq!(status, 200);
    let months: Vec<i64> = changed["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["month"].as_i64().unwrap())
        .collect();
    assert_eq!(months, vec![5, 6]);
    // The upper plan is untouched; another branch's own plan cannot be adopted from.
    let (_, upper) = call(
        &app,
        &office,
        Method::GET,
        &format!("/orgs/{root}/study-plan?year=2026"),
        None,
    )
    .await;
    assert_eq!(upper["topics"].as_array().unwrap().len(), 2);
    let (status, _) = call(
        &app,
        &sec,
        Method::POST,
        &format!("/orgs/{}/study-plan/issue", f.a1),
        Some(json!({"year": 2026, "version": changed["version"]})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, theirs) = call(
        &app,
        &sec_b,
        Method::GET,
        &format!("/orgs/{}/study-plan?year=2026", f.b),
        None,
    )
    .await;
    assert_eq!(theirs["issued_above"].as_array().unwrap().len(), 1);
    let a1_plan = changed["plan_id"].as_i64().unwrap();
    let (status, refused) = call(
        &app,
        &sec_b,
        Method::POST,
        &format!("/orgs/{}/study-plan/adopt", f.b),
        Some(json!({"year": 2026, "version": 0, "from": a1_plan})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "from"), "{refused}");
    // Out of scope: B's secretary cannot read A1's plan.
    let (status, _) = call(
        &app,
        &sec_b,
        Method::GET,
        &format!("/orgs/{}/study-plan?year=2026", f.a1),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // Beside the org-life plan.
    let web = app
        .login_as("sec_web", Role::OrgSecretary, Some("A1"), None)
        .await;
    let page = web
        .get(app.url(&format!("/orgs/{}/orglife/plan?year=2026", f.a1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("5月：学习反诈典型案例") && page.contains("6月：学习党章"),
        "{page}"
    );
}
