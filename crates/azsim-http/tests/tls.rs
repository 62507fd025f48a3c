//! Serving over TLS: real handshakes on loopback with certificates from an azsim CA.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};

use axum::Router;
use axum::routing::get;
use azsim_http::{ServerHandle, ServerTls, serve_tls};
use azsim_pki::{CertificateAuthority, CertificateRequest, CertificateUsage, KeyPair};
use time::{Duration, OffsetDateTime};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

struct TlsServer {
    handle: ServerHandle,
    ca_pem: String,
    stop: oneshot::Sender<()>,
}

async fn start_tls_server() -> TlsServer {
    let now = OffsetDateTime::now_utc();
    let ca = CertificateAuthority::generate(
        "test root",
        now - Duration::hours(1),
        now + Duration::days(1),
    )
    .unwrap();
    let key = KeyPair::generate_ec_p256().unwrap();
    let leaf = ca
        .issue(&CertificateRequest {
            subject_common_name: "localhost",
            public_key: &key,
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(1),
            usage: CertificateUsage::ServerAuth {
                dns_names: vec!["localhost".into()],
                ip_addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            },
        })
        .unwrap();
    let tls = ServerTls::from_pem(
        &(leaf.to_pem() + &ca.certificate().to_pem()),
        &key.private_key_pem(),
    )
    .unwrap();
    let router = Router::new().route("/hello", get(|| async { "hello" }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = serve_tls(router, listener, tls, async move {
        let _ = stopped.await;
    })
    .unwrap();
    TlsServer {
        handle,
        ca_pem: ca.certificate().to_pem(),
        stop,
    }
}

fn client_trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn tls_server_answers_a_client_that_trusts_its_ca_by_ip_and_name() {
    let server = start_tls_server().await;
    let port = server.handle.local_addr().port();
    let client = client_trusting(&server.ca_pem);
    for host in ["127.0.0.1", "localhost"] {
        let response = client
            .get(format!("https://{host}:{port}/hello"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "hello");
    }
    server.stop.send(()).unwrap();
    server.handle.stopped().await.unwrap();
}

#[tokio::test]
async fn tls_server_is_refused_by_a_client_without_its_ca() {
    let server = start_tls_server().await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let result = client
        .get(format!("https://{}/hello", server.handle.local_addr()))
        .send()
        .await;
    assert!(result.is_err(), "an untrusted certificate was accepted");
}

#[tokio::test]
async fn tls_server_does_not_answer_plain_http() {
    let server = start_tls_server().await;
    let client = client_trusting(&server.ca_pem);
    let result = client
        .get(format!("http://{}/hello", server.handle.local_addr()))
        .send()
        .await;
    assert!(result.is_err(), "plain HTTP got an answer: {result:?}");
    // The server still serves TLS clients after the failed handshake.
    let response = client
        .get(format!("https://{}/hello", server.handle.local_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[test]
fn server_tls_rejects_a_key_that_is_not_pem() {
    let now = OffsetDateTime::now_utc();
    let ca = CertificateAuthority::generate("test root", now, now + Duration::days(1)).unwrap();
    assert!(ServerTls::from_pem(&ca.certificate().to_pem(), "not a key").is_err());
}
