//! 民主评议党员 over HTTP (issue 19, 4): a branch opens the year's review, members write their
//! 自评 and cast one secret ballot (nothing returns who voted what), the committee proposes
//! grades within the one-third share (more only with a reason and the committee office's
//! approval), probationary members take part without a grade, and a 不合格 opens a disposition
//! whose steps are kept in order against the clock.

use chrono::TimeDelta;
use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token, member_form, office};

/// Adds full members (by number) and one probationary member to A1; returns the
/// probationary member's id.
async fn grow_a1(app: &TestApp, full: &[u32], probationary: u32) -> i64 {
    for n in full {
        app.services
            .create_member(&office(), &member_form(*n, "A1"))
            .await
            .unwrap();
    }
    let mut p = member_form(probationary, "A1");
    p.category = "probationary".to_owned();
    p.joined_on = "2025-12-01".to_owned();
    p.full_membership_on = String::new();
    p.effective_on = "2025-12-01".to_owned();
    app.services.create_member(&office(), &p).await.unwrap()
}

fn entry(review: &Value, member: i64) -> &Value {
    review["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["member_id"] == member)
        .unwrap_or_else(|| panic!("no entry for {member} in {review}"))
}

fn field(body: &Value) -> &str {
    body["fields"][0]["field"].as_str().unwrap_or_default()
}

/// The id of the member with this police number.
async fn member_id(app: &TestApp, police: &str) -> i64 {
    let mut tx = app.services.db().read().await.unwrap();
    let found = dangjian_store::members::by_police_number(&mut tx, police)
        .await
        .unwrap()
        .unwrap();
    found.id
}

#[tokio::test]
async fn a_branch_reviews_its_members_by_secret_ballot_within_the_share() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let probationary = grow_a1(&app, &[11, 12, 13], 14).await;
    let (m11, m12, m13) = (
        member_id(&app, "200011").await,
        member_id(&app, "200012").await,
        member_id(&app, "200013").await,
    );
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let office_token = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let me = token(&app, "member1", Role::Member, None, Some("200001")).await;
    let second = token(&app, "member2", Role::Member, None, Some("200002")).await;
    let outsider = token(&app, "memberb", Role::Member, None, Some("200004")).await;

    // Opened once a year, for a branch in scope, for this year or the last.
    let (status, opened) = call(
        &app,
        &secretary,
        Method::POST,
        "/assess/reviews",
        Some(json!({"org": "A1", "year": 2026})),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    let id = opened["review"]["id"].as_i64().unwrap();
    assert_eq!(opened["review"]["participants"], 6);
    assert_eq!(opened["review"]["stage"], "evaluating");
    for (body, at) in [
        (json!({"org": "A1", "year": 2026}), "year"),
        (json!({"org": "A1", "year": 2020}), "year"),
        (json!({"org": "B", "year": 2026}), "org"),
    ] {
        let (status, refused) = call(
            &app,
            &secretary,
            Method::POST,
            "/assess/reviews",
            Some(body),
        )
        .await;
        assert_eq!((status, field(&refused)), (422, at), "{refused}");
    }
    assert!(!app.audit("review.open", Some("denied")).await.is_empty());

    // A member writes their own 自评 and sees only their own entry; another branch's member
    // cannot see the review at all.
    let (status, refused) = call(
        &app,
        &me,
        Method::POST,
        &format!("/assess/reviews/{id}/self"),
        Some(json!({"evaluation": "认真履行党员义务", "analysis": " "})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "analysis"));
    let (status, mine) = call(&app, &me, Method::POST, &format!("/assess/reviews/{id}/self"),
        Some(json!({"evaluation": "认真履行党员义务", "analysis": "对照入党誓词，理论学习还不够深入"}))).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["entries"].as_array().unwrap().len(), 1);
    assert_eq!(mine["entries"][0]["member_id"], f.member_a1);
    let (status, _) = call(
        &app,
        &outsider,
        Method::GET,
        &format!("/assess/reviews/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // The secretary keeps the 互评 summary.
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/peer"),
        Some(json!({"member": f.member_a1, "summary": "工作积极，群众评价好"})),
    )
    .await;
    assert_eq!(status, 200);

    // No ballot before the 民主测评 opens; a stale version does not open it.
    let choices = json!({"choices": [{"member": f.member_a1_second, "grade": "excellent"}, {"member": m11, "grade": "basic"}]});
    let (status, _) = call(
        &app,
        &me,
        Method::POST,
        &format!("/assess/reviews/{id}/ballot"),
        Some(choices.clone()),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/advance"),
        Some(json!({"version": 99})),
    )
    .await;
    assert_eq!(status, 409);
    let version = opened["review"]["version"].clone();
    let (status, balloting) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/advance"),
        Some(json!({"version": version})),
    )
    .await;
    assert_eq!(
        (status, balloting["review"]["stage"].as_str()),
        (200, Some("balloting"))
    );

    // One ballot each, never for oneself, never for the probationary member.
    let (status, _) = call(
        &app,
        &me,
        Method::POST,
        &format!("/assess/reviews/{id}/ballot"),
        Some(choices.clone()),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &app,
        &me,
        Method::POST,
        &format!("/assess/reviews/{id}/ballot"),
        Some(choices),
    )
    .await;
    assert_eq!(status, 409);
    for bad in [
        json!({"choices": [{"member": f.member_a1_second, "grade": "excellent"}]}),
        json!({"choices": [{"member": probationary, "grade": "qualified"}]}),
        json!({"choices": [{"member": f.member_b, "grade": "qualified"}]}),
    ] {
        let (status, refused) = call(
            &app,
            &second,
            Method::POST,
            &format!("/assess/reviews/{id}/ballot"),
            Some(bad),
        )
        .await;
        assert_eq!((status, field(&refused)), (422, "ballot"), "{refused}");
    }
    let (status, _) = call(&app, &second, Method::POST, &format!("/assess/reviews/{id}/ballot"),
        Some(json!({"choices": [{"member": f.member_a1, "grade": "excellent"}, {"member": m11, "grade": "qualified"}]}))).await;
    assert_eq!(status, 204);

    // While the ballot is open, nobody sees totals.
    let (_, open_ballot) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/assess/reviews/{id}"),
        None,
    )
    .await;
    assert_eq!(open_ballot["review"]["voters"], 2);
    assert!(
        open_ballot["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["tally"].is_null())
    );
    // The audit says who voted, never how.
    let cast = app.audit("review.ballot", Some("success")).await;
    assert_eq!(cast.len(), 2);
    for row in &cast {
        let detail = row.detail.clone().unwrap_or_default();
        assert!(
            !detail.contains("excellent")
                && !detail.contains("basic")
                && !detail.contains("qualified"),
            "{detail}"
        );
    }

    // Closed: the branch sees the totals per member; a member still sees only themself.
    let version = balloting["review"]["version"].clone();
    let (_, proposing) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/advance"),
        Some(json!({"version": version})),
    )
    .await;
    assert_eq!(proposing["review"]["stage"], "proposing");
    assert_eq!(entry(&proposing, f.member_a1)["tally"]["excellent"], 1);
    assert_eq!(
        entry(&proposing, f.member_a1_second)["tally"]["excellent"],
        1
    );
    assert_eq!(
        entry(&proposing, m11)["tally"],
        json!({"excellent": 0, "qualified": 1, "basic": 1, "unqualified": 0})
    );
    let (_, own) = call(
        &app,
        &me,
        Method::GET,
        &format!("/assess/reviews/{id}"),
        None,
    )
    .await;
    assert_eq!(own["entries"].as_array().unwrap().len(), 1);
    assert!(own["entries"][0]["tally"].is_null() && own["voted"] == true);

    // Proposals: 基本合格 needs a plan, 不合格 a reason and a disposition within a year; the
    // probationary member takes part without a grade.
    let propose = |body: Value| {
        let app = &app;
        let secretary = secretary.clone();
        async move {
            call(
                app,
                &secretary,
                Method::POST,
                &format!("/assess/reviews/{id}/proposals"),
                Some(body),
            )
            .await
        }
    };
    let (status, refused) =
        propose(json!({"member": m11, "grade": "basic", "reason": "学习不够深入"})).await;
    assert_eq!((status, field(&refused)), (422, "plan"));
    let (status, refused) = propose(json!({"member": m13, "grade": "unqualified", "reason": "连续五个月不参加组织生活", "disposition": "rectify", "months": 13})).await;
    assert_eq!((status, field(&refused)), (422, "months"));
    let (status, refused) = propose(json!({"member": probationary, "grade": "qualified"})).await;
    assert_eq!((status, field(&refused)), (422, "grade"));
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("不评定等次")
    );
    for body in [
        json!({"member": f.member_a1, "grade": "excellent"}),
        json!({"member": f.member_a1_second, "grade": "excellent"}),
        json!({"member": m11, "grade": "basic", "reason": "学习不够深入", "plan": "每月撰写一篇学习体会"}),
        json!({"member": m12, "grade": "qualified"}),
        json!({"member": m13, "grade": "unqualified", "reason": "连续五个月不参加组织生活", "disposition": "rectify", "months": 6}),
        json!({"member": probationary, "grade": ""}),
    ] {
        let (status, body) = propose(body).await;
        assert_eq!(status, 200, "{body}");
    }

    // Two 优秀 of five graded is over the third: refused without a reason, then sent up.
    let decide = |version: Value, reason: &str, present: u32| json!({"version": version, "decided_on": "2026-03-28", "expected": 6, "present": present, "excess_reason": reason});
    let (_, now) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/assess/reviews/{id}"),
        None,
    )
    .await;
    let (status, refused) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/decision"),
        Some(decide(now["review"]["version"].clone(), "", 6)),
    )
    .await;
    assert_eq!(
        (status, field(&refused)),
        (422, "excess_reason"),
        "{refused}"
    );
    let (status, refused) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/decision"),
        Some(decide(
            now["review"]["version"].clone(),
            "抗洪抢险中表现突出",
            3,
        )),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "present"));
    let (status, waiting) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/decision"),
        Some(decide(
            now["review"]["version"].clone(),
            "抗洪抢险中表现突出",
            5,
        )),
    )
    .await;
    assert_eq!(
        (status, waiting["review"]["stage"].as_str()),
        (200, Some("awaiting_approval")),
        "{waiting}"
    );
    assert!(entry(&waiting, f.member_a1)["final_grade"].is_null());
    assert!(waiting["dispositions"].as_array().unwrap().is_empty());

    // The branch cannot approve itself; the committee office returns it once, then approves.
    let approval = |version: &Value, decision: &str| json!({"version": version, "decision": decision, "approver": "市公安局党委"});
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/approval"),
        Some(approval(&waiting["review"]["version"], "approve")),
    )
    .await;
    assert_eq!(status, 403);
    let (status, returned) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("/assess/reviews/{id}/approval"),
        Some(approval(&waiting["review"]["version"], "return")),
    )
    .await;
    assert_eq!(
        (status, returned["review"]["stage"].as_str()),
        (200, Some("proposing"))
    );
    let (_, waiting) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/decision"),
        Some(decide(
            returned["review"]["version"].clone(),
            "抗洪抢险中表现突出",
            5,
        )),
    )
    .await;
    let (status, decided) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("/assess/reviews/{id}/approval"),
        Some(approval(&waiting["review"]["version"], "approve")),
    )
    .await;
    assert_eq!(
        (status, decided["review"]["stage"].as_str()),
        (200, Some("decided")),
        "{decided}"
    );
    assert_eq!(entry(&decided, f.member_a1)["final_grade"], "excellent");
    assert_eq!(entry(&decided, m11)["final_grade"], "basic");
    assert!(entry(&decided, probationary)["final_grade"].is_null());
    let dispositions = decided["dispositions"].as_array().unwrap();
    assert_eq!(dispositions.len(), 1);
    assert_eq!(
        (
            dispositions[0]["member_id"].as_i64(),
            dispositions[0]["kind"].as_str()
        ),
        (Some(m13), Some("rectify"))
    );

    // The member learns their own grade, and nothing else.
    let (_, own) = call(
        &app,
        &me,
        Method::GET,
        &format!("/assess/reviews/{id}"),
        None,
    )
    .await;
    assert_eq!(own["entries"][0]["final_grade"], "excellent");
    assert!(own["dispositions"].as_array().unwrap().is_empty());
    let (status, _) = call(&app, &me, Method::GET, "/assess/dispositions", None).await;
    assert_eq!(status, 403);
}

