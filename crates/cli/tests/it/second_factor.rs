//! The second factor over HTTP: forced enrolment for the roles that need it, the code step of
//! login, single use of codes and recovery codes, lockout, expiry of the code step, and the
//! security administrator's reset.

use chrono::TimeDelta;
use dangjian_core::role::Role;
use dangjian_service::accounts::GrantForm;
use dangjian_service::totp::{Algorithm, code_at, hotp, step_of};

use crate::harness::{PASSWORD, TestApp, base32_decode, location};

async fn office(app: &TestApp) -> i64 {
    let grant = GrantForm {
        role: Role::CommitteeStaff.code().to_owned(),
        ..Default::default()
    };
    app.services
        .cli_add_user("office", "", &grant, PASSWORD)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_bureau_wide_role_must_enrol_before_anything_else() {
    let app = TestApp::spawn().await;
    office(&app).await;
    let client = app.client();
    let response = app.post_login(&client, "office", PASSWORD).await;
    assert_eq!(location(&response), "/2fa");
    for path in ["/", "/members", "/orgs"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(location(&response), "/2fa", "{path}");
    }
    let page = client
        .get(app.url("/2fa"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("您的角色须使用双因素认证"));
    // A wrong first code is refused at its field; nothing is enabled.
    app.post_form(&client, "/2fa/start", &[("algorithm", "SHA1")])
        .await;
    let qr = client.get(app.url("/2fa/qr.svg")).send().await.unwrap();
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    let wrong = app
        .post_form(&client, "/2fa/confirm", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("动态口令不正确"));
    let codes = app.enrol(&client, "office").await;
    assert_eq!(codes.len(), 10);
    assert_eq!(
        client
            .get(app.url("/members"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.audit("auth.second_factor_enrol", Some("success"))
            .await
            .len(),
        1
    );
    // A member may enrol but need not: their login goes straight in.
    let member = app
        .login_as("dy1", Role::Member, None, Some("200001"))
        .await;
    assert_eq!(member.get(app.url("/")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_code_step_takes_each_code_once_and_counts_failures() {
    let app = TestApp::spawn().await;
    office(&app).await;
    app.login("office", PASSWORD).await;
    let secret = app.totp_secret("office");

    // The password alone opens nothing: only the code form.
    let client = app.client();
    let response = app.post_login(&client, "office", PASSWORD).await;
    assert_eq!(location(&response), "/login/otp");
    assert!(location(&client.get(app.url("/")).send().await.unwrap()).starts_with("/login"));
    assert_eq!(
        app.audit("auth.first_factor", Some("success")).await.len(),
        1
    );

    let wrong = app.post_code(&client, "123456").await;
    assert_eq!(wrong.status(), 401);
    let code = app.next_code("office");
    let right = app.post_code(&client, &code).await;
    assert_eq!(location(&right), "/");
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 200);
    // The same code does not open a second session.
    let again = app.client();
    app.post_login(&again, "office", PASSWORD).await;
    assert_eq!(app.post_code(&again, &code).await.status(), 401);

    // Wrong codes count like wrong passwords: the replayed code was the first failure since
    // the last success, so the fourth wrong code here is the fifth, and locks.
    let attacker = app.client();
    app.post_login(&attacker, "office", PASSWORD).await;
    let mut tries = 0;
    let mut last = 0;
    while last != 423 && tries < 5 {
        tries += 1;
        last = app.post_code(&attacker, "000000").await.status().as_u16();
    }
    assert_eq!((tries, last), (4, 423));
    assert_eq!(app.audit("auth.lock", None).await.len(), 1);
    // Locked: even the password and a fresh code do not open it.
    let locked = app.client();
    let response = app.post_login(&locked, "office", PASSWORD).await;
    assert_eq!(response.status(), 423);
    // No code step is open to it, and the attacker's pending login was closed at the lock.
    let step = locked.get(app.url("/login/otp")).send().await.unwrap();
    assert_eq!(location(&step), "/login");
    let now = app.services.clock().now().timestamp();
    let fresh = format!(
        "{:06}",
        hotp(Algorithm::Sha1, &secret, (step_of(now) + 1) as u64, 6)
    );
    let csrf = crate::harness::csrf_of(
        &attacker
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let closed = attacker
        .post(app.url("/login/otp"))
        .form(&[("csrf", csrf.as_str()), ("code", &fresh), ("next", "")])
        .send()
        .await
        .unwrap();
    assert!(
        location(&closed).starts_with("/login"),
        "{}",
        location(&closed)
    );
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let app = TestApp::spawn().await;
    office(&app).await;
    let client = app.client();
    app.post_login(&client, "office", PASSWORD).await;
    let codes = app.enrol(&client, "office").await;

    let first = app.client();
    app.post_login(&first, "office", PASSWORD).await;
    let used = app.post_code(&first, &codes[3].to_uppercase()).await;
    assert_eq!(location(&used), "/");
    let second = app.client();
    app.post_login(&second, "office", PASSWORD).await;
    assert_eq!(app.post_code(&second, &codes[3]).await.status(), 401);
    let logins = app.audit("auth.login", Some("success")).await;
    assert!(
        logins
            .iter()
            .any(|r| r.detail.as_deref().unwrap().contains("recovery_code"))
    );
}

#[tokio::test]
async fn the_code_step_expires_after_five_minutes() {
    let app = TestApp::spawn().await;
    office(&app).await;
    app.login("office", PASSWORD).await;
    let client = app.client();
    app.post_login(&client, "office", PASSWORD).await;
    app.clock.advance(TimeDelta::minutes(6));
    let code = app.next_code("office");
    let late = app.post_code(&client, &code).await;
    assert_eq!(location(&late), "/login?expired=1");
}

#[tokio::test]
async fn the_sm3_variant_enrols_and_logs_in() {
    let app = TestApp::spawn().await;
    office(&app).await;
    let client = app.client();
    app.post_login(&client, "office", PASSWORD).await;
    app.post_form(&client, "/2fa/start", &[("algorithm", "SM3")])
        .await;
    let page = client
        .get(app.url("/2fa"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("算法 SM3"));
    let shown = page
        .split("<span class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split("</span>").next())
        .unwrap();
    let secret = base32_decode(&shown.replace(' ', ""));
    let now = app.services.clock().now().timestamp();
    // A SHA-1 code from the same secret is not accepted.
    let sha1 = code_at(Algorithm::Sha1, &secret, now);
    let sm3 = code_at(Algorithm::Sm3, &secret, now);
    if sha1 != sm3 {
        let refused = app
            .post_form(&client, "/2fa/confirm", &[("code", &sha1)])
            .await;
        assert_eq!(refused.status(), 422);
    }
    let confirmed = app
        .post_form(&client, "/2fa/confirm", &[("code", &sm3)])
        .await;
    assert_eq!(confirmed.status(), 200);
    app.clock.advance(TimeDelta::seconds(30));
    let next = app.client();
    app.post_login(&next, "office", PASSWORD).await;
    let now = app.services.clock().now().timestamp();
    let response = app
        .post_code(&next, &code_at(Algorithm::Sm3, &secret, now))
        .await;
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn the_security_administrator_resets_a_lost_phone() {
    let app = TestApp::spawn().await;
    let id = office(&app).await;
    let client = app.login("office", PASSWORD).await;
    let sec = app.login_as("sec", Role::SecurityAdmin, None, None).await;
    let reset = format!("/accounts/{id}/reset-2fa");
    // Only after confirming the password, and only the security administrator.
    let unconfirmed = app.post_form(&sec, &reset, &[]).await;
    assert!(location(&unconfirmed).starts_with("/reauth"));
    let sys = app.login_as("sys", Role::SystemAdmin, None, None).await;
    app.reauth(&sys, "/accounts").await;
    assert_eq!(app.post_form(&sys, &reset, &[]).await.status(), 403);
    app.reauth(&sec, &format!("/accounts/{id}")).await;
    assert_eq!(app.post_form(&sec, &reset, &[]).await.status(), 303);
    assert_eq!(
        app.audit("account.second_factor_reset", Some("success"))
            .await
            .len(),
        1
    );
    // The office's session ended; its next login enrols again.
    assert!(location(&client.get(app.url("/")).send().await.unwrap()).starts_with("/login"));
    let again = app.client();
    let response = app.post_login(&again, "office", PASSWORD).await;
    assert_eq!(location(&response), "/2fa");
}

/// The value of the session cookie a response sets, if any.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("dj_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether a bare request carrying only `session` gets the landing page.
async fn opens(app: &TestApp, session: &str) -> bool {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/"))
        .header("cookie", format!("dj_session={session}"))
        .send()
        .await
        .unwrap()
        .status()
        == 200
}

#[tokio::test]
async fn enrolment_and_re_authentication_retire_the_session_id() {
    let app = TestApp::spawn().await;
    office(&app).await;
    let client = app.client();
    let login = app.post_login(&client, "office", PASSWORD).await;
    let before_enrolment = session_cookie(&login).unwrap();
    app.enrol(&client, "office").await;
    // The enrolment-only session's id opens nothing now; the browser holds the new one.
    assert!(!opens(&app, &before_enrolment).await);
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 200);
    let second = app.client();
    app.post_login(&second, "office", PASSWORD).await;
    let response = app.post_code(&second, &app.next_code("office")).await;
    let before_reauth = session_cookie(&response).unwrap();
    assert!(opens(&app, &before_reauth).await);
    let reauth = app
        .post_form(
            &second,
            "/reauth",
            &[("password", PASSWORD), ("next", "/members")],
        )
        .await;
    let after_reauth = session_cookie(&reauth).unwrap();
    assert_ne!(after_reauth, before_reauth);
    assert!(!opens(&app, &before_reauth).await);
    assert!(opens(&app, &after_reauth).await);
}

/// Issue 13, finding 13: binding a phone needs the password given lately — at login, or
/// again — so a session left open (or stolen) cannot bind an attacker's phone.
#[tokio::test]
async fn binding_a_phone_long_after_login_asks_for_the_password_again() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let member = app
        .services
        .member_detail(&crate::harness::office(), f.member_a1)
        .await
        .unwrap();
    let client = app
        .login_as(
            "dy1",
            Role::Member,
            None,
            member.member.police_number.as_deref(),
        )
        .await;
    // Right after login a member may start binding straight away.
    let started = app
        .post_form(&client, "/2fa/start", &[("algorithm", "SHA1")])
        .await;
    assert_eq!(location(&started), "/2fa");
    app.clock.advance(TimeDelta::minutes(6));
    let again = app
        .post_form(&client, "/2fa/start", &[("algorithm", "SHA1")])
        .await;
    assert_eq!(location(&again), "/reauth?next=%2F2fa");
    let confirm = app
        .post_form(&client, "/2fa/confirm", &[("code", "123456")])
        .await;
    assert_eq!(location(&confirm), "/reauth?next=%2F2fa");
    assert_eq!(app.reauth(&client, "/2fa").await, "/2fa");
    let started = app
        .post_form(&client, "/2fa/start", &[("algorithm", "SHA1")])
        .await;
    assert_eq!(location(&started), "/2fa");
}
