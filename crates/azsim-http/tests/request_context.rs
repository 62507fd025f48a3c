//! The request context every handler extracts, and the one place failed requests are logged.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use azsim_http::{CORRELATION_HEADER, LoggedError, REQUEST_ID_HEADER, RequestContext};
use http::{Request, StatusCode};
use tower::ServiceExt;

/// An internal failure with a cause, as a store error would be.
#[derive(Debug, thiserror::Error)]
#[error("reading the widget failed")]
struct WidgetError(#[source] std::io::Error);

async fn echo_context(context: RequestContext) -> String {
    format!("{} {}", context.request_id, context.correlation_id)
}

async fn failing() -> Response {
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, "generic message").into_response();
    LoggedError::attach(
        &mut response,
        WidgetError(std::io::Error::other("disk on fire")),
    );
    response
}

fn router() -> Router {
    Router::new()
        .route("/context", get(echo_context))
        .route("/fail", get(failing))
        .layer(from_fn(|request, next| {
            azsim_http::with_request_context("test", request, next)
        }))
}

async fn body_text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn handlers_see_the_ids_the_middleware_returns() {
    let response = router()
        .oneshot(
            Request::get("/context")
                .header(CORRELATION_HEADER, "corr-1")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let request_id = response.headers()[REQUEST_ID_HEADER]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.headers()[CORRELATION_HEADER], "corr-1");
    assert_eq!(body_text(response).await, format!("{request_id} corr-1"));
}

#[tokio::test]
async fn the_extractor_mints_ids_when_the_middleware_is_missing() {
    let bare = Router::new().route("/context", get(echo_context));
    let response = bare
        .oneshot(Request::get("/context").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = body_text(response).await;
    let ids: Vec<&str> = text.split(' ').collect();
    assert_eq!(ids.len(), 2);
    for id in ids {
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
}

/// Captured log output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log of this test binary. A global subscriber, installed once: a thread-local default
/// would race the other tests' threads on tracing's per-callsite interest cache.
fn captured_log() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        captured
    })
}

#[tokio::test]
async fn a_failed_request_is_logged_once_with_its_chain_and_request_id() {
    let captured = captured_log();

    let response = router()
        .oneshot(Request::get("/fail").body(Body::empty()).unwrap())
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = response.headers()[REQUEST_ID_HEADER]
        .to_str()
        .unwrap()
        .to_owned();
    // The client gets the service's own text, never the internal chain.
    assert_eq!(body_text(response).await, "generic message");
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let failures: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("request failed") && line.contains(&request_id))
        .collect();
    assert_eq!(failures.len(), 1, "{logs}");
    assert!(failures[0].contains("ERROR"), "{logs}");
    assert!(failures[0].contains("reading the widget failed"), "{logs}");
    assert!(failures[0].contains("disk on fire"), "{logs}");
    // Logged inside the request's span, which names the service.
    assert!(failures[0].contains("http_request"), "{logs}");
}
