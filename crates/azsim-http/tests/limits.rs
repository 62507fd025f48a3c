//! The limits every listener enforces, on real sockets: bodies, header blocks, and the time
//! a stop may take.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use azsim_http::{BodyTooLarge, ServerHandle, limit_request_bodies, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Over axum's own default of 2 MB, so the test shows this limit replaces it.
const LIMIT: usize = 3 * 1024 * 1024;

fn refuse(too_large: BodyTooLarge) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("{{\"refused\":{}}}", too_large.limit),
    )
        .into_response()
}

async fn start() -> (ServerHandle, oneshot::Sender<()>) {
    let routes = Router::new()
        .route(
            "/echo",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        );
    let router = limit_request_bodies(routes, LIMIT, refuse);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = serve(router, listener, async move {
        let _ = stopped.await;
    })
    .unwrap();
    (handle, stop)
}

/// Writes `head` and then `body` (in pieces) on a fresh connection; returns the answer's head.
async fn raw_exchange(address: SocketAddr, head: &[u8], body: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head).await.unwrap();
    for piece in body.chunks(64 * 1024) {
        if stream.write_all(piece).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .expect("the server answers instead of hanging")
            .unwrap();
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
        if answer.windows(4).any(|window| window == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_body_under_the_limit_reaches_the_handler_even_over_axums_default() {
    let (server, _stop) = start().await;
    let response = reqwest::Client::new()
        .post(format!("http://{}/echo", server.local_addr()))
        .body(vec![b'a'; LIMIT - 1])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), (LIMIT - 1).to_string());
}

#[tokio::test]
async fn a_body_over_the_limit_by_content_length_is_answered_413_to_a_client_still_sending() {
    let (server, _stop) = start().await;
    let response = reqwest::Client::new()
        .post(format!("http://{}/echo", server.local_addr()))
        .body(vec![b'a'; 10 * 1024 * 1024])
        .send()
        .await
        .expect("an answer, not a reset connection");
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.text().await.unwrap(),
        format!("{{\"refused\":{LIMIT}}}")
    );
}

#[tokio::test]
async fn a_chunked_body_growing_past_the_limit_is_answered_413() {
    let (server, _stop) = start().await;
    let chunk = vec![b'a'; 1024 * 1024];
    let mut body = Vec::new();
    for _ in 0..10 {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let head = raw_exchange(
        server.local_addr(),
        b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n",
        &body,
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
}

#[tokio::test]
async fn an_oversized_header_block_is_answered_431_not_left_hanging() {
    let (server, _stop) = start().await;
    let mut head = b"GET /echo HTTP/1.1\r\nHost: test\r\nX-Big: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 1024 * 1024));
    head.extend_from_slice(b"\r\n\r\n");
    let answer = raw_exchange(server.local_addr(), &head, &[]).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");

    let mut many = b"GET /echo HTTP/1.1\r\nHost: test\r\n".to_vec();
    for header in 0..200 {
        many.extend_from_slice(format!("X-H{header}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let answer = raw_exchange(server.local_addr(), &many, &[]).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
}

#[tokio::test]
async fn a_stop_with_a_request_in_flight_and_an_idle_keep_alive_connection_takes_under_a_second() {
    // Arrange: one idle keep-alive connection and one request that would take 30 s.
    let (server, stop) = start().await;
    let address = server.local_addr();
    let client = reqwest::Client::new();
    let idle = client
        .post(format!("http://{address}/echo"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(idle.status(), 200);
    let slow = tokio::spawn(client.get(format!("http://{address}/slow")).send());
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Act
    let stopping = Instant::now();
    stop.send(()).unwrap();
    server.stopped().await.unwrap();
    let stop_time = stopping.elapsed();

    // Assert: the stop did not wait for the slow request, and the port is closed.
    assert!(
        stop_time < Duration::from_secs(1),
        "the stop took {stop_time:?}"
    );
    assert!(TcpStream::connect(address).await.is_err());
    slow.abort();
}
