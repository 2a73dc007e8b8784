//! How errors reach users. Pages get a Chinese error page (or a redirect to log in); the API
//! gets a JSON body with a stable machine code. Internal causes are logged with detail and
//! never shown: no stack trace or SQL text leaves the server.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_service::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error while serving a page.
#[derive(Debug)]
pub enum PageError {
    Service(ServiceError),
    /// A malformed request: unknown or repeated form fields, an unparsable query.
    BadRequest(String),
    /// A state-changing form without the session's CSRF token.
    Csrf,
    /// A sensitive action that needs the password again; back to this local path after.
    Reauth(String),
    Render(askama::Error),
}

impl From<ServiceError> for PageError {
    fn from(error: ServiceError) -> Self {
        PageError::Service(error)
    }
}

impl PageError {
    /// Maps a service error, sending a demand for re-authentication to the confirmation page
    /// with `next` to come back to.
    pub fn reauth_then(next: impl Into<String>) -> impl FnOnce(ServiceError) -> PageError {
        let next = next.into();
        move |error| match error {
            ServiceError::ReauthRequired => PageError::Reauth(next),
            other => PageError::Service(other),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        PageError::Render(error)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    heading: &'a str,
    message: &'a str,
}

/// Renders the error page; if even that fails, a plain line.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        title: heading,
        heading,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, heading.to_owned()).into_response(),
    }
}

fn log_internal(error: &dyn std::fmt::Display) {
    tracing::error!(%error, "request failed");
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Service(error) => match error {
                ServiceError::NotFound => error_page(
                    StatusCode::NOT_FOUND,
                    "未找到",
                    "您要找的内容不存在，或不在您的管理范围内。",
                ),
                ServiceError::Forbidden => error_page(
                    StatusCode::FORBIDDEN,
                    "无权操作",
                    "您的角色没有这项功能的权限。",
                ),
                ServiceError::Unauthenticated | ServiceError::InvalidCredentials => {
                    Redirect::to("/login").into_response()
                }
                ServiceError::PasswordChangeRequired => Redirect::to("/password").into_response(),
                ServiceError::SecondFactorRequired => Redirect::to("/2fa").into_response(),
                ServiceError::ReauthRequired => Redirect::to("/reauth").into_response(),
                ServiceError::Locked { until } => {
                    error_page(StatusCode::LOCKED, "账号已锁定", &locked_message(until))
                }
                ServiceError::Throttled => error_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "尝试过于频繁",
                    THROTTLED_MESSAGE,
                ),
                ServiceError::Busy(message) => busy(error_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "请稍后再试",
                    message,
                )),
                ServiceError::Invalid(errors) | ServiceError::Conflict(errors) => {
                    let message: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
                    error_page(StatusCode::BAD_REQUEST, "输入有误", &message.join("；"))
                }
                ServiceError::Unavailable(cause) => {
                    log_internal(&cause);
                    error_page(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "暂时无法服务",
                        "数据库暂时不可用，您的操作没有保存。请稍后再试。",
                    )
                }
                ServiceError::Internal(cause) => {
                    log_internal(&cause);
                    error_page(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "系统出错",
                        "系统处理时出错，您的操作没有保存。请稍后再试，或联系系统管理员。",
                    )
                }
            },
            PageError::BadRequest(message) => {
                error_page(StatusCode::BAD_REQUEST, "请求无效", &message)
            }
            PageError::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "页面已过期",
                "请求缺少有效的安全令牌。请返回上一页，刷新后重试。",
            ),
            PageError::Reauth(next) => {
                Redirect::to(&format!("/reauth?next={}", crate::session::encode(&next)))
                    .into_response()
            }
            PageError::Render(cause) => {
                log_internal(&cause);
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "系统出错",
                    "页面生成失败，请联系系统管理员。",
                )
            }
        }
    }
}

/// The JSON error body of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// Stable machine code: `not_found`, `forbidden`, `unauthenticated`, `password_change_required`,
    /// `second_factor_required`, `reauth_required`, `locked`, `throttled`, `busy`, `invalid`,
    /// `conflict`, `bad_request`, `unavailable`, `internal`.
    pub code: &'static str,
    /// A Chinese message for people.
    pub message: String,
    /// Per-field messages for `invalid` and `conflict`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<ApiFieldError>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    pub message: String,
}

/// An error of the JSON API.
#[derive(Debug)]
pub enum ApiError {
    Service(ServiceError),
    BadRequest(String),
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        ApiError::Service(error)
    }
}

fn fields(errors: &FieldErrors) -> Option<Vec<ApiFieldError>> {
    Some(
        errors
            .iter()
            .map(|e| ApiFieldError {
                field: e.field.to_owned(),
                message: e.message.clone(),
            })
            .collect(),
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field_errors) = match self {
            ApiError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "bad_request", message, None)
            }
            ApiError::Service(error) => match error {
                ServiceError::NotFound => (
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "不存在或不在管理范围内".to_owned(),
                    None,
                ),
                ServiceError::Forbidden => (
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "没有这项功能的权限".to_owned(),
                    None,
                ),
                ServiceError::Unauthenticated | ServiceError::InvalidCredentials => (
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "需要有效的访问令牌".to_owned(),
                    None,
                ),
                ServiceError::PasswordChangeRequired => (
                    StatusCode::FORBIDDEN,
                    "password_change_required",
                    "账号须先修改密码".to_owned(),
                    None,
                ),
                ServiceError::Locked { until } => {
                    (StatusCode::LOCKED, "locked", locked_message(until), None)
                }
                ServiceError::Throttled => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    THROTTLED_MESSAGE.to_owned(),
                    None,
                ),
                ServiceError::Busy(message) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "busy",
                    message.to_owned(),
                    None,
                ),
                // Neither arises for a token: both concern interactive web sessions.
                ServiceError::SecondFactorRequired => (
                    StatusCode::FORBIDDEN,
                    "second_factor_required",
                    "账号须先启用双因素认证".to_owned(),
                    None,
                ),
                ServiceError::ReauthRequired => (
                    StatusCode::FORBIDDEN,
                    "reauth_required",
                    "须先再次确认身份".to_owned(),
                    None,
                ),
                ServiceError::Invalid(errors) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    "输入有误".to_owned(),
                    fields(&errors),
                ),
                ServiceError::Conflict(errors) => (
                    StatusCode::CONFLICT,
                    "conflict",
                    "与已有数据冲突".to_owned(),
                    fields(&errors),
                ),
                ServiceError::Unavailable(cause) => {
                    log_internal(&cause);
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "数据库暂时不可用".to_owned(),
                        None,
                    )
                }
                ServiceError::Internal(cause) => {
                    log_internal(&cause);
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "系统出错".to_owned(),
                        None,
                    )
                }
            },
        };
        let mut response = (
            status,
            Json(ApiErrorBody {
                code,
                message,
                fields: field_errors,
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if code == "busy" {
            response = busy(response);
        }
        response
    }
}

/// A refusal for being busy says when to try again.
fn busy(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("5"),
    );
    response
}

/// Why a login from this address is refused for now.
pub(crate) const THROTTLED_MESSAGE: &str = "来自您所在地址的登录失败次数过多，请 10 分钟后再试。";

/// Why a locked account cannot log in, and until when (Beijing time).
pub(crate) fn locked_message(until: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "该账号因连续登录失败已被锁定，请于 {} 后再试，或请安全管理员解锁。",
        crate::view::instant(until)
    )
}
