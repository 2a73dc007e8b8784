//! The JSON API: bearer tokens with the same scope as their account, JSON errors, and the
//! OpenAPI document.

use dangjian_core::role::Role;
use dangjian_service::accounts::GrantForm;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestApp};

async fn token_for(app: &TestApp, login: &str, role: Role, org: &str) -> String {
    let grant = GrantForm {
        role: role.code().to_owned(),
        org: org.to_owned(),
        police_number: String::new(),
    };
    app.services
        .cli_add_user(login, "", &grant, PASSWORD)
        .await
        .unwrap();
    app.services.cli_create_token(login, "测试").await.unwrap()
}

#[tokio::test]
async fn a_token_acts_within_its_accounts_scope() {
    let app = TestApp::spawn().await;
    let token = token_for(&app, "api_a1", Role::OrgSecretary, "A1").await;
    let client = reqwest::Client::new();
    let page: Value = client
        .get(app.url("/api/v1/members"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["branch_code"] == "A1")
    );
    assert!(
        page["items"][0]["id_number_masked"]
            .as_str()
            .unwrap()
            .contains("**********")
    );
    let foreign = client
        .get(app.url(&format!("/api/v1/members/{}", app.fixture.member_b)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    let body: Value = foreign.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    assert_eq!(app.audit("member.view", Some("denied")).await.len(), 1);
    let orgs: Value = client
        .get(app.url("/api/v1/orgs"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_api_creates_and_validates_with_json_errors() {
    let app = TestApp::spawn().await;
    let token = token_for(&app, "api_office", Role::CommitteeStaff, "").await;
    let client = reqwest::Client::new();
    let mut member = serde_json::to_value(
        crate::scope::member_fields(&crate::harness::member_form(50, "B"))
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
            .collect::<serde_json::Map<_, _>>(),
    )
    .unwrap();
    let created = client
        .post(app.url("/api/v1/members"))
        .bearer_auth(&token)
        .json(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["branch_code"], "B");
    member["police_number"] = json!("12");
    member["id_number"] = json!("830101198501010010");
    let invalid = client
        .post(app.url("/api/v1/members"))
        .bearer_auth(&token)
        .json(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["code"], "invalid");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"police_number") && fields.contains(&"id_number"));
    let unknown = client
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(&token)
        .json(&json!({ "code": "X1", "name": "x", "kind": "branch", "parent": "DW", "secret": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    let org = client
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(&token)
        .json(&json!({ "code": "X1", "name": "新支部", "kind": "branch", "parent": "DW" }))
        .send()
        .await
        .unwrap();
    assert_eq!(org.status(), 201);
    let duplicate = client
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(&token)
        .json(&json!({ "code": "x1", "name": "又一个", "kind": "branch", "parent": "DW" }))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), 409);
}

#[tokio::test]
async fn a_revoked_or_unknown_token_is_refused() {
    let app = TestApp::spawn().await;
    let token = token_for(&app, "api_office", Role::CommitteeStaff, "").await;
    let client = reqwest::Client::new();
    let ok = client
        .get(app.url("/api/v1/orgs"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let id = app.services.cli_tokens().await.unwrap()[0].id;
    app.services.cli_revoke_token(id).await.unwrap();
    let revoked = client
        .get(app.url("/api/v1/orgs"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    assert_eq!(revoked.headers()["www-authenticate"], "Bearer");
    let unknown = client
        .get(app.url("/api/v1/orgs"))
        .bearer_auth("nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let app = TestApp::spawn().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for path in ["/orgs", "/orgs/{id}", "/members", "/members/{id}"] {
        assert!(paths.contains_key(path), "{path}");
    }
    assert!(paths["/members/{id}"]["put"].is_object());
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn the_api_takes_filters_and_pages() {
    let app = TestApp::spawn().await;
    let token = token_for(&app, "api_office", Role::CommitteeStaff, "").await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(app.url(path)).bearer_auth(&token).send();
    let page: Value = get("/api/v1/members?org=ZZA&per_page=2&page=2")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(page["page"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let orgs: Value =
        get("/api/v1/orgs?q=%E6%94%AF%E9%83%A8A&kind=branch&limit=1&include_dissolved=true")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), 1);
    assert_eq!(orgs[0]["code"], "A1");
    let bad = get("/api/v1/orgs?limit=lots").await.unwrap();
    assert_eq!(bad.status(), 400);
    let unknown = get("/api/v1/members?color=red").await.unwrap();
    assert_eq!(unknown.status(), 400);
    let repeated = get("/api/v1/members?page=1&page=2").await.unwrap();
    assert_eq!(repeated.status(), 400);
}
