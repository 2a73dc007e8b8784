//! Serving HTTPS directly: the certificate files load (or fail with a clear line), the pages
//! answer over TLS with Secure cookies, and a client that never finishes its handshake does
//! not hold up anyone else. The certificate is a test fixture for localhost, signed by a test CA.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::harness::TestApp;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures")
        .join(name)
}

/// A client that trusts only the fixture CA (which signed the server certificate).
fn connector() -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(fixture("tls-ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn get(address: std::net::SocketAddr, path: &str) -> String {
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut tls = connector()
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

#[test]
fn bad_certificate_files_are_refused_with_a_clear_line() {
    let missing = dangjian_web::tls::load(&fixture("nothing.pem"), &fixture("tls-key.pem"));
    assert!(missing.unwrap_err().contains("无法读取证书文件"));
    let swapped = dangjian_web::tls::load(&fixture("tls-key.pem"), &fixture("tls-cert.pem"));
    assert!(swapped.is_err());
    assert!(dangjian_web::tls::load(&fixture("tls-cert.pem"), &fixture("tls-key.pem")).is_ok());
}

#[tokio::test]
async fn pages_are_served_over_tls_with_secure_cookies_and_slow_handshakes_wait_alone() {
    let app = TestApp::spawn().await;
    let config =
        dangjian_web::tls::load(&fixture("tls-cert.pem"), &fixture("tls-key.pem")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = dangjian_web::AppState {
        services: app.services.clone(),
        config: dangjian_web::WebConfig {
            secure_cookies: true,
            ..dangjian_web::WebConfig::default()
        },
    };
    tokio::spawn(dangjian_web::serve_tls(
        listener,
        config,
        state,
        std::future::pending(),
    ));
    // A client that connects and says nothing.
    let _silent = tokio::net::TcpStream::connect(address).await.unwrap();
    let page = tokio::time::timeout(Duration::from_secs(5), get(address, "/login"))
        .await
        .expect("a silent client held up the server");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("党建工作平台"));
    let cookie = page
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // The login form's CSRF cookie is host-bound too, so a sibling host cannot plant one
    // (issue 13, finding 16).
    assert!(
        cookie
            .to_ascii_lowercase()
            .starts_with("set-cookie: __host-dj_login_csrf="),
        "{cookie}"
    );
    // Plain HTTP on the TLS port gets no page.
    let mut plain = tokio::net::TcpStream::connect(address).await.unwrap();
    plain
        .write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!String::from_utf8_lossy(&answer).contains("党建工作平台"));
}
