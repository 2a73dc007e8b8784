//! The `dangjian` binary itself: first start, account and token management from the shell,
//! and one-line errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dangjian(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DANGJIAN_DATABASE_URL")
        .env("DANGJIAN_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dangjian-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_first_start_prints_the_three_administrators_once() {
    let dir = temp_dir("first");
    let first = dangjian(&dir, &["migrate"], "");
    assert!(first.status.success(), "{}", text(&first));
    // Standard output is a pipe here, as under a service manager that logs it: the passwords
    // go to a file only the service account can read, and the output names it (issue 13,
    // finding 16).
    let out = text(&first);
    assert!(!out.contains("sysadmin"), "{out}");
    let file = dir.join("initial-passwords.txt");
    assert!(out.contains(&file.display().to_string()), "{out}");
    let written = std::fs::read_to_string(&file).unwrap();
    for login in ["sysadmin", "secadmin", "auditadmin"] {
        assert!(written.contains(login), "{written}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let db = std::fs::metadata(dir.join("dangjian.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(db & 0o077, 0, "the database is readable by others: {db:o}");
    }
    let second = dangjian(&dir, &["migrate"], "");
    assert!(second.status.success());
    assert!(!text(&second).contains("一次性密码"));
}

#[test]
fn accounts_and_tokens_are_managed_from_the_shell() {
    let dir = temp_dir("users");
    let add = dangjian(
        &dir,
        &[
            "user",
            "add",
            "--login",
            "Office1",
            "--role",
            "committee_staff",
            "--name",
            "办公室",
        ],
        "Hq7-Lantern-42\n",
    );
    assert!(add.status.success(), "{}", text(&add));
    let list = dangjian(&dir, &["user", "list"], "");
    let listed = text(&list);
    assert!(
        listed.contains("office1") && listed.contains("党委办公室"),
        "{listed}"
    );
    // A login a guesser tries first, or a common password, is refused (issue 13, 15).
    let guessable = dangjian(
        &dir,
        &[
            "user",
            "add",
            "--login",
            "admin",
            "--role",
            "committee_staff",
        ],
        "Hq7-Lantern-42\n",
    );
    assert!(!guessable.status.success());
    assert!(
        text(&guessable).contains("容易被猜中"),
        "{}",
        text(&guessable)
    );
    let common = dangjian(
        &dir,
        &[
            "user",
            "add",
            "--login",
            "office2",
            "--role",
            "committee_staff",
        ],
        "Password@123\n",
    );
    assert!(!common.status.success());
    assert!(text(&common).contains("密码过于常见"), "{}", text(&common));
    let weak = dangjian(
        &dir,
        &["user", "add", "--login", "weak1", "--role", "member"],
        "abc\n",
    );
    assert!(!weak.status.success());
    assert!(text(&weak).starts_with("错误："));
    let bad_role = dangjian(
        &dir,
        &["user", "add", "--login", "x123", "--role", "king"],
        "Hq7-Lantern-42\n",
    );
    assert!(!bad_role.status.success());
    assert_eq!(text(&bad_role).lines().count(), 1, "{}", text(&bad_role));
    let token = dangjian(
        &dir,
        &["token", "create", "--login", "office1", "--label", "接口"],
        "",
    );
    assert!(token.status.success());
    assert_eq!(String::from_utf8_lossy(&token.stdout).trim().len(), 43);
    let passwd = dangjian(
        &dir,
        &["user", "passwd", "--login", "office1"],
        "Xinmima-2026!\n",
    );
    assert!(passwd.status.success(), "{}", text(&passwd));
    let unknown = dangjian(
        &dir,
        &["user", "passwd", "--login", "nobody"],
        "Xinmima-2026!\n",
    );
    assert!(!unknown.status.success());
}

#[test]
fn a_bad_setting_stops_with_one_clear_line() {
    let dir = temp_dir("bad");
    let output = Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .arg("--data-dir")
        .arg(&dir)
        .arg("migrate")
        .env("DANGJIAN_DATABASE_URL", "mysql://nowhere/db")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.starts_with("错误：") && err.contains("sqlite: 或 postgres://"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1);
    // A certificate without its key is a bad setting too.
    let output = Command::new(env!("CARGO_BIN_EXE_dangjian"))
        .arg("--data-dir")
        .arg(&dir)
        .arg("migrate")
        .env_remove("DANGJIAN_DATABASE_URL")
        .env("DANGJIAN_TLS_CERT", "/etc/ssl/certs/server.pem")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("tls_cert 与 tls_key 须同时设置"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1);
}

#[test]
fn the_city_demo_fills_an_empty_database_and_refuses_a_second_time() {
    let dir = temp_dir("demo");
    let demo = dangjian(&dir, &["demo", "--seed", "3"], "");
    assert!(demo.status.success(), "{}", text(&demo));
    let out = text(&demo);
    assert!(out.contains("演示数据已生成"), "{out}");
    let passwords = std::fs::read_to_string(dir.join("demo-passwords.txt")).unwrap();
    assert!(
        passwords.contains("dangwei") && passwords.contains("zhibu1"),
        "{passwords}"
    );
    let again = dangjian(&dir, &["demo"], "");
    assert!(!again.status.success());
    assert!(text(&again).contains("只能写入空库"));
    // The demo's study materials are in the search index beside the database; removed, it
    // is rebuilt from the database by `reindex` with the same documents.
    assert!(dir.join("search").join("meta.json").exists());
    let reindexed = dangjian(&dir, &["reindex"], "");
    assert!(reindexed.status.success(), "{}", text(&reindexed));
    let first = text(&reindexed);
    std::fs::remove_dir_all(dir.join("search")).unwrap();
    let again = dangjian(&dir, &["reindex"], "");
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(text(&again), first);
    assert!(first.contains("检索索引已从数据库重建"), "{first}");
    assert!(!first.contains("：0 篇"), "{first}");
    // The demo inspection has items in every state, on the clock too: due soon and overdue;
    // the top committee has a responsibility list and a work plan issued to the orgs below.
    let url = format!("sqlite://{}", dir.join("dangjian.db").display());
    let (stages, due_soon, overdue) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::{Connection as _, Row as _};
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let stages: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT stage FROM rectifications ORDER BY stage")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let row = sqlx::query(
            "SELECT SUM(CASE WHEN due_on >= date('now', 'localtime') AND due_on <= date('now', 'localtime', '+20 days') THEN 1 ELSE 0 END) AS soon, \
             SUM(CASE WHEN due_on < date('now', 'localtime') THEN 1 ELSE 0 END) AS late \
             FROM rectifications WHERE stage IN ('not_started', 'in_progress', 'reopened')",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let duties: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM duties")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let issued: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE parent_id IS NOT NULL")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert!(duties >= 3 && issued >= 8, "{duties} duties, {issued} issued tasks");
        // The root committee's last 民主生活会 has its 整改清单 among the inspections.
        let listed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM findings f JOIN inspections i ON i.id = f.inspection_id \
             JOIN meetings m ON i.feedback_ref = '民主生活会记录' || m.id \
             WHERE m.kind = 'democratic_life_meeting' \
             AND f.problem IN (SELECT text || '（责任人：' || owner || '）' FROM meeting_actions WHERE meeting_id = m.id)",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(listed, 4);
        // Last year's 民主评议 of the demo branch: decided, one 不合格 whose 限期改正 was
        // talked through and pre-reviewed, the branch meeting next; totals but no voter's
        // choice anywhere.
        let review = sqlx::query(
            "SELECT r.stage, (SELECT COUNT(*) FROM review_voters v WHERE v.review_id = r.id) AS voters, \
             (SELECT COUNT(*) FROM review_entries e WHERE e.review_id = r.id AND e.final_grade = 'excellent') AS excellent, \
             (SELECT COUNT(*) FROM review_entries e WHERE e.review_id = r.id AND e.final_grade IS NOT NULL) AS graded, \
             (SELECT COUNT(*) FROM disposition_steps s JOIN dispositions d ON d.id = s.disposition_id \
              WHERE d.review_id = r.id AND d.status = 'open') AS steps FROM member_reviews r",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(review.get::<String, _>("stage"), "decided");
        assert!(review.get::<i64, _>("voters") > 3);
        assert!(review.get::<i64, _>("excellent") * 3 <= review.get::<i64, _>("graded"));
        assert_eq!(review.get::<i64, _>("steps"), 2);
        let duty: String = sqlx::query_scalar("SELECT grade FROM duty_reviews")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(duty, "fairly_good");
        let practices: Vec<String> =
            sqlx::query_scalar("SELECT status FROM practices ORDER BY id")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(practices, ["published", "submitted"]);
        // A published indicator set and last year's round, finished with an upheld objection
        // and every branch graded (or found short of data).
        let set: String = sqlx::query_scalar("SELECT status FROM indicator_sets")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(set, "published");
        let round = sqlx::query(
            "SELECT r.stage, (SELECT COUNT(*) FROM round_orgs x WHERE x.round_id = r.id) AS orgs, \
             (SELECT COUNT(*) FROM round_results s WHERE s.round_id = r.id) AS results, \
             (SELECT COUNT(*) FROM round_objections j WHERE j.round_id = r.id AND j.upheld = 1) AS upheld \
             FROM assessment_rounds r",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(round.get::<String, _>("stage"), "published");
        assert!(round.get::<i64, _>("orgs") > 1);
        assert_eq!(round.get::<i64, _>("orgs"), round.get::<i64, _>("results"));
        assert_eq!(round.get::<i64, _>("upheld"), 1);
        (stages, row.get::<i64, _>("soon"), row.get::<i64, _>("late"))
    });
    assert_eq!(
        stages,
        [
            "awaiting_acceptance",
            "closed",
            "in_progress",
            "not_started",
            "reopened"
        ]
    );
    assert!(due_soon > 0 && overdue > 0, "{due_soon} {overdue}");
}

