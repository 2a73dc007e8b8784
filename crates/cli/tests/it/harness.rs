//! `TestApp`: the application with a fixture bureau, a manual clock, and clients that keep
//! cookies and find CSRF tokens.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{TimeZone, Utc};
use dangjian_core::member::MemberForm;
use dangjian_core::org::OrgForm;
use dangjian_core::role::{Role, Scope};
use dangjian_service::accounts::GrantForm;
use dangjian_service::totp::Algorithm;
use dangjian_service::{Actor, Channel, InitialAdmin, ManualClock, Origin, Services};
use dangjian_store::Db;
use dangjian_web::{AppState, WebConfig};
use reqwest::redirect::Policy;

/// The password every fixture account has.
pub const PASSWORD: &str = "Hq7-Lantern-42";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Set once the databases left by earlier runs of this binary have been dropped.
static STALE_DROPPED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// The fixture tree of the security checklist: 党委 → {总支A → {支部A1, 支部A2}, 支部B}.
pub struct Fixture {
    pub general_a: i64,
    pub a1: i64,
    pub a2: i64,
    pub b: i64,
    /// Members: two in A1, one in A2, two in B.
    pub member_a1: i64,
    pub member_a1_second: i64,
    pub member_a2: i64,
    pub member_b: i64,
}

pub struct TestApp {
    pub base: String,
    /// The SQLite file, when the test runs on SQLite.
    sqlite: Option<std::path::PathBuf>,
    pub services: Services,
    pub clock: Arc<ManualClock>,
    pub admins: Vec<InitialAdmin>,
    pub fixture: Fixture,
    /// The TOTP secret of each account the harness enrolled, and the last step it used.
    totp: std::sync::Mutex<std::collections::HashMap<String, (Vec<u8>, i64)>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// A fresh database: an SQLite file in a new temporary directory, or a new PostgreSQL database.
async fn fresh_db() -> (Db, Option<std::path::PathBuf>) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let tag = format!(
        "{}_{}_{}",
        std::process::id(),
        n,
        Utc::now().timestamp_micros()
    );
    match std::env::var("DANGJIAN_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            sqlx::any::install_default_drivers();
            let name = format!("dj_test_{tag}");
            let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
                .await
                .expect("connect to PostgreSQL");
            STALE_DROPPED
                .get_or_init(|| drop_stale_databases(&url))
                .await;
            let create = format!("CREATE DATABASE {name}");
            sqlx::Executor::execute(&mut admin, create.as_str())
                .await
                .expect("create test database");
            let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
            let db = Db::connect(&format!("{base}/{name}"))
                .await
                .expect("connect to test database");
            (db, None)
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("dangjian-it-{tag}"));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("test.db");
            (Db::open_sqlite(&path).await.unwrap(), Some(path))
        }
    }
}

/// Drops the test databases of runs whose process has ended, so that repeated runs do not
/// fill the cluster (a cluster with thousands of databases takes minutes to recover after a
/// crash). The databases of a run still going, here or in another process, are left alone.
async fn drop_stale_databases(url: &str) {
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .expect("connect to PostgreSQL");
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'dj_test_%'")
            .fetch_all(&mut admin)
            .await
            .expect("list test databases");
    for name in names {
        let pid = name.trim_start_matches("dj_test_").split('_').next();
        let running = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !running {
            let drop = format!("DROP DATABASE IF EXISTS {name}");
            sqlx::Executor::execute(&mut admin, drop.as_str())
                .await
                .expect("drop a stale test database");
        }
    }
}

/// An actor with the whole tree, for building fixtures through the services.
pub fn office() -> Actor {
    Actor {
        account_id: None,
        login: "fixture".to_owned(),
        display_name: "fixture".to_owned(),
        role: Some(Role::CommitteeStaff),
        scope: Scope::Everything,
        org_name: None,
        must_change_password: false,
        password_expires_in_days: None,
        must_enrol_second_factor: false,
        channel: Channel::Cli,
        origin: Origin::default(),
        csrf_token: None,
        reauthenticated_at: None,
        logged_in_at: None,
    }
}

/// The security administrator at the shell, for setting the policy in tests.
pub fn security_officer() -> Actor {
    Actor {
        login: "fixture-security".to_owned(),
        role: Some(Role::SecurityAdmin),
        scope: Scope::Nothing,
        ..office()
    }
}

