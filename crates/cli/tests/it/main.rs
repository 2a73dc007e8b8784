//! The integration tests: the real application on port 0 with a fresh database per test,
//! driven over HTTP. SQLite by default; PostgreSQL when DANGJIAN_TEST_POSTGRES_URL is set
//! (a new database is created for each test). The browser test runs when
//! DANGJIAN_BROWSER_TEST=1 (it needs Debian's chromium and chromedriver).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod assess;
mod audit;
mod auth;
mod browser;
mod caching;
mod care;
mod cli;
mod conduct;
mod contract;
mod coverage;
mod dues;
mod dues_import;
mod duty;
mod exports;
mod funds;
mod groups;
mod harness;
mod import;
mod lifecycle;
mod members;
mod orglife;
mod orgs;
mod probe;
mod rating;
mod recruitment;
mod rectification;
mod routes;
mod scope;
mod scope_property;
mod second_factor;
mod security;
mod study;
mod study_quiz;
mod study_search;
mod terms;
mod tls;
mod units;
