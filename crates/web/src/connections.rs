//! Serving connections with bounds a server facing clients directly needs (the built-in TLS
//! mode is for deployments without a proxy). Without them, 500 clients each sending a header
//! line every 10 seconds held 500 connections for as long as they liked, and a client that
//! connected and said nothing held its connection forever.
//!
//! - Each request's head must arrive within [`WebConfig::header_timeout`], counted from when
//!   the connection starts waiting for it: a silent connection, a slow-drip head and an idle
//!   keep-alive connection all end then.
//! - At most [`WebConfig::max_connections`] are open at once; past that the server stops
//!   accepting until one closes (clients wait in the system's backlog), so descriptors and
//!   memory stay bounded.
//!
//! HTTP/1.1 only: pages and the API need nothing of HTTP/2, and one protocol is one set of
//! limits to get right.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

use crate::WebConfig;
use crate::tls::PeerAddr;

/// How long in-flight requests may take to finish once shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// Accepts connections from `listener` and serves `router` on each until `shutdown`
/// completes; then stops accepting, lets open connections finish their requests (at most
/// [`DRAIN`]), and returns.
pub(crate) async fn serve<L>(
    mut listener: L,
    router: Router,
    config: &WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
    L::Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(PeerAddr(peer)));
            router.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(io), service);
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => log_end(result, peer),
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    log_end(connection.await, peer);
                }
            }
        });
    }
    let _ = stop.send(true);
    // Every connection holds a slot: when all are back, all have closed.
    let all = u32::try_from(config.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(DRAIN, slots.acquire_many(all)).await;
    Ok(())
}

fn log_end(result: Result<(), hyper::Error>, peer: SocketAddr) {
    if let Err(error) = result {
        // Timeouts and resets are what clients do; nothing to act on.
        tracing::debug!(%peer, %error, "connection ended");
    }
}
