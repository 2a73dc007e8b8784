//! The coverage report over HTTP and from the shell.

use dangjian_core::role::Role;

use crate::harness::TestApp;

#[tokio::test]
async fn the_committee_office_sees_every_gap_and_a_secretary_only_their_own() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let page = office
        .get(app.url("/coverage"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The fixture: unit U1 has no org, no branch has a secretary, and every branch is small.
    assert!(page.contains("单位未建立党组织") && page.contains("城东派出所"));
    assert!(page.contains("书记空缺") && page.contains("正式党员不足"));
    assert!(page.contains(&format!("/orgs/{}", f.b)));
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let own = secretary
        .get(app.url("/coverage"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(own.contains("支部A1") && !own.contains("支部B") && !own.contains("城东派出所"));
    // Asking for an org outside the scope is refused and audited.
    let probe = secretary
        .get(app.url("/coverage?org=B"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(probe.contains("不在您的管理范围内") && !probe.contains("支部B（"));
    assert_eq!(app.audit("coverage.view", Some("denied")).await.len(), 1);
}

#[tokio::test]
async fn appointing_the_secretary_removes_the_finding() {
    let app = TestApp::spawn().await;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let before = app
        .services
        .coverage(&crate::harness::office(), Some("A1"))
        .await
        .unwrap();
    assert!(
        before
            .findings
            .iter()
            .any(|f| f.kind.code() == "secretary_vacant")
    );
    let done = app
        .post_form(
            &office,
            &format!("/orgs/{}/secretary", app.fixture.a1),
            &[("police_number", "200001"), ("on", "2026-01-01")],
        )
        .await;
    assert_eq!(done.status(), 303);
    let after = app
        .services
        .coverage(&crate::harness::office(), Some("A1"))
        .await
        .unwrap();
    assert!(
        after
            .findings
            .iter()
            .all(|f| f.kind.code() != "secretary_vacant")
    );
}
