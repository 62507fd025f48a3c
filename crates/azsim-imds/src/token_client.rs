//! The agent's client of the token service: a v1 client-credentials request authenticated
//! with a certificate-signed client assertion.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::assertion::{AssertionError, CLIENT_ASSERTION_TYPE, sign_client_assertion};
use crate::model::IdentityCredential;

/// The azsim-internal form field naming the VM that asks, for the `xms_az_rid` claim of a
/// user-assigned identity's token (the token service cannot know which VM holds the shared
/// certificate; in Azure the managed-identity infrastructure tells it).
const COMPUTE_RESOURCE_FIELD: &str = "azsim_xms_az_rid";

/// How long the agent waits for the token service before giving up on a request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A token as the token service issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssuedToken {
    /// The access token (never logged).
    pub(crate) access_token: String,
    /// Expiry, unix seconds.
    pub(crate) expires_on: i64,
    /// Start of validity, unix seconds, as the service wrote it.
    pub(crate) not_before: String,
}

/// Why no token came back from the token service.
#[derive(Debug, thiserror::Error)]
pub enum TokenServiceError {
    /// The authority host cannot carry a path (it is not an http(s) URL).
    #[error("the authority host {authority_host} cannot form a token endpoint")]
    InvalidAuthority {
        /// The configured authority host.
        authority_host: String,
    },
    /// The client assertion could not be built.
    #[error("cannot build the client assertion")]
    Assertion(#[source] AssertionError),
    /// The token service could not be reached or did not answer in time.
    #[error("cannot reach the token service at {url}")]
    Transport {
        /// The token endpoint.
        url: String,
        /// What the HTTP client reported.
        #[source]
        source: reqwest::Error,
    },
    /// The token service refused the request (a 4xx answer).
    #[error("the token service refused the request with status {status} ({error})")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The OAuth `error` code it returned.
        error: String,
        /// The `error_description` it returned.
        description: String,
    },
    /// The token service failed (a 5xx or other unexpected status).
    #[error("the token service failed with status {status}")]
    Failed {
        /// The HTTP status.
        status: u16,
    },
    /// A success answer that is not a usable v1 token response.
    #[error("the token service answered with an unusable token response: {reason}")]
    InvalidResponse {
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The HTTP client every agent of the process that trusts the same CA shares.
///
/// Building a client loads the system's TLS roots, tens of milliseconds; one per agent made
/// creating a VM, and restoring hundreds of agents at start-up, that much slower. A shared
/// client also shares its connection pool to the token service. Clients are kept per extra
/// CA (each cloud has its own), so no agent trusts another cloud's certificates.
fn shared_http_client(ca_certificate_pem: Option<&str>) -> Result<reqwest::Client, reqwest::Error> {
    type Clients = std::collections::HashMap<Option<String>, reqwest::Client>;
    static CLIENTS: std::sync::OnceLock<std::sync::Mutex<Clients>> = std::sync::OnceLock::new();
    let clients = CLIENTS.get_or_init(Default::default);
    let key = ca_certificate_pem.map(str::to_owned);
    // A panic while holding the lock cannot leave the map half-updated: take it as it is.
    let mut clients = clients
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(client) = clients.get(&key) {
        return Ok(client.clone());
    }
    // The agent talks to the token service directly, never through a proxy a host
    // environment might configure.
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT);
    if let Some(pem) = ca_certificate_pem {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?);
    }
    let client = builder.build()?;
    clients.insert(key, client.clone());
    Ok(client)
}

/// Calls `POST {authority_host}/{tenant}/oauth2/token`.
#[derive(Debug, Clone)]
pub(crate) struct TokenServiceClient {
    http: reqwest::Client,
    authority_host: Url,
}

impl TokenServiceClient {
    /// A client of the token service at `authority_host`, trusting `ca_certificate_pem` (PEM)
    /// besides the system's roots.
    pub(crate) fn new(
        authority_host: Url,
        ca_certificate_pem: Option<&str>,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: shared_http_client(ca_certificate_pem)?,
            authority_host,
        })
    }

    /// The v1 token endpoint of `tenant_id`.
    pub(crate) fn token_url(&self, tenant_id: &str) -> Result<Url, TokenServiceError> {
        let mut url = self.authority_host.clone();
        url.path_segments_mut()
            .map_err(|()| TokenServiceError::InvalidAuthority {
                authority_host: self.authority_host.to_string(),
            })?
            .pop_if_empty()
            .extend([tenant_id, "oauth2", "token"]);
        Ok(url)
    }

    /// Asks for a token for `resource` as `credential`, at `now` (unix seconds), passing the
    /// caller's correlation id on. `compute_resource_id` is the VM's ARM id, sent for a
    /// user-assigned identity only.
    pub(crate) async fn request_token(
        &self,
        credential: &IdentityCredential,
        resource: &str,
        compute_resource_id: Option<&str>,
        correlation_id: &str,
        now: i64,
    ) -> Result<IssuedToken, TokenServiceError> {
        let url = self.token_url(&credential.tenant_id)?;
        let assertion = sign_client_assertion(credential, url.as_str(), now)
            .map_err(TokenServiceError::Assertion)?;
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", credential.client_id.as_str()),
            ("resource", resource),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        if let Some(compute_resource_id) = compute_resource_id {
            form.push((COMPUTE_RESOURCE_FIELD, compute_resource_id));
        }
        let transport = |source| TokenServiceError::Transport {
            url: url.to_string(),
            source,
        };
        let response = self
            .http
            .post(url.clone())
            .header("client-request-id", correlation_id)
            .header(azsim_http::CORRELATION_HEADER, correlation_id)
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            parse_v1_token_response(&body, now)
        } else if status.is_client_error() {
            Err(rejection(status.as_u16(), &body))
        } else {
            Err(TokenServiceError::Failed {
                status: status.as_u16(),
            })
        }
    }
}

