//! 党小组 over HTTP (issue 14, 3): a branch places its members in its groups, dated; the group
//! leader is one of them; a 党小组会 expects the group's members of the day, not the branch.

use dangjian_core::role::Role;
use serde_json::{Value, json};

use crate::harness::{TestApp, location, office, org_form};

/// Two groups under 支部A1, founded before the fixture's members joined them.
async fn groups(app: &TestApp) -> (i64, i64) {
    let office = office();
    let first = app
        .services
        .create_org(&office, &org_form("A1G1", "第一党小组", "group", "A1"))
        .await
        .unwrap();
    let second = app
        .services
        .create_org(&office, &org_form("A1G2", "第二党小组", "group", "A1"))
        .await
        .unwrap();
    (first, second)
}

async fn page(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn a_group_has_members_a_leader_among_them_and_its_own_roll() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let (first, second) = groups(&app).await;
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let before = page(&secretary, app.url(&format!("/orgs/{first}"))).await;
    assert!(before.contains("还没有编入党员"), "{before}");

    // Nothing chosen, and a member of another branch, are refused at the field.
    let empty = app
        .post_form(
            &secretary,
            &format!("/orgs/{first}/group-members"),
            &[("on", "2026-03-01")],
        )
        .await;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await.unwrap().contains("请选择要编入的党员"));
    let stranger = format!("m{}", f.member_a2);
    let refused = app
        .post_form(
            &secretary,
            &format!("/orgs/{first}/group-members"),
            &[(stranger.as_str(), "1"), ("on", "2026-03-01")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("不在本支部名册"));

    let member = format!("m{}", f.member_a1);
    let placed = app
        .post_form(
            &secretary,
            &format!("/orgs/{first}/group-members"),
            &[(member.as_str(), "1"), ("on", "2026-03-01")],
        )
        .await;
    assert_eq!(placed.status(), 303);
    assert!(location(&placed).starts_with(&format!("/orgs/{first}")));
    // The leader is a member of the group: the second member, in no group, is refused.
    let outsider = app
        .post_form(
            &secretary,
            &format!("/orgs/{first}/posts"),
            &[
                ("post", "group_leader"),
                ("police_number", "200002"),
                ("on", "2026-03-02"),
            ],
        )
        .await;
    assert_eq!(outsider.status(), 422);
    assert!(
        outsider
            .text()
            .await
            .unwrap()
            .contains("不是本党小组的成员")
    );
    let leader = app
        .post_form(
            &secretary,
            &format!("/orgs/{first}/posts"),
            &[
                ("post", "group_leader"),
                ("police_number", "200001"),
                ("on", "2026-03-02"),
            ],
        )
        .await;
    assert_eq!(leader.status(), 303);
    let roster = page(&secretary, app.url(&format!("/orgs/{first}"))).await;
    assert!(roster.contains("党小组长") && roster.contains("2026-03-01"));

    // A 党小组会's expected roll is the group's members of the day: on 20 March only the
    // first member; before 1 March nobody.
    let form = page(
        &secretary,
        app.url(&format!(
            "/orgs/{first}/meetings/new?kind=party_group&held_on=2026-03-20"
        )),
    )
    .await;
    assert!(form.contains(&format!("a{}_expected", f.member_a1)));
    assert!(!form.contains(&format!("a{}_expected", f.member_a1_second)));
    let earlier = page(
        &secretary,
        app.url(&format!(
            "/orgs/{first}/meetings/new?kind=party_group&held_on=2026-02-20"
        )),
    )
    .await;
    assert!(!earlier.contains(&format!("a{}_expected", f.member_a1)));

    // Over the API: moving the leader to the second group ends the post in the first that
    // day; the first group's roster keeps the past placement.
    let grant = dangjian_service::accounts::GrantForm {
        role: "org_secretary".to_owned(),
        org: "A1".to_owned(),
        police_number: String::new(),
    };
    app.services
        .cli_add_user("api_a1", "", &grant, crate::harness::PASSWORD)
        .await
        .unwrap();
    let token = app
        .services
        .cli_create_token("api_a1", "t", None)
        .await
        .unwrap()
        .0;
    let client = app.client();
    let call = |path: String, body: Value| {
        client
            .post(app.url(&format!("/api/v1{path}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let too_early = call(
        format!("/orgs/{second}/group-members"),
        json!({ "members": [f.member_a1], "on": "2026-03-02" }),
    )
    .await
    .unwrap();
    assert_eq!(too_early.status(), 422);
    assert!(too_early.text().await.unwrap().contains("党小组长"));
    let moved = call(
        format!("/orgs/{second}/group-members"),
        json!({ "members": [f.member_a1, f.member_a1_second], "on": "2026-03-10" }),
    )
    .await
    .unwrap();
    assert_eq!(moved.status(), 200);
    let second_roster: Value = moved.json().await.unwrap();
    assert_eq!(second_roster["members"].as_array().unwrap().len(), 2);
    let first_roster: Value = client
        .get(app.url(&format!("/api/v1/orgs/{first}/group-members")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first_roster["members"], json!([]));
    assert_eq!(
        (
            &first_roster["past"][0]["from"],
            &first_roster["past"][0]["to"]
        ),
        (&json!("2026-03-01"), &json!("2026-03-10"))
    );
    let posts: Value = client
        .get(app.url(&format!("/api/v1/orgs/{first}/posts")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posts[0]["to"], "2026-03-10", "{posts}");

    // Taking a member out: not before they joined; then they are off the roll.
    let early = call(
        format!("/orgs/{second}/group-members/end"),
        json!({ "member_id": f.member_a1_second, "on": "2026-03-10" }),
    )
    .await
    .unwrap();
    assert_eq!(early.status(), 422);
    let out = call(
        format!("/orgs/{second}/group-members/end"),
        json!({ "member_id": f.member_a1_second, "on": "2026-03-20" }),
    )
    .await
    .unwrap();
    assert_eq!(out.status(), 200);
    let after: Value = out.json().await.unwrap();
    assert_eq!(after["members"][0]["member_id"], f.member_a1);
    assert!(!app.audit("group.place", Some("success")).await.is_empty());
    assert!(!app.audit("group.unplace", Some("success")).await.is_empty());
}

#[tokio::test]
async fn groups_stay_inside_the_scope() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let (first, _) = groups(&app).await;
    let other = app
        .login_as("sec_b", Role::OrgSecretary, Some("B"), None)
        .await;
    let member = format!("m{}", f.member_a1);
    let refused = app
        .post_form(
            &other,
            &format!("/orgs/{first}/group-members"),
            &[(member.as_str(), "1")],
        )
        .await;
    assert!(
        matches!(refused.status().as_u16(), 403 | 404),
        "{}",
        refused.status()
    );
    let seen = other
        .get(app.url(&format!("/orgs/{first}")))
        .send()
        .await
        .unwrap();
    assert!(matches!(seen.status().as_u16(), 403 | 404));
    // A branch is not a group: nothing can be placed in it.
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let branch = app
        .post_form(
            &office,
            &format!("/orgs/{}/group-members", f.a1),
            &[(member.as_str(), "1")],
        )
        .await;
    assert_eq!(branch.status(), 422);
}
