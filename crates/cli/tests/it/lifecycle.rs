//! The member lifecycle: conversion and extension of probation, transfers inside and out of
//! the bureau, mobile members, lost contact, and the end of membership.

use dangjian_core::role::Role;

use crate::harness::{TestApp, member_form, office};
use crate::scope::member_fields;

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn a_transfer_inside_the_bureau_is_received_by_the_other_branch_and_dated() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let a1 = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let issue = app
        .post_form(
            &a1,
            &format!("/members/{}/transitions", f.member_a1),
            &[
                ("kind", "transfer_issued"),
                ("on", "2026-01-20"),
                ("letter_no", "江公党转〔2026〕3号"),
                ("to_branch", "B"),
            ],
        )
        .await;
    assert_eq!(issue.status(), 303, "{}", issue.text().await.unwrap());
    // Until received the member stays in A1, and a second letter is refused.
    let again = app
        .post_form(
            &a1,
            &format!("/members/{}/transitions", f.member_a1),
            &[
                ("kind", "transfer_issued"),
                ("letter_no", "x"),
                ("to_branch", "A2"),
            ],
        )
        .await;
    assert_eq!(again.status(), 422);
    let outgoing = a1
        .get(app.url("/transfers"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(outgoing.contains("江公党转〔2026〕3号"));
    let letter = app.services.pending_transfers(&office()).await.unwrap().0[0].id;
    // The sender cannot receive its own letter: to A1 the letter does not exist.
    let wrong = app
        .post_form(
            &a1,
            &format!("/transfers/{letter}/receive"),
            &[("on", "2026-02-01"), ("reason", "")],
        )
        .await;
    assert_eq!(wrong.status(), 404);
    assert_eq!(app.audit("member.transfer", Some("denied")).await.len(), 1);
    let b = app
        .login_as("sec_b", Role::OrgSecretary, Some("B"), None)
        .await;
    let incoming = b
        .get(app.url("/transfers"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(incoming.contains("测试乙") && incoming.contains("确认接收"));
    let before = app
        .post_form(
            &b,
            &format!("/transfers/{letter}/receive"),
            &[("on", "2026-01-10"), ("reason", "")],
        )
        .await;
    assert_eq!(before.status(), 422);
    let done = app
        .post_form(
            &b,
            &format!("/transfers/{letter}/receive"),
            &[("on", "2026-02-01"), ("reason", "")],
        )
        .await;
    assert_eq!(done.status(), 303);
    let mut tx = app.services.db().read().await.unwrap();
    assert!(
        dangjian_store::members::on_roll_of_branch(&mut tx, f.a1, day("2026-01-31"))
            .await
            .unwrap()
            .contains(&f.member_a1)
    );
    assert!(
        !dangjian_store::members::on_roll_of_branch(&mut tx, f.a1, day("2026-02-01"))
            .await
            .unwrap()
            .contains(&f.member_a1)
    );
    assert!(
        dangjian_store::members::on_roll_of_branch(&mut tx, f.b, day("2026-02-01"))
            .await
            .unwrap()
            .contains(&f.member_a1)
    );
    drop(tx);
    // A1's secretary no longer sees the member; B's does, with the whole record.
    assert_eq!(
        a1.get(app.url(&format!("/members/{}", f.member_a1)))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let page = b
        .get(app.url(&format!("/members/{}", f.member_a1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("开具组织关系介绍信")
            && page.contains("组织关系转入本支部")
            && page.contains("已接收")
    );
}

#[tokio::test]
async fn probation_ends_in_conversion_dated_at_its_end_or_is_extended_once() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    // Admitted 2025-03-01: probation ended 2026-03-01, before today (2026-03-28).
    let mut form = member_form(70, "A1");
    form.category = "probationary".to_owned();
    form.joined_on = "2025-03-01".to_owned();
    form.full_membership_on = String::new();
    form.effective_on = "2025-03-01".to_owned();
    let created = app
        .post_form(&client, "/members", &member_fields(&form))
        .await;
    assert_eq!(created.status(), 303);
    let id: i64 = created.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/members/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let list = client
        .get(app.url("/probation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("2026-03-01") && list.contains("已超期"));
    let converted = app
        .post_form(
            &client,
            &format!("/members/{id}/transitions"),
            &[
                ("kind", "converted"),
                ("on", "2026-03-20"),
                ("reason", "支部大会表决通过"),
            ],
        )
        .await;
    assert_eq!(
        converted.status(),
        303,
        "{}",
        converted.text().await.unwrap()
    );
    let detail = app.services.member_detail(&office(), id).await.unwrap();
    assert_eq!(detail.member.category.code(), "full");
    assert_eq!(detail.member.full_membership_on, Some(day("2026-03-01")));
    assert_eq!(detail.categories.len(), 2);
    // Another, admitted 2025-06-01: extended by six months; a second extension is refused.
    let mut form = member_form(71, "A1");
    form.category = "probationary".to_owned();
    form.joined_on = "2025-06-01".to_owned();
    form.full_membership_on = String::new();
    form.effective_on = "2025-06-01".to_owned();
    let created = app
        .post_form(&client, "/members", &member_fields(&form))
        .await;
    let id: i64 = created.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/members/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let early = app
        .post_form(
            &client,
            &format!("/members/{id}/transitions"),
            &[("kind", "converted"), ("on", "")],
        )
        .await;
    assert_eq!(early.status(), 422);
    assert!(early.text().await.unwrap().contains("届满后方可讨论转正"));
    let extended = app
        .post_form(
            &client,
            &format!("/members/{id}/transitions"),
            &[
                ("kind", "probation_extended"),
                ("months", "6"),
                ("reason", "需继续考察"),
            ],
        )
        .await;
    assert_eq!(extended.status(), 303);
    let life = app.services.member_lifecycle(&office(), id).await.unwrap();
    assert_eq!(life.probation_due_on, Some(day("2026-12-01")));
    let twice = app
        .post_form(
            &client,
            &format!("/members/{id}/transitions"),
            &[("kind", "probation_extended"), ("months", "6")],
        )
        .await;
    assert_eq!(twice.status(), 422);
    let too_long = app
        .post_form(
            &client,
            &format!("/members/{id}/transitions"),
            &[("kind", "converted"), ("months", "24")],
        )
        .await;
    assert_eq!(too_long.status(), 422);
}

#[tokio::test]
async fn lost_contact_mobility_and_the_end_of_membership_are_recorded_with_reasons() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let post = |kind: &'static str, extra: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let app = &app;
        async move {
            let mut fields = vec![("kind", kind)];
            fields.extend(extra);
            app.post_form(
                &client,
                &format!("/members/{}/transitions", f.member_b),
                &fields,
            )
            .await
        }
    };
    assert_eq!(
        post(
            "lost_contact",
            vec![("on", "2026-01-10"), ("reason", "多次联系未果")]
        )
        .await
        .status(),
        303
    );
    let report = app.services.coverage(&office(), None).await.unwrap();
    assert!(
        report
            .findings
            .iter()
            .any(|x| x.kind.code() == "lost_contact")
    );
    assert_eq!(
        post("contact_restored", vec![("on", "2026-02-10")])
            .await
            .status(),
        303
    );
    assert_eq!(
        post(
            "flow_out",
            vec![("on", "2026-02-15"), ("place", "援疆任务")]
        )
        .await
        .status(),
        303
    );
    let mobile = client
        .get(app.url("/mobile"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mobile.contains("援疆任务"));
    assert_eq!(
        post("flow_returned", vec![("on", "2026-03-01")])
            .await
            .status(),
        303
    );
    // Death needs a reason; then the member is off the roll.
    let without = post("died", vec![("on", "2026-03-10")]).await;
    assert_eq!(without.status(), 422);
    assert!(without.text().await.unwrap().contains("请填写事由"));
    assert_eq!(
        post("died", vec![("on", "2026-03-10"), ("reason", "因病去世")])
            .await
            .status(),
        303
    );
    let detail = app
        .services
        .member_detail(&office(), f.member_b)
        .await
        .unwrap();
    assert_eq!(detail.member.status.code(), "deceased");
    assert_eq!(detail.statuses.len(), 4);
    let life = app
        .services
        .member_lifecycle(&office(), f.member_b)
        .await
        .unwrap();
    assert!(
        life.available.is_empty(),
        "nothing is offered for a deceased member"
    );
    assert_eq!(life.events.len(), 6);
}

#[tokio::test]
async fn members_leave_the_bureau_by_letter_and_arrive_with_one() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let out = app
        .post_form(
            &client,
            &format!("/members/{}/transitions", f.member_a2),
            &[
                ("kind", "transferred_out"),
                ("letter_no", "转出003"),
                ("external_org", "海州市公安局党委"),
            ],
        )
        .await;
    assert_eq!(out.status(), 303);
    let detail = app
        .services
        .member_detail(&office(), f.member_a2)
        .await
        .unwrap();
    assert_eq!(detail.member.status.code(), "transferred_out");
    let page = app
        .services
        .list_members(
            &office(),
            &Default::default(),
            dangjian_service::Page {
                number: 1,
                size: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 5, "kept in the roster, off the roll");
    let mut form = member_form(80, "A2");
    form.transfer_letter = "海公党转〔2026〕9号".to_owned();
    let incomplete = app
        .post_form(&client, "/members", &member_fields_with_transfer(&form))
        .await;
    assert_eq!(incomplete.status(), 422);
    form.transfer_from = "海州市公安局党委".to_owned();
    let created = app
        .post_form(&client, "/members", &member_fields_with_transfer(&form))
        .await;
    assert_eq!(created.status(), 303);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let page = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("组织关系从局外转入") && page.contains("海公党转〔2026〕9号"));
}

fn member_fields_with_transfer(
    form: &dangjian_core::member::MemberForm,
) -> Vec<(&'static str, &str)> {
    let mut fields = member_fields(form);
    fields.push(("transfer_letter", &form.transfer_letter));
    fields.push(("transfer_from", &form.transfer_from));
    fields
}

#[tokio::test]
async fn inflow_members_are_registered_and_ended_within_scope() {
    let app = TestApp::spawn().await;
    let a1 = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let register = |fields: Vec<(&'static str, &'static str)>| {
        let client = &a1;
        let app = &app;
        async move { app.post_form(client, "/mobile/inflow", &fields).await }
    };
    let stay = vec![
        ("branch", "A1"),
        ("name", "挂职甲"),
        ("origin_org", "省公安厅机关党委"),
        ("police_number", "310001"),
        ("since", "2026-03-01"),
        ("note", "挂职一年"),
    ];
    let done = register(stay.clone()).await;
    assert_eq!(done.status(), 303, "{}", done.text().await.unwrap());
    let page = a1
        .get(app.url("/mobile"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("挂职甲") && page.contains("省公安厅机关党委"));

    // The same person twice, a branch outside the scope, empty and future fields: refused at
    // the field, nothing written.
    let twice = register(stay.clone()).await;
    assert_eq!(twice.status(), 422);
    assert!(twice.text().await.unwrap().contains("已登记在支部A1"));
    let mut outside = stay.clone();
    outside[0] = ("branch", "B");
    let outside = register(outside).await;
    assert_eq!(outside.status(), 422);
    assert!(outside.text().await.unwrap().contains("e-branch"));
    assert_eq!(app.audit("member.inflow", Some("denied")).await.len(), 1);
    let empty = register(vec![("branch", "A1"), ("since", "2099-01-01")]).await;
    assert_eq!(empty.status(), 422);
    let text = empty.text().await.unwrap();
    for field in ["e-name", "e-origin_org", "e-since"] {
        assert!(text.contains(field), "{field}");
    }
    let (current, _) = app.services.inflow_members(&office()).await.unwrap();
    assert_eq!(current.len(), 1);
    let id = current[0].id;

    // Leaving: not before arriving; then listed as ended, and gone from the current list.
    let early = app
        .post_form(
            &a1,
            &format!("/mobile/inflow/{id}/end"),
            &[("on", "2026-02-01")],
        )
        .await;
    assert_eq!(early.status(), 422);
    let other = app
        .login_as("sec_b", Role::OrgSecretary, Some("B"), None)
        .await;
    let foreign = app
        .post_form(
            &other,
            &format!("/mobile/inflow/{id}/end"),
            &[("on", "2026-03-20")],
        )
        .await;
    assert_eq!(foreign.status(), 404);
    let left = app
        .post_form(
            &a1,
            &format!("/mobile/inflow/{id}/end"),
            &[("on", "2026-03-20")],
        )
        .await;
    assert_eq!(left.status(), 303);
    let (current, ended) = app.services.inflow_members(&office()).await.unwrap();
    assert!(current.is_empty());
    assert_eq!(ended[0].until, Some(day("2026-03-20")));
    assert_eq!(
        app.audit("member.inflow_end", Some("success")).await.len(),
        1
    );
}

/// Issue 14, 11 (R5.5, R5.6, R5.12): the membership_status numbers of the rules file are
/// used. Today is 2026-03-28.
#[tokio::test]
async fn the_lifecycle_periods_of_the_rules_refuse_and_prompt() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let transition = |member: i64, fields: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let app = &app;
        async move {
            app.post_form(&client, &format!("/members/{member}/transitions"), &fields)
                .await
        }
    };
    // Out of contact since 2025-10-01: stopping waits for six months (2026-04-01).
    let lost = transition(
        f.member_b,
        vec![
            ("kind", "lost_contact"),
            ("on", "2025-10-01"),
            ("reason", "多次联系未果"),
        ],
    )
    .await;
    assert_eq!(lost.status(), 303);
    let early = transition(
        f.member_b,
        vec![
            ("kind", "stopped"),
            ("on", "2026-03-28"),
            ("reason", "失联"),
        ],
    )
    .await;
    assert_eq!(early.status(), 422);
    assert!(early.text().await.unwrap().contains("2026-04-01"));
    let page = |path: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            client
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let mobile = page("/mobile").await;
    assert!(mobile.contains("2026-04-01") && !mobile.contains("tag bad\">应停止党籍"));
    // Away since 2025-09-01: past six months, the relationship should move.
    let away = transition(
        f.member_a2,
        vec![
            ("kind", "flow_out"),
            ("on", "2025-09-01"),
            ("place", "省厅借调"),
        ],
    )
    .await;
    assert_eq!(away.status(), 303);
    assert!(page("/mobile").await.contains("tag warn\">应转移组织关系"));
    // A letter issued 2025-12-01 was valid to 2026-02-28: received today it is refused; sent
    // back it can be.
    let issued = transition(
        f.member_a1,
        vec![
            ("kind", "transfer_issued"),
            ("on", "2025-12-01"),
            ("letter_no", "江公党转〔2025〕9号"),
            ("to_branch", "B"),
        ],
    )
    .await;
    assert_eq!(issued.status(), 303);
    let transfers = page("/transfers").await;
    assert!(transfers.contains("2026-02-28") && transfers.contains("已过期"));
    let letter = app.services.pending_transfers(&office()).await.unwrap().0[0].id;
    let late = app
        .post_form(
            &client,
            &format!("/transfers/{letter}/receive"),
            &[("on", "2026-03-28"), ("reason", "")],
        )
        .await;
    assert_eq!(late.status(), 422);
    assert!(late.text().await.unwrap().contains("已过期"));
    // Received on a day inside the validity, recorded late, it is taken.
    let in_time = app
        .post_form(
            &client,
            &format!("/transfers/{letter}/receive"),
            &[("on", "2026-02-20"), ("reason", "")],
        )
        .await;
    assert_eq!(in_time.status(), 303);
    // The member's page and the API say what is due.
    let token = app
        .services
        .cli_create_token("office", "t", None)
        .await
        .unwrap()
        .0;
    let life: serde_json::Value = client
        .get(app.url(&format!("/api/v1/members/{}/lifecycle", f.member_a2)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        life["prompts"][0]
            .as_str()
            .unwrap()
            .contains("应转移组织关系")
    );
    // From 1 April, stopping is allowed and prompted.
    app.clock.advance(chrono::TimeDelta::days(4));
    let lost: serde_json::Value = client
        .get(app.url("/api/v1/lost-contact"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&lost[0]["stop_allowed_from"], &lost[0]["stop_due"]),
        (&serde_json::json!("2026-04-01"), &serde_json::json!(true))
    );
    // Four days on, the session has lapsed: log in again.
    let client = app.login("office", crate::harness::PASSWORD).await;
    let stopped = app
        .post_form(
            &client,
            &format!("/members/{}/transitions", f.member_b),
            &[
                ("kind", "stopped"),
                ("on", "2026-04-01"),
                ("reason", "失联满六个月，查找仍无联系"),
            ],
        )
        .await;
    assert_eq!(stopped.status(), 303);
}
