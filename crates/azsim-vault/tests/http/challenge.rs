//! Authentication: the challenge, and the tokens the vault refuses.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{API_VERSION, FOREIGN_TENANT, MANAGEMENT_SCOPE, TestVault, VAULT_SCOPE};

fn expected_challenge(vault: &TestVault) -> String {
    let tenant = vault.tenant_id();
    format!(
        "Bearer authorization=\"{}/{tenant}\", resource=\"https://vault.azure.net\"",
        vault.token_url
    )
}

#[tokio::test]
async fn unauthenticated_request_gets_the_challenge_before_the_body_is_read() {
    let vault = TestVault::start().await;
    // A request head promising a body that never comes: the answer can only arrive if the
    // vault answers without reading the body.
    let mut stream = TcpStream::connect(&vault.vault_address).await.unwrap();
    let head = format!(
        "PUT /secrets/db-password?api-version={API_VERSION} HTTP/1.1\r\n\
         Host: {}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        vault.vault_address
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0_u8; 4096];
    let response = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let read = stream.read(&mut buffer).await.unwrap();
            if read == 0 {
                break;
            }
            received.extend_from_slice(&buffer[..read]);
            if received.ends_with(b"}") {
                break;
            }
        }
        String::from_utf8_lossy(&received).into_owned()
    })
    .await
    .expect("the vault answered while the body was still unsent");

    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let challenge = head
        .lines()
        .find_map(|line| line.strip_prefix("www-authenticate: "))
        .expect("a WWW-Authenticate header");
    assert_eq!(challenge, expected_challenge(&vault));
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        body,
        json!({"error": {"code": "Unauthorized",
            "message": "Request is missing a Bearer or PoP token."}})
    );
    vault.stop().await;
}

#[tokio::test]
async fn the_sdk_probe_without_token_or_body_gets_401_with_the_exact_challenge() {
    let vault = TestVault::start().await;
    for method in [Method::PUT, Method::GET, Method::DELETE] {
        let response = vault
            .http()
            .request(method.clone(), vault.url("secrets/db-password"))
            .header("content-length", "0")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{method}");
        assert_eq!(
            response.headers()["www-authenticate"].to_str().unwrap(),
            expected_challenge(&vault)
        );
        assert!(response.headers().contains_key("x-ms-request-id"));
    }
    // Listing too, and a header that is not a bearer token counts as none.
    let response = vault
        .http()
        .get(vault.url("secrets"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"].to_str().unwrap(),
        expected_challenge(&vault)
    );
    vault.stop().await;
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused_with_akv10022_and_the_challenge() {
    let vault = TestVault::start().await;
    let token = vault.token(&vault.app, MANAGEMENT_SCOPE).await;
    let response = vault
        .http()
        .get(vault.url("secrets/db-password"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"].to_str().unwrap(),
        expected_challenge(&vault)
    );
    let (_, body) = crate::support::read(response).await;
    assert_eq!(body["error"]["code"], "Unauthorized");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://management.azure.com"
        ),
        "{message}"
    );
    vault.stop().await;
}

#[tokio::test]
async fn vault_tokens_with_and_without_the_trailing_slash_pass_authentication() {
    let vault = TestVault::start().await;
    let tenant = vault.tenant_id();
    let v2 = vault.token(&vault.app, VAULT_SCOPE).await;
    let slash = vault
        .token_for(
            &tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &vault.app.client_id),
                ("client_secret", &vault.app.secret),
                ("scope", "https://vault.azure.net//.default"),
            ],
        )
        .await;
    assert_eq!(
        crate::support::claims_of(&v2)["aud"],
        "https://vault.azure.net"
    );
    assert_eq!(
        crate::support::claims_of(&slash)["aud"],
        "https://vault.azure.net/"
    );
    for token in [v2, slash] {
        // No role yet: past authentication, RBAC answers.
        let (status, body) = vault
            .call(
                Method::GET,
                &vault.url("secrets/db-password"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["innererror"]["code"], "ForbiddenByRbac");
    }
    vault.stop().await;
}

#[tokio::test]
async fn a_token_of_another_tenant_is_refused_with_akv10032() {
    let vault = TestVault::start().await;
    let tenant = vault.tenant_id();
    let token = vault.token(&vault.foreign, VAULT_SCOPE).await;
    let (status, body) = vault
        .call(Method::GET, &vault.url("secrets"), Some(&token), None)
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        body["error"]["message"],
        format!(
            "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tenant}/, \
             found https://sts.windows.net/{FOREIGN_TENANT}/."
        )
    );
    vault.stop().await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let vault = TestVault::start().await;
    let token = vault.token(&vault.app, VAULT_SCOPE).await;
    vault.clock().advance(Duration::from_secs(2 * 86_400));
    let response = vault
        .http()
        .get(vault.url("secrets"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    vault.stop().await;
}

#[tokio::test]
async fn a_missing_or_unknown_api_version_is_a_bad_parameter() {
    let vault = TestVault::start().await;
    let token = vault.token(&vault.app, VAULT_SCOPE).await;
    let (status, body) = vault
        .call(
            Method::GET,
            &format!("{}secrets", vault.vault_uri),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("BadParameter"))
    );
    let (status, body) = vault
        .call(
            Method::GET,
            &format!("{}secrets?api-version=1.0", vault.vault_uri),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The specified version (1.0) is not recognized."),
        "{body}"
    );
    vault.stop().await;
}
