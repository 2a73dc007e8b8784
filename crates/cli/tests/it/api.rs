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
    app.services
        .cli_create_token(login, "测试", None)
        .await
        .unwrap()
        .0
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
    let id = app.services.cli_tokens().await.unwrap()[0].0.id;
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
    for path in [
        "/orgs",
        "/orgs/{id}",
        "/orgs/{id}/posts",
        "/orgs/{id}/terms",
        "/members",
        "/members/{id}",
        "/members/{id}/lifecycle",
        "/members/{id}/transitions",
        "/members/export",
        "/transfers",
        "/inflow",
        "/imports",
        "/imports/{batch}/commit",
        "/coverage",
        "/statistics",
        "/reelections",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    assert!(paths["/members/{id}"]["put"].is_object());
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// Issue 14, 15: a coded field of an input declares exactly the codes the server takes —
/// read from the core's own lists, so neither can change without the other.
#[test]
fn coded_inputs_declare_the_codes_the_server_takes() {
    use dangjian_core::lifecycle::EventKind;
    use dangjian_core::org::Post;
    use dangjian_core::orglife::{AbsenceReason, MeetingKind};
    use dangjian_core::term::Rating;
    let doc = serde_json::to_value(dangjian_web::openapi_document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let codes = |all: Vec<&str>| format!("^({})$", all.join("|"));
    let posts = codes(Post::ALL.iter().map(|p| p.code()).collect());
    let ratings = codes(Rating::ALL.iter().map(|r| r.code()).collect());
    let expected = [
        (
            "RecruitStepInput",
            "step",
            codes(
                dangjian_core::recruitment::Step::ALL
                    .iter()
                    .map(|s| s.code())
                    .collect(),
            ),
        ),
        ("AppointInput", "post", posts.clone()),
        ("RelieveInput", "post", posts),
        ("AssessmentInput", "standing", ratings.clone()),
        ("AssessmentInput", "political_quality", ratings),
        (
            "TransitionInput",
            "kind",
            codes(EventKind::ALL.iter().map(|k| k.code()).collect()),
        ),
        (
            "MeetingInput",
            "kind",
            codes(MeetingKind::ALL.iter().map(|k| k.code()).collect()),
        ),
        (
            "AttendeeInput",
            "absence_reason",
            format!(
                "^({})?$",
                AbsenceReason::ALL
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join("|")
            ),
        ),
        (
            "UnitInput",
            "kind",
            codes(
                dangjian_core::org::UnitKind::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect(),
            ),
        ),
        (
            "ConductFindingInput",
            "source",
            codes(
                dangjian_core::conduct::Source::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect(),
            ),
        ),
        (
            "ConductFindingInput",
            "category_group",
            codes(
                dangjian_core::conduct::CategoryGroup::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect(),
            ),
        ),
        (
            "HandlingInput",
            "handling",
            codes(
                dangjian_core::conduct::Handling::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect(),
            ),
        ),
        (
            "DuesAssessmentInput",
            "category",
            codes(
                dangjian_core::dues::DuesCategory::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect(),
            ),
        ),
        (
            "DuesAssessmentInput",
            "reason",
            codes(
                dangjian_service::dues::ASSESSMENT_REASONS
                    .iter()
                    .map(|(code, _)| *code)
                    .collect(),
            ),
        ),
        (
            "DuesPaymentInput",
            "kind",
            codes(
                dangjian_core::dues::PaymentKind::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect(),
            ),
        ),
        (
            "SanctionInput",
            "track",
            codes(
                dangjian_core::conduct::Track::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect(),
            ),
        ),
    ];
    for (schema, field, pattern) in expected {
        assert_eq!(
            schemas[schema]["properties"][field]["pattern"], pattern,
            "{schema}.{field}"
        );
        assert!(
            schemas[schema]["required"]
                .as_array()
                .is_some_and(|r| r.contains(&json!(field)))
                || pattern.ends_with(")?$"),
            "{schema}.{field} is required"
        );
    }
}

/// Issue 14, 15: the document says what the server does. Every operation id once; every
/// `{name}` in a path declared as a path parameter and no other path parameter (query
/// parameters were declared as path ones); every schema a `$ref` names exists (two areas'
/// same-named schemas overwrote each other); every operation answers 401 and 403, and one
/// that takes input 400 — which a path id that is not a number now gets, as JSON.
#[tokio::test]
async fn the_openapi_document_is_consistent_with_itself_and_the_server() {
    let app = TestApp::spawn().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let placeholders: std::collections::BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .map(str::to_owned)
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "{id} twice");
            let declared: std::collections::BTreeSet<String> = operation["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(declared, placeholders, "{method} {path}");
            for status in ["401", "403"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path}: {status}"
                );
            }
            if !placeholders.is_empty() {
                assert!(operation["responses"]["400"].is_object(), "{method} {path}");
            }
        }
    }
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            schemas.contains_key(name),
            "{name} is named but not defined"
        );
    }
    for name in [
        "OrgLifeTodoJson",
        "RectificationTodoJson",
        "ComplianceRowJson",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
    let token = token_for(&app, "api_office", Role::CommitteeStaff, "").await;
    let response = app
        .client()
        .get(app.url("/api/v1/orgs/abc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
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

    // A name is a substring; the total holds on every page, past the last one too.
    for (page, items) in [(1, 2), (2, 2), (3, 1), (4, 0)] {
        let found: Value = get(&format!(
            "/api/v1/members?name=%E6%B5%8B%E8%AF%95&per_page=2&page={page}"
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(found["total"], 5, "page {page}");
        assert_eq!(
            found["items"].as_array().unwrap().len(),
            items,
            "page {page}"
        );
    }
    let one: Value = get("/api/v1/members?name=%E4%B9%99&org=A1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["total"], 1);
    assert_eq!(one["items"][0]["name"], "测试乙");
}

/// A bearer-token client of the API with the verbs the tests need.
struct Api<'a> {
    app: &'a TestApp,
    token: String,
    client: reqwest::Client,
}

impl Api<'_> {
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

async fn api<'a>(app: &'a TestApp, login: &str, role: Role, org: &str) -> Api<'a> {
    Api {
        app,
        token: token_for(app, login, role, org).await,
        client: reqwest::Client::new(),
    }
}

fn field_names(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn reports_over_the_api_stay_within_the_tokens_scope() {
    let app = TestApp::spawn().await;
    let secretary = api(&app, "api_a1", Role::OrgSecretary, "A1").await;

    let (status, coverage) = secretary.get("/coverage").await;
    assert_eq!(status, 200);
    let findings = coverage["findings"].as_array().unwrap();
    // The fixture's branches have no secretaries and too few full members.
    assert!(findings.iter().any(|f| f["kind"] == "secretary_vacant"
        && f["subject_type"] == "org"
        && f["subject_id"] == app.fixture.a1));
    assert!(
        findings
            .iter()
            .all(|f| f["subject_type"] != "org" || f["subject_id"] == app.fixture.a1),
        "only A1 is in the secretary's scope: {findings:?}"
    );
    assert_eq!(
        coverage["problems"].as_u64().unwrap() + coverage["advice"].as_u64().unwrap(),
        findings.len() as u64
    );
    let (status, outside) = secretary.get("/coverage?org=B").await;
    assert_eq!(status, 422);
    assert_eq!(field_names(&outside), ["org"]);

    let (status, stats) = secretary.get("/statistics").await;
    assert_eq!(status, 200);
    let by_category = &stats["tables"][0];
    assert_eq!(by_category["total"], 2, "A1 has two members: {stats}");

    let (status, terms) = secretary.get("/reelections").await;
    assert_eq!(status, 200);
    let terms = terms.as_array().unwrap();
    assert_eq!(terms.len(), 1);
    assert_eq!(terms[0]["code"], "A1");
    assert_eq!(terms[0]["status"], "no_record");

    let (status, _) = secretary.get("/coverage?bogus=1").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn committees_and_elections_are_kept_over_the_api() {
    let app = TestApp::spawn().await;
    let office = api(&app, "api_office", Role::CommitteeStaff, "").await;
    let a1 = app.fixture.a1;
    let member = crate::harness::member_form(1, "A1");

    let (status, posts) = office
        .post(
            &format!("/orgs/{a1}/posts"),
            json!({ "post": "secretary", "police_number": member.police_number, "on": "2026-01-05" }),
        )
        .await;
    assert_eq!(status, 201, "{posts}");
    assert_eq!(posts[0]["post"], "secretary");
    assert_eq!(posts[0]["member_id"], app.fixture.member_a1);
    assert!(posts[0]["to"].is_null());

    let (status, body) = office
        .post(
            &format!("/orgs/{a1}/posts"),
            json!({ "post": "chairman", "police_number": member.police_number }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_names(&body), ["post"]);

    let (status, record) = office
        .post(
            &format!("/orgs/{a1}/elections"),
            json!({ "elected_on": "2026-01-05", "note": "党委批复〔2026〕1号" }),
        )
        .await;
    assert_eq!(status, 201, "{record}");
    assert_eq!(record["status"], "current");
    assert_eq!(record["terms"][0]["ends_on"], "2029-01-05");
    assert_eq!(record["qualification"]["member_id"], app.fixture.member_a1);

    let (status, record) = office
        .post(
            &format!("/orgs/{a1}/secretary-assessments"),
            json!({ "political_quality": "excellent", "professional_ability": "good", "standing": "good" }),
        )
        .await;
    assert_eq!(status, 201, "{record}");
    assert_eq!(
        record["qualification"]["assessment"]["political_quality"],
        "excellent"
    );

    let (status, body) = office
        .post(
            &format!("/orgs/{a1}/elections"),
            json!({ "elected_on": "2030-01-01" }),
        )
        .await;
    assert_eq!(status, 422, "an election in the future: {body}");

    let (status, posts) = office
        .post(
            &format!("/orgs/{a1}/posts/end"),
            json!({ "post": "secretary", "member_id": app.fixture.member_a1, "on": "2026-03-01" }),
        )
        .await;
    assert_eq!(status, 200, "{posts}");
    assert_eq!(posts[0]["to"], "2026-03-01");
    // The appointment and its end, each audited.
    assert_eq!(app.audit("org.post", None).await.len(), 2);
}

#[tokio::test]
async fn lifecycle_transitions_and_transfers_over_the_api() {
    let app = TestApp::spawn().await;
    let office = api(&app, "api_office", Role::CommitteeStaff, "").await;
    let id = app.fixture.member_a1;

    let (status, life) = office.get(&format!("/members/{id}/lifecycle")).await;
    assert_eq!(status, 200);
    assert!(
        life["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "created")
    );
    let available: Vec<&str> = life["available"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(available.contains(&"lost_contact") && !available.contains(&"converted"));

    // Converting a full member is refused and nothing changes.
    let (status, body) = office
        .post(
            &format!("/members/{id}/transitions"),
            json!({ "kind": "converted", "on": "2026-03-01", "reason": "表决通过" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    let (status, life) = office
        .post(
            &format!("/members/{id}/transitions"),
            json!({ "kind": "transfer_issued", "on": "2026-03-01", "letter_no": "转〔2026〕7号", "to_branch": "B" }),
        )
        .await;
    assert_eq!(status, 201, "{life}");
    assert_eq!(life["transfers"][0]["status"], "pending");

    // The receiving side sees it and takes the member in.
    let receiver = api(&app, "api_b", Role::OrgSecretary, "B").await;
    let (status, pending) = receiver.get("/transfers").await;
    assert_eq!(status, 200);
    let transfer = pending["incoming"][0]["id"].as_i64().unwrap();
    assert_eq!(pending["incoming"][0]["member_id"], id);
    let (status, _) = receiver
        .post(
            &format!("/transfers/{transfer}/receive"),
            json!({ "on": "2026-03-05" }),
        )
        .await;
    assert_eq!(status, 204);
    let (_, member) = receiver.get(&format!("/members/{id}")).await;
    assert_eq!(member["branch_code"], "B");

    // The sending secretary no longer reaches the member.
    let sender = api(&app, "api_a1", Role::OrgSecretary, "A1").await;
    let (status, _) = sender.get(&format!("/members/{id}/lifecycle")).await;
    assert_eq!(status, 404);

    let (status, probation) = office.get("/probation").await;
    assert_eq!(status, 200);
    assert!(probation.as_array().unwrap().is_empty());
    let (status, away) = office.get("/mobile").await;
    assert_eq!(status, 200);
    assert!(away.as_array().unwrap().is_empty());

    // 流入党员: registered with a branch, listed, refused when incomplete.
    let (status, created) = office
        .post(
            "/inflow",
            json!({ "branch": "A2", "name": "培训乙", "origin_org": "邻市公安局党委", "since": "2026-03-02" }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, body) = office
        .post("/inflow", json!({ "branch": "ZZA", "name": "丙" }))
        .await;
    assert_eq!(status, 422);
    assert!(field_names(&body).contains(&"origin_org".to_owned()));
    let (_, list) = office.get("/inflow").await;
    assert_eq!(list["current"][0]["id"], created["id"]);
    assert_eq!(list["current"][0]["branch_name"], "支部A2");
    let (status, _) = office
        .post(
            &format!("/inflow/{}/end", created["id"]),
            json!({ "on": "2026-03-10" }),
        )
        .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn spreadsheets_go_in_and_out_over_the_api() {
    let app = TestApp::spawn().await;
    let office = api(&app, "api_office", Role::CommitteeStaff, "").await;
    let upload = |bytes: Vec<u8>| {
        office
            .client
            .post(app.url("/api/v1/imports"))
            .bearer_auth(&office.token)
            .header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(bytes)
            .send()
    };

    // A broken sheet: the problem at its row and column, no batch.
    let mut rows = crate::import::sample_rows();
    rows[1][4] = "830101198501010010".to_owned();
    let response = upload(crate::import::sheet(&rows)).await.unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert!(report["batch"].is_null());
    assert_eq!(report["problems"][0]["row"], 5);
    assert_eq!(report["problems"][0]["column"], "身份证号");

    // Not a spreadsheet at all.
    let response = upload(b"not a workbook".to_vec()).await.unwrap();
    assert_eq!(response.status(), 422);

    // A good sheet: previewed, committed, rolled back.
    let response = upload(crate::import::sheet(&crate::import::sample_rows()))
        .await
        .unwrap();
    let report: Value = response.json().await.unwrap();
    let batch = report["batch"].as_i64().expect("a batch for a valid sheet");
    let (_, before) = office.get("/members").await;
    let (status, done) = office
        .post(&format!("/imports/{batch}/commit"), json!(null))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["rows"], 2);
    let (_, after) = office.get("/members").await;
    assert_eq!(
        after["total"].as_i64(),
        before["total"].as_i64().map(|n| n + 2)
    );
    let (status, again) = office
        .post(&format!("/imports/{batch}/commit"), json!(null))
        .await;
    assert_eq!(status, 404, "a batch commits once: {again}");
    let (status, undone) = office
        .post(&format!("/imports/{batch}/rollback"), json!(null))
        .await;
    assert_eq!(status, 200, "{undone}");
    assert_eq!(undone["rows"], 2);

    // The roster as a workbook, masked.
    let response = office
        .client
        .get(app.url("/api/v1/members/export?org=A1"))
        .bearer_auth(&office.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cells = crate::exports::cells(response.bytes().await.unwrap().to_vec());
    let masked: Vec<&Vec<String>> = cells
        .iter()
        .filter(|r| r.len() > 4 && r[4].contains("**********"))
        .collect();
    assert_eq!(masked.len(), 2, "A1's two members, ID numbers masked");
    assert_eq!(app.audit("member.export", None).await.len(), 1);
}

impl Api<'_> {
    /// A file download: status, content type, bytes.
    async fn file(&self, path: &str) -> (u16, String, Vec<u8>) {
        let response = self
            .client
            .get(self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, response.bytes().await.unwrap().to_vec())
    }
}

/// Issue 14, 14: what the pages could do and the API could not — move and dissolve an org
/// (dated, within scope, the tree's rules), the landing page's figures, and the ledgers as
/// files (组织生活台账 .xlsx/.docx, 整改台账 .docx), each export audited.
#[tokio::test]
async fn the_api_moves_and_dissolves_orgs_and_serves_the_ledgers_and_the_dashboard() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = api(&app, "api_office", Role::CommitteeStaff, "").await;
    let (status, created) = office
        .post(
            "/orgs",
            json!({"code": "C1", "name": "支部C1", "kind": "branch", "parent": "ZZA", "founded_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, moved) = office
        .post(
            &format!("/orgs/{id}/move"),
            json!({"parent": "DW", "on": "2026-02-01"}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_ne!(moved["parent_id"], created["parent_id"]);
    let (status, again) = office
        .post(&format!("/orgs/{id}/move"), json!({"parent": "DW"}))
        .await;
    assert_eq!(
        (status, field_names(&again)),
        (422, vec!["parent".to_owned()])
    );
    let (status, under_itself) = office
        .post(
            &format!("/orgs/{}/move", f.general_a),
            json!({"parent": "A1"}),
        )
        .await;
    assert_eq!(status, 422, "{under_itself}");
    let (status, early) = office
        .post(&format!("/orgs/{id}/dissolve"), json!({"on": "2026-01-15"}))
        .await;
    assert_eq!((status, field_names(&early)), (422, vec!["on".to_owned()]));
    let (status, gone) = office
        .post(&format!("/orgs/{id}/dissolve"), json!({"on": "2026-03-01"}))
        .await;
    assert_eq!(status, 200, "{gone}");
    assert_eq!(gone["dissolved_on"], "2026-03-01");
    let (status, busy) = office
        .post(&format!("/orgs/{}/dissolve", f.a2), json!({}))
        .await;
    assert_eq!(status, 422);
    assert!(busy.to_string().contains("仍有党员"), "{busy}");
    // A secretary restructures nothing at the top of their own scope.
    let secretary = api(&app, "api_a1", Role::OrgSecretary, "A1").await;
    let (status, _) = secretary
        .post(&format!("/orgs/{}/dissolve", f.a1), json!({}))
        .await;
    assert_eq!(status, 422);
    assert!(!app.audit("org.move", Some("success")).await.is_empty());
    assert!(!app.audit("org.dissolve", Some("success")).await.is_empty());

    // The landing page's figures, for each scope; none for a system administrator.
    let (status, dash) = office.get("/dashboard").await;
    assert_eq!(status, 200);
    let count = |dash: &Value, list: &str, code: &str| {
        dash[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .map(|c| c["count"].as_i64().unwrap())
    };
    assert_eq!(count(&dash, "orgs_by_kind", "committee"), Some(1));
    assert_eq!(count(&dash, "orgs_by_kind", "branch"), Some(3));
    let (status, own) = secretary.get("/dashboard").await;
    assert_eq!(status, 200);
    assert_eq!(count(&own, "orgs_by_kind", "branch"), Some(1));
    assert_eq!(count(&own, "orgs_by_kind", "committee").unwrap_or(0), 0);
    let system = api(&app, "api_sys", Role::SystemAdmin, "").await;
    assert_eq!(system.get("/dashboard").await.0, 403);

    // The ledgers as files, within scope.
    let (status, kind, bytes) = secretary
        .file(&format!("/orgs/{}/ledger.xlsx?year=2026", f.a1))
        .await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml") && bytes.starts_with(b"PK"));
    let (status, kind, bytes) = secretary
        .file(&format!("/orgs/{}/ledger.docx?year=2026", f.a1))
        .await;
    assert_eq!(status, 200);
    assert!(kind.contains("wordprocessingml") && bytes.starts_with(b"PK"));
    assert_eq!(
        secretary
            .file(&format!("/orgs/{}/ledger.xlsx?year=2026", f.b))
            .await
            .0,
        404
    );
    assert_eq!(
        app.audit("meeting.ledger_export", Some("success"))
            .await
            .len(),
        2
    );
    let inspection = app
        .services
        .create_inspection(
            &crate::harness::office(),
            &crate::harness::inspection_form(),
        )
        .await
        .unwrap();
    for format in ["docx", "xlsx"] {
        let (status, _, bytes) = office
            .file(&format!("/inspections/{inspection}/ledger.{format}"))
            .await;
        assert_eq!(status, 200, "{format}");
        assert!(bytes.starts_with(b"PK"));
    }
    assert_eq!(
        app.audit("rectification.ledger_export", Some("success"))
            .await
            .len(),
        2
    );
}
