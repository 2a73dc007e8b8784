//! Province-scale measurements for the organisation and membership targets: coverage report
//! (< 1 s), member search (< 50 ms) and import of 100,000 rows (< 30 s); and for
//! organisational life: the compliance of every org of the province for a year (< 1 s).
//!
//! `cargo bench -p dangjian --bench scale` generates the province demo (about 97,000 members)
//! in a fresh SQLite file, or in the empty PostgreSQL database named by
//! `DANGJIAN_DATABASE_URL`, then times each operation through the service layer, as the web
//! handlers call it, and prints median and worst times. With `DANGJIAN_BENCH_DIR=dir` the data
//! directory is kept; `DANGJIAN_BENCH_ONLY=compliance` then times only the compliance overview
//! on the database that run filled, and `DANGJIAN_BENCH_ONLY=demo` only generates the demo
//! (printing each phase's time); `DANGJIAN_BENCH_ONLY=rectification` times only the
//! rectification overview (target < 200 ms with the province's 50,000 measures), and
//! `DANGJIAN_BENCH_ONLY=eligibility` only the eligibility of every member (< 1 s), and
//! `DANGJIAN_BENCH_ONLY=dues` only the monthly dues run of the province (< 5 s), the
//! dues reconciliation (< 1 s) and the import of a bank sheet of 5,000 records, and
//! `DANGJIAN_BENCH_ONLY=recruitment` only the 发展党员 pipeline of the province (< 500 ms),
//! and `DANGJIAN_BENCH_ONLY=rating` only the annual 党组织考核 round of every branch (< 5 s).

// A measurement stops at the first failure, as a test does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use dangjian_core::id_number::check_char;
use dangjian_core::member::{Category, MemberStatus};
use dangjian_service::demo::DemoScale;
use dangjian_service::members::Search;
use dangjian_service::{Actor, Database, Page, Services, SystemClock};
use rust_xlsxwriter::Workbook;

const IMPORT_ROWS: usize = 100_000;

