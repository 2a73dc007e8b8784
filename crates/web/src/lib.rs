//! The HTTP edge of dangjian: server-rendered Chinese pages and the JSON API under `/api/v1`.
//! Handlers parse input, call one service, and render; they hold no business rules and no SQL.
//! Every asset is embedded in the binary and nothing is fetched from elsewhere.

mod api;
mod assets;
mod connections;
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
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` prefix: set when users reach the server over
    /// HTTPS (through a TLS-terminating proxy, or the server's own TLS).
    pub secure_cookies: bool,
    /// How long a connection may take to send a request's head, counted from when it starts
    /// waiting for one (so also how long an idle keep-alive connection stays open).
    pub header_timeout: std::time::Duration,
    /// Connections open at once; past this the server stops accepting until one closes.
    pub max_connections: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            header_timeout: std::time::Duration::from_secs(15),
            max_connections: 1024,
        }
    }
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
    let media = pages::media_router()
        .merge(api::media_router())
        .layer(axum::extract::DefaultBodyLimit::disable());
    pages::router()
        .merge(assets::router())
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        .layer(security::body_limit())
        .merge(uploads)
        .merge(media)
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
    let web = state.config.clone();
    connections::serve(listener, router(state), &web, shutdown).await
}

/// Serves the application on a bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let web = state.config.clone();
    connections::serve(listener, router(state), &web, shutdown).await
}