/// A review of A1 decided with 200001 优秀, 200002 基本合格 and 200011 不合格 (限期改正 six
/// months); the disposition's id.
async fn decided_with_one_unqualified(app: &TestApp, secretary: &str) -> i64 {
    app.services
        .create_member(&office(), &member_form(11, "A1"))
        .await
        .unwrap();
    let m11 = member_id(app, "200011").await;
    let f = &app.fixture;
    let (_, opened) = call(
        app,
        secretary,
        Method::POST,
        "/assess/reviews",
        Some(json!({"org": "A1", "year": 2026})),
    )
    .await;
    let id = opened["review"]["id"].as_i64().unwrap();
    let mut review = opened;
    for _ in 0..2 {
        (_, review) = call(
            app,
            secretary,
            Method::POST,
            &format!("/assess/reviews/{id}/advance"),
            Some(json!({"version": review["review"]["version"]})),
        )
        .await;
    }
    for body in [
        json!({"member": f.member_a1, "grade": "excellent"}),
        json!({"member": f.member_a1_second, "grade": "basic", "reason": "学习不够深入", "plan": "每月撰写一篇学习体会"}),
        json!({"member": m11, "grade": "unqualified", "reason": "无正当理由长期不参加组织生活", "disposition": "rectify", "months": 6}),
    ] {
        (_, review) = call(
            app,
            secretary,
            Method::POST,
            &format!("/assess/reviews/{id}/proposals"),
            Some(body),
        )
        .await;
    }
    let (status, decided) = call(
        app,
        secretary,
        Method::POST,
        &format!("/assess/reviews/{id}/decision"),
        Some(json!({"version": review["review"]["version"], "expected": 3, "present": 3})),
    )
    .await;
    assert_eq!(
        (status, decided["review"]["stage"].as_str()),
        (200, Some("decided")),
        "{decided}"
    );
    decided["dispositions"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_disposition_keeps_its_steps_in_order_and_is_followed_up_when_its_period_ends() {
    let app = TestApp::spawn().await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let office_token = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let other_branch = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let id = decided_with_one_unqualified(&app, &secretary).await;
    let path = format!("/assess/dispositions/{id}");
    let steps = format!("{path}/steps");
    let (status, d) = call(&app, &secretary, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (d["next"].as_str(), d["status"].as_str()),
        (Some("talk"), Some("open"))
    );
    let (status, _) = call(&app, &other_branch, Method::GET, &path, None).await;
    assert_eq!(status, 404);

    let step = |version: &Value, body: Value| {
        let mut body = body;
        body["version"] = version.clone();
        body
    };
    let v = d["version"].clone();
    // Out of order; one talker; the member themself as a talker.
    let (status, refused) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &v,
            json!({"step": "meeting", "expected": 3, "present": 3, "ayes": 3}),
        )),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "step"));
    let (status, refused) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(&v, json!({"step": "talk", "talkers": ["200001"]}))),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "talker_b"));
    let (status, refused) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &v,
            json!({"step": "talk", "talkers": ["200001", "200011"]}),
        )),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "talkers"));
    let (status, d) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &v,
            json!({"step": "talk", "talkers": ["200001", "200002"], "note": "本人表示接受"}),
        )),
    )
    .await;
    assert_eq!(
        (status, d["next"].as_str()),
        (200, Some("pre_review")),
        "{d}"
    );
    assert_eq!(d["steps"][0]["people"], "测试乙、测试丙");

    // The upper committee's steps are the committee office's.
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &d["version"],
            json!({"step": "pre_review", "authority": "市公安局党委", "agreed": true}),
        )),
    )
    .await;
    assert_eq!(status, 403);
    let (status, d) = call(
        &app,
        &office_token,
        Method::POST,
        &steps,
        Some(step(
            &d["version"],
            json!({"step": "pre_review", "authority": "市公安局党委", "agreed": true}),
        )),
    )
    .await;
    assert_eq!((status, d["next"].as_str()), (200, Some("meeting")));
    // A meeting without a quorum cannot vote; a stale version is refused.
    let (status, refused) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &d["version"],
            json!({"step": "meeting", "expected": 3, "present": 1, "ayes": 1}),
        )),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "present"));
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &json!(1),
            json!({"step": "meeting", "expected": 3, "present": 3, "ayes": 3}),
        )),
    )
    .await;
    assert_eq!(status, 409);
    let (_, d) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &d["version"],
            json!({"step": "meeting", "expected": 3, "present": 3, "ayes": 2}),
        )),
    )
    .await;
    assert_eq!(
        (d["steps"][2]["passed"].as_bool(), d["next"].as_str()),
        (Some(true), Some("approval"))
    );
    let (_, d) = call(
        &app,
        &office_token,
        Method::POST,
        &steps,
        Some(step(
            &d["version"],
            json!({"step": "approval", "authority": "市公安局党委", "agreed": true}),
        )),
    )
    .await;
    let (status, d) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(&d["version"], json!({"step": "announce"}))),
    )
    .await;
    assert_eq!(
        (status, d["follow_up_due"].as_str()),
        (200, Some("2026-09-28")),
        "{d}"
    );

    // Not before the period ends; then the follow-up closes it.
    let (status, refused) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &d["version"],
            json!({"step": "follow_up", "agreed": true}),
        )),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "on"));
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2026-09-28")
    );
    app.clock.advance(TimeDelta::days(184));
    // Tokens do not live half a year: the secretary takes a new one.
    let secretary = token(&app, "sec_a1_later", Role::OrgSecretary, Some("A1"), None).await;
    let (status, d) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &d["version"],
            json!({"step": "follow_up", "agreed": false, "note": "仍长期不参加组织生活"}),
        )),
    )
    .await;
    assert_eq!(
        (status, d["status"].as_str(), d["next"].as_str()),
        (200, Some("done"), None)
    );
    assert!(d["outcome"].as_str().unwrap().contains("劝其退党"));
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &steps,
        Some(step(
            &d["version"],
            json!({"step": "follow_up", "agreed": true}),
        )),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        app.audit("disposition.step", Some("success")).await.len(),
        6
    );
}

