//! A chapter finished by answering its quiz (issue 15, 3): questions of the bank of the
//! course's org or above, added while the course is a draft; a member finishes the chapter
//! only with every question right — told which were missed, never the key — and its 学时
//! are credited once.

use dangjian_core::role::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token};
use crate::study::chapter;

fn fields(body: &Value) -> Vec<(String, String)> {
    body["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap().to_owned(),
                        f["message"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn credited(app: &TestApp, member: &str) -> f64 {
    let path = format!("/study/members/{}?year=2026", app.fixture.member_a1);
    let (status, year) = call(app, member, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{year}");
    year["attainment"]["credited_hours"].as_f64().unwrap()
}

#[tokio::test]
async fn a_chapter_with_a_quiz_is_finished_only_by_answering_it_all_right() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let sec_b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;
    let question = |who: &str, body: Value| {
        let (app, who) = (&app, who.to_owned());
        async move {
            let (status, q) = call(app, &who, Method::POST, "/study/questions", Some(body)).await;
            assert_eq!(status, 201, "{q}");
            q["id"].as_i64().unwrap()
        }
    };
    let single = question(
        &office,
        json!({"kind": "single", "stem": "党的根本宗旨是", "options": ["全心全意为人民服务", "发展经济"], "key": "A"}),
    )
    .await;
    let multiple = question(
        &office,
        json!({"kind": "multiple", "stem": "三会一课包括", "options": ["支部党员大会", "支委会", "茶话会"], "key": "AB"}),
    )
    .await;
    let elsewhere = question(
        &sec_b,
        json!({"kind": "judge", "stem": "另一支部的题", "key": "对"}),
    )
    .await;

    let (status, made) = call(
        &app,
        &office,
        Method::POST,
        &format!("/study/courses?org={}", f.general_a),
        Some(json!({"title": "党章学习", "description": "", "micro": true})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let course = made["course"]["id"].as_i64().unwrap();
    let (status, d) = chapter(
        &app,
        &office,
        course,
        made["course"]["version"].as_i64().unwrap(),
        &[
            ("title", "第一讲"),
            ("media", "text"),
            ("minutes", "40"),
            ("body", "全心全意为人民服务是党的根本宗旨。"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 201, "{d}");
    let ch = d["chapters"][0]["id"].as_i64().unwrap();
    let add = |who: &str, version: i64, q: i64| {
        let (app, who) = (&app, who.to_owned());
        async move {
            call(
                app,
                &who,
                Method::POST,
                &format!("/study/chapters/{ch}/questions"),
                Some(json!({"version": version, "question": q})),
            )
            .await
        }
    };
    let mut v = d["course"]["version"].as_i64().unwrap();
    // Refused at the field: no such question, a question of an org not above the course.
    for q in [999_999, elsewhere] {
        let (status, refused) = add(&office, v, q).await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(fields(&refused)[0].0, "question");
    }
    // A member never changes a course; another branch's secretary does not reach it.
    assert_eq!(add(&member, v, single).await.0, 403);
    assert_eq!(add(&sec_b, v, single).await.0, 404);
    for q in [single, multiple] {
        let (status, d) = add(&office, v, q).await;
        assert_eq!(status, 201, "{d}");
        v = d["course"]["version"].as_i64().unwrap();
    }
    let (status, refused) = add(&office, v, single).await;
    assert_eq!((status, fields(&refused)[0].0.as_str()), (422, "question"));
    // A stale version is a conflict, nothing added.
    let (status, _) = add(&office, v - 1, elsewhere).await;
    assert_eq!(status, 422, "the scope check comes first");
    let (status, d) = call(
        &app,
        &office,
        Method::GET,
        &format!("/study/courses/{course}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let quiz = d["chapters"][0]["questions"].as_array().unwrap();
    assert_eq!(quiz.len(), 2);
    assert_eq!(
        (quiz[0]["key"].as_str(), quiz[1]["key"].as_str()),
        (Some("A"), Some("AB"))
    );
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/study/courses/{course}/publish"),
        Some(json!({"version": v})),
    )
    .await;
    assert_eq!(status, 200);
    let v = v + 1;
    // Published: the quiz no longer changes.
    let (status, refused) = add(&office, v, elsewhere).await;
    assert_eq!(status, 422, "{refused}");

    // The member sees the questions, never the keys.
    let (status, d) = call(
        &app,
        &member,
        Method::GET,
        &format!("/study/courses/{course}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let quiz = d["chapters"][0]["questions"].as_array().unwrap();
    assert_eq!(quiz.len(), 2);
    assert!(quiz.iter().all(|q| q["key"].is_null()), "{d}");
    assert!(!d.to_string().contains("\"AB\""));
    // Marking it finished without answering is refused.
    let (status, refused) = call(
        &app,
        &member,
        Method::POST,
        &format!("/study/chapters/{ch}/complete"),
        None,
    )
    .await;
    assert_eq!((status, fields(&refused)[0].0.as_str()), (422, "chapter"));
    let answer = |answers: Value| {
        let (app, member) = (&app, member.clone());
        async move {
            call(
                app,
                &member,
                Method::POST,
                &format!("/study/chapters/{ch}/answers"),
                Some(json!({ "answers": answers })),
            )
            .await
        }
    };
    // One wrong (a multiple choice short of an option), one unanswered: told at each, no
    // key, nothing credited.
    let (status, refused) = answer(json!([{"position": 2, "answer": "A"}])).await;
    assert_eq!(status, 422);
    assert_eq!(
        fields(&refused),
        [
            ("q1".to_owned(), "请作答".to_owned()),
            ("q2".to_owned(), "回答不正确，请再学习本章后重答".to_owned())
        ]
    );
    assert_eq!(credited(&app, &member).await, 0.0);
    // All right: finished, its 学时 credited once.
    let (status, year) = answer(json!([
        {"position": 1, "answer": "a"},
        {"position": 2, "answer": "BA"}
    ]))
    .await;
    assert_eq!(status, 200, "{year}");
    assert_eq!(year["attainment"]["credited_hours"], 1.0);
    let (status, _) = answer(json!([
        {"position": 1, "answer": "A"},
        {"position": 2, "answer": "AB"}
    ]))
    .await;
    assert_eq!(status, 200);
    assert_eq!(credited(&app, &member).await, 1.0);
    // The branch's year counts it once too.
    let (_, org) = call(
        &app,
        &office,
        Method::GET,
        &format!("/study/hours?org={}&year=2026", f.a1),
        None,
    )
    .await;
    assert_eq!(org["branches"][0]["hours"], 1.0, "{org}");
    let done = app.audit("course.complete", Some("success")).await;
    assert_eq!(done.len(), 1, "finished once: {done:?}");
    let detail = done[0].detail.as_deref().unwrap_or_default();
    assert!(detail.contains("\"quiz\":2"), "{detail}");
}
