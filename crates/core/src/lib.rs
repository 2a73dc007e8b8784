//! The pure domain of dangjian (党建): values that are valid once parsed, the rules of the
//! organisation tree, member data and its cross-field checks, dated intervals, roles and data
//! scope. No IO, no async, no database: everything here is a function of its inputs, so the
//! rules are tested exhaustively here and every other layer trusts these types.

#[macro_use]
mod labelled;

pub mod assess;
pub mod care;
pub mod clock;
pub mod compliance;
pub mod conduct;
pub mod coverage;
pub mod dues;
pub mod dues_import;
pub mod duty;
pub mod exam;
pub mod field;
pub mod funds;
pub mod id_number;
pub mod import;
pub mod interval;
pub mod lifecycle;
pub mod member;
pub mod money;
pub mod org;
pub mod orglife;
pub mod password;
pub mod policy;
pub mod recruitment;
pub mod rectification;
pub mod role;
pub mod rules;
pub mod rules_second;
pub mod search;
pub mod stats;
pub mod study;
pub mod term;
pub mod text;

pub use chrono::NaiveDate as Date;
