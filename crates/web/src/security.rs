//! Response headers and request limits that every route gets: a content security policy with
//! no inline script, no framing, no MIME sniffing, no referrer leakage, and no caching of pages
//! (they carry personal data). Bodies are limited so no request can exhaust memory.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::limit::RequestBodyLimitLayer;

/// The largest request body accepted: forms and JSON are small; uploads come later with
/// their own limit.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The largest upload (a spreadsheet of a province's members), with room for the form around it.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024 + 64 * 1024;

pub fn body_limit() -> RequestBodyLimitLayer {
    RequestBodyLimitLayer::new(MAX_BODY_BYTES)
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The headers of every response; over HTTPS (secure cookies) also HSTS, so a browser never
/// again tries the server in clear.
pub async fn headers(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if !is_asset {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    if state.config.secure_cookies {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000",
        );
    }
    response
}
