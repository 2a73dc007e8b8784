//! Whole-scope reports, roster counts and sessions are cached; a change made through the
//! application shows on the next request all the same, and a cached session ends with its
//! account.

use dangjian_core::role::Role;

use crate::harness::{TestApp, location, member_form, office, org_form};

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}

/// The landing page's figure with this label.
fn figure(page: &str, label: &str) -> i64 {
    let end = page
        .find(&format!("</div><div class=\"l\">{label}</div>"))
        .unwrap_or_else(|| panic!("no figure {label}"));
    let start = page[..end].rfind('>').unwrap() + 1;
    page[start..end].parse().unwrap()
}

/// The roster's "共 N 名".
fn roster_total(page: &str) -> i64 {
    let start = page.find("共 ").expect("a total") + "共 ".len();
    page[start..].split(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn reports_and_counts_follow_each_change_at_once() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let landing = page(&client, &app, "/").await;
    let (members, branches) = (figure(&landing, "正式党员"), figure(&landing, "党支部"));
    let roster = roster_total(&page(&client, &app, "/members?category=full").await);
    let coverage = page(&client, &app, "/coverage").await;
    assert!(!coverage.contains("支部C"));
    // The same pages again, served from the cache, say the same.
    assert_eq!(figure(&page(&client, &app, "/").await, "正式党员"), members);

    app.services
        .create_member(&office(), &member_form(40, "A1"))
        .await
        .unwrap();
    app.services
        .create_org(&office(), &org_form("C", "支部C", "branch", "DW"))
        .await
        .unwrap();

    let landing = page(&client, &app, "/").await;
    assert_eq!(figure(&landing, "正式党员"), members + 1);
    assert_eq!(figure(&landing, "党支部"), branches + 1);
    let roster_after = roster_total(&page(&client, &app, "/members?category=full").await);
    assert_eq!(roster_after, roster + 1);
    // The new branch has no members and no secretary: the coverage report names it.
    assert!(page(&client, &app, "/coverage").await.contains("支部C"));
}

#[tokio::test]
async fn a_cached_session_ends_with_a_disabled_account() {
    let app = TestApp::spawn().await;
    let secretary = app
        .login_as("sec_b", Role::OrgSecretary, Some("B"), None)
        .await;
    page(&secretary, &app, "/").await;
    page(&secretary, &app, "/members").await;
    let id = app
        .services
        .cli_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.login == "sec_b")
        .unwrap()
        .id;
    let system_admin = dangjian_service::Actor {
        role: Some(Role::SystemAdmin),
        scope: dangjian_core::role::Scope::Nothing,
        ..office()
    };
    app.services
        .set_account_disabled(&system_admin, id, true)
        .await
        .unwrap();
    let refused = secretary.get(app.url("/members")).send().await.unwrap();
    assert_eq!(refused.status(), 303);
    assert!(location(&refused).starts_with("/login"));
}
