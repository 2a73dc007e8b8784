//! The holder's own second factor: start enrolment, scan or type the secret, confirm with a
//! code, keep the recovery codes.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse as _, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use dangjian_core::field::FieldErrors;
use dangjian_service::totp::Algorithm;
use dangjian_service::{SecondFactorStatus, ServiceError};
use serde::Deserialize;

use super::{render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{AnySession, SessionForm, cookie, session_cookie_name};

#[derive(Template)]
#[template(path = "second_factor.html")]
struct Page {
    layout: Layout,
    status: SecondFactorStatus,
    /// Shown once, right after enrolment.
    recovery_codes: Vec<String>,
    errors: FieldErrors,
}

/// The holder must have a current password before anything here.
fn current(session: &AnySession) -> Result<(), PageError> {
    if session.actor.must_change_password {
        return Err(ServiceError::PasswordChangeRequired.into());
    }
    Ok(())
}

fn page(session: &AnySession, status: SecondFactorStatus) -> Page {
    Page {
        layout: Layout::new(&session.actor, "/2fa", "双因素认证").crumb("双因素认证", None),
        status,
        recovery_codes: Vec::new(),
        errors: FieldErrors::new(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    session: AnySession,
) -> Result<Response, PageError> {
    current(&session)?;
    let status = state.services.second_factor_status(&session.actor).await?;
    render(&page(&session, status))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StartForm {
    algorithm: String,
}

pub async fn start(
    State(state): State<AppState>,
    form: SessionForm<StartForm, AnySession>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    current(&session)?;
    let algorithm = match form.algorithm.as_str() {
        "SM3" => Algorithm::Sm3,
        _ => Algorithm::Sha1,
    };
    match state
        .services
        .begin_enrolment(&session.actor, algorithm)
        .await
    {
        Ok(()) => Ok(Redirect::to("/2fa").into_response()),
        Err(ServiceError::ReauthRequired) => Err(PageError::Reauth("/2fa".to_owned())),
        Err(ServiceError::Invalid(errors)) => {
            let status = state.services.second_factor_status(&session.actor).await?;
            let mut page = page(&session, status);
            page.errors = errors;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

/// The QR code of the pending secret, as an image (the page itself carries no inline SVG).
pub async fn qr(State(state): State<AppState>, session: AnySession) -> Result<Response, PageError> {
    current(&session)?;
    let svg = state.services.enrolment_qr(&session.actor).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ConfirmForm {
    code: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    jar: CookieJar,
    form: SessionForm<ConfirmForm, AnySession>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    current(&session)?;
    let result = state
        .services
        .confirm_enrolment(&session.actor, &session.token, &form.code)
        .await;
    let status = state.services.second_factor_status(&session.actor).await?;
    let mut page = page(&session, status);
    match result {
        Ok(enrolled) => {
            // The session has a new id and token, and now opens the whole navigation.
            let actor = dangjian_service::Actor {
                must_enrol_second_factor: false,
                csrf_token: Some(enrolled.csrf),
                ..session.actor.clone()
            };
            page.layout = Layout::new(&actor, "/2fa", "双因素认证").crumb("双因素认证", None);
            page.recovery_codes = enrolled.recovery_codes;
            let jar = jar.add(cookie(&state, session_cookie_name(&state), enrolled.token));
            Ok((jar, render(&page)?).into_response())
        }
        Err(ServiceError::ReauthRequired) => Err(PageError::Reauth("/2fa".to_owned())),
        Err(ServiceError::Invalid(errors)) => {
            page.errors = errors;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}
