//! Persistence of dangjian: the schema, its migrations and the repository functions. One code
//! base for the embedded SQLite database and for PostgreSQL: the SQL is written once in the
//! subset both engines share (`$n` parameters, `||`, `RETURNING`, partial indexes), dates are
//! ISO-8601 text, flags are integers, and the few schema differences are two tokens in the
//! migrations. Nothing above this crate writes SQL.

mod db;
mod error;
mod migrate;
mod sql;

pub mod accounts;
pub mod assess;
pub mod audit;
pub mod blobs;
pub mod bulk;
pub mod care;
pub mod conduct;
pub mod coverage;
pub mod dues;
pub mod dues_imports;
pub mod duty;
pub mod exams;
pub mod funds;
pub mod groups;
pub mod history;
pub mod imports;
pub mod inflow;
pub mod lifecycle;
pub mod members;
pub mod orglife;
pub mod orgs;
pub mod recruitment;
pub mod rectification;
pub mod search;
pub mod stats;
pub mod study;
pub mod terms;
pub mod units;

pub use db::{Backend, Conn, Db, Tx};
pub use error::{StoreError, StoreResult};
pub use sql::{Page, date_text, parse_date, parse_timestamp, timestamp_text};
