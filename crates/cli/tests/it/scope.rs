//! Data scope: a secretary sees and changes their org's subtree and nothing else; an
//! out-of-scope id answers exactly like a missing one, and leaves an audit record.

use dangjian_core::role::Role;

use crate::harness::TestApp;

#[tokio::test]
async fn a_secretary_of_branch_a1_gets_404_for_a_member_of_branch_b_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let own = client
        .get(app.url(&format!("/members/{}", f.member_a1)))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let foreign = client
        .get(app.url(&format!("/members/{}", f.member_b)))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    let foreign_body = foreign.text().await.unwrap();
    let missing = client.get(app.url("/members/999999")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        foreign_body,
        missing.text().await.unwrap(),
        "out of scope must look exactly like missing"
    );
    let denied = app.audit("member.view", Some("denied")).await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].login.as_deref(), Some("sec_a1"));
    assert_eq!(
        denied[0].object_id.as_deref(),
        Some(f.member_b.to_string().as_str())
    );
}

#[tokio::test]
async fn a_secretary_cannot_edit_a_member_out_of_scope_and_the_record_is_unchanged() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let mut form = crate::harness::member_form(4, "B");
    form.id_number = String::new();
    form.name = "改名".to_owned();
    let response = app
        .post_form(
            &client,
            &format!("/members/{}/edit", f.member_b),
            &member_fields(&form),
        )
        .await;
    assert_eq!(response.status(), 404);
    let detail = app
        .services
        .member_detail(&crate::harness::office(), f.member_b)
        .await
        .unwrap();
    assert_ne!(detail.member.name, "改名");
    assert_eq!(app.audit("member.update", Some("denied")).await.len(), 1);
    // Nor move a member of their own branch out by the edit form: the branch is not edited there.
    let mut form = crate::harness::member_form(1, "B");
    form.id_number = String::new();
    let response = app
        .post_form(
            &client,
            &format!("/members/{}/edit", f.member_a1),
            &member_fields(&form),
        )
        .await;
    assert_eq!(response.status(), 303);
    let detail = app
        .services
        .member_detail(&crate::harness::office(), f.member_a1)
        .await
        .unwrap();
    assert_eq!(detail.member.branch_code, "A1");
}

pub fn member_fields(form: &dangjian_core::member::MemberForm) -> Vec<(&'static str, &str)> {
    vec![
        ("name", &form.name),
        ("gender", &form.gender),
        ("birth_date", &form.birth_date),
        ("ethnicity", &form.ethnicity),
        ("education", &form.education),
        ("id_number", &form.id_number),
        ("phone", &form.phone),
        ("police_number", &form.police_number),
        ("police_rank", &form.police_rank),
        ("position", &form.position),
        ("unit", &form.unit),
        ("branch", &form.branch),
        ("category", &form.category),
        ("joined_on", &form.joined_on),
        ("full_membership_on", &form.full_membership_on),
        ("status", &form.status),
        ("effective_on", &form.effective_on),
    ]
}

#[tokio::test]
async fn lists_and_counts_hold_only_the_scope() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;
    let list = client
        .get(app.url("/members"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("共 3 名"),
        "general branch A has three members"
    );
    assert!(list.contains("支部A1") && list.contains("支部A2") && !list.contains("支部B"));
    let dashboard = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!dashboard.contains("支部B"));
    // Filtering by an org outside the scope finds nothing rather than leaking it.
    let filtered = client
        .get(app.url("/members?org=B"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(filtered.contains("不在您的管理范围内") && !filtered.contains("测试丁"));
    // The org pages: B is not reachable, its code is unknown to the move form.
    let b = client
        .get(app.url(&format!("/orgs/{}", app.fixture.b)))
        .send()
        .await
        .unwrap();
    assert_eq!(b.status(), 404);
}

#[tokio::test]
async fn a_member_sees_only_their_own_record() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("dy1", Role::Member, None, Some("200001"))
        .await;
    let list = client.get(app.url("/members")).send().await.unwrap();
    assert_eq!(
        list.headers()["location"],
        format!("/members/{}", f.member_a1).as_str()
    );
    let own = client
        .get(app.url(&format!("/members/{}", f.member_a1)))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let body = own.text().await.unwrap();
    assert!(
        !body.contains("830101"),
        "the full ID number is never shown"
    );
    let colleague = client
        .get(app.url(&format!("/members/{}", f.member_a1_second)))
        .send()
        .await
        .unwrap();
    assert_eq!(colleague.status(), 404);
    assert_eq!(
        client.get(app.url("/orgs")).send().await.unwrap().status(),
        403
    );
}

#[tokio::test]
async fn moving_an_org_changes_every_scope_at_once() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let secretary = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;
    let url = app.url(&format!("/members/{}", f.member_a2));
    assert_eq!(secretary.get(&url).send().await.unwrap().status(), 200);
    // The committee office moves A2 out of general branch A, directly under the committee.
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let response = app
        .post_form(
            &office,
            &format!("/orgs/{}/move", f.a2),
            &[("parent", "DW"), ("on", "2026-03-01")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(secretary.get(&url).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_secretary_whose_org_was_dissolved_sees_no_org_at_all() {
    let app = TestApp::spawn().await;
    let office = crate::harness::office();
    let c = app
        .services
        .create_org(
            &office,
            &crate::harness::org_form("C", "支部C", "branch", "DW"),
        )
        .await
        .unwrap();
    let client = app
        .login_as("sec_c", Role::OrgSecretary, Some("C"), None)
        .await;
    app.services
        .dissolve_org(
            &office,
            c,
            &dangjian_service::orgs::DissolveForm {
                on: "2026-03-01".into(),
            },
        )
        .await
        .unwrap();
    let client_after = app.login("sec_c", crate::harness::PASSWORD).await;
    drop(client);
    let tree = client_after
        .get(app.url("/orgs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !tree.contains("市公安局党委") && !tree.contains("总支A"),
        "{tree}"
    );
    let members = client_after
        .get(app.url("/members"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(members.contains("共 0 名"));
}

#[tokio::test]
async fn history_does_not_name_orgs_outside_the_scope() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let page = client
        .get(app.url(&format!("/orgs/{}", app.fixture.a1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("（范围外组织）"));
    assert!(
        !page.contains("总支A") && !page.contains("市公安局党委"),
        "{page}"
    );
    let api_token = app
        .services
        .cli_create_token("sec_a1", "", None)
        .await
        .unwrap()
        .0;
    let json: serde_json::Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/orgs/{}", app.fixture.a1)))
        .bearer_auth(api_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(json["parent_id"].is_null());
}

#[tokio::test]
async fn naming_an_org_outside_the_scope_is_refused_and_audited() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;
    let mut form = crate::harness::member_form(60, "B");
    form.police_number = "209999".to_owned();
    let response = app
        .post_form(&client, "/members", &member_fields(&form))
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("不在您的管理范围内")
    );
    let denied = app.audit("member.create", Some("denied")).await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].object_type.as_deref(), Some("org"));
    // A duplicate ID number entered by a secretary is refused and leaves a trace.
    let mut duplicate = crate::harness::member_form(61, "A1");
    duplicate.id_number = crate::harness::member_form(4, "B").id_number;
    duplicate.birth_date = crate::harness::member_form(4, "B").birth_date;
    let response = app
        .post_form(&client, "/members", &member_fields(&duplicate))
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(app.audit("member.create", Some("failure")).await.len(), 1);
}
