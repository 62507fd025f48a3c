//! Secret names and versions in the request path: Key Vault's object-name rule, and
//! percent-encoded separators refused as invalid names before anything is read or written.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{SECRETS_OFFICER, TestVault, VAULT_SCOPE};

async fn officer() -> (TestVault, String) {
    let vault = TestVault::start().await;
    vault
        .assign(&vault.app.object_id, SECRETS_OFFICER, &vault.vault_id())
        .await;
    let token = vault.token(&vault.app, VAULT_SCOPE).await;
    (vault, token)
}

fn assert_invalid_name(status: u16, body: &Value, shown: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"],
        json!({"code": "BadParameter",
            "message": format!("The request URI contains an invalid name: {shown}")}),
    );
}

async fn secret_names(vault: &TestVault, token: &str) -> Vec<Value> {
    let (status, body) = vault
        .call(Method::GET, &vault.url("secrets"), Some(token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["value"].as_array().unwrap().clone()
}

#[tokio::test]
async fn encoded_separators_and_bad_names_are_refused_and_nothing_is_written() {
    let (vault, token) = officer().await;
    let too_long = "s".repeat(128);
    for (segment, shown) in [
        ("db%2Fpassword", "db/password"),
        ("db%2fpassword", "db/password"),
        ("db%5Cpassword", "db\\password"),
        // Encoded twice: the literal name `db%2Fpassword`.
        ("db%252Fpassword", "db%2Fpassword"),
        ("db.password", "db.password"),
        (too_long.as_str(), too_long.as_str()),
    ] {
        let (status, body) = vault
            .call(
                Method::PUT,
                &vault.url(&format!("secrets/{segment}")),
                Some(&token),
                Some(json!({"value": "x"})),
            )
            .await;
        assert_invalid_name(status, &body, shown);
        let (status, body) = vault
            .call(
                Method::GET,
                &vault.url(&format!("secrets/{segment}/versions")),
                Some(&token),
                None,
            )
            .await;
        assert_invalid_name(status, &body, shown);
    }
    assert!(secret_names(&vault, &token).await.is_empty());
    let longest = "s".repeat(127);
    vault.set(&token, &longest, json!({"value": "x"})).await;
    assert_eq!(secret_names(&vault, &token).await.len(), 1);
    vault.stop().await;
}

#[tokio::test]
async fn a_version_holding_a_separator_is_an_invalid_name() {
    let (vault, token) = officer().await;
    vault.set(&token, "present", json!({"value": "v"})).await;
    for (segment, shown) in [
        ("v%2Fx", "present/v/x"),
        ("v%5Cx", "present/v\\x"),
        ("v%252Fx", "present/v%2Fx"),
        ("v.x", "present/v.x"),
    ] {
        let (status, body) = vault
            .call(
                Method::GET,
                &vault.url(&format!("secrets/present/{segment}")),
                Some(&token),
                None,
            )
            .await;
        assert_invalid_name(status, &body, shown);
    }
    vault.stop().await;
}

#[tokio::test]
async fn a_name_that_is_not_utf8_once_decoded_is_an_invalid_name() {
    let (vault, token) = officer().await;
    for method in [Method::GET, Method::PUT] {
        let (status, body) = vault
            .call(
                method.clone(),
                &vault.url("secrets/fuzz%A2"),
                Some(&token),
                (method == Method::PUT).then(|| json!({"value": "x"})),
            )
            .await;
        assert_invalid_name(status, &body, "fuzz\u{FFFD}");
    }
    assert!(secret_names(&vault, &token).await.is_empty());
}
