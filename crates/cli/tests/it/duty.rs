//! The responsibility system over HTTP: an org's responsibility list (first responsible only
//! the secretary, dual duty only its committee), a work plan whose task is issued to two
//! branches that each keep their own progress, timetables within the task above, scope, the
//! person's to-do by colour, and the secretary's duty-report pack.

use dangjian_core::role::Role;
use dangjian_service::orgs::SecretaryForm;
use serde_json::Value;

use crate::harness::{self, TestApp, location};

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Task ids linked from a page, in order, without repeats.
fn task_links(page: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for s in page.split("href=\"/tasks/").skip(1) {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(id) = digits.parse()
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// 总支A's secretary: member 200001, from 1 January 2026.
async fn appoint_zza_secretary(app: &TestApp) {
    app.services
        .set_secretary(
            &harness::office(),
            app.fixture.general_a,
            &SecretaryForm {
                police_number: "200001".to_owned(),
                on: "2026-01-01".to_owned(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_task_issued_to_two_branches_keeps_each_ones_progress_and_feeds_the_duty_report() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    appoint_zza_secretary(&app).await;
    let zza = app
        .login_as("sec_zza", Role::OrgSecretary, Some("ZZA"), None)
        .await;
    let a1 = app
        .login_as("sec_a1", Role::OrgSecretary, Some("A1"), None)
        .await;
    let board = format!("/orgs/{}/duty", f.general_a);
    let response = zza.get(app.url("/duty")).send().await.unwrap();
    assert_eq!(
        location(&response),
        board,
        "the plain /duty opens the account's own org"
    );
    let (status, body) = page(&app, &zza, &board).await;
    assert_eq!(status, 200);
    assert!(body.contains("总支A"));
    assert!(
        body.contains("<a href=\"/duty\" class=\"active\""),
        "reached from the navigation"
    );

    // The responsibility list: the first responsible must be the secretary.
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let client = zza.clone();
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&client, &path, &pairs).await
        }
    };
    let duties = format!("/orgs/{}/duties", f.general_a);
    let response = post(
        duties.clone(),
        vec![
            ("year", "2026".into()),
            ("kind", "first_responsible".into()),
            ("police_number", "200003".into()),
            ("content", "亲自抓党建工作".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("第一责任人须是本组织现任书记")
    );
    let response = post(
        duties.clone(),
        vec![
            ("year", "2026".into()),
            ("kind", "first_responsible".into()),
            ("police_number", "200001".into()),
            (
                "content",
                "亲自抓党建工作，每季度听取支部书记抓党建汇报".into(),
            ),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let response = post(
        duties,
        vec![
            ("year", "2026".into()),
            ("kind", "primary_responsibility".into()),
            (
                "content",
                "把党建工作与业务工作同部署、同推进、同考核".into(),
            ),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);

    // A plan, and a task issued to A1 and A2 carrying out the first duty.
    let plans = format!("/orgs/{}/work-plans", f.general_a);
    let response = post(
        plans.clone(),
        vec![
            ("year", "2026".into()),
            ("title", "2026年党建工作要点".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let response = post(
        plans,
        vec![
            ("year", "2026".into()),
            ("title", "2026年党建工作要点".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), 422, "the same plan twice");
    let (_, body) = page(&app, &zza, &format!("{board}?year=2026")).await;
    let plan: i64 = body
        .split("action=\"/work-plans/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let duty: String = body
        .split("name=\"duty\"")
        .nth(1)
        .unwrap()
        .split("<option value=\"")
        .nth(2)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let task = |orgs: &'static str, deadline: &'static str| {
        vec![
            ("title", "每季度开展一次支部书记抓党建述职".to_owned()),
            ("person", "200001".to_owned()),
            ("starts_on", "2026-04-01".to_owned()),
            ("deadline", deadline.to_owned()),
            ("milestones", "2026-05-15 完成第二季度述职".to_owned()),
            ("orgs", orgs.to_owned()),
            ("duty", duty.clone()),
        ]
    };
    let response = post(
        format!("/work-plans/{plan}/tasks"),
        task("A1, B", "2026-06-30"),
    )
    .await;
    assert_eq!(response.status(), 422, "B is not below 总支A");
    let body = response.text().await.unwrap();
    assert!(body.contains("组织编码B不存在、已撤销，或不是承担组织的下级组织"));
    assert!(
        body.contains("每季度开展一次支部书记抓党建述职"),
        "typed text kept"
    );
    let response = post(
        format!("/work-plans/{plan}/tasks"),
        task("A1, A2", "2026-06-30"),
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &zza, &format!("{board}?year=2026")).await;
    let ids = task_links(&body);
    assert_eq!(
        ids.len(),
        3,
        "the general branch's task and one for each branch: {ids:?}"
    );
    let (parent, a1_task, a2_task) = (ids[0], ids[1], ids[2]);

    // The task carries out the first-responsible duty; the committee's primary
    // responsibility is linked to it from its page.
    let (_, body) = page(&app, &zza, &format!("/tasks/{parent}")).await;
    assert_eq!(
        body.matches("亲自抓党建工作，每季度听取").count(),
        1,
        "linked once"
    );
    let other: String = body
        .split("action=\"/tasks/")
        .find(|s| s.starts_with(&format!("{parent}/duties")))
        .and_then(|s| s.split("<option value=\"").nth(2))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let response = post(format!("/tasks/{parent}/duties"), vec![("duty", other)]).await;
    assert_eq!(response.status(), 303);
    let (_, body) = page(&app, &zza, &format!("/tasks/{parent}")).await;
    assert!(
        body.contains("党组织主体责任：把党建工作与业务工作同部署"),
        "{body}"
    );
    assert!(
        !body.contains(&format!("action=\"/tasks/{parent}/duties\"")),
        "nothing left to link"
    );

    // A sub-task must keep within its task.
    let response = post(
        format!("/tasks/{parent}/tasks"),
        vec![
            ("title", "准备述职材料".to_owned()),
            ("starts_on", "2026-03-01".to_owned()),
            ("deadline", "2026-04-30".to_owned()),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("子任务的时间须在上级任务的时间之内")
    );

    // A1 sees its own task from above, reports it finished; A2's is untouched and out of
    // A1's sight.
    let (_, body) = page(&app, &a1, &format!("/orgs/{}/duty?year=2026", f.a1)).await;
    assert!(body.contains("上级下发的任务") && task_links(&body).contains(&a1_task));
    let (status, _) = page(&app, &a1, &format!("/tasks/{a2_task}")).await;
    assert_eq!(status, 404);
    let response = app
        .post_form(
            &a1,
            &format!("/tasks/{a1_task}/reports"),
            &[("note", ""), ("finished", "1")],
        )
        .await;
    assert_eq!(response.status(), 422, "a report needs its substance");
    let response = app
        .post_form(
            &a1,
            &format!("/tasks/{a1_task}/reports"),
            &[
                ("note", "4月20日完成第一次述职，7名党员参加评议"),
                ("finished", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with(&format!("/tasks/{a1_task}")));
    let (_, body) = page(&app, &zza, &format!("/tasks/{parent}")).await;
    assert!(body.contains("支部A1") && body.contains("支部A2"));
    assert_eq!(
        body.matches("<span class=\"tag ok\">已完成</span>").count(),
        1,
        "only A1's is done: {body}"
    );

    // The person responsible sees the task in their to-do by colour once it comes near.
    app.login_as("person", Role::Member, None, Some("200001"))
        .await;
    app.clock.advance(chrono::TimeDelta::days(80));
    let person = app.login("person", harness::PASSWORD).await;
    let (_, todo) = page(&app, &person, "/rectification").await;
    assert!(
        todo.contains("我负责的工作任务") && todo.contains("绿色提醒"),
        "{todo}"
    );
    // The person reports on their own task from it, though a member account.
    let (status, body) = page(&app, &person, &format!("/tasks/{parent}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("报送</button>"), "{body}");
    let response = app
        .post_form(
            &person,
            &format!("/tasks/{parent}/reports"),
            &[("note", "已督促两个支部按期述职")],
        )
        .await;
    assert_eq!(response.status(), 303);
    // But not on a task that is not theirs.
    let response = app
        .post_form(
            &person,
            &format!("/tasks/{a2_task}/reports"),
            &[("note", "越权")],
        )
        .await;
    assert_eq!(response.status(), 404);

    // The duty-report pack gathers the list, the tasks and rectification.
    let zza = app.login("sec_zza", harness::PASSWORD).await;
    let (status, body) = page(
        &app,
        &zza,
        &format!("/orgs/{}/duty-report?year=2026", f.general_a),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("亲自抓党建工作，每季度听取支部书记抓党建汇报"));
    assert!(body.contains("每季度开展一次支部书记抓党建述职"));
    assert!(body.contains("问题整改"));
    let docx = zza
        .get(app.url(&format!("/orgs/{}/duty-report.docx?year=2026", f.general_a)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(docx.starts_with(b"PK"));
    assert!(!app.audit("duty.report", None).await.is_empty());
    for event in [
        "duty.create",
        "work_plan.create",
        "task.create",
        "task.report",
    ] {
        assert!(!app.audit(event, None).await.is_empty(), "{event}");
    }

    // The same over the API.
    let token = app
        .services
        .cli_create_token("sec_zza", "api", None)
        .await
        .unwrap()
        .0;
    let board: Value = app
        .client()
        .get(app.url(&format!("/api/v1/orgs/{}/duties?year=2026", f.general_a)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tasks = board["plans"][0]["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[1]["state"], "done");
    assert_eq!(board["duties"].as_array().unwrap().len(), 2);
}

/// A bearer token of a new account with a role over an org.
async fn api_token(app: &TestApp, login: &str, role: Role, org: &str) -> String {
    app.login_as(login, role, Some(org), None).await;
    app.services
        .cli_create_token(login, "t", None)
        .await
        .unwrap()
        .0
}

/// Issue 14, 14 (R8.x 一岗双责, 第一责任人): every write of the responsibility system over the
/// API as the pages make it — the list with its rules, a plan, a task issued to two
/// branches, a branch's report, a link to the list, and the duty-report pack.
#[tokio::test]
async fn the_api_keeps_the_responsibility_list_plans_tasks_and_the_duty_report() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    appoint_zza_secretary(&app).await;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let appointed = app
        .post_form(
            &office,
            &format!("/orgs/{}/posts", f.general_a),
            &[
                ("post", "committee_member"),
                ("police_number", "200003"),
                ("on", "2026-01-05"),
            ],
        )
        .await;
    assert_eq!(appointed.status(), 303);
    let zza = api_token(&app, "sec_zza", Role::OrgSecretary, "ZZA").await;
    let a1 = api_token(&app, "sec_a1", Role::OrgSecretary, "A1").await;
    let client = app.client();
    let call = |token: &str, method: reqwest::Method, path: String, body: Value| {
        client
            .request(method, app.url(&format!("/api/v1{path}")))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let post = reqwest::Method::POST;
    let duties = format!("/orgs/{}/duties", f.general_a);
    // 第一责任人 is the secretary; 一岗双责 a member of the committee.
    let wrong = call(
        &zza,
        post.clone(),
        duties.clone(),
        serde_json::json!({"kind": "first_responsible", "police_number": "200003", "content": "亲自抓"}),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("police_number"));
    let first: Value = call(
        &zza,
        post.clone(),
        duties.clone(),
        serde_json::json!({"kind": "first_responsible", "police_number": "200001", "content": "亲自抓党建工作"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let dual = call(
        &zza,
        post.clone(),
        duties.clone(),
        serde_json::json!({"kind": "dual_duty", "police_number": "200003", "content": "分管业务同时抓分管部门党建"}),
    )
    .await
    .unwrap();
    assert_eq!(dual.status(), 201);
    let dual: Value = dual.json().await.unwrap();
    let outsider = call(
        &zza,
        post.clone(),
        duties.clone(),
        serde_json::json!({"kind": "dual_duty", "police_number": "200004", "content": "不是委员"}),
    )
    .await
    .unwrap();
    assert_eq!(outsider.status(), 422);

    let plan = call(
        &zza,
        post.clone(),
        format!("/orgs/{}/work-plans", f.general_a),
        serde_json::json!({"year": 2026, "title": "2026年党建工作计划"}),
    )
    .await
    .unwrap();
    assert_eq!(plan.status(), 201);
    let plan = plan.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let task = call(
        &zza,
        post.clone(),
        format!("/work-plans/{plan}/tasks"),
        serde_json::json!({
            "title": "开展支部书记述职评议", "starts_on": "2026-03-01", "deadline": "2026-06-30",
            "orgs": "A1 A2", "duty": dual["id"],
        }),
    )
    .await
    .unwrap();
    assert_eq!(task.status(), 201);
    let task = task.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let detail: Value = call(
        &zza,
        reqwest::Method::GET,
        format!("/tasks/{task}"),
        Value::Null,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let children = detail["children"].as_array().unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(detail["duties"][0]["id"], dual["id"]);
    let a1_task = children.iter().find(|c| c["org_id"] == f.a1).unwrap()["id"]
        .as_i64()
        .unwrap();
    // A1 reports its own part done; A2's stays open; A1 cannot report on A2's.
    let done = call(
        &a1,
        post.clone(),
        format!("/tasks/{a1_task}/reports"),
        serde_json::json!({"note": "已完成述职评议，形成评议报告", "finished": true}),
    )
    .await
    .unwrap();
    assert_eq!(done.status(), 201);
    assert_eq!(done.json::<Value>().await.unwrap()["task"]["state"], "done");
    let a2_task = children.iter().find(|c| c["org_id"] == f.a2).unwrap()["id"]
        .as_i64()
        .unwrap();
    let foreign = call(
        &a1,
        post.clone(),
        format!("/tasks/{a2_task}/reports"),
        serde_json::json!({"note": "越权", "finished": true}),
    )
    .await
    .unwrap();
    assert_eq!(foreign.status(), 404);
    let linked = call(
        &zza,
        post.clone(),
        format!("/duties/{}/tasks", first["id"]),
        serde_json::json!({"task_id": task}),
    )
    .await
    .unwrap();
    assert_eq!(linked.status(), 201);
    let report: Value = call(
        &zza,
        reqwest::Method::GET,
        format!("/orgs/{}/duty-report?year=2026", f.general_a),
        Value::Null,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(report["duties"].as_array().unwrap().len(), 2);
    // The task stays open while A2's part is; A1's part is done.
    assert!(report["task_counts"]["done"].as_u64().unwrap_or(0) == 0);
    let detail: Value = call(
        &zza,
        reqwest::Method::GET,
        format!("/tasks/{task}"),
        Value::Null,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let mut states: Vec<&str> = detail["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["state"].as_str().unwrap())
        .collect();
    states.sort_unstable();
    assert_eq!(states[0], "done");
    assert_ne!(states[1], "done");
    assert_eq!(detail["duties"].as_array().unwrap().len(), 2);
    assert!(!app.audit("task.report", Some("success")).await.is_empty());
}