#[tokio::test]
async fn the_pages_walk_a_secretary_and_a_member_through_the_review() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = app
        .login_as("sec_web", Role::OrgSecretary, Some("A1"), None)
        .await;
    let response = app
        .post_form(
            &secretary,
            "/assess/reviews",
            &[("org", "A1"), ("year", "2026")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let review = crate::harness::location(&response);
    let id: i64 = review
        .trim_start_matches("/assess/reviews/")
        .trim_end_matches("?saved=1")
        .parse()
        .unwrap();
    let page = secretary
        .get(app.url("/assess"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2026年度") && page.contains("个人自评与党员互评"),
        "{page}"
    );
    let refused = app
        .post_form(
            &secretary,
            "/assess/reviews",
            &[("org", "A1"), ("year", "二〇二六")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("请填写年度"));

    // The member writes their 自评 on the page and, once the ballot opens, sees the others
    // (never themselves) on it.
    let member = app
        .login_as("m_web", Role::Member, None, Some("200001"))
        .await;
    let response = app
        .post_form(
            &member,
            &format!("/assess/reviews/{id}/self"),
            &[
                ("evaluation", "认真履行党员义务"),
                ("analysis", "理论学习还不够深入"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = secretary
        .get(app.url(&format!("/assess/reviews/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("2026-03-28") && page.contains("认真履行党员义务"));
    let version = "1";
    let response = app
        .post_form(
            &secretary,
            &format!("/assess/reviews/{id}/advance"),
            &[("version", version)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = member
        .get(app.url(&format!("/assess/reviews/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("name=\"g{}\"", f.member_a1_second)));
    assert!(!page.contains(&format!("name=\"g{}\"", f.member_a1)));
    let own = format!("g{}", f.member_a1_second);
    let response = app
        .post_form(
            &member,
            &format!("/assess/reviews/{id}/ballot"),
            &[(own.as_str(), "excellent")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = member
        .get(app.url(&format!("/assess/reviews/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("您已提交测评票"));
    let response = app
        .post_form(
            &member,
            &format!("/assess/reviews/{id}/ballot"),
            &[(own.as_str(), "excellent")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("不能重复投票"));

    // A refused proposal comes back at its member's form, opened, with the message.
    app.post_form(
        &secretary,
        &format!("/assess/reviews/{id}/advance"),
        &[("version", "2")],
    )
    .await;
    let second = f.member_a1_second.to_string();
    let response = app
        .post_form(
            &secretary,
            &format!("/assess/reviews/{id}/proposals"),
            &[
                ("member", second.as_str()),
                ("grade", "basic"),
                ("reason", "学习不够"),
                ("plan", ""),
                ("disposition", ""),
                ("months", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!("id=\"m{}\" open", f.member_a1_second)),
        "{page}"
    );
    assert!(page.contains("须指出问题差距并制定改进措施"));
}

/// Issue 19, 5: who may be nominated and promoted, with what bars the others — a sanction as
/// its effect only, a review grade below 合格, an open disposition, six months of dues unpaid
/// — and the 两优一先 list of those free of all; a proposal is refused for the same reasons.
#[tokio::test]
async fn the_standing_list_names_each_bar_and_the_nomination_check_follows_it() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let office_token = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let jiwei = token(&app, "jiwei", Role::DisciplineOffice, Some("DW"), None).await;
    let keeper = token(&app, "keeper", Role::DuesKeeper, Some("A1"), None).await;
    decided_with_one_unqualified(&app, &secretary).await;
    let m11 = member_id(&app, "200011").await;
    let (_, reviews) = call(&app, &secretary, Method::GET, "/assess/reviews", None).await;
    assert_eq!(reviews[0]["stage"], "decided");
    // Two more: one with a 警告, one with dues unpaid since last June.
    for n in [12, 13] {
        app.services
            .create_member(&office(), &member_form(n, "A1"))
            .await
            .unwrap();
    }
    let (m12, m13) = (
        member_id(&app, "200012").await,
        member_id(&app, "200013").await,
    );
    let (status, _) = call(
        &app,
        &jiwei,
        Method::POST,
        "/conduct/sanctions",
        Some(
            json!({"member": "200012", "track": "party", "kind": "警告", "decided_on": "2026-03-01",
            "deciding_body": "市公安局纪委", "document_ref": "公纪〔2026〕5号"}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = call(
        &app,
        &keeper,
        Method::POST,
        &format!("/members/{m13}/dues/assessments"),
        Some(crate::dues::assessment("2025-06", 600_000, 0)),
    )
    .await;
    assert_eq!(status, 201);
    for month in [
        "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01",
        "2026-02", "2026-03",
    ] {
        crate::dues::run(&app, &office_token, month).await;
    }

    let (status, list) = call(
        &app,
        &secretary,
        Method::GET,
        "/assess/standing?org=A1",
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let bars = |id: i64| {
        let m = list["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["member_id"] == id)
            .unwrap();
        (m["commend_bars"].clone(), m["promote_bars"].clone())
    };
    assert_eq!(bars(f.member_a1), (json!([]), json!([])));
    assert_eq!(
        bars(f.member_a1_second),
        (json!(["2026年度民主评议为基本合格"]), json!([]))
    );
    assert_eq!(
        bars(m11),
        (
            json!(["2026年度民主评议为不合格", "正在进行组织处置（限期改正）"]),
            json!(["正在进行组织处置（限期改正）"])
        )
    );
    let (commend, promote) = bars(m12);
    assert_eq!(commend, json!(["处分影响期或接受调查（至 2027-03-01）"]));
    assert!(!commend.to_string().contains("警告") && promote.as_array().unwrap().len() == 1);
    assert_eq!(bars(m13), (json!(["连续9个月未交纳党费"]), json!([])));
    // The 两优一先 list: full members free of every bar.
    let (_, eligible) = call(
        &app,
        &secretary,
        Method::GET,
        "/assess/standing?org=A1&eligible=true",
        None,
    )
    .await;
    let ids: Vec<i64> = eligible["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![f.member_a1]);
    // Out of scope, or no such org: refused at the field.
    for org in ["B", "NOPE"] {
        let (status, refused) = call(
            &app,
            &secretary,
            Method::GET,
            &format!("/assess/standing?org={org}"),
            None,
        )
        .await;
        assert_eq!((status, field(&refused)), (422, "org"));
    }

    // A nomination is refused for the same reasons, at the member.
    let propose = |member: &str| {
        json!({"system": "party", "kind": "优秀共产党员", "level": "municipal",
        "member": member, "citation": "在反诈专项行动中成绩突出"})
    };
    for (member, reason) in [
        ("200002", "2026年度民主评议为基本合格"),
        ("200011", "2026年度民主评议为不合格"),
        ("200013", "连续9个月未交纳党费"),
    ] {
        let (status, refused) = call(
            &app,
            &secretary,
            Method::POST,
            "/care/commendations",
            Some(propose(member)),
        )
        .await;
        assert_eq!((status, field(&refused)), (422, "member"), "{refused}");
        assert!(
            refused["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains(reason),
            "{refused}"
        );
    }
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/commendations",
        Some(propose("200001")),
    )
    .await;
    assert_eq!(status, 201);

    // The page: the list with its reasons, and the refusal at the org field.
    let web = app
        .login_as("sec_web", Role::OrgSecretary, Some("A1"), None)
        .await;
    let page = web
        .get(app.url("/assess/standing?org=A1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("连续9个月未交纳党费") && page.contains("2026年度民主评议为基本合格"),
        "{page}"
    );
    let refused = web
        .get(app.url("/assess/standing?org=B"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
}

/// Issue 19, 3: the org above records a secretary's 述职评议 — the leader's comment, the
/// counted forms, each reviewer's grade and comment — and grades it once; the org page shows
/// the grade where it said 无记录.
#[tokio::test]
async fn a_secretary_is_reviewed_from_above_and_the_org_page_shows_the_grade() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office_web = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    app.post_form(
        &office_web,
        &format!("/orgs/{}/secretary", f.a1),
        &[("police_number", "200001"), ("on", "2026-01-01")],
    )
    .await;
    let own = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let upper = token(&app, "sec_zza", Role::OrgSecretary, Some("ZZA"), None).await;
    let session = |good: u32| {
        json!({"org": "A1", "year": 2026, "held_on": "2026-03-20", "chaired_by": "总支书记 王某",
        "leader_comment": "抓党建责任落实较好，组织生活规范，学习教育还需深入。", "attendees": 12,
        "good": good, "fairly_good": 3, "average": 1})
    };
    let (status, refused) = call(
        &app,
        &own,
        Method::POST,
        "/assess/duty-reviews",
        Some(session(8)),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "org"));
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("上级党组织")
    );
    let (status, refused) = call(
        &app,
        &upper,
        Method::POST,
        "/assess/duty-reviews",
        Some(session(9)),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "good"), "{refused}");
    let (status, review) = call(
        &app,
        &upper,
        Method::POST,
        "/assess/duty-reviews",
        Some(session(8)),
    )
    .await;
    assert_eq!(status, 201, "{review}");
    assert_eq!(
        (review["secretary_id"].as_i64(), review["grade"].is_null()),
        (Some(f.member_a1), true)
    );
    let id = review["id"].as_i64().unwrap();
    let (status, refused) = call(
        &app,
        &upper,
        Method::POST,
        "/assess/duty-reviews",
        Some(session(8)),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "year"));

    // Comments and the grade are the upper org's; 一般 says what is wrong; graded once.
    let comment =
        json!({"reviewer": "党委委员 李某", "grade": "fairly_good", "comment": "责任清单落实到位"});
    let (status, _) = call(
        &app,
        &own,
        Method::POST,
        &format!("/assess/duty-reviews/{id}/comments"),
        Some(comment.clone()),
    )
    .await;
    assert_eq!(status, 422);
    let (status, review) = call(
        &app,
        &upper,
        Method::POST,
        &format!("/assess/duty-reviews/{id}/comments"),
        Some(comment),
    )
    .await;
    assert_eq!(
        (status, review["comments"][0]["grade"].as_str()),
        (200, Some("fairly_good"))
    );
    let (status, refused) = call(
        &app,
        &upper,
        Method::POST,
        &format!("/assess/duty-reviews/{id}/grade"),
        Some(json!({"version": review["version"], "grade": "average"})),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "note"));
    let (status, graded) = call(&app, &upper, Method::POST, &format!("/assess/duty-reviews/{id}/grade"),
        Some(json!({"version": review["version"], "grade": "average", "note": "学习教育不深入，限期整改"}))).await;
    assert_eq!(
        (status, graded["grade"].as_str()),
        (200, Some("average")),
        "{graded}"
    );
    let (status, _) = call(
        &app,
        &upper,
        Method::POST,
        &format!("/assess/duty-reviews/{id}/grade"),
        Some(json!({"version": graded["version"], "grade": "good"})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(
        &app,
        &upper,
        Method::POST,
        &format!("/assess/duty-reviews/{id}/comments"),
        Some(json!({"reviewer": "某", "grade": "good", "comment": "晚到的意见"})),
    )
    .await;
    assert_eq!(status, 422);
    // Another branch's secretary does not see it.
    let other = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let (status, _) = call(
        &app,
        &other,
        Method::GET,
        &format!("/assess/duty-reviews/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.audit("duty_review.", Some("success")).await.len(), 3);

    let page = office_web
        .get(app.url(&format!("/orgs/{}", f.a1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("一般（2026年度书记抓党建述职评议，2026-03-28）"),
        "{page}"
    );
    let page = office_web
        .get(app.url(&format!("/assess/duty-reviews/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("责任清单落实到位") && page.contains("学习教育不深入"));
}

/// Issue 19, 6: a branch submits a practice, the committee office publishes it (a return says
/// why), every org then reads it and another branch records what adopting it brought.
#[tokio::test]
async fn a_practice_is_published_from_above_and_adopted_elsewhere() {
    let app = TestApp::spawn().await;
    let a1 = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let office_token = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let body = |org: &str| {
        json!({"org": org, "title": "“支部建在所上”推动党建与警务融合",
        "problem": "派出所民警分散值班，组织生活难以集中", "practice": "按警组设党小组，组织生活与晨会结合",
        "effect": "全年三会一课按时召开率100%，群众满意度上升"})
    };
    let (status, refused) = call(
        &app,
        &a1,
        Method::POST,
        "/assess/practices",
        Some(body("B")),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "org"));
    let (status, submitted) = call(
        &app,
        &a1,
        Method::POST,
        "/assess/practices",
        Some(body("A1")),
    )
    .await;
    assert_eq!(
        (status, submitted["practice"]["status"].as_str()),
        (201, Some("submitted")),
        "{submitted}"
    );
    let id = submitted["practice"]["id"].as_i64().unwrap();
    let path = format!("/assess/practices/{id}");
    // Waiting, it stays within A1's line.
    let (status, _) = call(&app, &b, Method::GET, &path, None).await;
    assert_eq!(status, 404);
    let (_, listed) = call(&app, &b, Method::GET, "/assess/practices", None).await;
    assert!(listed.as_array().unwrap().is_empty());
    let decision = |decision: &str, note: &str| json!({"version": submitted["practice"]["version"], "decision": decision, "note": note});
    let (status, _) = call(
        &app,
        &a1,
        Method::POST,
        &format!("{path}/decision"),
        Some(decision("publish", "")),
    )
    .await;
    assert_eq!(status, 403);
    let (status, refused) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("{path}/decision"),
        Some(decision("return", "")),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "note"));
    let (status, published) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("{path}/decision"),
        Some(decision("publish", "全局推广")),
    )
    .await;
    assert_eq!(
        (status, published["practice"]["status"].as_str()),
        (200, Some("published"))
    );
    let (status, _) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("{path}/decision"),
        Some(decision("return", "重复")),
    )
    .await;
    assert_eq!(status, 409);

    // Published, every org reads it; B adopts it once, for itself only; A1 not its own.
    let (_, listed) = call(&app, &b, Method::GET, "/assess/practices", None).await;
    assert_eq!(listed[0]["id"], id);
    let adopt = |org: &str| json!({"org": org, "result": "组织生活到会率由七成提高到九成以上"});
    let (status, refused) = call(
        &app,
        &b,
        Method::POST,
        &format!("{path}/adoptions"),
        Some(adopt("A1")),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "org"));
    let (status, refused) = call(
        &app,
        &a1,
        Method::POST,
        &format!("{path}/adoptions"),
        Some(adopt("A1")),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "org"));
    assert!(
        refused["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("本组织")
    );
    let (status, adopted) = call(
        &app,
        &b,
        Method::POST,
        &format!("{path}/adoptions"),
        Some(adopt("B")),
    )
    .await;
    assert_eq!(
        (status, adopted["practice"]["adopted_by"].as_i64()),
        (200, Some(1)),
        "{adopted}"
    );
    assert_eq!(
        adopted["adoptions"][0]["result"],
        "组织生活到会率由七成提高到九成以上"
    );
    let (status, refused) = call(
        &app,
        &b,
        Method::POST,
        &format!("{path}/adoptions"),
        Some(adopt("B")),
    )
    .await;
    assert_eq!((status, field(&refused)), (422, "org"));
    assert_eq!(app.audit("practice.", Some("success")).await.len(), 3);

    let web = app
        .login_as("sec_b_web", Role::OrgSecretary, Some("B"), None)
        .await;
    let page = web
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("学习借鉴（1个党组织）") && page.contains("按警组设党小组"),
        "{page}"
    );
}
