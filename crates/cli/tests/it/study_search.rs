//! 学习资料检索 over HTTP (issue 15, 7): study materials found by their words and by their
//! characters (从严治警 finds 从严管党治警), in a chapter's text and in a PDF's, with the
//! match marked; only what the account may open; the index rebuilt from the database when
//! it is missing.

use dangjian_core::role::Role;
use dangjian_store::Page;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestApp, api_call as call, bearer_token as token};
use crate::study::chapter;

const PDF: &[u8] = include_bytes!("../../../service/src/demo/media/reading.pdf");

async fn find(app: &TestApp, token: &str, q: &str) -> Value {
    let path = format!("/study/search?q={}", dangjian_web_encode(q));
    let (status, found) = call(app, token, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{found}");
    found
}

fn dangjian_web_encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn kinds(found: &Value) -> Vec<(String, String)> {
    found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_owned(),
                h["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn study_materials_are_found_by_words_and_characters_within_scope() {
    let app = TestApp::spawn().await;
    let f = &app.fixture;
    let office = token(&app, "office", Role::CommitteeStaff, None, None).await;
    let sec_b = token(&app, "sec_b", Role::OrgSecretary, Some("B"), None).await;
    let member = token(&app, "member1", Role::Member, None, Some("200001")).await;
    let member_b = token(&app, "member4", Role::Member, None, Some("200004")).await;

    let (status, made) = call(
        &app,
        &office,
        Method::POST,
        &format!("/study/courses?org={}", f.general_a),
        Some(json!({"title": "警示教育微党课", "description": "以案为鉴", "micro": true})),
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
            ("title", "第一讲 严的基调"),
            ("media", "text"),
            ("minutes", "20"),
            ("body", "坚持全面从严管党治警，把严的要求贯穿队伍建设始终。"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 201, "{d}");
    let (status, d) = chapter(
        &app,
        &office,
        course,
        d["course"]["version"].as_i64().unwrap(),
        &[("title", "阅读材料"), ("media", "pdf"), ("minutes", "30")],
        Some(("阅读材料.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(status, 201, "{d}");
    let pdf_chapter = d["chapters"][1]["id"].as_i64().unwrap();

    // The words of the query are apart in the text: found by its characters, both in the
    // typed text and in the PDF's, with the match marked and a link to the chapter.
    let found = find(&app, &office, "从严治警").await;
    let hits = kinds(&found);
    assert!(
        hits.contains(&("chapter".into(), "第一讲 严的基调".into())),
        "{found}"
    );
    assert!(
        hits.contains(&("chapter".into(), "阅读材料".into())),
        "{found}"
    );
    let pdf_hit = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == pdf_chapter)
        .unwrap();
    assert_eq!(
        pdf_hit["href"],
        format!("/study/courses/{course}#chapter-{pdf_chapter}")
    );
    let fragment = pdf_hit["fragment"].as_str().unwrap();
    assert!(fragment.contains("从严管党治警"), "{fragment}");
    let marked: Vec<&str> = pdf_hit["marks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &fragment[m[0].as_u64().unwrap() as usize..m[1].as_u64().unwrap() as usize])
        .collect();
    assert!(marked.iter().any(|m| m.contains('严')), "{marked:?}");
    // A word only the PDF holds finds it alone; a word nowhere finds nothing.
    let found = find(&app, &office, "思考题").await;
    assert_eq!(kinds(&found), [("chapter".into(), "阅读材料".into())]);
    assert_eq!(find(&app, &office, "交通事故").await["total"], 0);

    // A draft is for those who keep it: not the members below, not another branch.
    assert_eq!(find(&app, &member, "从严治警").await["total"], 0);
    assert_eq!(find(&app, &sec_b, "从严治警").await["total"], 0);
    let v = d["course"]["version"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/study/courses/{course}/publish"),
        Some(json!({"version": v})),
    )
    .await;
    assert_eq!(status, 200);
    // Published: the members below its org find it; another branch still does not.
    let found = find(&app, &member, "从严治警").await;
    assert_eq!(found["total"], 2, "{found}");
    let found = find(&app, &member, "警示教育").await;
    assert_eq!(kinds(&found), [("course".into(), "警示教育微党课".into())]);
    assert_eq!(find(&app, &member_b, "从严治警").await["total"], 0);
    assert_eq!(find(&app, &sec_b, "从严治警").await["total"], 0);

    // A plan's topic is found by those whose scope holds the plan, never by a member.
    let (_, top) = call(&app, &office, Method::GET, "/study/hours?year=2026", None).await;
    let root = top["org_id"].as_i64().unwrap();
    let (status, plan) = call(
        &app,
        &office,
        Method::POST,
        &format!("/orgs/{root}/study-plan/topics"),
        Some(
            json!({"year": 2026, "version": 0, "month": 3, "topic": "学习纪律处分条例",
            "materials": "条例原文"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{plan}");
    let found = find(&app, &office, "纪律处分").await;
    assert_eq!(kinds(&found), [("plan".into(), "学习纪律处分条例".into())]);
    assert_eq!(
        found["hits"][0]["href"],
        format!("/orgs/{root}/study-plan?year=2026")
    );
    assert_eq!(find(&app, &member, "纪律处分").await["total"], 0);
    assert_eq!(find(&app, &sec_b, "纪律处分").await["total"], 0);
    // Removed, it is no longer found.
    let item = plan["topics"][0]["id"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        &office,
        Method::POST,
        &format!("/orgs/{root}/study-plan/topics/{item}/delete"),
        Some(json!({"year": 2026, "version": plan["version"]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(find(&app, &office, "纪律处分").await["total"], 0);

    // What cannot be searched is refused at the field.
    for q in ["", "   ", &"党".repeat(51)] {
        let path = format!("/study/search?q={}", dangjian_web_encode(q));
        let (status, refused) = call(&app, &office, Method::GET, &path, None).await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["fields"][0]["field"], "q");
    }

    // The index is a cache: one that is missing is rebuilt from the database, and finds
    // the same.
    let dir = std::env::temp_dir().join(format!("dangjian-it-search-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let fresh = app.services.clone().with_search_dir(&dir).unwrap();
    let held = fresh.refresh_search_index(false).await.unwrap();
    assert_eq!(
        held, 3,
        "a course and its two chapters (the topic was removed)"
    );
    let office_actor = crate::harness::office();
    let page = Page {
        number: 1,
        size: 20,
    };
    let (hits, total) = fresh
        .search_study(&office_actor, "从严治警", page)
        .await
        .unwrap();
    assert_eq!((hits.len(), total), (2, 2));
    // Opened again, it is kept as it is.
    drop(fresh);
    let again = app.services.clone().with_search_dir(&dir).unwrap();
    assert_eq!(again.refresh_search_index(false).await.unwrap(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_search_page_marks_what_it_found_and_says_what_was_wrong() {
    let app = TestApp::spawn().await;
    let office = app
        .login_as("office", Role::CommitteeStaff, None, None)
        .await;
    let f = &app.fixture;
    let api = token(&app, "office_api", Role::CommitteeStaff, None, None).await;
    let (status, made) = call(
        &app,
        &api,
        Method::POST,
        &format!("/study/courses?org={}", f.general_a),
        Some(json!({"title": "<b>党章</b>学习", "description": "逐条学习党章", "micro": false})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let page = office
        .get(app.url("/study/search?q=%E5%85%9A%E7%AB%A0"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("找到 1 条"), "{html}");
    assert!(
        html.contains("&#60;b&#62;党章&#60;/b&#62;学习"),
        "a title is text, never markup"
    );
    assert!(html.contains("<mark>党章</mark>"), "{html}");
    let page = office
        .get(app.url(&format!("/study/search?q={}", "党".repeat(51))))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    let html = page.text().await.unwrap();
    assert!(html.contains("要查找的词不能超过50个字"), "{html}");
    // An empty box is the page itself, not an error.
    let page = office.get(app.url("/study/search")).send().await.unwrap();
    assert_eq!(page.status(), 200);
}
