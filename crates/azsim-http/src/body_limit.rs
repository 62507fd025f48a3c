//! Bounding request bodies: a body over a service's limit is refused with `413` in that
//! service's own error format, before any handler (or authentication) sees the request.
//!
//! A body with a `Content-Length` over the limit is refused from the header alone; one within
//! it goes on unread (hyper never yields more than announced), so a service may still answer
//! before reading it, as the vault's bearer challenge does. A body without a length (chunked)
//! is read here, at most the limit, before the request goes on, and refused once it grows
//! past it. What is left of a refused body is read and discarded up to
//! [`REFUSED_BODY_DRAIN_LIMIT`] for at most [`REFUSED_BODY_DRAIN_TIME`], so a client that
//! sends without waiting reads the `413` instead of a reset connection; a client that sent
//! `Expect: 100-continue` is answered at once and never sends the body.

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use http_body_util::BodyExt;

use crate::RequestContext;
use crate::limits::{REFUSED_BODY_DRAIN_LIMIT, REFUSED_BODY_DRAIN_TIME};

/// A request refused for its body's size, handed to the service to answer in its format.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the request body exceeds the limit of {limit} bytes")]
pub struct BodyTooLarge {
    /// The service's limit, in bytes.
    pub limit: usize,
    /// The request's URI (a service with several error dialects picks one by path).
    pub uri: Uri,
    /// The request's ids, for services that echo them in error bodies.
    pub context: RequestContext,
}

/// Refuses request bodies over `limit` bytes on `router`, answering with `refuse` (the
/// service's 413). Add it inside the request-context layer, so the refusal carries the
/// request's ids and is logged once, and outside every other layer.
pub fn limit_request_bodies<S, R>(router: Router<S>, limit: usize, refuse: R) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    R: Fn(BodyTooLarge) -> Response + Clone + Send + Sync + 'static,
{
    router
        .layer(middleware::from_fn(move |request, next| {
            bounded_body(request, next, limit, refuse.clone())
        }))
        // This layer bounds every body; axum's own default (2 MB, answered in plain text)
        // would otherwise refuse bodies under a larger service limit in the wrong format.
        .layer(DefaultBodyLimit::disable())
}

async fn bounded_body(
    request: Request,
    next: Next,
    limit: usize,
    refuse: impl Fn(BodyTooLarge) -> Response,
) -> Response {
    let (parts, body) = request.into_parts();
    let too_large = BodyTooLarge {
        limit,
        uri: parts.uri.clone(),
        context: parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_else(RequestContext::fresh),
    };
    if let Some(length) = content_length(&parts.headers)
        && length > limit as u64
    {
        // A waiting client is told before it sends anything; one that is sending is read to
        // the end (within bounds) so that it can read the answer.
        if expects_continue(&parts.headers) || length > REFUSED_BODY_DRAIN_LIMIT as u64 {
            return closing(refuse(too_large));
        }
        return match drain(body, 0).await {
            Drained::Whole => refuse(too_large),
            Drained::Cut => closing(refuse(too_large)),
        };
    }
    if content_length(&parts.headers).is_some() {
        // hyper never yields more than the announced length, so the body is within the limit
        // and goes on unread: a service may answer before reading it (the vault's challenge).
        return next.run(Request::from_parts(parts, body)).await;
    }
    let mut body = body;
    let mut buffered: Vec<u8> = Vec::new();
    loop {
        match body.frame().await {
            None => break,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if buffered.len() + data.len() > limit {
                        let read = buffered.len() + data.len();
                        drop(buffered);
                        return match drain(body, read).await {
                            Drained::Whole => refuse(too_large),
                            Drained::Cut => closing(refuse(too_large)),
                        };
                    }
                    buffered.extend_from_slice(&data);
                }
            }
            // The client broke off or sent a malformed chunk: nobody waits for a real
            // answer, and the handler must never see half a body as a whole one.
            Some(Err(_)) => return closing(StatusCode::BAD_REQUEST.into_response()),
        }
    }
    next.run(Request::from_parts(parts, Body::from(buffered)))
        .await
}

/// Whether a refused body was read to its end.
enum Drained {
    Whole,
    Cut,
}

/// Reads and discards what is left of `body` (after `already` bytes), within the bounds.
async fn drain(mut body: Body, already: usize) -> Drained {
    let mut read = already;
    let reading = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Drained::Cut;
            };
            if let Ok(data) = frame.into_data() {
                read += data.len();
                if read > REFUSED_BODY_DRAIN_LIMIT {
                    return Drained::Cut;
                }
            }
        }
        Drained::Whole
    };
    tokio::time::timeout(REFUSED_BODY_DRAIN_TIME, reading)
        .await
        .unwrap_or(Drained::Cut)
}

/// `response`, telling the client that the connection closes after it (its body was not read).
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get(header::EXPECT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("100-continue"))
}
