//! Login, logout and the password change.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use dangjian_core::field::FieldErrors;
use dangjian_service::audit::Event;
use dangjian_service::auth::NewSession;
use dangjian_service::{LoginOutcome, ServiceError, new_csrf_token, tokens_match};
use serde::Deserialize;
use serde_json::json;

use super::{query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::session::{
    AnySession, ClientOrigin, SessionForm, cookie, encode, form_pairs, from_pairs,
    login_csrf_cookie_name, removal, safe_next, session_cookie_name,
};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    title: &'static str,
    csrf: String,
    next: String,
    login: String,
    message: Option<String>,
    info: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LoginQuery {
    next: String,
    expired: String,
    changed: String,
}

/// The login page. It sets a fresh CSRF cookie that the form must echo.
pub async fn login_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    jar: CookieJar,
) -> Result<Response, PageError> {
    let q: LoginQuery = query(raw.as_deref()).unwrap_or_default();
    let csrf = new_csrf_token();
    let info = if !q.changed.is_empty() {
        Some("密码已修改，请用新密码登录。")
    } else if !q.expired.is_empty() {
        Some("登录已超时，请重新登录。")
    } else {
        None
    };
    let page = LoginPage {
        title: "登录",
        csrf: csrf.clone(),
        next: safe_next(&q.next).unwrap_or("").to_owned(),
        login: String::new(),
        message: None,
        info,
    };
    let jar = jar.add(cookie(&state, login_csrf_cookie_name(&state), csrf));
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

/// Checks the password. Success replaces any session the browser had with a new one (so a
/// session id planted before login is useless) and goes to `next` or the landing page.
pub async fn login(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    jar: CookieJar,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form: LoginForm = login_form(&state, &origin, &jar, &body, "/login").await?;
    match state
        .services
        .login(&form.login, &form.password, origin)
        .await
    {
        Ok(LoginOutcome::Complete(session)) => Ok(logged_in(&state, jar, *session, &form.next)),
        Ok(LoginOutcome::SecondFactor { token }) => {
            let jar = jar.add(cookie(&state, pending_cookie_name(&state), token));
            let target = match safe_next(&form.next) {
                Some(next) => format!("/login/otp?next={}", encode(next)),
                None => "/login/otp".to_owned(),
            };
            Ok((jar, Redirect::to(&target)).into_response())
        }
        Err(
            error @ (ServiceError::InvalidCredentials
            | ServiceError::Locked { .. }
            | ServiceError::Throttled),
        ) => {
            let (status, message) = match error {
                ServiceError::Locked { until } => {
                    (StatusCode::LOCKED, crate::error::locked_message(until))
                }
                ServiceError::Throttled => (
                    StatusCode::TOO_MANY_REQUESTS,
                    crate::error::THROTTLED_MESSAGE.to_owned(),
                ),
                _ => (
                    StatusCode::UNAUTHORIZED,
                    "登录名或密码不正确。连续失败多次，账号将被锁定。".to_owned(),
                ),
            };
            let csrf = new_csrf_token();
            let page = LoginPage {
                title: "登录",
                csrf: csrf.clone(),
                next: safe_next(&form.next).unwrap_or("").to_owned(),
                login: form.login.trim().chars().take(64).collect(),
                message: Some(message),
                info: None,
            };
            let jar = jar.add(cookie(&state, login_csrf_cookie_name(&state), csrf));
            Ok((status, jar, render(&page)?).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// Checks the double-submit CSRF token of a form posted before there is a session (login,
/// the code step) and parses the rest. A missing or wrong token is refused and audited.
async fn login_form<T: serde::de::DeserializeOwned>(
    state: &AppState,
    origin: &dangjian_service::Origin,
    jar: &CookieJar,
    body: &[u8],
    path: &'static str,
) -> Result<T, PageError> {
    let mut pairs = form_pairs(body)?;
    let submitted = pairs
        .iter()
        .position(|(k, _)| k == "csrf")
        .map(|i| pairs.remove(i).1);
    let expected = jar
        .get(login_csrf_cookie_name(state))
        .map(|c| c.value().to_owned());
    let valid = matches!((&submitted, &expected), (Some(s), Some(e)) if tokens_match(s, e));
    if !valid {
        let event = Event::new("security.csrf_rejected").detail(json!({ "path": path }));
        state
            .services
            .record_anonymous_denial(origin, event)
            .await?;
        return Err(PageError::Csrf);
    }
    from_pairs(pairs)
}

/// The browser of a new session: its cookie replaces any old one, the pre-session cookies go,
/// and it goes on to the password change, enrolment, `next` or the landing page.
fn logged_in(state: &AppState, jar: CookieJar, session: NewSession, next: &str) -> Response {
    let jar = jar
        .remove(removal(state, login_csrf_cookie_name(state)))
        .remove(removal(state, pending_cookie_name(state)))
        .add(cookie(state, session_cookie_name(state), session.token));
    let target = if session.actor.must_change_password {
        "/password"
    } else if session.actor.must_enrol_second_factor {
        "/2fa"
    } else {
        safe_next(next).unwrap_or("/")
    };
    (jar, Redirect::to(target)).into_response()
}

/// The cookie that carries a login between the password and the code (`__Host-` prefixed
/// when cookies are secure).
fn pending_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-dj_pending"
    } else {
        "dj_pending"
    }
}

#[derive(Template)]
#[template(path = "login_otp.html")]
struct OtpPage {
    title: &'static str,
    csrf: String,
    next: String,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OtpQuery {
    next: String,
}

/// The code step of login.
pub async fn otp_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    jar: CookieJar,
) -> Result<Response, PageError> {
    if jar.get(pending_cookie_name(&state)).is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    let q: OtpQuery = query(raw.as_deref()).unwrap_or_default();
    let csrf = new_csrf_token();
    let page = OtpPage {
        title: "动态口令",
        csrf: csrf.clone(),
        next: safe_next(&q.next).unwrap_or("").to_owned(),
        message: None,
    };
    let jar = jar.add(cookie(&state, login_csrf_cookie_name(&state), csrf));
    Ok((jar, render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OtpForm {
    code: String,
    next: String,
}

pub async fn otp_submit(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    jar: CookieJar,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form: OtpForm = login_form(&state, &origin, &jar, &body, "/login/otp").await?;
    let Some(pending) = jar
        .get(pending_cookie_name(&state))
        .map(|c| c.value().to_owned())
    else {
        return Ok(Redirect::to("/login").into_response());
    };
    match state
        .services
        .complete_login(&pending, &form.code, origin)
        .await
    {
        Ok(session) => Ok(logged_in(&state, jar, session, &form.next)),
        Err(error @ (ServiceError::Invalid(_) | ServiceError::Throttled)) => {
            let (status, message) = match error {
                ServiceError::Throttled => (
                    StatusCode::TOO_MANY_REQUESTS,
                    crate::error::THROTTLED_MESSAGE.to_owned(),
                ),
                _ => (
                    StatusCode::UNAUTHORIZED,
                    "动态口令或恢复码不正确。连续失败多次，账号将被锁定。".to_owned(),
                ),
            };
            let csrf = new_csrf_token();
            let page = OtpPage {
                title: "动态口令",
                csrf: csrf.clone(),
                next: safe_next(&form.next).unwrap_or("").to_owned(),
                message: Some(message),
            };
            let jar = jar.add(cookie(&state, login_csrf_cookie_name(&state), csrf));
            Ok((status, jar, render(&page)?).into_response())
        }
        Err(ServiceError::Locked { until }) => {
            let jar = jar.remove(removal(&state, pending_cookie_name(&state)));
            let page = LoginPage {
                title: "登录",
                csrf: new_csrf_token(),
                next: String::new(),
                login: String::new(),
                message: Some(crate::error::locked_message(until)),
                info: None,
            };
            let jar = jar.add(cookie(
                &state,
                login_csrf_cookie_name(&state),
                page.csrf.clone(),
            ));
            Ok((StatusCode::LOCKED, jar, render(&page)?).into_response())
        }
        Err(ServiceError::Unauthenticated) => {
            let jar = jar.remove(removal(&state, pending_cookie_name(&state)));
            Ok((jar, Redirect::to("/login?expired=1")).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    layout: crate::layout::Layout,
    next: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ReauthQuery {
    next: String,
}

/// Asks for the password again before a sensitive action.
/// The confirmation page. An account that must still bind its second factor reaches it too:
/// binding a phone a while after login asks for the password again.
pub async fn reauth_page(
    session: crate::session::AnySession,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    if session.actor.must_change_password {
        return Err(ServiceError::PasswordChangeRequired.into());
    }
    let q: ReauthQuery = query(raw.as_deref()).unwrap_or_default();
    render(&ReauthPage {
        layout: crate::layout::Layout::new(&session.actor, "", "确认身份").crumb("确认身份", None),
        next: safe_next(&q.next).unwrap_or("/").to_owned(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ReauthForm {
    password: String,
    next: String,
}

pub async fn reauth_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    form: SessionForm<ReauthForm, crate::session::AnySession>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    if session.actor.must_change_password {
        return Err(ServiceError::PasswordChangeRequired.into());
    }
    let token = jar
        .get(session_cookie_name(&state))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    match state
        .services
        .reauthenticate(&session.actor, &token, &form.password)
        .await
    {
        Ok(rotated) => {
            let jar = jar.add(cookie(&state, session_cookie_name(&state), rotated));
            Ok((jar, Redirect::to(safe_next(&form.next).unwrap_or("/"))).into_response())
        }
        Err(ServiceError::Invalid(errors)) => render_invalid(&ReauthPage {
            layout: crate::layout::Layout::new(&session.actor, "", "确认身份")
                .crumb("确认身份", None),
            next: safe_next(&form.next).unwrap_or("/").to_owned(),
            errors,
        }),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    form: SessionForm<Empty, AnySession>,
) -> Result<Response, PageError> {
    let session = form.session;
    state
        .services
        .logout(&session.token, &session.actor)
        .await?;
    let jar = jar.add(removal(&state, session_cookie_name(&state)));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    title: &'static str,
    user: String,
    csrf: String,
    forced: bool,
    errors: FieldErrors,
}

pub async fn password_page(session: AnySession) -> Result<Response, PageError> {
    render(&PasswordPage {
        title: "修改密码",
        user: session.actor.display_name.clone(),
        csrf: session.actor.csrf_token.clone().unwrap_or_default(),
        forced: session.actor.must_change_password,
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

/// Changes the password; every session of the account ends, so the user logs in again.
pub async fn change_password(
    State(state): State<AppState>,
    jar: CookieJar,
    form: SessionForm<PasswordForm, AnySession>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .change_password(&session.actor, &form.current, &form.new, &form.repeat)
        .await
    {
        Ok(()) => {
            let jar = jar.add(removal(&state, session_cookie_name(&state)));
            Ok((jar, Redirect::to("/login?changed=1")).into_response())
        }
        Err(ServiceError::Invalid(errors)) => render_invalid(&PasswordPage {
            title: "修改密码",
            user: session.actor.display_name.clone(),
            csrf: session.actor.csrf_token.clone().unwrap_or_default(),
            forced: session.actor.must_change_password,
            errors,
        }),
        Err(other) => Err(other.into()),
    }
}
