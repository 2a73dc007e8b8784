//! 发展党员 over HTTP (issue 18, the path and the pipeline): an application at eighteen, once,
//! at an org that holds members; the steps in order and at their time with their lateness
//! kept; the activist's reviews; the pipeline with the overdue first; scope for reads and
//! writes; and the pages.

use dangjian_core::id_number::check_char;
use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token, location};

/// A fictional, checksum-valid ID number of a man (or a woman) born on `birth` (any day when
/// it does not parse), distinct per name.
fn id_number_of(name: &str, birth: &str, male: bool) -> String {
    let day = birth.replace('-', "");
    let day = if day.len() == 8 && chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").is_ok() {
        day
    } else {
        "19900101".to_owned()
    };
    let sequence = name.chars().map(u32::from).sum::<u32>() % 400 * 2 + u32::from(male);
    let body = format!("830101{day}{sequence:03}");
    format!("{body}{}", check_char(body.as_bytes()) as char)
}

fn id_number(name: &str, birth: &str) -> String {
    id_number_of(name, birth, true)
}

fn applicant(name: &str, birth: &str, applied: &str) -> Value {
    json!({"org": "A1", "name": name, "gender": "male", "birth_date": birth, "applied_on": applied,
        "ethnicity": "01", "id_number": id_number(name, birth)})
}

async fn get(app: &TestApp, who: &str, path: &str) -> (u16, Value) {
    call(app, who, Method::GET, path, None).await
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
            {
                let mut v = applicant("乙", "2000-01-01", "");
                v["gender"] = json!("x");
                v
            },
            "gender",
        ),
        (applicant("乙", "2000-13-01", ""), "birth_date"),
        (
            {
                let mut v = applicant("乙", "2000-01-01", "");
                v["org"] = json!("B");
                v
            },
            "org",
        ),
        (
            {
                let mut v = applicant("乙", "2000-01-01", "");
                v["id_number"] = json!("830101200001010011");
                v
            },
            "id_number",
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

    let (_, person) = get(&app, &secretary, &format!("/recruits/{id}")).await;
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
    let (_, person) = get(&app, &secretary, &format!("/recruits/{id}")).await;
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
    done(&app, &secretary, id, &["activist_filed"], "2026-03-20").await;
    let contact = json!({ "people": [app.fixture.member_a1] });
    let r = step_with(
        &app,
        &secretary,
        id,
        "contacts_assigned",
        "2026-03-20",
        contact,
    )
    .await;
    assert_eq!(r["status"], 204, "{r}");
    done(&app, &secretary, id, &["cultivation"], "2026-03-20").await;
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
    let (_, person) = get(&app, &secretary, &format!("/recruits/{id}")).await;
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
    let (status, _) = get(&app, &secretary_b, &format!("/recruits/{id}")).await;
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
    let (status, _) = get(&app, &member, "/recruits").await;
    assert_eq!(status, 403);
    // Once per person (by ID number); at an org that holds members.
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
        (422, Some("id_number")),
        "{body}"
    );
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let (status, body) = call(
        &app,
        &office,
        Method::POST,
        "/recruits",
        Some({
            let mut v = applicant("戊", "2000-01-01", "");
            v["org"] = json!("DW");
            v
        }),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("org")),
        "{body}"
    );
    let (_, theirs) = get(&app, &secretary_b, "/recruits").await;
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
    let (_, lines) = get(&app, &secretary, "/recruits").await;
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
                ("id_number", &id_number_of("申请人丁", "2010-01-01", false)),
                ("ethnicity", "01"),
                ("education", ""),
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
                ("id_number", &id_number_of("申请人丁", "2000-01-01", false)),
                ("ethnicity", "01"),
                ("education", ""),
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