#[test]
fn a_key_rotation_reseals_everything_and_the_data_still_opens() {
    let dir = temp_dir("rotate");
    let demo = dangjian(&dir, &["demo", "--seed", "5"], "");
    assert!(demo.status.success(), "{}", text(&demo));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o700,
            "the data directory is the service account's alone"
        );
    }
    let rotated = dangjian(&dir, &["keys", "rotate"], "");
    assert!(rotated.status.success(), "{}", text(&rotated));
    let out = text(&rotated);
    assert!(out.contains("第 2 版字段密钥"), "{out}");
    let count: u64 = out
        .split("党员 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(count > 1000, "{out}");
    let keys = std::fs::read_to_string(dir.join("dangjian.keys")).unwrap();
    assert_eq!(keys.matches("version").count(), 2);
    // Everything still opens: an export reads every member's masked numbers, and the audit
    // chain, whose key did not change, verifies with the rotation on record.
    let file = dir.join("all.xlsx");
    let export = dangjian(&dir, &["export", "members", file.to_str().unwrap()], "");
    assert!(export.status.success(), "{}", text(&export));
    let verify = dangjian(&dir, &["audit", "verify"], "");
    assert!(verify.status.success(), "{}", text(&verify));
    let log = dangjian(&dir, &["audit", "export"], "");
    assert!(String::from_utf8_lossy(&log.stdout).contains("\"event\":\"keys.rotate\""));
}