#[tokio::main]
async fn main() {
    // `DANGJIAN_BENCH_DIR` keeps the data directory (SQLite file, key file) for a later run.
    let kept = std::env::var_os("DANGJIAN_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("dangjian-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = std::env::var("DANGJIAN_DATABASE_URL").ok();
    let sqlite = dir.join("bench.db");
    let database = match &url {
        Some(url) => Database::Url(url),
        None => Database::Sqlite(&sqlite),
    };
    let rules = dangjian_core::rules::RuleBook::load(None).expect("the compiled-in rules");
    let services = Services::open(
        database,
        &dir.join("bench.keys"),
        Arc::new(SystemClock),
        rules,
    )
    .await
    .expect("open the database (PostgreSQL must be empty)")
    // The demo's course media are spooled here on their way into the database.
    .with_attachment_dir(dir.join("attachments"));
    println!(
        "database: {}",
        if url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );

    // `DANGJIAN_BENCH_ONLY=compliance` times only the compliance overview, on a database
    // the bench filled before (to measure a change without generating the province again);
    // `DANGJIAN_BENCH_ONLY=demo` only generates the demo.
    let only = std::env::var("DANGJIAN_BENCH_ONLY").unwrap_or_default();
    let only_compliance = only == "compliance";
    let only_rectification = only == "rectification";
    let only_eligibility = only == "eligibility";
    let only_dues = only == "dues";
    let only_recruitment = only == "recruitment";
    let only_study = only == "study";
    let only_rating = only == "rating";
    if !only_compliance
        && !only_rectification
        && !only_eligibility
        && !only_dues
        && !only_recruitment
        && !only_study
        && !only_rating
    {
        let started = Instant::now();
        // Each phase's time, printed when the next begins (the demo reports its phases by
        // name as it goes).
        let phase = std::sync::Mutex::new(("生成计划".to_owned(), Instant::now()));
        let summary = services
            .generate_demo(DemoScale::Province, 1, &|name, _, _| {
                let mut current = phase.lock().unwrap();
                if current.0 != name {
                    println!(
                        "  {}: {:.1} s",
                        current.0,
                        current.1.elapsed().as_secs_f64()
                    );
                    *current = (name.to_owned(), Instant::now());
                }
            })
            .await
            .expect("province demo");
        let last = phase.into_inner().unwrap();
        println!("  {}: {:.1} s", last.0, last.1.elapsed().as_secs_f64());
        println!(
            "province demo: {} orgs, {} members, {} records of organisational life, {} rectification items with {} measures in {:.1} s",
            summary.orgs,
            summary.members,
            summary.meetings,
            summary.rectifications,
            summary.measures,
            started.elapsed().as_secs_f64()
        );
        if only == "demo" {
            return;
        }
    }

    let office = Actor::shell_office();
    let year = services.clock().today().year();
    // Issue 15: the province's 学时 attainment (< 1 s cold) with a year of credits for every
    // member, and search over 10,000 study documents (p99 < 50 ms).
    if only_study || only.is_empty() {
        study(&services, &dir, year).await;
        if only_study {
            return;
        }
    }
    // Issue 19: a round of every branch of the province (< 5 s): opened, the records read
    // in for every computed indicator, and the totals and grades once scored from above.
    if only == "rating" || only.is_empty() {
        rating(&services, &office, year).await;
        if only == "rating" {
            return;
        }
    }
    // Issue 18: everyone on the path in the province with the next step due, < 500 ms
    // cold (each run after a write, so no cache helps), and the year's figures.
    if only == "recruitment" || only.is_empty() {
        let pipeline = time(&services, 5, || async {
            services
                .recruitment_pipeline(&office, None)
                .await
                .expect("pipeline");
        })
        .await;
        let people = services
            .recruitment_pipeline(&office, None)
            .await
            .unwrap()
            .len();
        report(
            &format!("发展党员 pipeline, whole province ({people} on the path)"),
            &pipeline,
            500,
        );
        let statistics = time(&services, 5, || async {
            services
                .recruitment_statistics(&office, year)
                .await
                .expect("statistics");
        })
        .await;
        report("发展党员 year's figures, whole province", &statistics, 500);
        if only == "recruitment" {
            return;
        }
    }
    if only_dues || only.is_empty() {
        dues(&services, &dir, &url, &office).await;
        if only_dues {
            return;
        }
    }
    // Issue 16: who of the province may not be commended or promoted today, from every
    // sanction and open finding (everyone else may), < 1 s.
    let today = services.clock().today();
    let eligibility = time(&services, 5, || async {
        services
            .barred_members(&office, today)
            .await
            .expect("eligibility");
    })
    .await;
    let barred = services.barred_members(&office, today).await.unwrap().len();
    report(
        &format!("eligibility of every member, whole province ({barred} barred)"),
        &eligibility,
        1000,
    );
    if only_eligibility {
        return;
    }
    if !only_compliance {
        let overview = time(&services, 5, || async {
            services
                .rectification_overview(&office, None)
                .await
                .expect("rectification overview");
        })
        .await;
        let o = services
            .rectification_overview(&office, None)
            .await
            .unwrap();
        println!(
            "rectification overview: {} items in {} orgs, {} overdue listed",
            o.by_state.total(),
            o.by_org.len(),
            o.overdue.len()
        );
        report("rectification overview, whole province", &overview, 200);
        let todo = time(&services, 5, || async {
            services.rectification_todo(&office).await.expect("to-do");
        })
        .await;
        report("rectification to-do of the committee office", &todo, 200);
        let listed = time(&services, 5, || async {
            services.inspections(&office).await.expect("inspections");
        })
        .await;
        report("inspection list with counts, whole province", &listed, 200);
        let inspection = services.inspections(&office).await.unwrap()[0].0.id;
        let first_page = Page {
            number: 1,
            size: 50,
        };
        let page = time(&services, 5, || async {
            services
                .inspection(&office, inspection, None, first_page)
                .await
                .expect("inspection");
        })
        .await;
        report("inspection page (findings counted, 50 items)", &page, 200);
        let ledger = time(&services, 3, || async {
            services
                .rectification_ledger(&office, inspection)
                .await
                .expect("ledger");
        })
        .await;
        let rows = services
            .rectification_ledger(&office, inspection)
            .await
            .unwrap()
            .rows
            .len();
        report(&format!("rectification ledger, {rows} rows"), &ledger, 5000);
        if only_rectification {
            return;
        }
    }
    let compliance = time(&services, 5, || async {
        services
            .compliance_overview(&office, year - 1)
            .await
            .expect("compliance");
    })
    .await;
    let rows = services
        .compliance_overview(&office, year - 1)
        .await
        .expect("compliance");
    println!(
        "compliance overview: {} orgs owe organisational life, {} periods of national requirements missed, {} of local ones",
        rows.len(),
        rows.iter().map(|r| r.tally.national.missing).sum::<u32>(),
        rows.iter().map(|r| r.tally.local.missing).sum::<u32>()
    );
    report(
        "compliance of every org for a year, whole province",
        &compliance,
        1000,
    );
    if only_compliance {
        return;
    }
    let coverage = time(&services, 5, || async {
        services.coverage(&office, None).await.expect("coverage");
    })
    .await;
    let findings = services
        .coverage(&office, None)
        .await
        .unwrap()
        .findings
        .len();
    report("coverage report, whole province", &coverage, 1000);
    println!("  ({findings} findings)");

    let sample = services
        .search_members(
            &office,
            &Search::default(),
            Page {
                number: 50,
                size: 20,
            },
        )
        .await
        .expect("a page of the roster")
        .members
        .into_iter()
        // A serving officer: retired members and civilian staff have no 警号 to search by.
        .find(|m| m.police_number.is_some())
        .expect("an officer on the page");
    let city_code = "C07-";
    let searches: Vec<(&str, Search)> = vec![
        ("whole roster, first page", Search::default()),
        (
            "name substring (one character)",
            Search {
                name: Some(sample.name.chars().last().unwrap().to_string()),
                ..Search::default()
            },
        ),
        (
            "name substring (full name)",
            Search {
                name: Some(sample.name.clone()),
                ..Search::default()
            },
        ),
        (
            "police number",
            Search {
                police_number: sample.police_number.clone(),
                ..Search::default()
            },
        ),
        (
            "org subtree (one city)",
            Search {
                org: Some(format!("{city_code}DW")),
                ..Search::default()
            },
        ),
        (
            "category probationary",
            Search {
                category: Some(Category::Probationary),
                ..Search::default()
            },
        ),
        (
            "status lost contact",
            Search {
                status: Some(MemberStatus::LostContact),
                ..Search::default()
            },
        ),
        (
            "branch, probationary",
            Search {
                org: Some(sample.branch_code.clone()),
                category: Some(Category::Probationary),
                ..Search::default()
            },
        ),
    ];
    for (label, search) in &searches {
        let page = Page {
            number: 1,
            size: 20,
        };
        let probe = services.search_members(&office, search, page).await;
        let Ok(found) = probe else {
            println!("search {label}: skipped ({:?})", probe.err());
            continue;
        };
        let times = time(&services, 20, || async {
            services
                .search_members(&office, search, page)
                .await
                .expect("search");
        })
        .await;
        report(&format!("search: {label}"), &times, 50);
        println!("  ({} matches)", found.total);
    }

    let branches: Vec<String> = services
        .branch_options(&office, 100_000)
        .await
        .expect("branches")
        .into_iter()
        .map(|o| o.code.as_str().to_owned())
        .collect();
    // 10,000 rows (numbers after the 100,000 below), then 100,000.
    import(
        &services,
        &office,
        &branches,
        IMPORT_ROWS..IMPORT_ROWS + 10_000,
    )
    .await;
    let first_id = import(&services, &office, &branches, 0..IMPORT_ROWS).await;

    let by_id = Search {
        id_number: Some(first_id),
        reason: Some("基准测试".to_owned()),
        ..Search::default()
    };
    let page = Page {
        number: 1,
        size: 20,
    };
    let times = time(&services, 20, || async {
        let found = services
            .search_members(&office, &by_id, page)
            .await
            .expect("search");
        assert_eq!(found.total, 1);
    })
    .await;
    report("search: whole ID number (after import)", &times, 50);
    let coverage = time(&services, 3, || async {
        services.coverage(&office, None).await.expect("coverage");
    })
    .await;
    report("coverage report after import", &coverage, 1000);

    drop(services);
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Imports the generated rows `rows` through the service (preview, then commit) and prints
/// the time of each step; returns the ID number of the first row.
async fn import(
    services: &Services,
    office: &Actor,
    branches: &[String],
    rows: std::ops::Range<usize>,
) -> String {
    let (sheet, first_id) = import_sheet(branches, rows.clone());
    println!(
        "import sheet: {} rows, {:.1} MB",
        rows.len(),
        sheet.len() as f64 / 1e6
    );
    let started = Instant::now();
    let preview = services
        .preview_import(office, sheet.clone())
        .await
        .expect("preview");
    let previewed = started.elapsed();
    assert_eq!(
        preview.problem_count, 0,
        "the bench sheet is valid: {:?}",
        preview.problems
    );
    let batch = preview.batch.expect("a sealed batch");
    let started = Instant::now();
    let written = services.commit_import(office, batch).await.expect("commit");
    let committed = started.elapsed();
    println!(
        "import {written} rows: preview {:.1} s + commit {:.1} s = {:.1} s (target for 100,000 < 30 s)",
        previewed.as_secs_f64(),
        committed.as_secs_f64(),
        (previewed + committed).as_secs_f64()
    );
    first_id
}

/// Issue 17: the monthly run that writes every member's charge for a new month, on a clock
/// moved to the first month after the demo's not yet run (so a kept database can be timed
/// again), and the reconciliation of the whole province for a month and for a year.
async fn dues(services: &Services, dir: &std::path::Path, url: &Option<String>, office: &Actor) {
    use dangjian_core::dues::Month;
    let this = Month::of(services.clock().today());
    let sqlite = dir.join("bench.db");
    let rules = dangjian_core::rules::RuleBook::load(None).expect("the compiled-in rules");
    let mut next = this.plus(1);
    let (report_run, took) = loop {
        let day = next.first_day() + chrono::Days::new(9);
        let clock = dangjian_service::ManualClock::new(day.and_hms_opt(2, 0, 0).unwrap().and_utc());
        let later = Services::open(
            match url {
                Some(url) => Database::Url(url),
                None => Database::Sqlite(&sqlite),
            },
            &dir.join("bench.keys"),
            Arc::new(clock),
            rules.clone(),
        )
        .await
        .expect("open the database again");
        let started = Instant::now();
        let run = later
            .run_dues_month(office, &next.to_string())
            .await
            .expect("dues run");
        let took = started.elapsed();
        later.db().close().await;
        if run.charged > 0 || next.since(this) > 36 {
            break (run, took);
        }
        next = next.plus(1);
    };
    println!(
        "monthly dues run of {}: {} members charged, {} unassessed, in {:.1} ms (target < 5000 ms)",
        next.label(),
        report_run.charged,
        report_run.unassessed,
        took.as_secs_f64() * 1000.0
    );
    let month = time(services, 5, || async {
        services
            .dues_ledger(office, None, this, this)
            .await
            .expect("ledger");
    })
    .await;
    report(
        "dues reconciliation of the province, one month",
        &month,
        1000,
    );
    let year = time(services, 5, || async {
        services
            .dues_ledger(office, None, this.plus(-11), this)
            .await
            .expect("ledger");
    })
    .await;
    report(
        "dues reconciliation of the province, twelve months",
        &year,
        1000,
    );
    let arrears = time(services, 5, || async {
        services.dues_arrears(office).await.expect("arrears");
    })
    .await;
    let owing = services.dues_arrears(office).await.unwrap().len();
    report(
        &format!("dues arrears of the province ({owing} members)"),
        &arrears,
        1000,
    );
    dues_import(services, office, this).await;
}

/// Issue 17, 6: a bank sheet of up to 5,000 records of this month (members still owing it,
/// across the province) checked, then committed whole, by a keeper of the whole tree.
async fn dues_import(services: &Services, office: &Actor, this: dangjian_core::dues::Month) {
    let keeper = Actor {
        role: Some(dangjian_core::role::Role::DuesKeeper),
        ..office.clone()
    };
    let top = services
        .dues_ledger(office, None, this, this)
        .await
        .expect("ledger")
        .lines
        .first()
        .map(|l| l.org.id)
        .expect("a top org");
    let (_, _, rows) = services
        .dues_sheet(office, top, &this.to_string())
        .await
        .expect("sheet");
    let owing: Vec<_> = rows
        .iter()
        .filter(|r| r.here && r.police_number.is_some() && r.due.is_some_and(|d| r.paid < d))
        .take(5_000)
        .collect();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "姓名",
        "警号或党员编号",
        "所属月份",
        "金额（元）",
        "扣款日期",
        "银行流水号",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let today = services.clock().today().to_string();
    // References of this run only: a kept database holds the runs before.
    let run = services.clock().now().timestamp();
    for (i, r) in owing.iter().enumerate() {
        let row = i as u32 + 1;
        let owed = r.due.unwrap_or_default() - r.paid;
        for (c, value) in [
            r.name.clone(),
            r.police_number.clone().unwrap_or_default(),
            this.to_string(),
            owed.yuan_text(),
            today.clone(),
            format!("B{run}-{row:06}"),
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(row, c as u16, value).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let started = Instant::now();
    let report = services
        .preview_dues_import(&keeper, dangjian_core::dues_import::SheetKind::Bank, bytes)
        .await
        .expect("preview");
    let previewed = started.elapsed();
    assert_eq!(report.problem_count, 0, "{:?}", report.problems.first());
    let started = Instant::now();
    let (_, written) = services
        .commit_dues_import(&keeper, report.batch.expect("a clean sheet"))
        .await
        .expect("commit");
    println!(
        "bank sheet of {} records: preview {:.0} ms, commit {:.0} ms ({written} payments)",
        owing.len(),
        previewed.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// A year of 学时 for every member (a group study a month, as a branch records them), then
/// the province's attainment, cold; 10,000 study documents (500 courses of 19 chapters),
/// the index rebuilt from the database, and searches as the office, a 总支 secretary and a
/// member.
async fn study(services: &Services, dir: &std::path::Path, year: i32) {
    use dangjian_core::role::{Role, Scope};
    use sqlx::Row;

    let services = services
        .clone()
        .with_search_dir(&dir.join("search"))
        .expect("the search index");
    let mut tx = services.db().write().await.unwrap();
    let started = Instant::now();
    for month in 1..=12u32 {
        sqlx::query(
            "INSERT INTO study_credits (member_id, source, record_id, part_id, credited_on, hours) \
             SELECT id, 'group_study', $1, 0, $2, 200 FROM members WHERE 1 = 1 \
             ON CONFLICT DO NOTHING",
        )
        .bind(900_000_000i64 + i64::from(month))
        .bind(format!("{year}-{month:02}-15"))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    // The year's sums are kept with the ledger; written in bulk here, they are recomputed.
    dangjian_store::study::rebuild_year_hours(&mut tx)
        .await
        .unwrap();
    let orgs: Vec<(i64, String, String)> =
        sqlx::query("SELECT id, path, kind FROM orgs WHERE dissolved_on IS NULL ORDER BY id")
            .fetch_all(&mut *tx)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.get::<i64, _>(0),
                    r.get::<String, _>(1),
                    r.get::<String, _>(2),
                )
            })
            .collect();
    // 10,000 documents of party-building prose, deterministic.
    const PHRASES: [&str; 24] = [
        "坚持全面从严管党治警",
        "深入学习党章党规",
        "加强理论学习",
        "按时召开主题党日",
        "严格执行纪律处分条例",
        "全心全意为人民服务",
        "对党忠诚、服务人民、执法公正、纪律严明",
        "推进执法规范化建设",
        "落实三会一课制度",
        "开展谈心谈话",
        "把严的要求贯穿队伍建设全过程",
        "发挥党支部战斗堡垒作用",
        "党员民警要带头攻坚克难",
        "守牢廉洁底线",
        "以案为鉴、以案促改",
        "锤炼过硬作风",
        "增强四个意识",
        "坚定四个自信",
        "做到两个维护",
        "巩固主题教育成果",
        "提升群众满意度",
        "筑牢忠诚警魂",
        "强化政治建警",
        "推动党建与业务深度融合",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let now = format!("{year}-01-02T00:00:00Z");
    for c in 0..500i64 {
        let org = &orgs[(next() % orgs.len() as u64) as usize];
        let course: i64 = sqlx::query(
            "INSERT INTO courses (org_id, title, description, micro, published_on, version, created_by, created_at) \
             VALUES ($1, $2, $3, 0, $4, 1, 'bench', $5) RETURNING id",
        )
        .bind(org.0)
        .bind(format!("专题课程{c}：{}", PHRASES[c as usize % PHRASES.len()]))
        .bind(PHRASES[(c as usize + 3) % PHRASES.len()])
        .bind((c % 2 == 0).then(|| format!("{year}-01-02")))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0);
        for position in 1..=19i64 {
            let words = 20 + next() % 80;
            let body: String = (0..words)
                .map(|_| PHRASES[(next() % PHRASES.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join("，");
            sqlx::query(
                "INSERT INTO course_chapters (course_id, position, title, media, body, minutes, hours) \
                 VALUES ($1, $2, $3, 'text', $4, 20, 50)",
            )
            .bind(course)
            .bind(position)
            .bind(format!("第{position}讲"))
            .bind(body)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
    println!(
        "study data: 12 credits for every member and 10,000 documents in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let root = orgs[0].0;
    let office = Actor::shell_office();
    let attainment = time(&services, 5, || async {
        services
            .org_study_year(&office, root, year)
            .await
            .expect("attainment");
    })
    .await;
    let counted = services.org_study_year(&office, root, year).await.unwrap();
    report(
        &format!(
            "学时 attainment, whole province ({} members, {} branches)",
            counted.members.len(),
            counted.branches.len()
        ),
        &attainment,
        1000,
    );

    let started = Instant::now();
    let documents = services.refresh_search_index(true).await.unwrap();
    println!(
        "search index rebuilt from the database: {documents} documents in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let general = orgs
        .iter()
        .find(|o| o.2 == "general_branch")
        .expect("a 总支");
    let secretary = Actor {
        role: Some(Role::OrgSecretary),
        scope: Scope::Subtree {
            org_id: general.0,
            path: dangjian_core::org::OrgPath::parse(&general.1).unwrap(),
        },
        ..Actor::cli()
    };
    let mut tx = services.db().read().await.unwrap();
    let member_id: i64 = sqlx::query("SELECT id FROM members ORDER BY id LIMIT 1")
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0);
    tx.commit().await.unwrap();
    let member = Actor {
        role: Some(Role::Member),
        scope: Scope::OwnRecord { member_id },
        ..Actor::cli()
    };
    let queries = [
        "从严治警",
        "党章",
        "理论学习",
        "主题党日",
        "纪律处分条例",
        "为人民服务",
        "执法规范化",
        "忠诚警魂",
        "谈心",
        "三会一课",
    ];
    let page = Page {
        number: 1,
        size: 50,
    };
    for (who, actor) in [
        ("office", &office),
        ("总支 secretary", &secretary),
        ("member", &member),
    ] {
        let mut times = Vec::new();
        let mut found = 0;
        for round in 0..30 {
            for q in queries {
                let started = Instant::now();
                let (_, total) = services.search_study(actor, q, page).await.unwrap();
                times.push(started.elapsed());
                if round == 0 {
                    found += total;
                }
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "search as {who} ({found} hits over {} queries): p50 {:.1} ms, p99 {:.1} ms, worst {:.1} ms over {} searches (target p99 < 50 ms)",
            queries.len(),
            ms(times[times.len() / 2]),
            ms(times[times.len() * 99 / 100]),
            ms(times[times.len() - 1]),
            times.len()
        );
    }
}

/// Runs `f` `n` times and returns the durations, sorted. Each run is cold: an empty write
/// before it (not timed) retires the reports and counts the server keeps until the data
/// changes, so what is timed is the computation (the load bench measures the pages as served).
async fn time<F, Fut>(services: &Services, n: usize, f: F) -> Vec<Duration>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        services
            .db()
            .write()
            .await
            .expect("a write")
            .commit()
            .await
            .expect("commit");
        let started = Instant::now();
        f().await;
        times.push(started.elapsed());
    }
    times.sort();
    times
}

/// The province's annual round of the demo's branch indicator set: opening it (every branch
/// of the province), reading the records in, and the results after the upper scores (those
/// scores, one request per branch, are not timed).
async fn rating(services: &Services, office: &Actor, year: i32) {
    use dangjian_service::assess::{RoundForm, ScoreForm, VersionForm};
    let set = services
        .indicator_sets(office)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.published_on.is_some())
        .expect("the demo's published set");
    // A kept database may hold this year's round already: the next free quarter then.
    let mut opened = None;
    let started = Instant::now();
    for quarter in ["", "1", "2", "3", "4"] {
        let form = RoundForm {
            set: set.id.to_string(),
            organiser: String::new(),
            year: year.to_string(),
            quarter: quarter.to_owned(),
        };
        if let Ok(id) = services.open_round(office, &form).await {
            opened = Some(id);
            break;
        }
    }
    let open = started.elapsed();
    let round = opened.expect("a free period for the round");
    let view = services.assessment_round(office, round).await.unwrap();
    let version = VersionForm {
        version: view.round.version,
    };
    let started = Instant::now();
    services
        .advance_round(office, round, &version)
        .await
        .unwrap();
    let read = started.elapsed();
    let assessor = view
        .indicators
        .iter()
        .find(|i| i.method == dangjian_core::assess::rating::Method::Assessor)
        .map(|i| i.id)
        .expect("an assessor indicator");
    for (n, org) in view.orgs.iter().enumerate() {
        let form = ScoreForm {
            indicator: assessor.to_string(),
            points: ["20", "18", "16"][n % 3].to_owned(),
            note: "佐证不全".to_owned(),
        };
        services
            .upper_score(office, round, org.org_id, &form)
            .await
            .unwrap();
    }
    let version = VersionForm {
        version: services
            .assessment_round(office, round)
            .await
            .unwrap()
            .round
            .version,
    };
    let started = Instant::now();
    services
        .advance_round(office, round, &version)
        .await
        .unwrap();
    let results = started.elapsed();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "province round of {} branches: open {:.0} ms, records read {:.0} ms, results {:.0} ms; total {:.0} ms (target < 5000 ms)",
        view.orgs.len(),
        ms(open),
        ms(read),
        ms(results),
        ms(open + read + results)
    );
}

fn report(label: &str, times: &[Duration], target_ms: u64) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: median {:.1} ms, worst {:.1} ms over {} runs (target < {target_ms} ms)",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

/// A valid sheet of `IMPORT_ROWS` new members spread over `branches`, with ID numbers from a
/// region code the demo never uses; returns the workbook and the first row's ID number.
fn import_sheet(branches: &[String], rows: std::ops::Range<usize>) -> (Vec<u8>, String) {
    const HEADER: [&str; 15] = [
        "姓名",
        "性别",
        "民族",
        "出生日期",
        "身份证号",
        "学历",
        "警号",
        "警衔",
        "职务",
        "单位",
        "所在党组织",
        "党员类别",
        "入党日期",
        "转正日期",
        "手机号",
    ];
    const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰"];
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let base = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let mut first_id = String::new();
    let first = rows.start;
    for n in rows {
        // 500 people per birth date (odd sequence numbers: men), 200 dates a year.
        let birth = base + chrono::Days::new((n / 500) as u64 * 2);
        let seq = (n % 500) * 2 + 1;
        let body = format!("839999{}{seq:03}", birth.format("%Y%m%d"));
        let id = format!("{body}{}", check_char(body.as_bytes()) as char);
        if n == first {
            first_id = id.clone();
        }
        let joined = NaiveDate::from_ymd_opt(birth.year() + 25, 7, 1).unwrap();
        let full = NaiveDate::from_ymd_opt(birth.year() + 26, 7, 1).unwrap();
        let cells = [
            format!(
                "{}{}{}",
                SURNAMES[n % 10],
                GIVEN[(n / 10) % 10],
                GIVEN[(n / 100) % 10]
            ),
            "男".to_owned(),
            "汉族".to_owned(),
            birth.to_string(),
            id,
            "大学本科".to_owned(),
            format!("{}", 70_000_000 + n),
            "三级警督".to_owned(),
            "民警".to_owned(),
            String::new(),
            branches[n % branches.len()].clone(),
            "正式党员".to_owned(),
            joined.to_string(),
            full.to_string(),
            format!("139{:08}", n),
        ];
        for (c, value) in cells.iter().enumerate() {
            sheet
                .write_string((n - first) as u32 + 1, c as u16, value)
                .unwrap();
        }
    }
    (book.save_to_buffer().unwrap(), first_id)
}
