//! 关爱表彰 over HTTP (issue 16, 5–7): a proposal is checked against eligibility (the refusal
//! names the effect, never the sanction) and approved by the committee office; honours show
//! on the member's record; visits and hardship support are kept in fen; the care to-do list
//! names 政治生日 and quiet cases; the 光荣在党50年 list of a year.

use chrono::TimeDelta;
use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::json;

use crate::harness::{TestApp, api_call as call, bearer_token as token, member_form, office};

/// Issue 16, 5–6: eligibility effects on proposals and approvals.
#[tokio::test]
async fn proposals_are_checked_against_eligibility_and_approved_from_above() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let jiwei = token(&app, "jiwei", Role::DisciplineOffice, Some("DW"), None).await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let office_token = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let (status, _) = call(
        &app,
        &jiwei,
        Method::POST,
        "/conduct/sanctions",
        Some(
            json!({"member": "200001", "track": "party", "kind": "警告", "decided_on": "2026-03-01",
            "deciding_body": "市公安局纪委", "document_ref": "公纪〔2026〕5号"}),
        ),
    )
    .await;
    assert_eq!(status, 201);

    // The sanctioned member cannot be proposed; the refusal says until when, not why.
    let propose = |member: &str, kind: &str, system: &str| {
        json!({"system": system, "kind": kind, "level": "municipal", "member": member,
            "citation": "在反诈专项行动中成绩突出"})
    };
    let (status, refused) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/commendations",
        Some(propose("200001", "优秀共产党员", "party")),
    )
    .await;
    assert_eq!(status, 422);
    let message = refused["fields"][0]["message"].as_str().unwrap();
    assert_eq!(refused["fields"][0]["field"], "member");
    assert_eq!(message, "该党员不可评先评优（至 2027-03-01），不能提名");
    assert!(!message.contains("警告"));

    // The other member may be; the secretary cannot approve, the office can.
    let (status, proposed) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/commendations",
        Some(propose("200002", "嘉奖", "police")),
    )
    .await;
    assert_eq!(status, 201, "{proposed}");
    let id = proposed["id"].as_i64().unwrap();
    let decision = json!({"version": proposed["version"], "decision": "approve", "approver": "市公安局",
        "decided_on": "2026-03-28"});
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/care/commendations/{id}/decision"),
        Some(decision.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, approved) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("/care/commendations/{id}/decision"),
        Some(decision.clone()),
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    // Decided once.
    let (status, _) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("/care/commendations/{id}/decision"),
        Some(decision),
    )
    .await;
    assert_eq!(status, 409);
    // On the member's record, for anyone who reads it.
    let (_, honours) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/members/{}/honours", f.member_a1_second),
        None,
    )
    .await;
    assert_eq!(honours[0]["kind"], "嘉奖");
    let web = app
        .login_as("sec_web", Role::OrgSecretary, Some("A1"), None)
        .await;
    let page = web
        .get(app.url(&format!("/members/{}", f.member_a1_second)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("公安奖励：嘉奖") && page.contains("市公安局"));
    // 第十一条: another 嘉奖 within a year is refused at the kind; a 三等功 is not.
    let (status, again) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/commendations",
        Some(propose("200002", "嘉奖", "police")),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(again["fields"][0]["field"], "kind");
    let (status, higher) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/commendations",
        Some(propose("200002", "记三等功", "police")),
    )
    .await;
    assert_eq!(status, 201);
    // An investigation opened before the approval stops it: checked again on its day.
    let (status, _) = call(
        &app,
        &jiwei,
        Method::POST,
        "/conduct/findings",
        Some(
            json!({"source": "petition", "member": "200002", "category_group": "eight_rules",
            "category": "违规吃喝", "facts": "信访反映", "found_on": "2026-03-28"}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let (status, stopped) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("/care/commendations/{}/decision", higher["id"]),
        Some(json!({"version": higher["version"], "decision": "approve", "approver": "市公安局"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(stopped["fields"][0]["field"], "decision");
    assert!(
        stopped["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("期限未定")
    );
    // A refusal is always possible.
    let (status, _) = call(
        &app,
        &office_token,
        Method::POST,
        &format!("/care/commendations/{}/decision", higher["id"]),
        Some(
            json!({"version": higher["version"], "decision": "reject", "approver": "市公安局",
            "note": "待调查结束后再议"}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    // 先进基层党组织 goes to an org, not a member; a member account proposes nothing.
    let (status, org) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/commendations",
        Some(
            json!({"system": "party", "kind": "先进基层党组织", "level": "municipal", "org": "A1",
            "citation": "支部建设标准化规范化"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{org}");
    let (status, wrong) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/commendations",
        Some(propose("200002", "先进基层党组织", "party")),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(wrong["fields"][0]["field"], "org");
    app.login_as("mem1", Role::Member, None, Some("200002"))
        .await;
    let member = app
        .services
        .cli_create_token("mem1", "t", None)
        .await
        .unwrap()
        .0;
    let (status, _) = call(
        &app,
        &member,
        Method::POST,
        "/care/commendations",
        Some(propose("200002", "嘉奖", "police")),
    )
    .await;
    assert_eq!(status, 403);
}

/// Issue 16, 7: visits and hardship support in fen; the to-do list names whom a follow-up or
/// a 政治生日 is due for; the 光荣在党50年 list of the year.
#[tokio::test]
async fn care_keeps_visits_and_hardship_in_fen_and_names_who_is_due() {
    let app = TestApp::spawn().await;
    let secretary = token(&app, "sec_a1", Role::OrgSecretary, Some("A1"), None).await;
    let (status, bad) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/visits",
        Some(json!({"member": "", "occasion": "illness", "visitors": "", "notes": ""})),
    )
    .await;
    assert_eq!(status, 422);
    let fields = bad["fields"].to_string();
    for field in ["member", "visitors", "notes"] {
        assert!(
            fields.contains(&format!("\"{field}\"")),
            "{field}: {fields}"
        );
    }
    let (status, visits) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/visits",
        Some(
            json!({"member": "200001", "occasion": "illness", "visitors": "支部书记、组织委员",
            "notes": "住院探望，了解康复情况", "amount_fen": 50050}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{visits}");
    assert_eq!(visits["visits"][0]["amount_fen"], 50050);
    // The page takes yuan and refuses a third decimal at the field.
    let web = app
        .login_as("sec_web", Role::OrgSecretary, Some("A1"), None)
        .await;
    let refused = app
        .post_form(
            &web,
            "/care/visits",
            &[
                ("member", "200001"),
                ("occasion", "festival"),
                ("visited_on", ""),
                ("visitors", "支部书记"),
                ("notes", "春节慰问"),
                ("amount", "300.555"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("金额最多到分"));
    let listed = web
        .get(app.url("/care/visits"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains("500.50元") && listed.contains("生病住院"));

    let (status, case) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/hardship",
        Some(
            json!({"member": "200002", "kind": "illness", "description": "配偶重病，医疗费用负担重",
            "registered_on": "2026-03-01"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    let id = case["case"]["id"].as_i64().unwrap();
    for (on, fen) in [("2026-03-10", 200_000), ("2026-03-20", 150_000)] {
        let (status, _) = call(
            &app,
            &secretary,
            Method::POST,
            &format!("/care/hardship/{id}/follow-ups"),
            Some(json!({"followed_on": on, "note": "送去帮扶金", "amount_fen": fen})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (_, case) = call(
        &app,
        &secretary,
        Method::GET,
        &format!("/care/hardship/{id}"),
        None,
    )
    .await;
    assert_eq!(case["case"]["support_fen"], 350_000);
    assert_eq!(case["case"]["last_follow_up"], "2026-03-20");
    // Out of scope: a secretary of A1 cannot see or register members of B.
    let (status, _) = call(
        &app,
        &secretary,
        Method::POST,
        "/care/hardship",
        Some(json!({"member": "200004", "kind": "family", "description": "x"})),
    )
    .await;
    assert_eq!(status, 422);

    // Ninety days without a follow-up: the case is named; a 政治生日 within 14 days too.
    app.clock.advance(TimeDelta::days(85));
    let secretary = token(&app, "sec_a1_later", Role::OrgSecretary, Some("A1"), None).await;
    let (_, todo) = call(&app, &secretary, Method::GET, "/care/todo", None).await;
    assert_eq!(todo["follow_ups_due"][0]["id"], id, "{todo}");
    let birthdays: Vec<&str> = todo["birthdays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["on"].as_str().unwrap())
        .collect();
    assert_eq!(birthdays, ["2026-07-01", "2026-07-01"], "{todo}");
    assert_eq!(todo["birthdays"][0]["years"], 16);
    let (status, closed) = call(
        &app,
        &secretary,
        Method::POST,
        &format!("/care/hardship/{id}/close"),
        Some(json!({"version": case["case"]["version"], "note": "配偶已康复出院"})),
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    let (_, todo) = call(&app, &secretary, Method::GET, "/care/todo", None).await;
    assert!(todo["follow_ups_due"].as_array().unwrap().is_empty());

    // 光荣在党50年: a member who became a full member on 1976-07-01 is on the 2026 list.
    let mut veteran = member_form(30, "A1");
    veteran.birth_date = "1950-03-05".to_owned();
    veteran.id_number = {
        let body = "83010119500305061".to_owned();
        let check = dangjian_core::id_number::check_char(body.as_bytes()) as char;
        format!("{body}{check}")
    };
    veteran.joined_on = "1975-07-01".to_owned();
    veteran.full_membership_on = "1976-07-01".to_owned();
    veteran.effective_on = "2020-01-01".to_owned();
    app.services
        .create_member(&office(), &veteran)
        .await
        .unwrap();
    let (_, fifty) = call(
        &app,
        &secretary,
        Method::GET,
        "/care/glorious-fifty?year=2026",
        None,
    )
    .await;
    assert_eq!(fifty.as_array().unwrap().len(), 1, "{fifty}");
    assert_eq!(fifty[0]["full_member_on"], "1976-07-01");
    let (_, next) = call(
        &app,
        &secretary,
        Method::GET,
        "/care/glorious-fifty?year=2027",
        None,
    )
    .await;
    assert!(next.as_array().unwrap().is_empty());
}
