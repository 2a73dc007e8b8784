//! Committees, elections and the secretary's qualification record.

use dangjian_core::role::Role;

use crate::harness::{TestApp, office};

#[tokio::test]
async fn a_committee_is_appointed_post_by_post_and_relieved_with_history() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let appoint = |post: &'static str, number: &'static str, on: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            app.post_form(
                &client,
                &format!("/orgs/{}/posts", f.a1),
                &[("post", post), ("police_number", number), ("on", on)],
            )
            .await
        }
    };
    assert_eq!(
        appoint("organization_commissioner", "200001", "2026-01-05")
            .await
            .status(),
        303
    );
    assert_eq!(
        appoint("committee_member", "200002", "2026-01-05")
            .await
            .status(),
        303
    );
    // A group leader is not a post of a branch.
    let wrong = appoint("group_leader", "200002", "").await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("党支部没有这个职务"));
    // The same person cannot be made 委员 twice.
    assert_eq!(
        appoint("committee_member", "200002", "2026-02-01")
            .await
            .status(),
        422
    );
    let end = app
        .post_form(
            &client,
            &format!("/orgs/{}/posts/end", f.a1),
            &[
                ("post", "committee_member"),
                ("member", &f.member_a1_second.to_string()),
                ("on", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(end.status(), 303);
    let detail = app.services.org_detail(&office(), f.a1).await.unwrap();
    let member_post = detail
        .posts
        .iter()
        .find(|p| p.post == "committee_member")
        .unwrap();
    assert_eq!(
        member_post.span.to,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
    );
    let page = client
        .get(app.url(&format!("/orgs/{}", f.a1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("组织委员") && page.contains("委员"));
}

#[tokio::test]
async fn an_election_starts_a_term_of_the_length_the_rules_give_and_reminders_follow() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    // Today is 2026-03-28. A branch elected on 2023-05-01 ends its three years on 2026-05-01:
    // within three months, so due soon.
    let done = app
        .post_form(
            &client,
            &format!("/orgs/{}/elections", f.a1),
            &[
                ("elected_on", "2023-05-01"),
                ("note", "上级批复〔2023〕5号"),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let terms = app.services.org_terms(&office(), f.a1).await.unwrap();
    assert_eq!(
        terms.terms[0].ends_on,
        chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
    );
    assert_eq!(terms.status.code(), "due_soon");
    // An earlier election than the last is refused; a future one too.
    let earlier = app
        .post_form(
            &client,
            &format!("/orgs/{}/elections", f.a1),
            &[("elected_on", "2022-01-01"), ("note", "")],
        )
        .await;
    assert_eq!(earlier.status(), 422);
    let future = app
        .post_form(
            &client,
            &format!("/orgs/{}/elections", f.a1),
            &[("elected_on", "2027-01-01"), ("note", "")],
        )
        .await;
    assert!(future.text().await.unwrap().contains("日期不能晚于今天"));
    // The committee (five years) elected 2020-01-01 is overdue; the others have no record.
    app.post_form(
        &client,
        &format!("/orgs/{}/elections", f.general_a),
        &[("elected_on", "2020-01-01"), ("note", "")],
    )
    .await;
    let overview = app.services.reelections(&office()).await.unwrap();
    assert_eq!(overview[0].status.code(), "overdue");
    assert!(overview.iter().any(|t| t.status.code() == "no_record"));
    let page = client
        .get(app.url("/terms?status=overdue"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("总支A") && !page.contains("支部B"));
}

#[tokio::test]
async fn a_secretary_is_assessed_from_above_only() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office_client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    app.post_form(
        &office_client,
        &format!("/orgs/{}/secretary", f.a1),
        &[("police_number", "200001"), ("on", "2026-01-01")],
    )
    .await;
    let own = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let fields = [
        ("political_quality", "excellent"),
        ("professional_ability", "good"),
        ("standing", "good"),
        ("assessed_on", ""),
        ("remark", ""),
    ];
    let refused = app
        .post_form(
            &own,
            &format!("/orgs/{}/secretary-assessments", f.a1),
            &fields,
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("由上级党组织作出"));
    let upper = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;
    let done = app
        .post_form(
            &upper,
            &format!("/orgs/{}/secretary-assessments", f.a1),
            &fields,
        )
        .await;
    assert_eq!(done.status(), 303);
    let terms = app.services.org_terms(&office(), f.a1).await.unwrap();
    let q = terms.qualification.unwrap();
    assert_eq!(q.assessment.unwrap().political_quality.label(), "好");
    assert_eq!(q.party_age, Some(14));
    let bad = app
        .post_form(
            &upper,
            &format!("/orgs/{}/secretary-assessments", f.a1),
            &[
                ("political_quality", "best"),
                ("professional_ability", ""),
                ("standing", "good"),
                ("assessed_on", ""),
                ("remark", ""),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("请选择评价等次"));
}

/// Issue 14, 11 (R8.2): an election well before the term's end is 提前换届, which needs the
/// approval named and at most a year (the rules' `max_extension_or_advance_years`); a term is
/// extended with approval by at most a year, and its status counts from the new end.
#[tokio::test]
async fn early_elections_and_extensions_need_approval_within_a_year() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let post = |path: String, fields: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let app = &app;
        async move { app.post_form(&client, &path, &fields).await }
    };
    // Elected 2024-01-10: the term runs to 2027-01-10. Today is 2026-03-28.
    let first = post(
        format!("/orgs/{}/elections", f.a1),
        vec![("elected_on", "2024-01-10"), ("note", "")],
    )
    .await;
    assert_eq!(first.status(), 303);
    // 2026-01-09 is more than a year early: refused even with approval.
    let too_early = post(
        format!("/orgs/{}/elections", f.a1),
        vec![("elected_on", "2026-01-09"), ("note", "批〔2026〕1号")],
    )
    .await;
    assert_eq!(too_early.status(), 422);
    assert!(too_early.text().await.unwrap().contains("一般不超过1年"));
    // 2026-03-01 is early: without the approval it is refused at the note.
    let early = post(
        format!("/orgs/{}/elections", f.a1),
        vec![("elected_on", "2026-03-01"), ("note", "")],
    )
    .await;
    assert_eq!(early.status(), 422);
    assert!(
        early
            .text()
            .await
            .unwrap()
            .contains("提前换届须经上级党组织批准")
    );

    // An extension past a year is refused; within it, the new end governs the status.
    let token = app
        .services
        .cli_create_token("office", "t", None)
        .await
        .unwrap()
        .0;
    let extend = |body: serde_json::Value| {
        client
            .post(app.url(&format!("/api/v1/orgs/{}/terms/extend", f.a1)))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let long = extend(serde_json::json!({ "until": "2028-01-11", "approval": "批〔2026〕2号" }))
        .await
        .unwrap();
    assert_eq!(long.status(), 422);
    let unapproved = extend(serde_json::json!({ "until": "2027-06-30", "approval": "" }))
        .await
        .unwrap();
    assert_eq!(unapproved.status(), 422);
    assert!(unapproved.text().await.unwrap().contains("approval"));
    let extended =
        extend(serde_json::json!({ "until": "2027-06-30", "approval": "批〔2026〕2号" }))
            .await
            .unwrap();
    assert_eq!(extended.status(), 200);
    let terms: serde_json::Value = extended.json().await.unwrap();
    assert_eq!(terms["terms"][0]["extended_to"], "2027-06-30");
    let page = client
        .get(app.url(&format!("/orgs/{}", f.a1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("经批准延期至2027-06-30"));
    assert!(
        !app.audit("org.term_extend", Some("success"))
            .await
            .is_empty()
    );
    // In December 2026 the elected end (2027-01-10) is near, the extended one is not.
    app.clock.advance(chrono::TimeDelta::days(260));
    let status = app
        .services
        .org_terms(&office(), f.a1)
        .await
        .unwrap()
        .status;
    assert_eq!(status.code(), "current");
}