/// A step with what it holds besides its day.
async fn step_with(app: &TestApp, who: &str, id: i64, step: &str, on: &str, extra: Value) -> Value {
    let (_, person) = call(app, who, Method::GET, &format!("/recruits/{id}"), None).await;
    let mut body = json!({"version": person["version"], "step": step, "on": on});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, body) = call(
        app,
        who,
        Method::POST,
        &format!("/recruits/{id}/steps"),
        Some(body),
    )
    .await;
    json!({"status": status, "body": body})
}

async fn done(app: &TestApp, who: &str, id: i64, steps: &[&str], on: &str) {
    for s in steps {
        let (status, body) = step(app, who, id, s, on).await;
        assert_eq!(status, 204, "{s} on {on}: {body}");
    }
}

/// A 支部党员大会 record of A1 on `held_on`: `present` of the roll there, the rest absent on
/// duty; returns its id and its voting roll.
async fn general_meeting(
    app: &TestApp,
    who: &str,
    held_on: &str,
    present: &[i64],
    absent: &[i64],
) -> (i64, Value) {
    let mut attendees: Vec<Value> = present
        .iter()
        .map(|id| json!({ "member_id": id, "present": true }))
        .collect();
    attendees.extend(
        absent
            .iter()
            .map(|id| json!({ "member_id": id, "absence_reason": "on_duty" })),
    );
    let (status, body) = call(
        app,
        who,
        Method::POST,
        &format!("/orgs/{}/meetings", app.fixture.a1),
        Some(json!({
            "kind": "branch_general_meeting", "held_on": held_on, "starts_at": "14:30",
            "ends_at": "16:00", "place": "三楼会议室", "host": "书记", "recorder": "组织委员",
            "topics": "讨论发展党员", "minutes": "会议逐个讨论了发展对象的入党申请，进行了表决。",
            "attendees": attendees,
            "resolutions": [{ "text": "表决发展党员", "yes": present.len() }]
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (body["id"].as_i64().unwrap(), body["voting_roll"].clone())
}

fn field(result: &Value) -> (u64, Option<&str>) {
    (
        result["status"].as_u64().unwrap(),
        result["body"]["fields"][0]["field"].as_str(),
    )
}

/// Issue 18: the contact persons and sponsors are full members of the branch, the training
/// long enough, the vote counted from the 支部党员大会 record with its quorum and majority; the
/// approval makes the person a probationary member joined on the meeting's day, without a
/// vote; 转正 makes them full from the end of the probation (党龄 from then); a second person
/// voted at the same meeting has the probation extended once, then cancelled.
#[tokio::test]
async fn a_candidate_becomes_a_member_through_the_vote_and_the_approval() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let (a1, a1_second, b) = (f.member_a1, f.member_a1_second, f.member_b);
    let sec = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let mut people = Vec::new();
    for name in ["候选人甲", "候选人乙", "候选人丙"] {
        let (status, body) = call(
            &app,
            &sec,
            Method::POST,
            "/recruits",
            Some(applicant(name, "1998-05-01", "2023-01-05")),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        people.push(body["id"].as_i64().unwrap());
    }
    for &id in &people {
        done(&app, &sec, id, &["talk"], "2023-01-20").await;
        done(&app, &sec, id, &["activist_chosen"], "2023-03-01").await;
        // The filing is the committee's to do; the contact persons the branch's.
        for list in ["above", "branch"] {
            let (_, lines) = get(&app, &sec, &format!("/recruits?for={list}")).await;
            assert!(
                lines.as_array().unwrap().iter().any(|l| l["id"] == id),
                "{list}: {lines}"
            );
        }
        done(&app, &sec, id, &["activist_filed"], "2023-03-05").await;
        // Contact persons: one or two full members of the branch, not the same one twice.
        for (people_json, field_name) in [
            (json!([]), "first"),
            (json!([b]), "first"),
            (json!([a1, a1]), "second"),
            (json!([a1, a1_second, b]), "people"),
        ] {
            let r = step_with(
                &app,
                &sec,
                id,
                "contacts_assigned",
                "2023-03-05",
                json!({ "people": people_json }),
            )
            .await;
            assert_eq!(field(&r), (422, Some(field_name)), "{people_json}: {r}");
        }
        let r = step_with(
            &app,
            &sec,
            id,
            "contacts_assigned",
            "2023-03-05",
            json!({ "people": [a1] }),
        )
        .await;
        assert_eq!(r["status"], 204, "{r}");
        done(&app, &sec, id, &["cultivation"], "2023-03-05").await;
        done(&app, &sec, id, &["candidate_chosen"], "2024-03-10").await;
        done(
            &app,
            &sec,
            id,
            &["candidate_filed", "political_review"],
            "2024-04-01",
        )
        .await;
        let r = step_with(
            &app,
            &sec,
            id,
            "sponsors",
            "2024-04-01",
            json!({"people": [a1]}),
        )
        .await;
        assert_eq!(field(&r), (422, Some("first")), "two sponsors: {r}");
        let r = step_with(
            &app,
            &sec,
            id,
            "sponsors",
            "2024-04-01",
            json!({"people": [a1, a1_second]}),
        )
        .await;
        assert_eq!(r["status"], 204, "{r}");
        let r = step_with(
            &app,
            &sec,
            id,
            "training",
            "2024-04-20",
            json!({"training_days": 2, "training_hours": 16}),
        )
        .await;
        assert_eq!(field(&r), (422, Some("training_days")), "{r}");
        let r = step_with(
            &app,
            &sec,
            id,
            "training",
            "2024-04-20",
            json!({"training_days": 2, "training_hours": 24}),
        )
        .await;
        assert_eq!(r["status"], 204, "24 class hours are enough: {r}");
        done(&app, &sec, id, &["committee_review"], "2024-05-01").await;
        done(&app, &sec, id, &["pre_review"], "2024-05-10").await;
        let r = step_with(&app, &sec, id, "branch_meeting", "", json!({})).await;
        assert_eq!(
            field(&r),
            (422, Some("step")),
            "out of order, whatever it holds: {r}"
        );
        done(&app, &sec, id, &["volunteer_form"], "2024-05-15").await;
    }
    let (candidate, second, third) = (people[0], people[1], people[2]);
    let (_, person) = get(&app, &sec, &format!("/recruits/{candidate}")).await;
    let names: Vec<&str> = person["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["contact", "sponsor", "sponsor"]);
    let training = person["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "training")
        .unwrap()
        .clone();
    assert_eq!(
        (&training["training_days"], &training["training_hours"]),
        (&json!(2), &json!(24))
    );

    // One of two voting members present is no quorum; both present, one aye does not pass.
    let (thin, _) = general_meeting(&app, &sec, "2024-06-01", &[a1], &[a1_second]).await;
    let (full, _) = general_meeting(&app, &sec, "2024-06-03", &[a1, a1_second], &[]).await;
    let (_, person) = get(&app, &sec, &format!("/recruits/{candidate}")).await;
    assert_eq!(
        person["meetings"][0]["id"], full,
        "the newest first: {person}"
    );
    let vote = |meeting: i64, ayes: u32| json!({ "meeting": meeting, "ayes_present": ayes });
    let r = step_with(&app, &sec, candidate, "branch_meeting", "", vote(thin, 1)).await;
    assert_eq!(field(&r), (422, Some("meeting")), "{r}");
    assert!(
        r["body"]
            .to_string()
            .contains("未超过应到会有表决权党员2人的半数"),
        "{r}"
    );
    let r = step_with(&app, &sec, candidate, "branch_meeting", "", vote(full, 1)).await;
    assert_eq!(field(&r), (422, Some("ayes_present")), "{r}");
    let r = step_with(
        &app,
        &sec,
        candidate,
        "branch_meeting",
        "2024-06-02",
        vote(full, 2),
    )
    .await;
    assert_eq!(field(&r), (422, Some("on")), "the meeting's own day: {r}");
    // Each candidate voted on one by one at the same meeting.
    for id in [candidate, second, third] {
        let r = step_with(&app, &sec, id, "branch_meeting", "", vote(full, 2)).await;
        assert_eq!(r["status"], 204, "{r}");
        done(&app, &sec, id, &["approval_talk"], "2024-06-20").await;
    }
    let (status, _) = get(&app, &sec, "/recruits?for=nobody").await;
    assert_eq!(status, 400);
    for id in [candidate, second] {
        done(&app, &sec, id, &["approval"], "2024-07-15").await;
    }
    let (_, person) = get(&app, &sec, &format!("/recruits/{candidate}")).await;
    let meeting_step = person["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "branch_meeting")
        .unwrap()
        .clone();
    assert_eq!(meeting_step["done_on"], "2024-06-03");
    assert_eq!(
        (
            &meeting_step["voters"],
            &meeting_step["present"],
            &meeting_step["ayes"]
        ),
        (&json!(2), &json!(2), &json!(2))
    );
    // The approval made a probationary member, joined on the meeting's day.
    let member = person["member_id"]
        .as_i64()
        .expect("a member made at admission");
    let (_, m) = get(&app, &sec, &format!("/members/{member}")).await;
    assert_eq!(
        (&m["name"], &m["category"], &m["joined_on"], &m["party_age"]),
        (
            &json!("候选人甲"),
            &json!("probationary"),
            &json!("2024-06-03"),
            &Value::Null
        ),
        "{m}"
    );
    let (_, life) = get(&app, &sec, &format!("/members/{member}/lifecycle")).await;
    assert_eq!(life["probation_due_on"], "2025-06-03");
    assert_eq!(person["probation_ends"], "2025-06-03");
    let (_, second_person) = get(&app, &sec, &format!("/recruits/{second}")).await;
    let second_member = second_person["member_id"].as_i64().unwrap();
    for id in [candidate, second] {
        done(
            &app,
            &sec,
            id,
            &["filing", "placement", "oath", "probation_education"],
            "2024-08-01",
        )
        .await;
        done(&app, &sec, id, &["conversion_application"], "2025-05-20").await;
    }
    // The probation's end: the conversion meeting, with the two new probationary members on
    // the roll without a vote.
    let (conversion, voting_roll) = general_meeting(
        &app,
        &sec,
        "2025-06-10",
        &[a1, a1_second, member, second_member],
        &[],
    )
    .await;
    assert_eq!(voting_roll, 2, "probationary members have no vote");
    let (early, _) = general_meeting(
        &app,
        &sec,
        "2025-05-30",
        &[a1, a1_second, member, second_member],
        &[],
    )
    .await;
    let r = step_with(
        &app,
        &sec,
        candidate,
        "conversion_meeting",
        "",
        vote(early, 2),
    )
    .await;
    assert_eq!(
        field(&r),
        (422, Some("on")),
        "before the probation's end: {r}"
    );
    let r = step_with(
        &app,
        &sec,
        candidate,
        "conversion_meeting",
        "",
        vote(conversion, 2),
    )
    .await;
    assert_eq!(r["status"], 204, "{r}");
    done(
        &app,
        &sec,
        candidate,
        &["conversion_approval"],
        "2025-07-01",
    )
    .await;
    let (_, m) = get(&app, &sec, &format!("/members/{member}")).await;
    assert_eq!(
        (&m["category"], &m["full_membership_on"], &m["party_age"]),
        (&json!("full"), &json!("2025-06-03"), &json!(0)),
        "党龄 from the end of the probation: {m}"
    );
    // The archive waits for every material on file.
    let (status, body) = step(&app, &sec, candidate, "archive", "2025-07-10").await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("step"))
    );
    assert!(
        body.to_string()
            .contains("材料不全，不能归档：缺入党申请书"),
        "{body}"
    );
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let upload = |material: &str, name: &str, bytes: Vec<u8>| {
        app.client()
            .post(app.url(&format!(
                "/api/v1/recruits/{candidate}/materials/{material}?name={name}"
            )))
            .bearer_auth(&sec)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
    };
    let refused = upload(
        "application_letter",
        "申请书.pdf",
        b"MZ\x90not a pdf".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422, "the bytes decide the type");
    let refused = upload("diary", "a.pdf", pdf.clone()).await.unwrap();
    assert_eq!(refused.status(), 422, "no such material");
    let (_, p) = get(&app, &sec, &format!("/recruits/{candidate}")).await;
    assert_eq!(p["missing_materials"].as_array().unwrap().len(), 8, "{p}");
    for material in [
        "application_letter",
        "thought_report",
        "cultivation_record",
        "political_review",
        "training_certificate",
        "volunteer_form",
        "conversion_application",
        "probation_record",
    ] {
        let kept = upload(material, "材料.pdf", pdf.clone()).await.unwrap();
        assert_eq!(kept.status(), 204, "{material}");
    }
    let (_, p) = get(&app, &sec, &format!("/recruits/{candidate}")).await;
    assert_eq!(p["missing_materials"], json!([]));
    let file = p["files"][0]["id"].as_i64().unwrap();
    let back = app
        .client()
        .get(app.url(&format!("/api/v1/recruits/{candidate}/files/{file}")))
        .bearer_auth(&sec)
        .send()
        .await
        .unwrap();
    assert_eq!(back.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(
        app.audit("recruit.file.read", Some("success")).await.len(),
        1
    );
    let outsider = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let (status, _) = get(
        &app,
        &outsider,
        &format!("/recruits/{candidate}/files/{file}"),
    )
    .await;
    assert_eq!(status, 404, "out of scope");
    done(&app, &sec, candidate, &["archive"], "2025-07-10").await;
    let refused = upload("thought_report", "迟交.pdf", pdf.clone())
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        422,
        "the file handed over stays as it was"
    );
    let (_, lines) = get(&app, &sec, "/recruits").await;
    assert!(
        lines
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["id"] != candidate),
        "off the pipeline: {lines}"
    );

    // The second: the probation extended once, by six to twelve months.
    let extend = |months: u32, version: &Value| json!({"version": version, "on": "2025-06-10", "months": months, "reason": "继续考察"});
    let path = format!("/recruits/{second}/extension");
    let (_, p) = get(&app, &sec, &format!("/recruits/{second}")).await;
    let (status, body) = call(
        &app,
        &sec,
        Method::POST,
        &path,
        Some(extend(3, &p["version"])),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("months")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        &sec,
        Method::POST,
        &path,
        Some(extend(6, &p["version"])),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, p) = get(&app, &sec, &format!("/recruits/{second}")).await;
    assert_eq!(
        (&p["probation_ends"], &p["extension_months"]),
        (&json!("2025-12-03"), &json!(6))
    );
    let (_, life) = get(&app, &sec, &format!("/members/{second_member}/lifecycle")).await;
    assert_eq!(
        life["probation_due_on"], "2025-12-03",
        "the member's probation moved too"
    );
    let (status, _) = call(
        &app,
        &sec,
        Method::POST,
        &path,
        Some(extend(6, &p["version"])),
    )
    .await;
    assert_eq!(status, 422, "once at most");
    let r = step_with(
        &app,
        &sec,
        second,
        "conversion_meeting",
        "",
        vote(conversion, 2),
    )
    .await;
    assert_eq!(
        field(&r),
        (422, Some("on")),
        "the extended probation has not ended: {r}"
    );
    // 取消预备党员资格: with a reason; the member's record says so.
    let end = format!("/recruits/{second}/end");
    let (status, body) = call(
        &app,
        &sec,
        Method::POST,
        &end,
        Some(json!({"version": p["version"], "on": "2026-01-10", "reason": ""})),
    )
    .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("reason")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        &sec,
        Method::POST,
        &end,
        Some(json!({"version": p["version"], "on": "2026-01-10", "reason": "不履行党员义务"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, p) = get(&app, &sec, &format!("/recruits/{second}")).await;
    assert_eq!(p["status"], "cancelled");
    let (_, m) = get(&app, &sec, &format!("/members/{second_member}")).await;
    assert_ne!(m["status"], "active", "{m}");
    assert_eq!(app.audit("recruit.end", Some("success")).await.len(), 1);
    assert_eq!(app.audit("recruit.extend", Some("success")).await.len(), 1);

    // The third was never approved: six months after the meeting the admission lapsed, and
    // is the branch's to begin again, not the committee's to approve.
    let r = step_with(&app, &sec, third, "approval", "2026-03-01", json!({})).await;
    assert_eq!(field(&r), (422, Some("on")), "{r}");
    assert!(r["body"].to_string().contains("须重新履行接收手续"), "{r}");
    let (_, above) = get(&app, &sec, "/recruits?for=above").await;
    assert!(
        above.as_array().unwrap().iter().all(|l| l["id"] != third),
        "{above}"
    );
    let (_, branch) = get(&app, &sec, "/recruits?for=branch").await;
    let line = branch
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == third)
        .cloned()
        .unwrap();
    assert_eq!(line["lapsed"], true);
    let (_, p) = get(&app, &sec, &format!("/recruits/{third}")).await;
    assert_eq!(p["lapsed_on"], "2024-12-03");
    let redo = format!("/recruits/{third}/redo");
    let (status, _) = call(&app, &sec, Method::POST, &redo, Some(json!({"version": 1}))).await;
    assert_eq!(status, 409, "a stale page");
    let (status, body) = call(
        &app,
        &sec,
        Method::POST,
        &redo,
        Some(json!({"version": p["version"]})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, p) = get(&app, &sec, &format!("/recruits/{third}")).await;
    assert_eq!(p["next"], json!(["committee_review"]));
    assert_eq!(p["lapsed_on"], Value::Null);
    let lapsed: Vec<&str> = p["lapsed_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        lapsed,
        [
            "committee_review",
            "pre_review",
            "volunteer_form",
            "branch_meeting",
            "approval_talk"
        ]
    );
    let (status, _) = call(
        &app,
        &sec,
        Method::POST,
        &redo,
        Some(json!({"version": p["version"]})),
    )
    .await;
    assert_eq!(status, 422, "nothing has lapsed now");
    assert_eq!(app.audit("recruit.redo", Some("success")).await.len(), 1);

    // The year's figures (党内统计), each step in the year of its day.
    let (_, y2024) = get(&app, &sec, "/recruits/statistics?year=2024").await;
    let total = y2024.as_array().unwrap().last().unwrap().clone();
    assert_eq!(total["org_id"], Value::Null);
    assert_eq!(
        (&total["applied"], &total["candidates"], &total["admitted"]),
        (&json!(0), &json!(3), &json!(2)),
        "{total}"
    );
    let (_, y2025) = get(&app, &sec, "/recruits/statistics?year=2025").await;
    let total = y2025.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            &total["converted"],
            &total["extended"],
            &total["at_year_end"]
        ),
        (&json!(1), &json!(1), &json!([0, 0, 1, 0, 1])),
        "the third back to 发展对象 as now recorded; the second probationary: {total}"
    );
    let (_, y2026) = get(&app, &sec, "/recruits/statistics?year=2026").await;
    let total = y2026.as_array().unwrap().last().unwrap().clone();
    assert_eq!(total["cancelled"], 1, "{total}");
    let (status, _) = get(&app, &sec, "/recruits/statistics?year=abc").await;
    assert_eq!(status, 400);
}
