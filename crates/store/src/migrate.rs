//! Forward-only migrations, one list for both engines. Each migration runs in its own
//! transaction together with its bookkeeping row, so a failed migration leaves nothing behind.
//!
//! The SQL is shared; two tokens stand for what the engines spell differently:
//! `{{id}}` (an auto-numbered primary key) and `{{c}}` (the byte-order collation that makes
//! the org-path range scan use its index on PostgreSQL; SQLite compares bytes already). What
//! the engines cannot share at all (trigger bodies) comes in a file per engine beside it.

use sqlx::Row;

use crate::db::{Backend, Db};
use crate::error::{StoreError, StoreResult};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
    /// What only one engine can say (triggers), run after `sql`.
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/0001_foundation.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 2,
        name: "membership",
        sql: include_str!("../migrations/0002_membership.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        name: "search_indexes",
        sql: include_str!("../migrations/0003_search_indexes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        name: "audit_chain",
        sql: include_str!("../migrations/0004_audit_chain.sql"),
        sqlite: include_str!("../migrations/0004_audit_chain.sqlite.sql"),
        postgres: include_str!("../migrations/0004_audit_chain.postgres.sql"),
    },
    Migration {
        version: 5,
        name: "login_guard",
        sql: include_str!("../migrations/0005_login_guard.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 6,
        name: "second_factor",
        sql: include_str!("../migrations/0006_second_factor.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 7,
        name: "audit_seals",
        sql: include_str!("../migrations/0007_audit_seals.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 8,
        name: "org_life",
        sql: include_str!("../migrations/0008_org_life.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 9,
        name: "roster_index",
        sql: include_str!("../migrations/0009_roster_index.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 10,
        name: "rectification",
        sql: include_str!("../migrations/0010_rectification.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 11,
        name: "duty",
        sql: include_str!("../migrations/0011_duty.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 12,
        name: "security_round2",
        sql: include_str!("../migrations/0012_security_round2.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        name: "optional_police_number",
        sql: include_str!("../migrations/0013_optional_police_number.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 14,
        name: "quorum_base",
        sql: include_str!("../migrations/0014_quorum_base.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 15,
        name: "party_groups",
        sql: include_str!("../migrations/0015_party_groups.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 16,
        name: "term_extension",
        sql: include_str!("../migrations/0016_term_extension.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 17,
        name: "talk_pairs",
        sql: include_str!("../migrations/0017_talk_pairs.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 18,
        name: "party_analysis",
        sql: include_str!("../migrations/0018_party_analysis.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 19,
        name: "life_meeting",
        sql: include_str!("../migrations/0019_life_meeting.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 20,
        name: "unit_tree",
        sql: include_str!("../migrations/0020_unit_tree.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 21,
        name: "rule_book",
        sql: include_str!("../migrations/0021_rule_book.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 22,
        name: "conduct",
        sql: include_str!("../migrations/0022_conduct.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 23,
        name: "care",
        sql: include_str!("../migrations/0023_care.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 24,
        name: "conduct_files",
        sql: include_str!("../migrations/0024_conduct_files.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 25,
        name: "dues",
        sql: include_str!("../migrations/0025_dues.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 26,
        name: "funds",
        sql: include_str!("../migrations/0026_funds.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 27,
        name: "dues_import",
        sql: include_str!("../migrations/0027_dues_import.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 28,
        name: "funds_transfers_vouchers",
        sql: include_str!("../migrations/0028_funds_transfers_vouchers.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 29,
        name: "recruitment",
        sql: include_str!("../migrations/0029_recruitment.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 30,
        name: "recruitment_admission",
        sql: include_str!("../migrations/0030_recruitment_admission.sql"),
        sqlite: include_str!("../migrations/0030_recruitment_admission.sqlite.sql"),
        postgres: include_str!("../migrations/0030_recruitment_admission.postgres.sql"),
    },
    Migration {
        version: 31,
        name: "study",
        sql: include_str!("../migrations/0031_study.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 32,
        name: "courses",
        sql: include_str!("../migrations/0032_courses.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 33,
        name: "exams",
        sql: include_str!("../migrations/0033_exams.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 34,
        name: "study_plans",
        sql: include_str!("../migrations/0034_study_plans.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 35,
        name: "study_search",
        sql: include_str!("../migrations/0035_study_search.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 36,
        name: "chapter_quizzes",
        sql: include_str!("../migrations/0036_chapter_quizzes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 37,
        name: "study_year_hours",
        sql: include_str!("../migrations/0037_study_year_hours.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 38,
        name: "member_reviews",
        sql: include_str!("../migrations/0038_member_reviews.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 39,
        name: "duty_reviews",
        sql: include_str!("../migrations/0039_duty_reviews.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 40,
        name: "good_practices",
        sql: include_str!("../migrations/0040_good_practices.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 41,
        name: "org_rating",
        sql: include_str!("../migrations/0041_org_rating.sql"),
        sqlite: "",
        postgres: "",
    },
];

fn render(sql: &str, backend: Backend) -> String {
    let (id, collate, blob) = match backend {
        Backend::Sqlite => ("INTEGER PRIMARY KEY", "", "BLOB"),
        Backend::Postgres => (
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            " COLLATE \"C\"",
            "BYTEA",
        ),
    };
    sql.replace("{{id}}", id)
        .replace(" {{c}}", collate)
        .replace("{{blob}}", blob)
}

pub(crate) async fn run(db: &Db) -> StoreResult<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(db.pool())
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    if let Some(newest) = applied.iter().max() {
        let known = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
        if *newest > known {
            return Err(StoreError::Config(format!(
                "数据库版本（{newest}）比本程序（{known}）新，请使用新版本程序"
            )));
        }
    }
    for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applying migration"
        );
        let mut tx = db.write().await?;
        sqlx::raw_sql(&render(migration.sql, db.backend()))
            .execute(&mut *tx)
            .await?;
        let own = match db.backend() {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        if !own.is_empty() {
            sqlx::raw_sql(own).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(crate::sql::timestamp_text(chrono::Utc::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