/// The token in a v1 success body, whose numbers are strings (numbers are accepted too).
pub(crate) fn parse_v1_token_response(
    body: &[u8],
    now: i64,
) -> Result<IssuedToken, TokenServiceError> {
    let invalid = |reason| TokenServiceError::InvalidResponse { reason };
    let json: Value = serde_json::from_slice(body).map_err(|_| invalid("not JSON"))?;
    let access_token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| invalid("no access_token"))?
        .to_owned();
    let expires_on = match integer(&json, "expires_on") {
        Some(expires_on) => expires_on,
        None => integer(&json, "expires_in")
            .map(|expires_in| now + expires_in)
            .ok_or_else(|| invalid("neither expires_on nor expires_in"))?,
    };
    let not_before = integer(&json, "not_before").unwrap_or(now).to_string();
    Ok(IssuedToken {
        access_token,
        expires_on,
        not_before,
    })
}

/// The token service's 4xx body as a [`TokenServiceError::Rejected`], forwarding its OAuth
/// `error` and `error_description`.
fn rejection(status: u16, body: &[u8]) -> TokenServiceError {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let field = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_owned);
    TokenServiceError::Rejected {
        status,
        error: field("error").unwrap_or_else(|| "invalid_request".to_owned()),
        description: field("error_description").unwrap_or_default(),
    }
}

/// A field holding an integer, written as a JSON string or number.
fn integer(json: &Value, name: &str) -> Option<i64> {
    match json.get(name)? {
        Value::String(text) => text.trim().parse().ok(),
        Value::Number(number) => number.as_i64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_url_appends_tenant_and_v1_path() {
        let client =
            TokenServiceClient::new(Url::parse("http://127.0.0.1:4000").unwrap(), None).unwrap();
        assert_eq!(
            client.token_url("tenant-1").unwrap().as_str(),
            "http://127.0.0.1:4000/tenant-1/oauth2/token"
        );
        let client =
            TokenServiceClient::new(Url::parse("https://login.example/prefix/").unwrap(), None)
                .unwrap();
        assert_eq!(
            client.token_url("t").unwrap().as_str(),
            "https://login.example/prefix/t/oauth2/token"
        );
    }

    #[test]
    fn v1_response_with_string_numbers_is_read() {
        let body = br#"{"token_type":"Bearer","expires_in":"86399","ext_expires_in":"86399","expires_on":"1700086400","not_before":"1699999700","resource":"https://vault.azure.net","access_token":"abc"}"#;
        let token = parse_v1_token_response(body, 1_700_000_000).unwrap();
        assert_eq!(
            token,
            IssuedToken {
                access_token: "abc".into(),
                expires_on: 1_700_086_400,
                not_before: "1699999700".into()
            }
        );
    }

    #[test]
    fn response_without_expires_on_uses_expires_in() {
        let body = br#"{"access_token":"abc","expires_in":3599}"#;
        let token = parse_v1_token_response(body, 1_000).unwrap();
        assert_eq!(token.expires_on, 4_599);
        assert_eq!(token.not_before, "1000");
    }

    #[test]
    fn response_without_token_is_invalid() {
        assert!(matches!(
            parse_v1_token_response(br#"{"expires_on":"5"}"#, 0),
            Err(TokenServiceError::InvalidResponse { .. })
        ));
        assert!(matches!(
            parse_v1_token_response(b"<html>", 0),
            Err(TokenServiceError::InvalidResponse { .. })
        ));
    }

    #[test]
    fn rejection_forwards_error_and_description() {
        let body = br#"{"error":"invalid_resource","error_description":"AADSTS500011: The resource principal named x was not found","error_codes":[500011]}"#;
        match rejection(400, body) {
            TokenServiceError::Rejected {
                status,
                error,
                description,
            } => {
                assert_eq!(status, 400);
                assert_eq!(error, "invalid_resource");
                assert!(description.starts_with("AADSTS500011"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
