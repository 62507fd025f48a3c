//! A response as tests look at it.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The status, headers and body (JSON, or `Value::Null` when empty or not JSON) of a response.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as JSON (`Null` if empty or not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl ApiResponse {
    /// Reads a whole response.
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            body,
            text,
        }
    }

    /// The body's string at JSON pointer `pointer`, or "" (for short assertions).
    pub fn str_at(&self, pointer: &str) -> &str {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// ARM's `error.code`, or the OAuth `error`.
    pub fn error_code(&self) -> &str {
        match self.body.pointer("/error/code") {
            Some(code) => code.as_str().unwrap_or_default(),
            None => self.str_at("/error"),
        }
    }

    /// Panics with the whole response unless the status is `expected`.
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}
