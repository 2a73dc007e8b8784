//! The org tree: creation with field messages, the shape rules, moves with history,
//! dissolution and the secretary.

use dangjian_core::role::Role;

use crate::harness::{TestApp, office};

#[tokio::test]
async fn a_bad_org_form_comes_back_with_a_message_at_each_field_and_saves_nothing() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let response = app
        .post_form(
            &client,
            "/orgs",
            &[
                ("code", "支部"),
                ("name", ""),
                ("kind", "branch"),
                ("parent", "DW"),
                ("unit", ""),
                ("founded_on", "2026-13-01"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("编码只能由字母、数字"));
    assert!(body.contains("请填写组织名称"));
    assert!(body.contains("日期格式应为"));
    assert!(body.contains("value=\"支部\""), "the typed values are kept");
    let duplicate = app
        .post_form(
            &client,
            "/orgs",
            &[
                ("code", "a1"),
                ("name", "重复"),
                ("kind", "branch"),
                ("parent", "DW"),
                ("unit", ""),
                ("founded_on", ""),
            ],
        )
        .await;
    assert_eq!(duplicate.status(), 422);
    assert!(
        duplicate
            .text()
            .await
            .unwrap()
            .contains("该组织编码已被使用")
    );
    let found = app
        .services
        .search_orgs(&office(), &Default::default(), 100)
        .await
        .unwrap();
    assert_eq!(found.len(), 5);
}

#[tokio::test]
async fn kinds_stand_only_where_they_may_and_no_move_makes_a_cycle() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let group_under_committee = app
        .post_form(
            &client,
            "/orgs",
            &[
                ("code", "G1"),
                ("name", "党小组"),
                ("kind", "group"),
                ("parent", "DW"),
                ("unit", ""),
                ("founded_on", ""),
            ],
        )
        .await;
    assert_eq!(group_under_committee.status(), 422);
    assert!(
        group_under_committee
            .text()
            .await
            .unwrap()
            .contains("党小组不能设在党委之下")
    );
    let group = app
        .post_form(
            &client,
            "/orgs",
            &[
                ("code", "G1"),
                ("name", "第一党小组"),
                ("kind", "group"),
                ("parent", "A1"),
                ("unit", ""),
                ("founded_on", ""),
            ],
        )
        .await;
    assert_eq!(group.status(), 303);
    // General branch A cannot go under its own branch A1.
    let cycle = app
        .post_form(
            &client,
            &format!("/orgs/{}/move", f.general_a),
            &[("parent", "A1"), ("on", "")],
        )
        .await;
    assert_eq!(cycle.status(), 422);
    assert!(
        cycle
            .text()
            .await
            .unwrap()
            .contains("不能把组织移到它自己或它的下级组织之下")
    );
}

