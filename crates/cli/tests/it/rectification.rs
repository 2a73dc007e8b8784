//! Rectification over HTTP: an inspection and its findings assigned to orgs, the work of the
//! assigned org (cause, measures, progress with evidence, claim), acceptance from above and
//! never by the claimant, reopening after a follow-up review, escalation by colour in each
//! person's to-do list, the overview, and scope.

use chrono::TimeDelta;
use dangjian_core::role::Role;
use dangjian_service::orgs::SecretaryForm;
use serde_json::{Value, json};

use crate::harness::{self, TestApp, location};

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(client, path, fields).await
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The id at the end of a redirect like `/inspections/7?saved=1`.
fn id_in(location: &str, prefix: &str) -> i64 {
    location
        .trim_start_matches(prefix)
        .split(['?', '#'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The version an item's page carries in its forms.
fn version_of(page: &str) -> String {
    let Some(at) = page.find("name=\"version\" value=\"") else {
        panic!("no version field in {page}");
    };
    page[at + 22..].split('"').next().unwrap().to_owned()
}

/// Item ids linked from a page, in order.
fn item_links(page: &str) -> Vec<i64> {
    page.split("/rectifications/")
        .skip(1)
        .filter_map(|s| {
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// The office records an inspection of 党委 DW with one finding for A1 and B, due 2026-06-30.
async fn inspection_with_finding(app: &TestApp, office: &reqwest::Client) -> i64 {
    let response = post(
        app,
        office,
        "/inspections",
        &[
            ("org", "DW"),
            ("title", "2026年省委基层党建工作专项检查"),
            ("inspector", "省委第三检查组"),
            ("inspected_from", "2026-01-05"),
            ("inspected_to", "2026-01-20"),
            ("scope_note", "市局党委及所属党组织"),
            ("feedback_ref", "省检反馈〔2026〕3号"),
            ("feedback_on", "2026-02-10"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let id = id_in(&location(&response), "/inspections/");
    let response = post(
        app,
        office,
        &format!("/inspections/{id}/findings"),
        &[
            (
                "problem",
                "部分基层党组织组织生活不规范，批评与自我批评流于形式",
            ),
            ("category", "irregular_org_life"),
            ("orgs", "A1, B"),
            ("deadline", "2026-06-30"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    id
}

#[tokio::test]
async fn a_finding_is_rectified_with_evidence_accepted_from_above_and_reopened() {
    let app = TestApp::spawn().await;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let secretary = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let above = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;

    // Bad input is refused at its field, nothing written.
    let response = post(&app, &office, "/inspections", &[("org", "NOPE")]).await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("没有这个组织编码"), "{body}");
    assert!(body.contains("请填写检查名称") || body.contains("检查名称"));

    let inspection = inspection_with_finding(&app, &office).await;
    // The same feedback document twice is refused.
    let response = post(
        &app,
        &office,
        "/inspections",
        &[
            ("org", "DW"),
            ("title", "重复"),
            ("inspector", "省委第三检查组"),
            ("inspected_from", "2026-01-05"),
            ("inspected_to", "2026-01-20"),
            ("scope_note", "同上"),
            ("feedback_ref", "省检反馈〔2026〕3号"),
            ("feedback_on", "2026-02-10"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("已登记过"));
    // A finding for an org outside the inspected org's subtree is refused.
    let response = post(
        &app,
        &office,
        &format!("/inspections/{inspection}/findings"),
        &[
            ("problem", "问题"),
            ("category", "other"),
            ("orgs", "A1 X9"),
            ("deadline", "2026-06-30"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("组织编码X9不存在"));

    // The office sees both items; A1's secretary only A1's.
    let (_, all) = page(&app, &office, &format!("/inspections/{inspection}")).await;
    let items = item_links(&all);
    assert_eq!(items.len(), 2, "{all}");
    let (status, mine) = page(&app, &secretary, &format!("/inspections/{inspection}")).await;
    assert_eq!(status, 200);
    let a1_items = item_links(&mine);
    assert_eq!(a1_items.len(), 1);
    let item = a1_items[0];
    let other = *items.iter().find(|i| **i != item).unwrap();
    let (status, _) = page(&app, &secretary, &format!("/rectifications/{other}")).await;
    assert_eq!(status, 404, "B's item is outside A1's scope");

    // A claim without cause, measures or evidence is refused with what is missing.
    let path = format!("/rectifications/{item}");
    let (_, body) = page(&app, &secretary, &path).await;
    assert!(body.contains("未启动"));
    let v = version_of(&body);
    let response = post(
        &app,
        &secretary,
        &format!("{path}/claim"),
        &[("version", &v), ("note", "已整改")],
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("申请销号前须填写原因分析"), "{body}");

    // Cause, then a measure (a malformed milestone first).
    let response = post(
        &app,
        &secretary,
        &format!("{path}/cause"),
        &[
            ("version", &v),
            ("cause", "支部书记抓组织生活的责任意识不强，会前准备不足"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &secretary, &path).await;
    assert!(body.contains("整改中"));
    let v = version_of(&body);
    let measure = |milestones: &'static str| {
        [
            (
                "content",
                "每季度召开一次专题组织生活会，逐一开展批评与自我批评",
            ),
            ("leader", "200001"),
            ("person", "200002"),
            ("org", ""),
            ("deadline", "2026-05-31"),
            ("milestones", milestones),
        ]
    };
    let mut fields = vec![("version", v.as_str())];
    fields.extend(measure("四月底 完成"));
    let response = post(&app, &secretary, &format!("{path}/measures"), &fields).await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("应写成“日期 内容”"), "{body}");
    assert!(
        body.contains("每季度召开一次专题组织生活会"),
        "typed text kept"
    );
    let mut fields = vec![("version", v.as_str())];
    fields.extend(measure(
        "2026-04-30 完成支部书记专题培训\n2026-05-20 召开专题组织生活会",
    ));
    let response = post(&app, &secretary, &format!("{path}/measures"), &fields).await;
    assert_eq!(response.status(), 303);
    // A stale version is refused, not applied.
    let response = post(
        &app,
        &secretary,
        &format!("{path}/cause"),
        &[("version", &v), ("cause", "覆盖")],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("已被他人修改"));

    // A second measure added by mistake is deleted (only planned, nothing reported); the first
    // is corrected through its edit form.
    let (_, body) = page(&app, &secretary, &path).await;
    let v = version_of(&body);
    let mut fields = vec![("version", v.as_str())];
    fields.extend(measure(""));
    let response = post(&app, &secretary, &format!("{path}/measures"), &fields).await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &secretary, &path).await;
    let deletes: Vec<String> = body
        .split(&format!("{path}/measures/"))
        .skip(1)
        .filter_map(|s| s.split_once("/delete").map(|(id, _)| id.to_owned()))
        .collect();
    assert_eq!(deletes.len(), 2, "{body}");
    let v = version_of(&body);
    let response = post(
        &app,
        &secretary,
        &format!("{path}/measures/{}/delete", deletes[1]),
        &[("version", &v)],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &secretary, &format!("{path}?edit={}", deletes[0])).await;
    assert!(body.contains("修改整改措施") && body.contains("2026-04-30 完成支部书记专题培训"));
    let v = version_of(&body);
    let mut fields = vec![("version", v.as_str())];
    fields.extend(measure(
        "2026-04-30 完成支部书记专题培训\n2026-05-25 召开专题组织生活会",
    ));
    let response = post(
        &app,
        &secretary,
        &format!("{path}/measures/{}", deletes[0]),
        &fields,
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &secretary, &path).await;
    assert!(body.contains("2026-05-25 召开专题组织生活会"));
    assert_eq!(body.matches("/delete\"").count(), 1, "one measure left");

    // Progress with a file finishes the measure.
    let (_, body) = page(&app, &secretary, &path).await;
    let v = version_of(&body);
    let measure_id: String = body
        .split("name=\"finishes\"")
        .nth(1)
        .unwrap()
        .split("<option value=\"")
        .nth(2)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let csrf = app.csrf(&secretary, &path).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("version", v.clone())
        .text("progress", "5月20日召开专题组织生活会，全体党员逐一发言")
        .text("evidence", "支部会议记录第12号")
        .text("finishes", measure_id.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 minutes".to_vec()).file_name("会议记录.pdf"),
        );
    let response = secretary
        .post(app.url(&format!("{path}/reports")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let (_, body) = page(&app, &secretary, &path).await;
    assert!(body.contains("会议记录.pdf"));
    assert!(body.contains("完成措施1"));
    let file_link = body
        .split(&format!("{path}/files/"))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let bytes = secretary
        .get(app.url(&format!("{path}/files/{file_link}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"%PDF-1.7 minutes");

    // The claim; A1's own secretary cannot accept it (not above), ZZA's can.
    let v = version_of(&body);
    let response = post(
        &app,
        &secretary,
        &format!("{path}/claim"),
        &[("version", &v), ("note", "措施全部完成，问题已整改到位")],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &secretary, &path).await;
    assert!(body.contains("待验收"));
    assert!(!body.contains("验收通过并销号</button>"));
    let (_, body) = page(&app, &above, &path).await;
    let v = version_of(&body);
    let response = post(
        &app,
        &secretary,
        &format!("{path}/decision"),
        &[("version", &v), ("decision", "accept"), ("note", "同意")],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("只能由上级组织"));
    let (_, todo) = page(&app, &above, "/rectification").await;
    assert!(item_links(&todo).contains(&item), "in the acceptor's to-do");
    let response = post(
        &app,
        &above,
        &format!("{path}/decision"),
        &[
            ("version", &v),
            ("decision", "accept"),
            ("note", "经查阅会议记录，整改到位，同意销号"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &above, &path).await;
    assert!(body.contains("已销号"));
    assert!(body.contains("2026-03-28"), "closed today");

    // The ledger is the records: A1's measure with its people, completion, state, evidence
    // reference and file, and B's item without measures; the same rows in the workbook.
    let response = office
        .get(app.url(&format!("/inspections/{inspection}/ledger.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sheet = crate::exports::cells(response.bytes().await.unwrap().to_vec());
    let a1 = sheet
        .iter()
        .find(|r| r.get(3).is_some_and(|c| c == "支部A1"))
        .expect("A1's row");
    assert_eq!(
        a1,
        &[
            "问题1",
            "部分基层党组织组织生活不规范，批评与自我批评流于形式",
            "组织生活不规范",
            "支部A1",
            "支部书记抓组织生活的责任意识不强，会前准备不足",
            "1. 每季度召开一次专题组织生活会，逐一开展批评与自我批评",
            "测试乙",
            "支部A1",
            "测试丙",
            "2026-05-31",
            "2026-03-28完成",
            "已销号",
            "支部会议记录第12号；会议记录.pdf",
            "2026-03-28",
        ]
    );
    let b = sheet
        .iter()
        .find(|r| r.get(3).is_some_and(|c| c == "支部B"))
        .expect("B's row");
    assert_eq!(b[11], "未启动");
    assert_eq!(b[5], "", "no measure yet");
    // A1's secretary sees only A1's rows, on the print page too.
    let (_, print) = page(
        &app,
        &secretary,
        &format!("/inspections/{inspection}/ledger"),
    )
    .await;
    assert!(print.contains("会议记录.pdf") && !print.contains("支部B"));
    assert!(
        !app.audit("rectification.ledger_export", None)
            .await
            .is_empty()
    );

    // 回头看: reopened by the office with a new deadline; the measure is open again and the
    // history keeps every step.
    let v = version_of(&body);
    let response = post(
        &app,
        &office,
        &format!("{path}/reopen"),
        &[
            ("version", &v),
            ("note", "回头看发现第二季度组织生活会仍未开展批评"),
            ("deadline", "2026-03-01"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422, "a deadline in the past is refused");
    // A new deadline earlier than the old one: the item's due day moves with it.
    let response = post(
        &app,
        &office,
        &format!("{path}/reopen"),
        &[
            ("version", &v),
            ("note", "回头看发现第二季度组织生活会仍未开展批评"),
            ("deadline", "2026-04-15"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &secretary, &path).await;
    assert!(body.contains("回头看重新整改"));
    for step in [
        "制定整改方案",
        "报送整改进展",
        "申请销号",
        "验收通过并销号",
        "回头看重新打开",
    ] {
        assert!(body.contains(step), "{step} kept in the history");
    }
    assert!(
        body.contains("<span class=\"tag none\">进行中</span>"),
        "measure open again"
    );

    // Every step is audited.
    for event in [
        "inspection.create",
        "finding.create",
        "rectification.plan",
        "rectification.report",
        "rectification.claim",
        "rectification.accept",
        "rectification.reopen",
    ] {
        assert!(!app.audit(event, None).await.is_empty(), "{event}");
    }
}

#[tokio::test]
async fn no_one_accepts_their_own_claim_even_from_above() {
    let app = TestApp::spawn().await;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let office2 = app
        .login_as("office2", Role::CommitteeStaff, None, None)
        .await;
    let token = app
        .services
        .cli_create_token("office", "test", None)
        .await
        .unwrap()
        .0;
    let inspection = inspection_with_finding(&app, &office).await;
    let client = app.client();
    let api = |path: &str| app.url(&format!("/api/v1{path}"));
    let detail: Value = client
        .get(api(&format!("/inspections/{inspection}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["findings"][0]["items"]["not_started"], 2);
    assert_eq!(detail["matching"], 2);
    let b_item = detail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["org_name"] == "支部B")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // The office does B's work over the API and claims it.
    let call = |path: String, body: Value| {
        let client = client.clone();
        let token = token.clone();
        let url = api(&path);
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, item) = call(
        format!("/rectifications/{b_item}/measures"),
        json!({"version": 1, "content": "建立党建与业务同部署台账", "leader": "200004",
               "person": "200005", "deadline": "2026-07-31"}),
    )
    .await;
    assert_eq!(status, 422, "later than the item's deadline: {item}");
    assert!(item.to_string().contains("不能晚于整改时限"));
    let (status, item) = call(
        format!("/rectifications/{b_item}/measures"),
        json!({"version": 1, "content": "建立党建与业务同部署台账", "leader": "200004",
               "person": "200005", "deadline": "2026-05-31"}),
    )
    .await;
    assert_eq!(status, 201, "{item}");
    let measure = item["measures"][0]["id"].as_i64().unwrap();
    let version = item["item"]["version"].as_i64().unwrap();
    let response = client
        .put(api(&format!("/rectifications/{b_item}/cause")))
        .bearer_auth(&token)
        .json(&json!({"version": version, "cause": "重业务轻党建，考核未挂钩"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let item: Value = response.json().await.unwrap();
    let version = item["item"]["version"].as_i64().unwrap();
    let response = client
        .post(api(&format!(
            "/rectifications/{b_item}/reports/file?version={version}&progress=%E5%B7%B2%E5%BB%BA%E7%AB%8B&evidence=&finishes={measure}&name=ledger.xlsx"
        )))
        .bearer_auth(&token)
        .body(b"PK\x03\x04 not really a workbook".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let item: Value = response.json().await.unwrap();
    assert!(item["measures"][0]["done_on"].is_string());
    assert_eq!(item["claim_gaps"], json!([]));
    let version = item["item"]["version"].as_i64().unwrap();
    let (status, item) = call(
        format!("/rectifications/{b_item}/claim"),
        json!({"version": version, "note": "台账已建立"}),
    )
    .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(item["item"]["state"], "awaiting_acceptance");
    assert_eq!(item["can_accept"], false, "the claimant cannot accept");
    let version = item["item"]["version"].as_i64().unwrap();
    let (status, refused) = call(
        format!("/rectifications/{b_item}/decision"),
        json!({"version": version, "decision": "accept", "note": "同意"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.to_string().contains("不能验收自己申请销号"));
    // Another account of the office returns it with a reason, then the claimant claims again
    // and the other accepts.
    let v = version.to_string();
    let response = post(
        &app,
        &office2,
        &format!("/rectifications/{b_item}/decision"),
        &[("version", &v), ("decision", "return"), ("note", "")],
    )
    .await;
    assert_eq!(response.status(), 422, "a return needs its reason");
    let response = post(
        &app,
        &office2,
        &format!("/rectifications/{b_item}/decision"),
        &[
            ("version", &v),
            ("decision", "return"),
            ("note", "台账缺少第二季度内容"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (status, item) = call(
        format!("/rectifications/{b_item}/claim"),
        json!({"version": version + 1, "note": "已补充第二季度内容"}),
    )
    .await;
    assert_eq!(status, 200, "{item}");
    let v = (version + 2).to_string();
    let response = post(
        &app,
        &office2,
        &format!("/rectifications/{b_item}/decision"),
        &[
            ("version", &v),
            ("decision", "accept"),
            ("note", "同意销号"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let overview: Value = client
        .get(api("/rectification/overview"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(overview["by_state"]["closed"], 1);
    assert_eq!(overview["by_state"]["not_started"], 1);
    assert_eq!(overview["by_category"][0]["category"], "irregular_org_life");
    // By org, rolled up under the top: 总支A holds A1's item, 支部B its own; drilling into
    // 总支A shows A1.
    let names: Vec<&str> = overview["by_org"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["org_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["支部B", "总支A"]);
    let general_a = app.fixture.general_a;
    let below: Value = client
        .get(api(&format!("/rectification/overview?org={general_a}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(below["by_org"][0]["org_name"], "支部A1");
    assert_eq!(below["by_state"]["not_started"], 1);
}

/// The colours shown on an account's to-do page, logged in afresh (sessions end after half an
/// hour idle, and the clock moves by days).
async fn colours(app: &TestApp, login: &str) -> Vec<&'static str> {
    let client = app.login(login, crate::harness::PASSWORD).await;
    let body = page(app, &client, "/rectification").await.1;
    ["绿色提醒", "黄色预警", "红色督办"]
        .into_iter()
        .filter(|c| body.contains(c))
        .collect()
}

#[tokio::test]
async fn escalation_reaches_the_person_then_the_leader_then_the_secretary() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    // 200001 is A1's secretary and the measure's leader; 200002 the responsible person.
    app.services
        .set_secretary(
            &harness::office(),
            f.a1,
            &SecretaryForm {
                police_number: "200001".to_owned(),
                on: "2026-01-01".to_owned(),
            },
        )
        .await
        .unwrap();
    app.login_as("person", Role::Member, None, Some("200002"))
        .await;
    app.login_as("leader", Role::Member, None, Some("200001"))
        .await;
    let inspection = inspection_with_finding(&app, &office).await;
    let (_, body) = page(&app, &office, &format!("/inspections/{inspection}")).await;
    let item = item_links(&body)[0];
    let (_, body) = page(&app, &office, &format!("/rectifications/{item}")).await;
    let v = version_of(&body);
    let response = post(
        &app,
        &office,
        &format!("/rectifications/{item}/measures"),
        &[
            ("version", &v),
            ("content", "书记讲专题党课"),
            ("leader", "200001"),
            ("person", "200002"),
            ("deadline", "2026-05-01"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    // 2026-03-28: 34 days before 1 May — nobody is told yet.
    assert!(colours(&app, "person").await.is_empty());
    // 11 April (20 days before): green, to the person only.
    app.clock.advance(TimeDelta::days(14));
    assert_eq!(colours(&app, "person").await, ["绿色提醒"]);
    assert!(colours(&app, "leader").await.is_empty());
    // 21 April (10 days before): yellow, also to the leader.
    app.clock.advance(TimeDelta::days(10));
    assert_eq!(colours(&app, "person").await, ["黄色预警"]);
    assert_eq!(colours(&app, "leader").await, ["黄色预警"]);
    // 2 May: red, and the item is on the secretary's list too.
    app.clock.advance(TimeDelta::days(11));
    assert_eq!(colours(&app, "person").await, ["红色督办"]);
    let leader = app.login("leader", crate::harness::PASSWORD).await;
    let body = page(&app, &leader, "/rectification").await.1;
    assert!(body.contains("书记督办"), "{body}");
    // The responsible person may open the item (read only), not other items.
    let person = app.login("person", crate::harness::PASSWORD).await;
    let (status, body) = page(&app, &person, &format!("/rectifications/{item}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("逾期"));
    assert!(!body.contains("报送进展</button>"));
    let other = item + 1;
    let (status, _) = page(&app, &person, &format!("/rectifications/{other}")).await;
    assert_eq!(status, 404);
    // The office's overview lists it as overdue.
    let office = app.login("office", crate::harness::PASSWORD).await;
    let (_, body) = page(&app, &office, "/rectification/overview").await;
    assert!(body.contains("逾期事项") && body.contains("支部A1"));
}
