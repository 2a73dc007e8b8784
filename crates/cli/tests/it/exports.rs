//! Exports and statistics: what is in the workbook, what is not, and the audit trail.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use dangjian_core::role::Role;

use crate::harness::{TestApp, member_form};

pub fn cells(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn the_roster_exports_masked_watermarked_and_audited_within_scope() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;
    // An export asks for the password again first, and comes back to itself.
    let first = client
        .get(app.url("/members/export?category=full"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        crate::harness::location(&first),
        "/reauth?next=%2Fmembers%2Fexport%3Fcategory%3Dfull"
    );
    let wrong = app
        .post_form(
            &client,
            "/reauth",
            &[("password", "Wrong-2026!"), ("next", "/members/export")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("密码不正确"));
    let back = app.reauth(&client, "/members/export?category=full").await;
    assert_eq!(back, "/members/export?category=full");
    let response = client.get(app.url(&back)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let rows = cells(response.bytes().await.unwrap().to_vec());
    assert!(rows[1][0].contains("导出人：sec_zza"));
    assert_eq!(rows[3][0], "姓名");
    let data = &rows[4..];
    assert_eq!(
        data.len(),
        3,
        "general branch A's three members, none of B's"
    );
    let all: String = rows.iter().flatten().cloned().collect();
    assert!(!all.contains(&member_form(1, "A1").id_number) && !all.contains("13800138000"));
    assert!(all.contains("**********"));
    let audit = app.audit("member.export", Some("success")).await;
    assert!(audit[0].detail.as_deref().unwrap().contains("\"rows\":3"));
    assert_eq!(
        app.audit("auth.reauthenticate", Some("success"))
            .await
            .len(),
        1
    );
    assert_eq!(
        app.audit("auth.reauthenticate", Some("failure"))
            .await
            .len(),
        1
    );
    // The confirmation covers five minutes, then is asked for again.
    app.clock.advance(chrono::TimeDelta::minutes(6));
    let later = client.get(app.url("/members/export")).send().await.unwrap();
    assert!(crate::harness::location(&later).starts_with("/reauth"));
}

#[tokio::test]
async fn statistics_count_the_scope_on_screen_and_in_a_workbook() {
    let app = TestApp::spawn().await;
    let client = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let page = client
        .get(app.url("/stats"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("党员类别") && page.contains("36至40岁") && page.contains("大学本科"));
    let scoped = client
        .get(app.url("/stats?org=B"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(scoped.contains("支部B（含下级）"));
    let response = client
        .get(app.url("/stats.xlsx?org=ZZA"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let rows = cells(response.bytes().await.unwrap().to_vec());
    let total = rows
        .iter()
        .find(|r| r[0] == "党员类别" && r[1] == "合计")
        .unwrap();
    assert_eq!(total[2], "3");
    assert_eq!(app.audit("stats.export", None).await.len(), 1);
}

/// The file name a download offers (the UTF-8 `filename*` of its disposition, decoded).
pub(crate) fn file_name(response: &reqwest::Response) -> String {
    let header = response.headers()["content-disposition"].to_str().unwrap();
    let encoded = header.split("filename*=UTF-8''").nth(1).unwrap_or_default();
    let mut bytes = Vec::new();
    let mut rest = encoded.bytes();
    while let Some(b) = rest.next() {
        match b {
            b'%' => {
                let hex: String = rest.by_ref().take(2).map(char::from).collect();
                bytes.push(u8::from_str_radix(&hex, 16).unwrap());
            }
            b'+' => bytes.push(b' '),
            b => bytes.push(b),
        }
    }
    String::from_utf8(bytes).unwrap()
}