#[tokio::test]
async fn a_move_is_kept_as_history() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let response = app
        .post_form(
            &client,
            &format!("/orgs/{}/move", f.b),
            &[("parent", "ZZA"), ("on", "2026-01-15")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let detail = app.services.org_detail(&office(), f.b).await.unwrap();
    assert_eq!(detail.org.parent_id, Some(f.general_a));
    assert_eq!(detail.parents.len(), 2);
    assert_eq!(
        detail.parents[0].span.to,
        chrono::NaiveDate::from_ymd_opt(2026, 1, 15)
    );
    assert!(detail.parents[1].label.contains("总支A"));
    // B's members are now counted under general branch A.
    let a = app
        .services
        .org_detail(&office(), f.general_a)
        .await
        .unwrap();
    assert_eq!(a.org.member_count, 5);
}

#[tokio::test]
async fn an_org_with_members_cannot_be_dissolved_and_an_empty_one_is_kept_in_history() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let refused = app
        .post_form(&client, &format!("/orgs/{}/dissolve", f.a2), &[("on", "")])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("仍有党员"));
    let id = app
        .services
        .create_org(
            &office(),
            &crate::harness::org_form("C", "支部C", "branch", "DW"),
        )
        .await
        .unwrap();
    let done = app
        .post_form(
            &client,
            &format!("/orgs/{id}/dissolve"),
            &[("on", "2026-03-01")],
        )
        .await;
    assert_eq!(done.status(), 303);
    let tree = client
        .get(app.url("/orgs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!tree.contains("支部C"));
    let with_dissolved = client
        .get(app.url("/orgs?dissolved=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(with_dissolved.contains("支部C") && with_dissolved.contains("已撤销"));
    let detail = app.services.org_detail(&office(), id).await.unwrap();
    assert_eq!(
        detail.org.dissolved_on,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
    );
}

#[tokio::test]
async fn appointing_a_secretary_closes_the_gap_on_the_dashboard() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let before = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(before.contains("支部A1"));
    // Someone from another branch cannot be A1's secretary.
    let wrong = app
        .post_form(
            &client,
            &format!("/orgs/{}/secretary", f.a1),
            &[("police_number", "200004"), ("on", "")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("不是本组织（含下级）的党员")
    );
    let done = app
        .post_form(
            &client,
            &format!("/orgs/{}/secretary", f.a1),
            &[("police_number", "200001"), ("on", "2026-02-01")],
        )
        .await;
    assert_eq!(done.status(), 303);
    let after = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!after.contains(">支部A1<"));
    // A successor from a later date closes the first term.
    let next = app
        .post_form(
            &client,
            &format!("/orgs/{}/secretary", f.a1),
            &[("police_number", "200002"), ("on", "2026-03-01")],
        )
        .await;
    assert_eq!(next.status(), 303);
    let detail = app.services.org_detail(&office(), f.a1).await.unwrap();
    assert_eq!(detail.posts.len(), 2);
    assert!(
        detail
            .posts
            .iter()
            .any(|p| p.span.to == chrono::NaiveDate::from_ymd_opt(2026, 3, 1))
    );
}

#[tokio::test]
async fn a_secretary_cannot_move_or_dissolve_their_own_org() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;
    let response = app
        .post_form(
            &client,
            &format!("/orgs/{}/move", f.general_a),
            &[("parent", "DW"), ("on", "")],
        )
        .await;
    assert_eq!(response.status(), 422);
    // Nor move an org of its subtree out of it.
    let outside = app
        .post_form(
            &client,
            &format!("/orgs/{}/move", f.a2),
            &[("parent", "DW"), ("on", "")],
        )
        .await;
    assert_eq!(outside.status(), 422);
    assert!(outside.text().await.unwrap().contains("不在您的管理范围内"));
}

#[tokio::test]
async fn posts_never_overlap_and_never_run_backwards() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let post = |number: &'static str, on: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            app.post_form(
                &client,
                &format!("/orgs/{}/secretary", f.a1),
                &[("police_number", number), ("on", on)],
            )
            .await
        }
    };
    assert_eq!(post("200001", "2026-01-01").await.status(), 303);
    // Vacant from 2026-02-01.
    assert_eq!(post("", "2026-02-01").await.status(), 303);
    // A successor cannot start before the last term ended.
    let overlap = post("200002", "2026-01-15").await;
    assert_eq!(overlap.status(), 422);
    assert!(overlap.text().await.unwrap().contains("任职日期不能更早"));
    assert_eq!(post("200002", "2026-02-10").await.status(), 303);
    // The secretary moves to A2: a transfer received before the term began is refused;
    // received later, it ends the term on that date.
    let member = f.member_a1_second;
    let issue = app
        .post_form(
            &client,
            &format!("/members/{member}/transitions"),
            &[
                ("kind", "transfer_issued"),
                ("on", "2026-02-01"),
                ("letter_no", "转字001"),
                ("to_branch", "A2"),
            ],
        )
        .await;
    assert_eq!(issue.status(), 303, "{}", issue.text().await.unwrap());
    let letter = app.services.pending_transfers(&office()).await.unwrap().0[0].id;
    let early = app
        .post_form(
            &client,
            &format!("/transfers/{letter}/receive"),
            &[("on", "2026-02-05"), ("reason", "")],
        )
        .await;
    assert_eq!(early.status(), 422);
    assert!(early.text().await.unwrap().contains("日期应晚于任职日期"));
    let moved = app
        .post_form(
            &client,
            &format!("/transfers/{letter}/receive"),
            &[("on", "2026-03-01"), ("reason", "")],
        )
        .await;
    assert_eq!(moved.status(), 303);
    let detail = app.services.org_detail(&office(), f.a1).await.unwrap();
    assert!(detail.org.secretary_id.is_none());
    assert!(detail.posts.iter().all(|p| p.span.to.is_some()));
}

#[tokio::test]
async fn the_system_administrator_cannot_reset_another_administrators_password() {
    let app = TestApp::spawn().await;
    let sys = app.login_as("sys", Role::SystemAdmin, None, None).await;
    let accounts = app.services.cli_accounts().await.unwrap();
    let secadmin = accounts.iter().find(|a| a.login == "secadmin").unwrap().id;
    let reset = format!("/accounts/{secadmin}/reset-password");
    // A reset asks for the administrator's own password first (issue 13, 1d).
    let unconfirmed = app.post_form(&sys, &reset, &[]).await;
    assert!(crate::harness::location(&unconfirmed).starts_with("/reauth"));
    app.reauth(&sys, "/accounts").await;
    let response = app.post_form(&sys, &reset, &[]).await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("只能在服务器命令行重置")
    );
}
