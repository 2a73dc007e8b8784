//! The API against its own document (issue 14, 15): a standard validator
//! (`openapi-spec-validator`) checks the document, and a property-based contract test
//! (`schemathesis`) sends the running app requests generated from it and checks every answer —
//! never a server error, only documented statuses, bodies that match their schemas. Runs when
//! DANGJIAN_CONTRACT_TEST=1 (CI installs both tools from PyPI).

use std::process::Command;

use dangjian_core::role::Role;

use crate::harness::{PASSWORD, TestApp};

#[tokio::test]
async fn the_api_answers_as_its_document_says() {
    if std::env::var("DANGJIAN_CONTRACT_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set DANGJIAN_CONTRACT_TEST=1 to run the contract test");
        return;
    }
    let app = TestApp::spawn().await;
    let grant = dangjian_service::accounts::GrantForm {
        role: Role::CommitteeStaff.code().to_owned(),
        ..Default::default()
    };
    app.services
        .cli_add_user("contract", "", &grant, PASSWORD)
        .await
        .unwrap();
    let token = app
        .services
        .cli_create_token("contract", "契约测试", None)
        .await
        .unwrap()
        .0;
    let document = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let file = std::env::temp_dir().join(format!("dangjian-openapi-{}.json", std::process::id()));
    std::fs::write(&file, &document).unwrap();
    let validated = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 with openapi-spec-validator");
    assert!(
        validated.status.success(),
        "the document is not valid OpenAPI:\n{}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );
    // The spreadsheet uploads take a body no generator can make; they have tests of their own.
    let app_url = app.url("/api/v1");
    // Hypothesis sometimes fails inside itself under Python 3.11 ("AST constructor recursion
    // depth mismatch", a runtime error of the tool, not a finding about the API). With the
    // seed fixed, a real departure fails every run; only a run that broke down is repeated.
    let mut attempt = 0;
    let (tested, report) = loop {
        attempt += 1;
        let (file, app_url, token) = (file.clone(), app_url.clone(), token.clone());
        let tested = tokio::task::spawn_blocking(move || {
            Command::new("schemathesis")
                .arg("run")
                .arg(&file)
                .args(["--url", &app_url])
                .args(["-H", &format!("Authorization: Bearer {token}")])
                .args([
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                    "--phases",
                    "examples,coverage,fuzzing",
                    "--max-examples",
                    "15",
                    "--seed",
                    "1",
                    "--workers",
                    "2",
                    "--exclude-path",
                    "/imports",
                    "--exclude-path",
                    "/units/import",
                    "--exclude-path",
                    "/dues/imports/{kind}",
                    "--continue-on-failure",
                ])
                .output()
                .expect("schemathesis")
        })
        .await
        .unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&tested.stdout),
            String::from_utf8_lossy(&tested.stderr)
        );
        let broke_down = !tested.status.success()
            && report.contains("Runtime Error")
            && !report.contains("FAILURES");
        if !broke_down || attempt == 2 {
            break (tested, report);
        }
        eprintln!("schemathesis broke down (a runtime error of the tool); running it again");
    };
    eprintln!(
        "{}",
        report
            .lines()
            .rev()
            .take(25)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        tested.status.success(),
        "the API departs from its document:\n{report}"
    );
}
