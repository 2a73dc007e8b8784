//! Login, sessions, CSRF and the forced password change.

use chrono::TimeDelta;
use dangjian_core::role::Role;

use crate::harness::{PASSWORD, TestApp, csrf_of, location};

#[tokio::test]
async fn the_login_page_is_chinese_and_carries_a_csrf_token() {
    let app = TestApp::spawn().await;
    let response = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("lang=\"zh-CN\"") && body.contains("登录"));
    assert!(!csrf_of(&body).is_empty());
}

#[tokio::test]
async fn pages_and_the_api_refuse_anonymous_requests() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in [
        "/",
        "/orgs",
        "/members",
        "/members/1",
        "/units",
        "/accounts",
        "/audit",
        "/orgs/new",
    ] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login"),
            "{path}"
        );
    }
    let response = client.get(app.url("/api/v1/members")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    // Public: the login page, health, the OpenAPI document and the stylesheet.
    for path in [
        "/login",
        "/healthz",
        "/api/v1/openapi.json",
        "/assets/app.css",
    ] {
        assert_eq!(
            client.get(app.url(path)).send().await.unwrap().status(),
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_wrong_password_fails_without_saying_which_part_was_wrong_and_is_audited() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let wrong = app
        .post_login(&client, "sysadmin", "Wrong-password-1")
        .await;
    assert_eq!(wrong.status(), 401);
    let wrong_body = wrong.text().await.unwrap();
    let unknown = app.post_login(&client, "nobody", "Wrong-password-1").await;
    assert_eq!(unknown.status(), 401);
    assert!(wrong_body.contains("登录名或密码不正确"));
    assert!(unknown.text().await.unwrap().contains("登录名或密码不正确"));
    let failures = app.audit("auth.login", Some("failure")).await;
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().any(|r| r.login.as_deref() == Some("sysadmin") && r.ip.as_deref() == Some("127.0.0.1")));
    assert!(
        failures
            .iter()
            .all(|r| !r.detail.as_deref().unwrap_or("").contains("Wrong-password"))
    );
}

#[tokio::test]
async fn a_login_form_without_its_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let client = app.client();
    client.get(app.url("/login")).send().await.unwrap();
    let response = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", "forged"),
            ("login", "sysadmin"),
            ("password", &app.admin_password("sysadmin")),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        app.audit("security.csrf_rejected", Some("denied"))
            .await
            .len(),
        1
    );
    assert!(app.audit("auth.login", Some("success")).await.is_empty());
}

#[tokio::test]
async fn an_initial_administrator_must_change_the_password_before_anything_else() {
    let app = TestApp::spawn().await;
    let initial = app.admin_password("auditadmin");
    let client = app.client();
    let response = app.post_login(&client, "auditadmin", &initial).await;
    assert_eq!(response.headers()["location"], "/password");
    for path in ["/", "/audit"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.headers()["location"], "/password", "{path}");
    }
    // A weak new password is refused at its field.
    let weak = app
        .post_form(
            &client,
            "/password",
            &[
                ("current", &initial),
                ("new", "abcdefgh"),
                ("repeat", "abcdefgh"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("至少3类"));
    let done = app
        .post_form(
            &client,
            "/password",
            &[
                ("current", &initial),
                ("new", PASSWORD),
                ("repeat", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    // The change ended the session; the new password works and the audit log opens.
    assert_eq!(
        client.get(app.url("/audit")).send().await.unwrap().status(),
        303
    );
    let client = app.login("auditadmin", PASSWORD).await;
    assert_eq!(
        client.get(app.url("/audit")).send().await.unwrap().status(),
        200
    );
    assert!(
        app.post_login(&app.client(), "auditadmin", &initial)
            .await
            .status()
            == 401
    );
}

#[tokio::test]
async fn login_issues_a_new_session_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 200);
    // A second login from the same browser replaces the session id (at its code step: a
    // secretary logs in with a second factor).
    let first_step = app.post_login(&client, "sec_a1", PASSWORD).await;
    assert_eq!(location(&first_step), "/login/otp");
    let second = app.post_code(&client, &app.next_code("sec_a1")).await;
    let cookie = second
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("dj_session="))
        .expect("a session cookie");
    assert!(
        cookie.starts_with("dj_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
    );
    let response = app.post_form(&client, "/logout", &[]).await;
    assert_eq!(response.status(), 303);
    let after = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(after.status(), 303);
    assert_eq!(app.audit("auth.logout", Some("success")).await.len(), 1);
    // The old cookie value is dead server-side, not only removed from the browser.
    let token = cookie
        .trim_start_matches("dj_session=")
        .split(';')
        .next()
        .unwrap();
    let replay = app
        .client()
        .get(app.url("/"))
        .header("cookie", format!("dj_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
}

#[tokio::test]
async fn a_session_idle_for_thirty_minutes_ends() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    app.clock.advance(TimeDelta::minutes(29));
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 200);
    app.clock.advance(TimeDelta::minutes(31));
    let response = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login?expired=1");
    assert_eq!(app.audit("auth.session_end", None).await.len(), 1);
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_even_when_active() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    for _ in 0..25 {
        app.clock.advance(TimeDelta::minutes(29));
        let status = client.get(app.url("/")).send().await.unwrap().status();
        if status == 303 {
            return;
        }
    }
    panic!("the session outlived twelve hours");
}

#[tokio::test]
async fn a_form_post_without_the_session_token_changes_nothing() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let response = client
        .post(app.url("/units"))
        .form(&[("code", "U9"), ("name", "新单位"), ("kind", "brigade")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let other = app
        .login_as("other", Role::CommitteeStaff, None, None)
        .await;
    let foreign = app.csrf(&other, "/").await;
    let response = client
        .post(app.url("/units"))
        .form(&[
            ("csrf", foreign.as_str()),
            ("code", "U9"),
            ("name", "新单位"),
            ("kind", "brigade"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let units = app.services.units(&crate::harness::office()).await.unwrap();
    assert!(units.iter().all(|u| u.unit.code != "U9"));
    assert_eq!(app.audit("security.csrf_rejected", None).await.len(), 2);
}

#[tokio::test]
async fn the_three_administrators_see_only_their_own_function() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "sys",
            Role::SystemAdmin,
            "/accounts",
            ["/audit", "/members", "/orgs"],
        ),
        (
            "sec",
            Role::SecurityAdmin,
            "/accounts",
            ["/audit", "/members", "/units"],
        ),
        (
            "aud",
            Role::AuditAdmin,
            "/audit",
            ["/accounts", "/members", "/orgs"],
        ),
    ];
    for (login, role, allowed, denied) in cases {
        let client = app.login_as(login, role, None, None).await;
        assert_eq!(
            client.get(app.url(allowed)).send().await.unwrap().status(),
            200,
            "{login} {allowed}"
        );
        for path in denied {
            assert_eq!(
                client.get(app.url(path)).send().await.unwrap().status(),
                403,
                "{login} {path}"
            );
        }
    }
    // The audit administrator cannot change anything: every post is refused.
    let auditor = app.login("aud", PASSWORD).await;
    let response = app
        .post_form(
            &auditor,
            "/units",
            &[("code", "U9"), ("name", "x"), ("kind", "brigade")],
        )
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn when_the_database_goes_away_pages_answer_with_an_error_page_not_a_crash() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    app.services.db().close().await;
    let response = client.get(app.url("/members")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body = response.text().await.unwrap();
    assert!(body.contains("数据库暂时不可用") && !body.to_lowercase().contains("sqlx"));
    let api = reqwest::Client::new()
        .get(app.url("/api/v1/members"))
        .bearer_auth("x")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 503);
}
