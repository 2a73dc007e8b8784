//! 作风纪律 over HTTP (issue 16): findings and sanctions are read by the discipline roles
//! only, within their scope, every read audited; every other reader of a member sees the
//! derived effect and its end, never the facts; a 留党察看 takes the vote off the org-life
//! roll; a finding about an org becomes a rectification once.

use chrono::NaiveDate;
use dangjian_core::orglife::MeetingKind;
use dangjian_core::role::Role;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token, location, office};

async fn text(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

const FACTS: &str = "2026年3月10日在辖区酒店接受管理服务对象宴请";

/// Issue 16, 4: the confidentiality matrix, cell by cell — who reads findings and sanctions,
/// who sees only the effect, who nothing; every read audited.
#[tokio::test]
async fn findings_are_read_by_the_discipline_roles_alone_and_others_see_only_the_effect() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office_web = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let jiwei = app
        .login_as("jiwei", Role::DisciplineOffice, Some("DW"), None)
        .await;

    // The discipline office records a finding about a member of 支部A1 on the page.
    let created = app
        .post_form(
            &jiwei,
            "/conduct/findings",
            &[
                ("source", "police_inspection"),
                ("subject", "member"),
                ("member", "200001"),
                ("org", ""),
                ("category", "eight_rules|违规吃喝"),
                ("facts", FACTS),
                ("found_on", "2026-03-12"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    let path = location(&created);
    let id: i64 = path
        .trim_start_matches("/conduct/findings/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (status, page) = text(&jiwei, app.url(&format!("/conduct/findings/{id}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains(FACTS) && page.contains("处置中"));
    let (_, list) = text(&jiwei, app.url("/conduct?state=open")).await;
    assert!(list.contains("违规吃喝") && list.contains("测试乙"));
    assert!(!app.audit("conduct.finding.view", None).await.is_empty());
    assert!(!app.audit("conduct.finding.list", None).await.is_empty());

    // Every other role: the area is refused (and the refusal audited) …
    for (client, who) in [(&office_web, "office")] {
        let (status, _) = text(client, app.url("/conduct")).await;
        assert_eq!(status, 403, "{who}");
        let (status, _) = text(client, app.url(&format!("/conduct/findings/{id}"))).await;
        assert_eq!(status, 403, "{who}");
    }
    assert!(
        app.audit("conduct.finding.list", Some("denied"))
            .await
            .iter()
            .any(|r| r.login.as_deref() == Some("office"))
    );
    // … but the member's page says what follows from it, without the facts: under
    // investigation, no commendation until it is closed.
    let (_, member_page) = text(&office_web, app.url(&format!("/members/{}", f.member_a1))).await;
    assert!(
        member_page.contains("不可评先评优（期限未定）"),
        "{member_page}"
    );
    assert!(!member_page.contains(FACTS) && !member_page.contains("违规吃喝"));
    assert!(!member_page.contains("正在接受组织调查"));
    // The discipline office sees the cause there too.
    let (_, discipline_view) = text(&jiwei, app.url(&format!("/members/{}", f.member_a1))).await;
    assert!(discipline_view.contains("正在接受组织调查"));

    // The API, role by role.
    let tokens = [
        (
            "committee_staff",
            token(&app, "off2", Role::CommitteeStaff, None, None).await,
            false,
        ),
        (
            "org_secretary",
            token(&app, "sec2", Role::OrgSecretary, Some("A1"), None).await,
            false,
        ),
        (
            "member",
            token(&app, "mem2", Role::Member, None, Some("200001")).await,
            false,
        ),
        (
            "discipline_office",
            token(&app, "dis2", Role::DisciplineOffice, Some("DW"), None).await,
            true,
        ),
        (
            "discipline_member_a1",
            token(&app, "kj1", Role::DisciplineMember, Some("A1"), None).await,
            true,
        ),
    ];
    for (who, token, reads) in &tokens {
        let (status, body) =
            call(&app, token, reqwest::Method::GET, "/conduct/findings", None).await;
        assert_eq!(status, if *reads { 200 } else { 403 }, "{who}");
        if *reads {
            assert_eq!(body["total"], 1, "{who}");
        }
        let (status, _) = call(
            &app,
            token,
            reqwest::Method::GET,
            &format!("/conduct/findings/{id}"),
            None,
        )
        .await;
        assert_eq!(status, if *reads { 200 } else { 403 }, "{who}");
        let (status, _) = call(
            &app,
            token,
            reqwest::Method::GET,
            "/conduct/sanctions",
            None,
        )
        .await;
        assert_eq!(status, if *reads { 200 } else { 403 }, "{who}");
        let (status, e) = call(
            &app,
            token,
            reqwest::Method::GET,
            &format!("/members/{}/eligibility", f.member_a1),
            None,
        )
        .await;
        assert_eq!(status, 200, "{who}: {e}");
        assert_eq!(e["may_commend"], false, "{who}");
        assert_eq!(e["commend_until"], Value::Null, "{who}");
        assert_eq!(e["may_promote"], true, "{who}");
        assert_eq!(e["causes"].is_array(), *reads, "{who}");
    }
    // A 纪检委员 of another branch sees neither the finding nor the member.
    let a2 = token(&app, "kj2", Role::DisciplineMember, Some("A2"), None).await;
    let (_, list) = call(&app, &a2, reqwest::Method::GET, "/conduct/findings", None).await;
    assert_eq!(list["total"], 0);
    let (status, _) = call(
        &app,
        &a2,
        reqwest::Method::GET,
        &format!("/conduct/findings/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        app.audit("conduct.finding.view", Some("denied"))
            .await
            .iter()
            .any(|r| r.login.as_deref() == Some("kj2"))
    );
    // Nor may they name a member outside their branch in a finding.
    let (status, body) = call(
        &app,
        &a2,
        reqwest::Method::POST,
        "/conduct/findings",
        Some(json!({"source": "self_inspection", "member": "200001", "category_group": "police_conduct",
            "category": "警容风纪与着装", "facts": "未按规定着装", "found_on": "2026-03-20"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["fields"].to_string().contains("不在您的管理范围内"),
        "{body}"
    );
    // A 纪检委员 records findings but no sanction decision.
    let (status, _) = call(
        &app,
        &tokens[4].1,
        reqwest::Method::POST,
        "/conduct/sanctions",
        Some(
            json!({"member": "200001", "track": "party", "kind": "警告", "decided_on": "2026-03-20",
            "deciding_body": "市公安局纪委", "document_ref": "公纪〔2026〕1号"}),
        ),
    )
    .await;
    assert_eq!(status, 403);
    // The member of the record sees the effect on their own record, not the facts.
    let (status, own) = call(
        &app,
        &tokens[2].1,
        reqwest::Method::GET,
        &format!("/members/{}/eligibility", f.member_a1),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(own["effects"][0], "不可评先评优（期限未定）");
}

/// Issue 16, 2–3: a finding handled with a sanction records the decision once; its form is
/// the sanction's weight; a 留党察看 removes the vote from the 支部党员大会's roll until the
/// rights are restored, which waits for the probation to end.
#[tokio::test]
async fn a_probation_takes_the_vote_until_the_rights_are_restored() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let jiwei = token(&app, "jiwei", Role::DisciplineOffice, Some("DW"), None).await;
    let (status, created) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        "/conduct/findings",
        Some(json!({"source": "discipline_inspection", "member": "200001", "category_group": "eight_rules",
            "category": "违规收送名贵特产和礼品礼金", "facts": "收受管理服务对象礼金", "found_on": "2026-01-05"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["finding"]["id"].as_i64().unwrap();
    let version = created["finding"]["version"].as_i64().unwrap();
    // The member is a committee member of the branch: the probation ends that post (R6.4).
    app.services
        .appoint(
            &office(),
            f.a1,
            &dangjian_service::orgs::AppointForm {
                post: "committee_member".to_owned(),
                police_number: "200001".to_owned(),
                on: "2025-06-01".to_owned(),
            },
        )
        .await
        .unwrap();
    // A probation of 18 months is not one the rules allow; a decision needs its body and ref.
    let (status, refused) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        &format!("/conduct/findings/{id}/handling"),
        Some(
            json!({"version": version, "handling": "party_sanction", "handled_on": "2026-03-01",
            "outcome": "给予留党察看处分", "kind": "留党察看", "probation_months": 18}),
        ),
    )
    .await;
    assert_eq!(status, 422);
    let errors = refused["fields"].to_string();
    assert!(
        errors.contains("12个月或24个月") && errors.contains("决定机关") && errors.contains("文号"),
        "{errors}"
    );
    let (status, handled) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        &format!("/conduct/findings/{id}/handling"),
        Some(
            json!({"version": version, "handling": "party_sanction", "handled_on": "2026-03-01",
            "outcome": "给予留党察看处分", "kind": "留党察看", "probation_months": 12,
            "deciding_body": "市公安局纪委", "document_ref": "公纪〔2026〕3号"}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{handled}");
    assert_eq!(handled["finding"]["four_form"], "third");
    let sanction = &handled["sanction"];
    assert_eq!(sanction["probation_last_day"], "2027-03-01");
    assert_eq!(sanction["influence_until"], "2029-03-01");
    assert_eq!(sanction["in_effect"], true);
    // Handled once: a second handling is a lost update.
    let (status, _) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        &format!("/conduct/findings/{id}/handling"),
        Some(json!({"version": version, "handling": "criticism", "handled_on": "2026-03-01", "outcome": "再次"})),
    )
    .await;
    assert_eq!(status, 409);

    let posts = app
        .services
        .org_detail(&office(), f.a1)
        .await
        .unwrap()
        .posts;
    let held = posts
        .iter()
        .find(|p| p.member_id == f.member_a1 && p.post == "committee_member")
        .unwrap();
    assert_eq!(held.span.to, NaiveDate::from_ymd_opt(2026, 3, 1));
    // The 支部党员大会 of 20 March expects both members of 支部A1, one without a vote.
    let day = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
    let roll = app
        .services
        .meeting_roll(&office(), f.a1, MeetingKind::BranchGeneralMeeting, day)
        .await
        .unwrap();
    let voting: Vec<(i64, bool)> = roll.iter().map(|m| (m.member_id, m.voting)).collect();
    assert!(voting.contains(&(f.member_a1, false)), "{voting:?}");
    assert!(voting.contains(&(f.member_a1_second, true)), "{voting:?}");
    // Before the decision, the vote was there.
    let before = app
        .services
        .meeting_roll(
            &office(),
            f.a1,
            MeetingKind::BranchGeneralMeeting,
            NaiveDate::from_ymd_opt(2026, 2, 27).unwrap(),
        )
        .await
        .unwrap();
    assert!(before.iter().all(|m| m.voting));
    let secretary = token(&app, "sec1", Role::OrgSecretary, Some("A1"), None).await;
    let (_, e) = call(
        &app,
        &secretary,
        reqwest::Method::GET,
        &format!("/members/{}/eligibility", f.member_a1),
        None,
    )
    .await;
    assert_eq!(e["vote_suspended"], true);
    assert_eq!(e["may_promote"], false);
    assert_eq!(e["promote_until"], "2029-03-01");

    // Restoring before the probation is served is refused at the field.
    let sanction_id = sanction["id"].as_i64().unwrap();
    let sanction_version = sanction["version"].as_i64().unwrap();
    app.clock.advance(chrono::TimeDelta::days(400));
    // A year on, with a new account (tokens and passwords have aged out).
    let jiwei = token(&app, "jiwei2027", Role::DisciplineOffice, Some("DW"), None).await;
    let (status, early) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        &format!("/conduct/sanctions/{sanction_id}/progress"),
        Some(json!({"version": sanction_version, "restored_on": "2027-02-28"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(early["fields"][0]["field"], "restored_on");
    let (status, restored) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        &format!("/conduct/sanctions/{sanction_id}/progress"),
        Some(json!({"version": sanction_version, "restored_on": "2027-03-02"})),
    )
    .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["influence_until"], "2029-03-02");
    let after = app
        .services
        .meeting_roll(
            &office(),
            f.a1,
            MeetingKind::BranchGeneralMeeting,
            NaiveDate::from_ymd_opt(2027, 3, 2).unwrap(),
        )
        .await
        .unwrap();
    assert!(after.iter().all(|m| m.voting), "{after:?}");
    let last_day = app
        .services
        .meeting_roll(
            &office(),
            f.a1,
            MeetingKind::BranchGeneralMeeting,
            NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
        )
        .await
        .unwrap();
    assert!(
        last_day
            .iter()
            .any(|m| m.member_id == f.member_a1 && !m.voting)
    );
}

/// Issue 16, 3: periods from the rules, counted to the corresponding day and clamped at the
/// month's end; a sanction's page shows them.
#[tokio::test]
async fn sanctions_recorded_on_their_own_run_their_periods_to_the_month_end() {
    let app = TestApp::spawn().await;
    let jiwei = token(&app, "jiwei", Role::DisciplineOffice, Some("DW"), None).await;
    let record = |body: Value| {
        let app = &app;
        let jiwei = jiwei.clone();
        async move {
            call(
                app,
                &jiwei,
                reqwest::Method::POST,
                "/conduct/sanctions",
                Some(body),
            )
            .await
        }
    };
    let (status, warning) = record(json!({"member": "200002", "track": "party", "kind": "警告",
        "decided_on": "2024-02-29", "deciding_body": "市公安局纪委", "document_ref": "公纪〔2024〕2号"}))
    .await;
    assert_eq!(status, 201, "{warning}");
    assert_eq!(warning["influence_until"], "2025-02-28");
    assert_eq!(warning["in_effect"], false);
    let (status, demerit) = record(json!({"member": "200002", "track": "government", "kind": "记大过",
        "decided_on": "2025-08-31", "deciding_body": "市公安局", "document_ref": "公政〔2025〕9号"}))
    .await;
    assert_eq!(status, 201);
    assert_eq!(demerit["influence_until"], "2027-02-28");
    assert_eq!(demerit["in_effect"], true);
    // Refusals at their fields: an unknown kind, a future day, an unknown member.
    let (status, bad) = record(json!({"member": "999999", "track": "party", "kind": "记过",
        "decided_on": "2030-01-01", "deciding_body": "", "document_ref": ""}))
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = bad["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["member", "decided_on", "deciding_body", "document_ref"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let (status, bad_kind) = record(json!({"member": "200002", "track": "party", "kind": "记过",
        "decided_on": "2026-01-01", "deciding_body": "纪委", "document_ref": "1号"}))
    .await;
    assert_eq!(status, 422);
    assert_eq!(bad_kind["fields"][0]["field"], "kind");
    // The sanctions page lists both with their standing.
    let web = app
        .login_as("jiwei_web", Role::DisciplineOffice, Some("DW"), None)
        .await;
    let (_, page) = text(&web, app.url("/conduct/sanctions")).await;
    assert!(page.contains("影响期内（至 2027-02-28）"), "{page}");
    assert!(page.contains("影响期已于 2025-02-28 届满"));
}

/// Issue 16, 2: a finding about an org is handled as an org can be, and opens a
/// rectification once — the problem carried over, not retyped.
#[tokio::test]
async fn a_finding_about_an_org_opens_its_rectification_once() {
    let app = TestApp::spawn().await;
    let jiwei = token(&app, "jiwei", Role::DisciplineOffice, Some("DW"), None).await;
    // Empty: each field says what is missing.
    let (status, empty) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        "/conduct/findings",
        Some(json!({"source": "", "category_group": ""})),
    )
    .await;
    assert_eq!(status, 422);
    let fields = empty["fields"].to_string();
    for field in ["source", "found_on", "category_group", "facts", "member"] {
        assert!(
            fields.contains(&format!("\"{field}\"")),
            "{field}: {fields}"
        );
    }
    // A category from another list is refused at the category.
    let (status, wrong) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        "/conduct/findings",
        Some(
            json!({"source": "tour_inspection", "org": "A1", "category_group": "formalism",
            "category": "违规吃喝", "facts": "x", "found_on": "2026-03-01"}),
        ),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(wrong["fields"][0]["field"], "category");
    let problem = "督查检查考核过多过频，基层填表留痕负担重";
    let (status, created) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        "/conduct/findings",
        Some(
            json!({"source": "tour_inspection", "org": "A1", "category_group": "formalism",
            "category": "文山会海突出, 督查检查考核过多过频、过度留痕, 给基层造成严重负担",
            "facts": problem, "found_on": "2026-03-01"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["finding"]["id"].as_i64().unwrap();
    let version = created["finding"]["version"].as_i64().unwrap();
    // An org cannot be given 诫勉.
    let (status, refused) = call(&app, &jiwei, reqwest::Method::POST, &format!("/conduct/findings/{id}/handling"),
        Some(json!({"version": version, "handling": "admonition", "handled_on": "2026-03-05", "outcome": "诫勉"}))).await;
    assert_eq!(status, 422);
    assert_eq!(refused["fields"][0]["field"], "handling");
    let (status, handled) = call(&app, &jiwei, reqwest::Method::POST, &format!("/conduct/findings/{id}/handling"),
        Some(json!({"version": version, "handling": "ordered_review", "handled_on": "2026-03-05", "outcome": "责令支部作出书面检查"}))).await;
    assert_eq!(status, 200, "{handled}");
    assert_eq!(handled["finding"]["four_form"], "first");
    // Evidence: the bytes decide the type; the file comes back as kept, to the discipline
    // roles only, and every read is audited.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let upload = |name: &str, bytes: Vec<u8>| {
        app.client()
            .post(app.url(&format!(
                "/api/v1/conduct/findings/{id}/files?name={}",
                name
            )))
            .bearer_auth(&jiwei)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
    };
    let refused = upload("report.pdf", b"MZ\x90\x00not a pdf".to_vec())
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let kept = upload("report.pdf", pdf.clone()).await.unwrap();
    assert_eq!(kept.status(), 201);
    let kept: Value = kept.json().await.unwrap();
    let file = kept["evidence"][0]["id"].as_i64().unwrap();
    assert_eq!(kept["evidence"][0]["file_name"], "report.pdf");
    let back = app
        .client()
        .get(app.url(&format!("/api/v1/conduct/findings/{id}/files/{file}")))
        .bearer_auth(&jiwei)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 200);
    assert_eq!(back.bytes().await.unwrap().to_vec(), pdf);
    assert!(!app.audit("conduct.finding.file", None).await.is_empty());
    let office_token = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let (status, _) = call(
        &app,
        &office_token,
        reqwest::Method::GET,
        &format!("/conduct/findings/{id}/files/{file}"),
        None,
    )
    .await;
    assert_eq!(status, 403);

    // To rectification, once.
    let (status, rectified) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        &format!("/conduct/findings/{id}/rectification"),
        Some(json!({"deadline": "2026-06-30"})),
    )
    .await;
    assert_eq!(status, 201, "{rectified}");
    let reference = format!("执纪问题{id}");
    assert_eq!(
        rectified["finding"]["rectification_ref"],
        reference.as_str()
    );
    let (status, again) = call(
        &app,
        &jiwei,
        reqwest::Method::POST,
        &format!("/conduct/findings/{id}/rectification"),
        Some(json!({"deadline": "2026-06-30"})),
    )
    .await;
    assert_eq!(status, 422, "{again}");
    // The rectification carries the problem, assigned to the org, for the committee office.
    let (_, inspections) = call(
        &app,
        &office_token,
        reqwest::Method::GET,
        "/inspections",
        None,
    )
    .await;
    let listed = inspections.to_string();
    assert!(listed.contains(&reference), "{listed}");
    let inspection = inspections
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["inspection"]["feedback_ref"] == reference.as_str())
        .unwrap();
    let (_, detail) = call(
        &app,
        &office_token,
        reqwest::Method::GET,
        &format!("/inspections/{}", inspection["inspection"]["id"]),
        None,
    )
    .await;
    assert!(detail.to_string().contains(problem), "{detail}");
}