/// The first one-time secret a page shows (`<span class="secret">…</span>`).
pub fn secret_on(page: &str) -> String {
    page.split("<span class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split("</span>").next())
        .unwrap_or_else(|| panic!("no secret on the page: {page}"))
        .to_owned()
}

pub fn org_form(code: &str, name: &str, kind: &str, parent: &str) -> OrgForm {
    OrgForm {
        code: code.to_owned(),
        name: name.to_owned(),
        kind: kind.to_owned(),
        parent: parent.to_owned(),
        founded_on: "2000-01-01".to_owned(),
        ..OrgForm::default()
    }
}

/// A valid member form; `n` makes the ID number and police number unique.
pub fn member_form(n: u32, branch: &str) -> MemberForm {
    let birth = format!("1985{:02}{:02}", 1 + n % 12, 1 + n % 28);
    // The demo's reserved region (83…): no fixture can be a real person's number.
    let body = format!("830101{birth}{:03}", (n % 500) * 2 + 1);
    let check = dangjian_core::id_number::check_char(body.as_bytes()) as char;
    MemberForm {
        name: format!(
            "测试{}",
            ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"][n as usize % 10]
        ),
        gender: "male".to_owned(),
        birth_date: format!("1985-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
        ethnicity: "01".to_owned(),
        education: "bachelor".to_owned(),
        id_number: format!("{body}{check}"),
        phone: "13800138000".to_owned(),
        police_number: format!("{:06}", 200_000 + n),
        police_rank: "supervisor_3".to_owned(),
        position: "民警".to_owned(),
        branch: branch.to_owned(),
        category: "full".to_owned(),
        joined_on: "2010-07-01".to_owned(),
        full_membership_on: "2011-07-01".to_owned(),
        status: "active".to_owned(),
        effective_on: "2020-01-01".to_owned(),
        ..MemberForm::default()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(WebConfig::default()).await
    }

    /// The application served with these HTTP settings (timeouts, connection cap).
    pub async fn spawn_with(config: WebConfig) -> TestApp {
        let (db, sqlite) = fresh_db().await;
        db.migrate().await.unwrap();
        // 2026-03-28 10:00 in Beijing.
        let start = Utc.with_ymd_and_hms(2026, 3, 28, 2, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let crypto = Arc::new(dangjian_service::keys::ephemeral());
        let attachments = std::env::temp_dir().join(format!(
            "dangjian-it-files-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let rules = dangjian_core::rules::RuleBook::load(None).unwrap();
        let services = Services::new(db, clock.clone(), crypto, rules)
            .with_search_dir(&attachments.join("search"))
            .unwrap()
            .with_attachment_dir(attachments);
        let admins = services.bootstrap().await.unwrap().unwrap();
        let fixture = build_fixture(&services).await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState {
            services: services.clone(),
            config,
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            dangjian_web::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestApp {
            base,
            sqlite,
            services,
            clock,
            admins,
            fixture,
            totp: Default::default(),
            _shutdown: tx,
        }
    }

    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        self.sqlite.as_deref()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub fn admin_password(&self, login: &str) -> String {
        self.admins
            .iter()
            .find(|a| a.login == login)
            .unwrap()
            .password
            .clone()
    }

    /// Logs in with a fresh client and returns it; panics unless the login succeeds. Goes
    /// through the second factor as a user would: the code from the app for an enrolled
    /// account, enrolment for a role that needs it and has none yet.
    pub async fn login(&self, login: &str, password: &str) -> reqwest::Client {
        let client = self.client();
        let response = self.post_login(&client, login, password).await;
        let mut location = location(&response);
        assert_eq!(
            response.status(),
            303,
            "login of {login} failed: {}",
            response.text().await.unwrap()
        );
        if location.starts_with("/login/otp") {
            let response = self.post_code(&client, &self.next_code(login)).await;
            assert_eq!(response.status(), 303, "code step of {login}");
            location = self::location(&response);
        }
        if location == "/2fa" {
            self.enrol(&client, login).await;
        }
        client
    }

    /// Gives the password again on the confirmation page, as a sensitive action asks;
    /// returns where the page sends the browser back to.
    pub async fn reauth(&self, client: &reqwest::Client, next: &str) -> String {
        let response = self
            .post_form(client, "/reauth", &[("password", PASSWORD), ("next", next)])
            .await;
        assert_eq!(response.status(), 303, "re-authentication");
        location(&response)
    }

    /// Posts a code on the code step of login.
    pub async fn post_code(&self, client: &reqwest::Client, code: &str) -> reqwest::Response {
        let page = client
            .get(self.url("/login/otp"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&page);
        client
            .post(self.url("/login/otp"))
            .form(&[("csrf", csrf.as_str()), ("code", code), ("next", "")])
            .send()
            .await
            .unwrap()
    }

    /// Enrols the client's account in TOTP through the pages and keeps the secret; returns
    /// the recovery codes shown.
    pub async fn enrol(&self, client: &reqwest::Client, login: &str) -> Vec<String> {
        let started = self
            .post_form(client, "/2fa/start", &[("algorithm", "SHA1")])
            .await;
        assert_eq!(started.status(), 303, "start enrolment of {login}");
        let page = client
            .get(self.url("/2fa"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let shown = page
            .split("<span class=\"secret\">")
            .nth(1)
            .and_then(|rest| rest.split("</span>").next())
            .unwrap_or_else(|| panic!("no secret on the enrolment page: {page}"));
        let secret = base32_decode(&shown.replace(' ', ""));
        let now = self.services.clock().now().timestamp();
        let code = dangjian_service::totp::code_at(Algorithm::Sha1, &secret, now);
        let confirmed = self
            .post_form(client, "/2fa/confirm", &[("code", &code)])
            .await;
        assert_eq!(confirmed.status(), 200, "confirm enrolment of {login}");
        let page = confirmed.text().await.unwrap();
        self.totp.lock().unwrap().insert(
            login.to_owned(),
            (secret, dangjian_service::totp::step_of(now)),
        );
        page.split("<li><span class=\"secret\">")
            .skip(1)
            .filter_map(|rest| rest.split("</span>").next())
            .map(str::to_owned)
            .collect()
    }

    /// The TOTP secret the harness enrolled for `login`.
    pub fn totp_secret(&self, login: &str) -> Vec<u8> {
        self.totp.lock().unwrap()[login].0.clone()
    }

    /// A code the app would show for `login` now, never one already used: a step after the
    /// last used one, moving the clock on by a step when the window has none left.
    pub fn next_code(&self, login: &str) -> String {
        use dangjian_service::totp::{STEP, hotp, step_of};
        let mut totp = self.totp.lock().unwrap();
        let (secret, last) = totp
            .get_mut(login)
            .unwrap_or_else(|| panic!("{login} was not enrolled by the harness"));
        let mut now = step_of(self.services.clock().now().timestamp());
        if *last > now {
            self.clock.advance(chrono::TimeDelta::seconds(STEP));
            now += 1;
        }
        let step = (*last + 1).max(now);
        *last = step;
        format!("{:06}", hotp(Algorithm::Sha1, secret, step as u64, 6))
    }

    pub async fn post_login(
        &self,
        client: &reqwest::Client,
        login: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&page);
        client
            .post(self.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Creates an account with a role and logs it in.
    pub async fn login_as(
        &self,
        login: &str,
        role: Role,
        org: Option<&str>,
        police_number: Option<&str>,
    ) -> reqwest::Client {
        let grant = GrantForm {
            role: role.code().to_owned(),
            org: org.unwrap_or("").to_owned(),
            police_number: police_number.unwrap_or("").to_owned(),
        };
        if let Err(e) = self
            .services
            .cli_add_user(login, "", &grant, PASSWORD)
            .await
        {
            panic!("adding {login}: {e:?}");
        }
        self.login(login, PASSWORD).await
    }

    /// The CSRF token of the page at `path`, as the client sees it.
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let page = client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        csrf_of(&page)
    }

    /// Posts a form with the client's CSRF token (taken from `/`).
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let csrf = self.csrf(client, "/password").await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        client.post(self.url(path)).form(&all).send().await.unwrap()
    }

    /// Sets these policy values (the others at their defaults), as the security
    /// administrator would.
    pub async fn set_policy(&self, values: &[(&str, &str)]) {
        let pairs: Vec<(String, String)> = values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.services
            .save_security_policy(&security_officer(), &pairs)
            .await
            .unwrap();
    }

    /// The id of the account with this login.
    pub async fn account_id(&self, login: &str) -> i64 {
        self.services
            .cli_accounts()
            .await
            .unwrap()
            .iter()
            .find(|a| a.login == login)
            .unwrap_or_else(|| panic!("no account {login}"))
            .id
    }

    /// Audit rows matching an event (prefix) and outcome, read as the audit administrator would.
    pub async fn audit(
        &self,
        event: &str,
        outcome: Option<&str>,
    ) -> Vec<dangjian_service::AuditRow> {
        let mut tx = self.services.db().read().await.unwrap();
        let filter = dangjian_service::AuditFilter {
            event: Some(event.to_owned()),
            outcome: outcome.map(str::to_owned),
            ..Default::default()
        };
        let page = dangjian_service::Page {
            number: 1,
            size: 1000,
        };
        let (rows, _) = dangjian_store::audit::list(&mut tx, &filter, page)
            .await
            .unwrap();
        rows
    }
}

/// Where a redirect points, or empty.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The secret the enrolment page shows.
pub fn base32_decode(text: &str) -> Vec<u8> {
    dangjian_service::totp::base32_decode(text).expect("a base32 secret")
}

pub fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in page: {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn build_fixture(services: &Services) -> Fixture {
    let office = office();
    let unit = dangjian_service::units::UnitForm {
        code: "U1".into(),
        name: "城东派出所".into(),
        kind: "police_station".into(),
        ..Default::default()
    };
    services.create_unit(&office, &unit).await.unwrap();
    services
        .create_org(&office, &org_form("DW", "市公安局党委", "committee", ""))
        .await
        .unwrap();
    let general_a = services
        .create_org(&office, &org_form("ZZA", "总支A", "general_branch", "DW"))
        .await
        .unwrap();
    let a1 = services
        .create_org(&office, &org_form("A1", "支部A1", "branch", "ZZA"))
        .await
        .unwrap();
    let a2 = services
        .create_org(&office, &org_form("A2", "支部A2", "branch", "ZZA"))
        .await
        .unwrap();
    let b = services
        .create_org(&office, &org_form("B", "支部B", "branch", "DW"))
        .await
        .unwrap();
    let member_a1 = services
        .create_member(&office, &member_form(1, "A1"))
        .await
        .unwrap();
    let member_a1_second = services
        .create_member(&office, &member_form(2, "A1"))
        .await
        .unwrap();
    let member_a2 = services
        .create_member(&office, &member_form(3, "A2"))
        .await
        .unwrap();
    let member_b = services
        .create_member(&office, &member_form(4, "B"))
        .await
        .unwrap();
    services
        .create_member(&office, &member_form(5, "B"))
        .await
        .unwrap();
    Fixture {
        general_a,
        a1,
        a2,
        b,
        member_a1,
        member_a1_second,
        member_a2,
        member_b,
    }
}

/// The fixture's inspection of the root committee, fed back on 10 February 2026.
pub fn inspection_form() -> dangjian_service::rectification::InspectionForm {
    dangjian_service::rectification::InspectionForm {
        org: "DW".to_owned(),
        title: "2026年基层党建工作专项检查".to_owned(),
        inspector: "省委第三检查组".to_owned(),
        inspected_from: "2026-01-05".to_owned(),
        inspected_to: "2026-01-20".to_owned(),
        scope_note: "市局党委及所属党组织".to_owned(),
        feedback_ref: "省检反馈〔2026〕3号".to_owned(),
        feedback_on: "2026-02-10".to_owned(),
    }
}

/// A bearer token of a new account with a role over an org (or a member's own record).
pub async fn bearer_token(
    app: &TestApp,
    login: &str,
    role: Role,
    org: Option<&str>,
    member: Option<&str>,
) -> String {
    app.login_as(login, role, org, member).await;
    app.services
        .cli_create_token(login, "t", None)
        .await
        .unwrap()
        .0
}

/// An API request with a bearer token: the status and the body as JSON (or as a string when
/// it is not JSON).
pub async fn api_call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = app
        .client()
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}
