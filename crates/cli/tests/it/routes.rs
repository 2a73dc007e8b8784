//! The route table: every route the application declares, read from the router's own source
//! (pages) and from the OpenAPI document generated from the handlers (API), is requested
//! without a session or token. Outside an explicit public list each must refuse: pages by
//! sending the browser to the login page, the API with 401. A route added later without
//! authentication fails this test without anyone having to remember to list it.

use crate::harness::TestApp;

/// The page routers' source, as compiled into the binary.
const PAGE_ROUTES: &str = include_str!("../../../web/src/pages/mod.rs");

/// The routes anyone may reach: the login form and its post, the code step of login (which
/// answers only to the short-lived cookie a right password set), the health probe.
const PUBLIC_PAGES: &[(&str, &str)] = &[
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/otp"),
    ("POST", "/login/otp"),
    ("GET", "/healthz"),
];

/// `(method, path)` for every `.route(...)` in the page router source.
fn page_routes() -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for chunk in PAGE_ROUTES.split(".route(").skip(1) {
        let chunk = chunk.split("\n}").next().unwrap_or(chunk);
        let path = chunk.split('"').nth(1).expect("a route path literal");
        let rest = &chunk[chunk.find(path).unwrap() + path.len() + 1..];
        for (method, call) in [
            ("GET", "get("),
            ("POST", "post("),
            ("PUT", "put("),
            ("PATCH", "patch("),
            ("DELETE", "delete("),
        ] {
            let mut from = 0;
            while let Some(at) = rest[from..].find(call) {
                let at = from + at;
                let before = rest[..at].chars().next_back();
                if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                    routes.push((method.to_owned(), path.to_owned()));
                }
                from = at + call.len();
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

/// A concrete path for a route pattern: each `{param}` becomes a plausible id.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|part| {
            if part.starts_with('{') {
                "1".to_owned()
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_route_table_is_read_whole() {
    let routes = page_routes();
    // Spot checks that the reader sees chained methods and multi-line routes.
    for expected in [
        ("GET", "/members/{id}/edit"),
        ("POST", "/members/{id}/edit"),
        ("POST", "/accounts/{id}/reset-password"),
        ("POST", "/members/import"),
        ("GET", "/audit/verify"),
    ] {
        assert!(
            routes
                .iter()
                .any(|(m, p)| m == expected.0 && p == expected.1),
            "{expected:?} not found in {routes:?}"
        );
    }
    assert!(routes.len() > 50, "{}", routes.len());
}

#[tokio::test]
async fn every_page_route_outside_the_public_list_sends_strangers_to_login() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for (method, pattern) in page_routes() {
        if PUBLIC_PAGES.contains(&(method.as_str(), pattern.as_str())) {
            continue;
        }
        let url = app.url(&concrete(&pattern));
        let request = match method.as_str() {
            "GET" => client.get(&url),
            "POST" => client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("csrf=x"),
            other => panic!("a page route with {other}: add it here"),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 303, "{method} {pattern}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with("/login"),
            "{method} {pattern} → {location}"
        );
    }
    for path in ["/login", "/healthz"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    // Without the cookie of a right password, the code step sends the stranger back.
    let response = client.get(app.url("/login/otp")).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn every_api_route_but_the_document_refuses_a_request_without_a_token() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let document = dangjian_web::openapi_document();
    let mut checked = 0;
    for (pattern, item) in &document.paths.paths {
        let operations = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in operations {
            if !present {
                continue;
            }
            let url = app.url(&format!("/api/v1{}", concrete(pattern)));
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            for token in [None, Some("Bearer not-a-token")] {
                let mut request = client.request(method.clone(), &url).body("{}");
                if let Some(token) = token {
                    request = request.header("authorization", token);
                }
                let response = request.send().await.unwrap();
                // Wrong tokens are counted per address: after a score of them the address is
                // refused outright (429) before any token is looked at. Both are refusals.
                let status = response.status().as_u16();
                assert!(
                    status == 401 || (token.is_some() && status == 429),
                    "{method} {pattern} {token:?}: {status}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 25, "{checked}");
    let response = client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// The authorisation matrix, role × page: what each role gets for every page that needs no
/// id. 200 opens, 403 is refused for the role (and the refusal audited), 303 sends the member
/// to their own record or the exporter to confirm their password. The same table is in
/// `docs/security.md`; the cells are compared one by one.
const MATRIX: &[(&str, [u16; 9])] = &[
    // page                          sys  sec  aud  office secretary member discipline 纪检委员 党费收缴员
    ("/", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/password", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/2fa", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    // Only while one's own enrolment is pending; every client here is enrolled or not started.
    ("/2fa/qr.svg", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("/reauth", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/orgs", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    ("/orgs/new", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/coverage", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    ("/terms", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    // A member's "list" is their own record: they are sent to it.
    ("/members", [403, 403, 403, 200, 200, 303, 200, 200, 200]),
    (
        "/members/new",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    // Exports ask for the password again first (303 to the confirmation page).
    (
        "/members/export",
        [403, 403, 403, 303, 303, 403, 403, 403, 403],
    ),
    (
        "/members/import",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/members/import/template.xlsx",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    ("/probation", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/transfers", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/mobile", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/stats", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    ("/stats.xlsx", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    // A member's organisational life is their own participation.
    ("/orglife", [403, 403, 403, 200, 200, 200, 403, 403, 403]),
    (
        "/orglife/overview",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    ("/meetings", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    // A member's rectification is the measures they carry; they see no inspection.
    (
        "/rectification",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/rectification/overview",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/inspections",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/inspections/new",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    // The plain address sends each to its own org's board (the office to the top org's).
    ("/duty", [403, 403, 403, 303, 303, 403, 403, 403, 403]),
    ("/conduct", [403, 403, 403, 403, 403, 403, 200, 200, 403]),
    // A member's study is their own year (303 to it); the office and secretaries see orgs.
    ("/study", [403, 403, 403, 200, 200, 303, 403, 403, 403]),
    ("/study/me", [403, 403, 403, 303, 303, 200, 403, 403, 403]),
    // Courses are for every member: the published ones at or above their branch.
    (
        "/study/courses",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    // Search: each finds only what it may open.
    (
        "/study/search",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/study/exams",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/study/questions",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/study/questions/template.xlsx",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/study/sessions",
        [403, 403, 403, 200, 200, 303, 403, 403, 403],
    ),
    (
        "/study/classes",
        [403, 403, 403, 200, 200, 303, 403, 403, 403],
    ),
    (
        "/study/ledger",
        [403, 403, 403, 200, 200, 303, 403, 403, 403],
    ),
    (
        "/study/export.xlsx",
        [403, 403, 403, 200, 200, 303, 403, 403, 403],
    ),
    ("/assess", [403, 403, 403, 200, 200, 200, 403, 403, 403]),
    (
        "/assess/standing",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/duty-reviews",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/practices",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/indicators",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/rounds",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    ("/care", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    (
        "/care/commendations",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/care/visits",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/care/hardship",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/conduct/findings/new",
        [403, 403, 403, 403, 403, 403, 200, 200, 403],
    ),
    (
        "/conduct/sanctions",
        [403, 403, 403, 403, 403, 403, 200, 200, 403],
    ),
    // A member's dues are their own page (303 to it); the discipline roles see no dues.
    ("/dues", [403, 403, 403, 200, 200, 303, 403, 403, 200]),
    (
        "/dues/reductions",
        [403, 403, 403, 200, 200, 200, 403, 403, 200],
    ),
    (
        "/dues/ledger.xlsx",
        [403, 403, 403, 200, 200, 403, 403, 403, 200],
    ),
    // The pay and bank sheets are the dues keeper's alone.
    (
        "/dues/import",
        [403, 403, 403, 403, 403, 403, 403, 403, 200],
    ),
    (
        "/dues/import/bank/template.xlsx",
        [403, 403, 403, 403, 403, 403, 403, 403, 200],
    ),
    // 发展党员 is kept by those who keep the roll.
    (
        "/recruitment",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/recruitment/statistics",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    // The plain address opens the budget of the top of one's scope.
    ("/funds", [403, 403, 403, 303, 303, 403, 403, 403, 303]),
    ("/units", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/units/new", [403, 403, 403, 200, 403, 403, 403, 403, 403]),
    ("/accounts", [200, 200, 403, 403, 403, 403, 403, 403, 403]),
    ("/security", [403, 200, 403, 403, 403, 403, 403, 403, 403]),
    ("/audit", [403, 403, 200, 403, 403, 403, 403, 403, 403]),
    (
        "/audit/verify",
        [403, 403, 200, 403, 403, 403, 403, 403, 403],
    ),
    (
        "/audit/export.jsonl",
        [403, 403, 303, 403, 403, 403, 403, 403, 403],
    ),
];

#[tokio::test]
async fn the_authorisation_matrix_holds_cell_by_cell() {
    use dangjian_core::role::Role;
    let app = TestApp::spawn().await;
    let clients = [
        app.login_as("m_sys", Role::SystemAdmin, None, None).await,
        app.login_as("m_sec", Role::SecurityAdmin, None, None).await,
        app.login_as("m_aud", Role::AuditAdmin, None, None).await,
        app.login_as("m_office", Role::CommitteeStaff, None, None)
            .await,
        app.login_as("m_secretary", Role::OrgSecretary, Some("A1"), None)
            .await,
        app.login_as("m_member", Role::Member, None, Some("200001"))
            .await,
        app.login_as("m_discipline", Role::DisciplineOffice, Some("DW"), None)
            .await,
        app.login_as("m_jijian", Role::DisciplineMember, Some("A1"), None)
            .await,
        app.login_as("m_keeper", Role::DuesKeeper, Some("A1"), None)
            .await,
    ];
    // Every id-free GET page is in the matrix, so a new page cannot slip past it.
    let listed: Vec<&str> = MATRIX.iter().map(|(p, _)| *p).collect();
    for (method, pattern) in page_routes() {
        if method == "GET"
            && !pattern.contains('{')
            && !PUBLIC_PAGES.contains(&("GET", pattern.as_str()))
        {
            assert!(
                listed.contains(&pattern.as_str()),
                "{pattern} is not in the matrix"
            );
        }
    }
    let mut wrong = Vec::new();
    for (page, expected) in MATRIX {
        let roles = [
            "sys",
            "sec",
            "aud",
            "office",
            "secretary",
            "member",
            "discipline",
            "jijian",
            "keeper",
        ];
        for ((client, want), role) in clients.iter().zip(expected).zip(roles) {
            let got = client.get(app.url(page)).send().await.unwrap().status();
            if got.as_u16() != *want {
                wrong.push(format!("{page} as {role}: wanted {want}, got {got}"));
            }
        }
    }
    // A refusal is on record for the roles refused.
    assert!(!app.audit("", Some("denied")).await.is_empty());
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The same matrix for the API, role × every id-free GET of the OpenAPI document, by token.
const API_MATRIX: &[(&str, [u16; 9])] = &[
    // path                   sys  sec  aud  office secretary member discipline 纪检委员 党费收缴员
    ("/orgs", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    ("/units", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/dashboard", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    ("/members", [403, 403, 403, 200, 200, 200, 200, 200, 200]),
    (
        "/members/export",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    ("/coverage", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    ("/statistics", [403, 403, 403, 200, 200, 403, 200, 200, 200]),
    (
        "/reelections",
        [403, 403, 403, 200, 200, 403, 200, 200, 200],
    ),
    ("/transfers", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/probation", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/mobile", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    (
        "/lost-contact",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    ("/inflow", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/meetings", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("/compliance", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    (
        "/orglife/todo",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    // Every business account may ask; only a member's has entries.
    ("/me/orglife", [403, 403, 403, 200, 200, 200, 403, 403, 403]),
    (
        "/inspections",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/rectification/todo",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/rectification/overview",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/conduct/findings",
        [403, 403, 403, 403, 403, 403, 200, 200, 403],
    ),
    (
        "/care/commendations",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/care/visits",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/care/hardship",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    ("/care/todo", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    (
        "/assess/reviews",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/assess/dispositions",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/standing",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/duty-reviews",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/practices",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/indicator-sets",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/assess/rounds",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    // A member's study is their own year: lists of theirs are empty, an org's year refused.
    (
        "/study/sessions",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/study/hours",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/study/search?q=%E5%85%9A",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/study/courses",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/study/exams",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/study/questions",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/training/classes",
        [403, 403, 403, 200, 200, 200, 403, 403, 403],
    ),
    (
        "/training/ledger",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/care/glorious-fifty",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/conduct/sanctions",
        [403, 403, 403, 403, 403, 403, 200, 200, 403],
    ),
    (
        "/dues/arrears",
        [403, 403, 403, 200, 200, 200, 403, 403, 200],
    ),
    ("/recruits", [403, 403, 403, 200, 200, 403, 403, 403, 403]),
    (
        "/recruits/statistics",
        [403, 403, 403, 200, 200, 403, 403, 403, 403],
    ),
    (
        "/dues/reductions",
        [403, 403, 403, 200, 200, 200, 403, 403, 200],
    ),
    // The reconciliation is of orgs: a member has none.
    (
        "/dues/ledger",
        [403, 403, 403, 200, 200, 403, 403, 403, 200],
    ),
    (
        "/conduct/categories",
        [403, 403, 403, 403, 403, 403, 200, 200, 403],
    ),
];

#[tokio::test]
async fn the_api_authorisation_matrix_holds_cell_by_cell() {
    use dangjian_core::role::Role;
    use dangjian_service::accounts::GrantForm;
    let app = TestApp::spawn().await;
    let accounts = [
        ("a_sys", Role::SystemAdmin, "", ""),
        ("a_sec", Role::SecurityAdmin, "", ""),
        ("a_aud", Role::AuditAdmin, "", ""),
        ("a_office", Role::CommitteeStaff, "", ""),
        ("a_secretary", Role::OrgSecretary, "A1", ""),
        ("a_member", Role::Member, "", "200001"),
        ("a_discipline", Role::DisciplineOffice, "DW", ""),
        ("a_jijian", Role::DisciplineMember, "A1", ""),
        ("a_keeper", Role::DuesKeeper, "A1", ""),
    ];
    let mut tokens = Vec::new();
    for (login, role, org, police_number) in accounts {
        let grant = GrantForm {
            role: role.code().to_owned(),
            org: org.to_owned(),
            police_number: police_number.to_owned(),
        };
        app.services
            .cli_add_user(login, "", &grant, crate::harness::PASSWORD)
            .await
            .unwrap();
        tokens.push(
            app.services
                .cli_create_token(login, "matrix", None)
                .await
                .unwrap()
                .0,
        );
    }
    // Every id-free GET of the document is in the table.
    // (A path asked with a query string counts as that path.)
    let listed: Vec<&str> = API_MATRIX
        .iter()
        .map(|(p, _)| p.split('?').next().unwrap_or(p))
        .collect();
    for (path, item) in &dangjian_web::openapi_document().paths.paths {
        if item.get.is_some() && !path.contains('{') && path != "/openapi.json" {
            assert!(
                listed.contains(&path.as_str()),
                "{path} is not in the API matrix"
            );
        }
    }
    let client = app.client();
    let mut wrong = Vec::new();
    for (path, expected) in API_MATRIX {
        for ((token, want), (login, ..)) in tokens.iter().zip(expected).zip(accounts) {
            let got = client
                .get(app.url(&format!("/api/v1{path}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status();
            if got.as_u16() != *want {
                wrong.push(format!("{path} as {login}: wanted {want}, got {got}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Issue 23, 7: an address whose number does not parse is a page that does not exist — the
/// Chinese 404 — on every page route, never axum's English rejection.
#[tokio::test]
async fn a_mistyped_address_gets_the_chinese_not_found_page() {
    use dangjian_core::role::Role;
    let app = TestApp::spawn().await;
    let office = app
        .login_as("office_typo", Role::CommitteeStaff, None, None)
        .await;
    let mut checked = 0;
    for (method, pattern) in page_routes() {
        if method != "GET" || !pattern.contains('{') {
            continue;
        }
        let path = pattern
            .split('/')
            .map(|part| if part.starts_with('{') { "abc" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        let response = office.get(app.url(&path)).send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert_eq!(status, 404, "{path}: {body}");
        assert!(
            body.contains("<title>未找到") && !body.contains("Cannot parse"),
            "{path}: {body}"
        );
        checked += 1;
    }
    assert!(checked > 20, "{checked} routes");
}
