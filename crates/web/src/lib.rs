//! The HTTP edge of dangjian: server-rendered Chinese pages and the JSON API under `/api/v1`.
//! Handlers parse input, call one service, and render; they hold no business rules and no SQL.
//! Every asset is embedded in the binary and nothing is fetched from elsewhere.

mod api;
mod assets;
mod error;
mod layout;
mod pages;
mod security;
mod session;
pub mod tls;
mod view;

use std::future::Future;

use axum::Router;
use dangjian_service::Services;
use tokio::net::TcpListener;

pub use api::openapi_document;

/// Settings of the HTTP edge.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` prefix: set when users reach the server over
    /// HTTPS (through a TLS-terminating proxy, or the server's own TLS later).
    pub secure_cookies: bool,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub config: WebConfig,
}

/// The whole application as a router, callable from tests without a socket.
pub fn router(state: AppState) -> Router {
    let api = api::router();
    let uploads = pages::upload_router()
        .merge(api::upload_router())
        .layer(axum::extract::DefaultBodyLimit::max(
            security::MAX_UPLOAD_BYTES,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            security::MAX_UPLOAD_BYTES,
        ));
    pages::router()
        .merge(assets::router())
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        .layer(security::body_limit())
        .merge(uploads)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}

/// Serves the application over TLS on a bound listener until `shutdown` completes.
pub async fn serve_tls(
    listener: TcpListener,
    config: std::sync::Arc<tokio_rustls::rustls::ServerConfig>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tls::TlsListener::new(listener, config)?;
    let app = router(state).into_make_service_with_connect_info::<tls::PeerAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves the application on a bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<tls::PeerAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
