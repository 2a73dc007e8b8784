//! Who is asking: extractors that resolve the session cookie or the bearer token into an
//! [`Actor`] before any handler runs, and that check the CSRF token of every form post.

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use dangjian_service::audit::Event;
use dangjian_service::{Actor, Origin, ServiceError, tokens_match};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::security::MAX_BODY_BYTES;

/// The session cookie's name: with the `__Host-` prefix (HTTPS only, host-bound, path `/`)
/// when cookies are secure.
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-dj_session"
    } else {
        "dj_session"
    }
}

/// The login form's CSRF cookie (double submit: there is no session yet to hold a token),
/// host-bound with the `__Host-` prefix when cookies are secure, so a sibling host cannot
/// plant one.
pub fn login_csrf_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-dj_login_csrf"
    } else {
        "dj_login_csrf"
    }
}

/// A cookie with the attributes every cookie of ours has: HttpOnly, SameSite=Strict, path `/`,
/// and Secure when served over HTTPS.
pub fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .build()
}

/// The cookie that removes `name` from the browser.
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut gone = cookie(state, name, String::new());
    gone.make_removal();
    gone
}

/// The client's address (the socket peer) and user agent, for the audit log.
pub struct ClientOrigin(pub Origin);

impl<S: Send + Sync> FromRequestParts<S> for ClientOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientOrigin(origin_of(parts)))
    }
}

pub fn origin_of(parts: &Parts) -> Origin {
    let ip = parts
        .extensions
        .get::<ConnectInfo<crate::tls::PeerAddr>>()
        .map(|ConnectInfo(peer)| peer.0.ip().to_string());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Origin { ip, user_agent }
}

/// A local path to return to after login; anything else (another host, a scheme) is dropped.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    ok.then_some(next)
}

/// A logged-in web user, whatever the state of their password. Only the password-change page
/// and logout take this; every other page takes [`Session`].
pub struct AnySession {
    pub actor: Actor,
    pub token: String,
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let here = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            let target = if parts.method == axum::http::Method::GET && here != "/" {
                format!("/login?next={}", encode(here))
            } else {
                "/login".to_owned()
            };
            Redirect::to(&target).into_response()
        };
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar
            .get(session_cookie_name(state))
            .map(|c| c.value().to_owned())
        else {
            return Err(to_login());
        };
        match state
            .services
            .resolve_session(&token, origin_of(parts))
            .await
        {
            Ok(actor) => Ok(AnySession { actor, token }),
            Err(ServiceError::Unauthenticated) => {
                let jar = jar.add(removal(state, session_cookie_name(state)));
                Err((jar, Redirect::to("/login?expired=1")).into_response())
            }
            Err(other) => Err(PageError::from(other).into_response()),
        }
    }
}

/// A logged-in web user whose password is current and whose second factor, where the role
/// needs one, is set up. Anyone else is sent to do that before anything else.
pub struct Session {
    pub actor: Actor,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let AnySession { actor, .. } = AnySession::from_request_parts(parts, state).await?;
        if actor.must_change_password {
            return Err(Redirect::to("/password").into_response());
        }
        if actor.must_enrol_second_factor {
            return Err(Redirect::to("/2fa").into_response());
        }
        Ok(Session { actor })
    }
}

/// Access to the actor of either session extractor.
pub trait HasActor {
    fn actor(&self) -> &Actor;
}

impl HasActor for Session {
    fn actor(&self) -> &Actor {
        &self.actor
    }
}

impl HasActor for AnySession {
    fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// Parses an urlencoded body into name/value pairs, refusing a name given twice (parameter
/// pollution: which of two values would count is not something to guess).
pub fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| PageError::BadRequest("表单格式无效".to_owned()))?;
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(PageError::BadRequest("表单中有重复的字段".to_owned()));
    }
    Ok(pairs)
}

/// Deserialises a form or query struct from pairs; its `deny_unknown_fields` refuses fields
/// the form does not show (mass assignment). The pairs go back through `serde_urlencoded`,
/// which understands numbers, booleans and options as well as text.
pub fn from_pairs<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, PageError> {
    let encoded = serde_urlencoded::to_string(&pairs)
        .map_err(|_| PageError::BadRequest("表单格式无效".to_owned()))?;
    serde_urlencoded::from_str(&encoded)
        .map_err(|_| PageError::BadRequest("表单含有无效或不允许的字段".to_owned()))
}

/// A form post by a logged-in user: the session, the CSRF token checked against it, and the
/// form parsed. A missing or wrong token is refused and audited.
pub struct SessionForm<T, S = Session> {
    pub session: S,
    pub form: T,
}

impl<T, S> FromRequest<AppState> for SessionForm<T, S>
where
    T: DeserializeOwned,
    S: FromRequestParts<AppState, Rejection = Response> + HasActor + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = S::from_request_parts(&mut parts, state).await?;
        let bytes = to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| PageError::BadRequest("请求内容过大".to_owned()).into_response())?;
        let mut pairs = form_pairs(&bytes).map_err(IntoResponse::into_response)?;
        let submitted = pairs
            .iter()
            .position(|(k, _)| k == "csrf")
            .map(|i| pairs.remove(i).1);
        let expected = session.actor().csrf_token.as_deref();
        let valid =
            matches!((submitted.as_deref(), expected), (Some(s), Some(e)) if tokens_match(s, e));
        if !valid {
            let event =
                Event::new("security.csrf_rejected").detail(json!({ "path": parts.uri.path() }));
            if let Err(e) = state.services.record_denial(session.actor(), event).await {
                return Err(PageError::from(e).into_response());
            }
            return Err(PageError::Csrf.into_response());
        }
        let form = from_pairs(pairs).map_err(IntoResponse::into_response)?;
        Ok(SessionForm { session, form })
    }
}

/// An API caller, authenticated by `Authorization: Bearer <token>`.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Service(ServiceError::Unauthenticated))?;
        let actor = state
            .services
            .resolve_token(token, origin_of(parts))
            .await?;
        Ok(ApiActor(actor))
    }
}

/// Refuses a state-changing request whose CSRF token is missing or wrong, auditing the
/// refusal. Form posts are checked by [`SessionForm`]; multipart uploads call this.
pub async fn check_csrf(
    state: &AppState,
    actor: &Actor,
    submitted: Option<&str>,
    path: &str,
) -> Result<(), PageError> {
    let valid = matches!((submitted, actor.csrf_token.as_deref()), (Some(s), Some(e)) if tokens_match(s, e));
    if valid {
        return Ok(());
    }
    let event = Event::new("security.csrf_rejected").detail(json!({ "path": path }));
    state.services.record_denial(actor, event).await?;
    Err(PageError::Csrf)
}

/// Percent-encodes a path for use as a query value.
pub fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}
