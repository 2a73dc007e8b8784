//! The member forms: a message at every bad field with the values kept, duplicates, dated
//! changes of branch, and hostile input.

use dangjian_core::role::Role;

use crate::harness::{TestApp, member_form, office};
use crate::scope::member_fields;

#[tokio::test]
async fn a_bad_member_form_comes_back_with_messages_at_the_fields_and_saves_nothing() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let mut form = member_form(10, "A1");
    form.id_number = "110105194912310021".to_owned();
    form.phone = "12345".to_owned();
    form.police_number = "12ab".to_owned();
    form.name = String::new();
    let response = app
        .post_form(&client, "/members", &member_fields(&form))
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    for message in [
        "身份证号校验位不正确",
        "电话应为11位手机号",
        "警号应为6至8位数字",
        "请填写姓名",
    ] {
        assert!(body.contains(message), "{message}");
    }
    assert!(
        body.contains("value=\"110105194912310021\""),
        "typed values are kept"
    );
    let page = app
        .services
        .list_members(
            &office(),
            &Default::default(),
            dangjian_service::Page {
                number: 1,
                size: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 5);
}

#[tokio::test]
async fn a_duplicate_id_number_or_police_number_is_refused_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let mut same_id = member_form(20, "A1");
    same_id.id_number = member_form(1, "A1").id_number;
    same_id.birth_date = member_form(1, "A1").birth_date;
    let response = app
        .post_form(&client, "/members", &member_fields(&same_id))
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("该身份证号已登记在其他党员名下")
    );
    let mut same_police = member_form(21, "A1");
    same_police.police_number = "200001".to_owned();
    let response = app
        .post_form(&client, "/members", &member_fields(&same_police))
        .await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("该警号已登记在其他党员名下")
    );
}

#[tokio::test]
async fn a_member_created_through_the_form_is_shown_masked() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let form = member_form(30, "A2");
    let response = app
        .post_form(&client, "/members", &member_fields(&form))
        .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let page = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已保存"));
    assert!(!page.contains(&form.id_number) && !page.contains("13800138000"));
    assert!(page.contains("138****8000"));
    let list = client
        .get(app.url("/members"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&form.id_number));
}

#[tokio::test]
async fn the_edit_form_changes_own_fields_only_and_keeps_what_was_left_empty() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let mut form = member_form(1, "B");
    form.id_number = String::new();
    form.phone = String::new();
    form.position = "副所长".to_owned();
    form.status = "deceased".to_owned();
    let response = app
        .post_form(
            &client,
            &format!("/members/{}/edit", f.member_a1),
            &member_fields(&form),
        )
        .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let detail = app
        .services
        .member_detail(&office(), f.member_a1)
        .await
        .unwrap();
    // Branch and status change only by transitions; the phone was kept although left empty.
    assert_eq!(detail.member.branch_code, "A1");
    assert_eq!(detail.member.status.code(), "active");
    assert_eq!(detail.member.position.as_deref(), Some("副所长"));
    assert_eq!(detail.member.phone_masked.as_deref(), Some("138****8000"));
    let audit = app.audit("member.update", Some("success")).await;
    assert!(audit[0].detail.as_deref().unwrap().contains("position"));
}

#[tokio::test]
async fn hostile_input_is_escaped_refused_or_limited() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let mut form = member_form(40, "A1");
    form.position = "<script>alert(1)</script>".to_owned();
    let response = app
        .post_form(&client, "/members", &member_fields(&form))
        .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let page = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("<script>alert(1)</script>") && page.contains("&#60;script&#62;")
            || page.contains("&lt;script&gt;")
    );
    // A name with markup is refused outright.
    let mut bad_name = member_form(41, "A1");
    bad_name.name = "\"><img src=x>".to_owned();
    let response = app
        .post_form(&client, "/members", &member_fields(&bad_name))
        .await;
    assert_eq!(response.status(), 422);
    // A 2,000-character field is refused at the field.
    let mut long = member_form(42, "A1");
    long.position = "长".repeat(2000);
    let response = app
        .post_form(&client, "/members", &member_fields(&long))
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("职务不能超过50个字")
    );
    // A field the form does not have is refused (mass assignment), as is a repeated one.
    let extra = member_form(43, "A1");
    let mut fields = member_fields(&extra);
    fields.push(("branch_id", "1"));
    assert_eq!(
        app.post_form(&client, "/members", &fields).await.status(),
        400
    );
    let repeated = member_form(44, "A1");
    let mut fields = member_fields(&repeated);
    fields.push(("name", "另一个"));
    assert_eq!(
        app.post_form(&client, "/members", &fields).await.status(),
        400
    );
    // An oversized body is refused before it is read.
    let huge = "x".repeat(300 * 1024);
    let response = app
        .post_form(&client, "/members", &[("name", huge.as_str())])
        .await;
    assert_eq!(response.status(), 413);
    // LIKE wildcards in a search match literally.
    let list = client
        .get(app.url("/members?name=%25"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("共 0 名"));
}