#[test]
fn the_audit_chain_is_checked_from_the_shell() {
    let dir = temp_dir("verify");
    let first = dangjian(&dir, &["migrate"], "");
    assert!(first.status.success(), "{}", text(&first));
    let verify = dangjian(&dir, &["audit", "verify"], "");
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(text(&verify).contains("审计链完整"));
    // Someone with the database file lifts the guard and edits a record.
    let url = format!("sqlite://{}", dir.join("dangjian.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection as _;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET login = 'someone' WHERE id = 2",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    });
    let broken = dangjian(&dir, &["audit", "verify"], "");
    assert_eq!(broken.status.code(), Some(1), "{}", text(&broken));
    assert!(
        text(&broken).contains("第一条有问题的记录编号 2"),
        "{}",
        text(&broken)
    );
}

#[test]
fn the_coverage_report_prints_from_the_shell_as_text_or_json() {
    let dir = temp_dir("coverage");
    let demo = dangjian(&dir, &["demo", "--seed", "5"], "");
    assert!(demo.status.success(), "{}", text(&demo));
    let plain = dangjian(&dir, &["coverage"], "");
    assert!(plain.status.success());
    let out = String::from_utf8_lossy(&plain.stdout);
    assert!(
        out.contains("单位未建立党组织") && out.contains("书记空缺"),
        "{out}"
    );
    let json = dangjian(&dir, &["coverage", "--json", "--org", "FJ0"], "");
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(value["scope"].as_str().unwrap().contains("城东分局党委"));
    // The sub-bureau answers for the units below its own (issue 14, 2): the planted 巡特警
    // 大队 without an org; its 警务室 are covered by their joint branch.
    let units: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unit_without_org")
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["江城市公安局城东分局巡特警大队"]);
}

#[test]
fn an_export_imports_back_only_after_its_masked_numbers_are_refused() {
    let dir = temp_dir("roundtrip");
    assert!(
        dangjian(&dir, &["demo", "--seed", "9"], "")
            .status
            .success()
    );
    let file = dir.join("fj0.xlsx");
    let export = dangjian(
        &dir,
        &["export", "members", "--org", "FJ0", file.to_str().unwrap()],
        "",
    );
    assert!(export.status.success(), "{}", text(&export));
    // The export masks ID numbers, so importing it back reports every row and writes nothing.
    let import = dangjian(
        &dir,
        &["import", "members", file.to_str().unwrap(), "--commit"],
        "",
    );
    assert!(!import.status.success());
    let out = text(&import);
    assert!(
        out.contains("身份证号") && out.contains("未导入任何数据"),
        "{out}"
    );
}
