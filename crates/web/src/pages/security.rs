//! The security administrator's policy page: every setting with its bounds, saved all at once
//! or not at all.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse as _, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_core::policy::{SETTINGS, SecurityPolicy};
use dangjian_service::ServiceError;
use serde::Deserialize;

use super::{render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};

/// The form, one text field per setting (named as in `core::policy::SETTINGS`).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyForm {
    password_min_length: String,
    password_history: String,
    password_max_age_days: String,
    lockout_threshold: String,
    lockout_minutes: String,
    address_max_failures: String,
    idle_timeout_minutes: String,
    session_max_hours: String,
    token_max_age_days: String,
    id_searches_per_day: String,
    second_factor_secretaries: String,
    second_factor_members: String,
}

impl PolicyForm {
    fn pairs(&self) -> Vec<(String, String)> {
        [
            ("password_min_length", &self.password_min_length),
            ("password_history", &self.password_history),
            ("password_max_age_days", &self.password_max_age_days),
            ("lockout_threshold", &self.lockout_threshold),
            ("lockout_minutes", &self.lockout_minutes),
            ("address_max_failures", &self.address_max_failures),
            ("idle_timeout_minutes", &self.idle_timeout_minutes),
            ("session_max_hours", &self.session_max_hours),
            ("token_max_age_days", &self.token_max_age_days),
            ("id_searches_per_day", &self.id_searches_per_day),
            ("second_factor_secretaries", &self.second_factor_secretaries),
            ("second_factor_members", &self.second_factor_members),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.clone()))
        .collect()
    }
}

struct Row {
    name: &'static str,
    label: &'static str,
    value: String,
    /// For a choice: each value and its label (a list rather than a number field).
    choices: Vec<(String, &'static str)>,
    hint: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "security.html")]
struct PolicyPage {
    layout: Layout,
    rows: Vec<Row>,
    saved: bool,
}

fn page(
    session: &Session,
    values: &[(String, String)],
    errors: &FieldErrors,
    saved: bool,
) -> PolicyPage {
    let rows = SETTINGS
        .iter()
        .map(|s| Row {
            name: s.name,
            label: s.label,
            value: values
                .iter()
                .find(|(n, _)| n == s.name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            choices: s
                .choices
                .iter()
                .map(|(value, label)| (value.to_string(), *label))
                .collect(),
            hint: match s.choices.iter().find(|(value, _)| *value == s.default) {
                Some((_, label)) => format!("出厂设置：{label}"),
                None => format!("可设 {}–{} {}，出厂值 {}", s.min, s.max, s.unit, s.default),
            },
            error: errors.get(s.name).map(str::to_owned),
        })
        .collect();
    PolicyPage {
        layout: Layout::new(&session.actor, "/security", "安全策略").crumb("安全策略", None),
        rows,
        saved,
    }
}

fn values(policy: &SecurityPolicy) -> Vec<(String, String)> {
    SETTINGS
        .iter()
        .map(|s| (s.name.to_owned(), policy.get(s.name).to_string()))
        .collect()
}

pub async fn form(
    State(state): State<AppState>,
    session: Session,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let policy = state.services.security_policy(&session.actor).await?;
    let saved = raw.as_deref() == Some("saved=1");
    render(&page(
        &session,
        &values(&policy),
        &FieldErrors::new(),
        saved,
    ))
}

pub async fn save(
    State(state): State<AppState>,
    form: SessionForm<PolicyForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let pairs = form.pairs();
    match state
        .services
        .save_security_policy(&session.actor, &pairs)
        .await
    {
        Ok(_) => Ok(Redirect::to("/security?saved=1").into_response()),
        Err(ServiceError::ReauthRequired) => Err(PageError::Reauth("/security".to_owned())),
        Err(ServiceError::Invalid(errors)) => {
            render_invalid(&page(&session, &pairs, &errors, false))
        }
        Err(other) => Err(other.into()),
    }
}