#[tokio::test]
async fn id_numbers_and_phones_are_encrypted_at_rest_and_bound_to_their_row() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let plain = member_form(1, "A1");
    let mut tx = app.services.db().read().await.unwrap();
    let a = dangjian_store::members::get(&mut tx, f.member_a1)
        .await
        .unwrap()
        .unwrap();
    let b = dangjian_store::members::get(&mut tx, f.member_b)
        .await
        .unwrap()
        .unwrap();
    drop(tx);
    assert!(!a.id_number_ct.contains(&plain.id_number) && !a.id_number_ct.contains("19850"));
    assert!(!a.phone_ct.as_deref().unwrap().contains("13800138000"));
    // Copying A's sealed number into B's row does not make B show A's number.
    {
        let mut tx = app.services.db().write().await.unwrap();
        dangjian_store::members::set_protected(
            &mut tx,
            b.id,
            &a.id_number_ct,
            a.phone_ct.as_deref(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let detail = app.services.member_detail(&office(), b.id).await.unwrap();
    assert_eq!(detail.member.id_number_masked, "（校验失败）");
    // With SQLite, the database file holds no ID number in clear.
    if std::env::var("DANGJIAN_TEST_POSTGRES_URL").map_or(true, |u| u.is_empty()) {
        let db = app.sqlite_path().unwrap();
        for file in [db.to_path_buf(), db.with_extension("db-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(&plain.id_number) && !text.contains("13800138000"),
                "{}",
                file.display()
            );
        }
    }
}

#[tokio::test]
async fn the_full_numbers_show_only_with_a_reason_and_each_view_is_audited() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let client = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let path = format!("/members/{}/reveal", f.member_a1);
    let without = app.post_form(&client, &path, &[("reason", "")]).await;
    assert_eq!(without.status(), 422);
    assert!(without.text().await.unwrap().contains("请填写查询事由"));
    let with = app
        .post_form(&client, &path, &[("reason", "办理组织关系转接")])
        .await;
    assert_eq!(with.status(), 200);
    let page = with.text().await.unwrap();
    assert!(page.contains(&member_form(1, "A1").id_number) && page.contains("13800138000"));
    let views = app.audit("member.pii_view", Some("success")).await;
    assert_eq!(views.len(), 1);
    assert!(
        views[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("办理组织关系转接")
    );
    assert!(!views[0].detail.as_deref().unwrap().contains("13800138000"));
    // Out of scope: not found, audited, nothing shown.
    let foreign = app
        .post_form(
            &client,
            &format!("/members/{}/reveal", f.member_b),
            &[("reason", "好奇")],
        )
        .await;
    assert_eq!(foreign.status(), 404);
    // The auditor has no such power.
    let auditor = app.login_as("aud", Role::AuditAdmin, None, None).await;
    let refused = app.post_form(&auditor, &path, &[("reason", "x")]).await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn the_roster_is_searched_by_whole_id_number_and_unit_within_scope() {
    let app = TestApp::spawn().await;
    let office_client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let id = member_form(4, "B").id_number;
    let find = |client: &reqwest::Client, id: String, reason: &'static str| {
        let app = &app;
        let client = client.clone();
        async move {
            let response = app
                .post_form(
                    &client,
                    "/members/find",
                    &[("id_number", &id), ("reason", reason)],
                )
                .await;
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, found) = find(&office_client, id.clone(), "核对转接介绍信").await;
    assert_eq!(status, 200);
    assert!(
        found.contains("共 1 名") && found.contains("测试戊"),
        "{found}"
    );
    // The number never goes in a link: the roster's query no longer takes it.
    let in_link = office_client
        .get(app.url(&format!("/members?id_number={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(in_link.status(), 400);
    // Without a reason, nothing is looked up, and the message is at the reason's field.
    let (status, page) = find(&office_client, id.clone(), "").await;
    assert_eq!(status, 422);
    assert!(page.contains("按完整身份证号查找须填写查询事由"), "{page}");
    let (_, invalid) = find(&office_client, "123".to_owned(), "核对").await;
    assert!(invalid.contains("身份证号应为18位"));
    let lookups = app.audit("member.id_search", Some("success")).await;
    assert_eq!(lookups.len(), 1);
    assert!(
        lookups[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("核对转接介绍信")
    );
    assert!(!lookups[0].detail.as_deref().unwrap().contains(&id));
    let by_unit = office_client
        .get(app.url("/members?unit=u1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(by_unit.contains("共 0 名"));
    // A secretary looking up someone else's number finds nothing: the scope applies first.
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let (_, none) = find(&secretary, id.clone(), "核对").await;
    assert!(none.contains("共 0 名"));
}

/// The member ids listed on a roster page, in order, and its previous and next links.
fn roster_page(page: &str) -> (Vec<i64>, Option<String>, Option<String>) {
    let ids = page
        .split("<td><a href=\"/members/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect();
    let link = |label: &str| {
        let end = page.find(&format!("\">{label}</a>"))?;
        let start = page[..end].rfind("href=\"")? + "href=\"".len();
        Some(page[start..end].replace("&amp;", "&"))
    };
    (ids, link("上一页"), link("下一页"))
}

#[tokio::test]
async fn the_roster_pages_forward_and_back_by_their_neighbours_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    for n in 0..40 {
        let branch = ["A1", "A2", "B"][n as usize % 3];
        app.services
            .create_member(&office(), &member_form(100 + n, branch))
            .await
            .unwrap();
    }
    let everyone: Vec<i64> = app
        .services
        .list_members(
            &office(),
            &Default::default(),
            dangjian_service::Page {
                number: 1,
                size: 100,
            },
        )
        .await
        .unwrap()
        .members
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(everyone.len(), 45);
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let get = async |path: &str| {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        roster_page(&response.text().await.unwrap())
    };

    let mut seen: Vec<i64> = Vec::new();
    let mut pages: Vec<(String, Vec<i64>)> = Vec::new();
    let mut next = Some("/members".to_owned());
    while let Some(path) = next.take() {
        let (ids, _, link) = get(&path).await;
        seen.extend(&ids);
        pages.push((path, ids));
        next = link;
    }
    assert_eq!(
        seen, everyone,
        "forward: every member once, in roster order"
    );
    assert_eq!(pages.len(), 3);
    assert!(pages[2].0.contains("after="), "{}", pages[2].0);
    // Back from the last page: the same pages again.
    let (_, back, _) = get(&pages[2].0).await;
    let back = back.unwrap();
    assert!(back.contains("before="), "{back}");
    let (ids, first, _) = get(&back).await;
    assert_eq!(ids, pages[1].1);
    assert_eq!(get(&first.unwrap()).await.0, pages[0].1);
    // The page's number alone (a typed or bookmarked link) finds the same page.
    assert_eq!(get("/members?page=3").await.0, pages[2].1);
    // An anchor that is no member, or not a number, falls back to the page's number.
    assert_eq!(get("/members?page=2&after=999999").await.0, pages[1].1);
    assert_eq!(get("/members?page=2&after=x").await.0, pages[1].1);
}

/// Issue 13, finding 5: a masked number, the birth date beside it and an unaudited exact
/// search rebuilt a whole ID number on the second try. The exact search now needs a reason,
/// is audited with it, and an account may make only the policy's number of them a day —
/// through the pages and the API alike.
#[tokio::test]
async fn exact_id_searches_need_a_reason_and_are_limited_per_account() {
    let app = TestApp::spawn().await;
    app.set_policy(&[("id_searches_per_day", "2")]).await;
    let token = {
        let grant = dangjian_service::accounts::GrantForm {
            role: Role::CommitteeStaff.code().to_owned(),
            ..Default::default()
        };
        app.services
            .cli_add_user("api_office", "", &grant, crate::harness::PASSWORD)
            .await
            .unwrap();
        app.services
            .cli_create_token("api_office", "对接", None)
            .await
            .unwrap()
            .0
    };
    let id = member_form(4, "B").id_number;
    let search = |reason: Option<&str>| {
        let mut url = format!("/api/v1/members?id_number={id}");
        if let Some(reason) = reason {
            url.push_str(&format!("&reason={}", reason));
        }
        let request = app.client().get(app.url(&url)).bearer_auth(&token);
        async move { request.send().await.unwrap() }
    };
    let refused = search(None).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("查询事由"));
    for _ in 0..2 {
        let found = search(Some("check")).await;
        assert_eq!(found.status(), 200);
        let body: serde_json::Value = found.json().await.unwrap();
        assert_eq!(body["total"], 1);
        // The masked number keeps only its first and last characters.
        let masked = body["items"][0]["id_number_masked"].as_str().unwrap();
        assert_eq!(masked.chars().filter(|c| *c != '*').count(), 2, "{masked}");
    }
    let third = search(Some("check")).await;
    assert_eq!(third.status(), 422);
    assert!(third.text().await.unwrap().contains("上限"));
    assert_eq!(
        app.audit("member.id_search", Some("success")).await.len(),
        2
    );
    // A day later the account may search again.
    app.clock.advance(chrono::TimeDelta::hours(25));
    assert_eq!(search(Some("check")).await.status(), 200);
}

/// Issue 14, 1: 文职人员, 工勤人员 and retired members have no 警号. They are entered
/// without one (form and API), two of them do not collide, the roster and export show none,
/// and forms that name a member take their member number (党员编号) instead.
#[tokio::test]
async fn members_without_a_police_number_are_entered_listed_exported_and_named() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let mut first = member_form(40, "B");
    first.police_number = String::new();
    first.police_rank = String::new();
    first.position = "文职人员".to_owned();
    let created = app
        .post_form(&client, "/members", &member_fields(&first))
        .await;
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = location
        .trim_start_matches("/members/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut second = member_form(41, "B");
    second.police_number = String::new();
    second.police_rank = String::new();
    let again = app
        .post_form(&client, "/members", &member_fields(&second))
        .await;
    assert_eq!(
        again.status(),
        303,
        "two members without a 警号 do not collide"
    );
    let detail = client
        .get(app.url(&format!("/members/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains(&format!("DY{id}")) && detail.contains("文职"),
        "{detail}"
    );
    // A 警号 that exists stays unique.
    let mut taken = member_form(42, "B");
    taken.police_number = member_form(4, "B").police_number;
    let refused = app
        .post_form(&client, "/members", &member_fields(&taken))
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("该警号已登记"));

    // The member without a 警号 becomes the branch's secretary, named by member number.
    let appointed = app
        .post_form(
            &client,
            &format!("/orgs/{}/secretary", app.fixture.b),
            &[("police_number", &format!("dy{id}")), ("on", "2026-03-01")],
        )
        .await;
    assert_eq!(
        appointed.status(),
        303,
        "{}",
        appointed.text().await.unwrap()
    );
    let org = app
        .services
        .org_detail(&office(), app.fixture.b)
        .await
        .unwrap();
    assert_eq!(org.org.secretary_id, Some(id));

    // The export leaves the 警号 cell empty; the API says null and gives the member number.
    app.reauth(&client, "/members").await;
    let export = client
        .get(app.url("/members/export?org=B"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let token = app
        .services
        .cli_create_token("office", "对接", None)
        .await
        .unwrap()
        .0;
    let json: serde_json::Value = app
        .client()
        .get(app.url(&format!("/api/v1/members/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["police_number"], serde_json::Value::Null);
    assert_eq!(json["member_number"], format!("DY{id}"));
}
