//! The secrets operations and their JSON shapes, as a Key Vault Secrets Officer of the vault.

use azsim_core::Clock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{SECRETS_OFFICER, TestVault, is_version};

/// A vault whose application is Secrets Officer of the whole vault, and its token.
async fn officer() -> (TestVault, String) {
    let vault = TestVault::start().await;
    vault
        .assign(&vault.app.object_id, SECRETS_OFFICER, &vault.vault_id())
        .await;
    let token = vault.token(&vault.app, crate::support::VAULT_SCOPE).await;
    (vault, token)
}

fn version_of(bundle: &Value) -> String {
    let id = bundle["id"].as_str().unwrap();
    id.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn set_answers_the_secret_bundle_with_a_new_32_hex_version() {
    let (vault, token) = officer().await;
    let now = vault.clock().unix_seconds();
    let bundle = vault
        .set(
            &token,
            "db-password",
            json!({"value": "p@ss", "contentType": "text/plain", "tags": {"env": "prod"},
                "attributes": {"enabled": true, "exp": now + 3600}}),
        )
        .await;
    let version = version_of(&bundle);
    assert!(is_version(&version), "{version}");
    assert_eq!(
        bundle,
        json!({
            "value": "p@ss",
            "id": format!("{}secrets/db-password/{version}", vault.vault_uri),
            "contentType": "text/plain",
            "attributes": {"enabled": true, "exp": now + 3600, "created": now, "updated": now,
                "recoveryLevel": "Purgeable"},
            "tags": {"env": "prod"}
        })
    );
    // The vault is the origin of its own listener: nothing follows it but `/`.
    assert_eq!(vault.vault_uri, format!("http://{}/", vault.vault_address));
    vault.stop().await;
}

#[tokio::test]
async fn get_reads_the_latest_by_name_with_or_without_slash_and_any_version_by_id() {
    let (vault, token) = officer().await;
    let first = vault
        .set(&token, "Db-Password", json!({"value": "one"}))
        .await;
    let second = vault
        .set(&token, "db-password", json!({"value": "two"}))
        .await;
    assert_ne!(version_of(&first), version_of(&second));
    // The second write joined the secret under its first casing.
    assert!(
        second["id"]
            .as_str()
            .unwrap()
            .contains("/secrets/Db-Password/")
    );

    for path in ["secrets/db-password", "secrets/DB-PASSWORD/"] {
        let (status, latest) = vault
            .call(Method::GET, &vault.url(path), Some(&token), None)
            .await;
        assert_eq!(status, 200, "{path}: {latest}");
        assert_eq!(latest, second, "{path}");
    }
    let (status, old) = vault
        .call(
            Method::GET,
            &vault.url(&format!("secrets/db-password/{}", version_of(&first))),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(old["value"], "one");
    assert_eq!(old["id"], first["id"]);
    vault.stop().await;
}

#[tokio::test]
async fn an_unknown_secret_or_version_is_secret_not_found() {
    let (vault, token) = officer().await;
    let (status, body) = vault
        .call(
            Method::GET,
            &vault.url("secrets/missing/"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "SecretNotFound");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("A secret with (name/id) missing was not found in this key vault."),
        "{body}"
    );
    vault.set(&token, "present", json!({"value": "v"})).await;
    let (status, body) = vault
        .call(
            Method::GET,
            &vault.url("secrets/present/00000000000000000000000000000000"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("SecretNotFound"))
    );
    vault.stop().await;
}

#[tokio::test]
async fn list_shows_each_secret_once_without_its_value() {
    let (vault, token) = officer().await;
    vault.set(&token, "b-secret", json!({"value": "1"})).await;
    vault
        .set(
            &token,
            "b-secret",
            json!({"value": "2", "tags": {"k": "v"}}),
        )
        .await;
    vault
        .set(
            &token,
            "a-secret",
            json!({"value": "3", "contentType": "text/plain"}),
        )
        .await;
    let (status, page) = vault
        .call(Method::GET, &vault.url("secrets"), Some(&token), None)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["nextLink"], Value::Null);
    let items = page["value"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["id"],
        format!("{}secrets/a-secret", vault.vault_uri)
    );
    assert_eq!(items[0]["contentType"], "text/plain");
    assert_eq!(
        items[1]["id"],
        format!("{}secrets/b-secret", vault.vault_uri)
    );
    assert_eq!(items[1]["tags"], json!({"k": "v"}));
    for item in items {
        assert!(item.get("value").is_none(), "{item}");
        assert_eq!(item["attributes"]["enabled"], true);
        assert_eq!(item["attributes"]["recoveryLevel"], "Purgeable");
    }
    vault.stop().await;
}

#[tokio::test]
async fn list_versions_shows_every_version_and_pages_follow_next_link() {
    let (vault, token) = officer().await;
    let mut versions = Vec::new();
    for value in ["1", "2", "3"] {
        let bundle = vault.set(&token, "rotating", json!({"value": value})).await;
        versions.push(version_of(&bundle));
    }
    let mut url = format!(
        "{}secrets/rotating/versions?api-version=7.4&maxresults=2",
        vault.vault_uri
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = vault.call(Method::GET, &url, Some(&token), None).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        for item in page["value"].as_array().unwrap() {
            assert!(item.get("value").is_none());
            seen.push(version_of(item));
        }
        match page["nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&vault.vault_uri), "{next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, versions);

    let (status, page) = vault
        .call(
            Method::GET,
            &vault.url("secrets/never-set/versions"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, page),
        (200, json!({"value": [], "nextLink": null}))
    );
    vault.stop().await;
}

#[tokio::test]
async fn delete_answers_the_deleted_bundle_and_removes_every_version() {
    let (vault, token) = officer().await;
    vault.set(&token, "doomed", json!({"value": "1"})).await;
    let latest = vault.set(&token, "doomed", json!({"value": "2"})).await;
    let (status, deleted) = vault
        .call(
            Method::DELETE,
            &vault.url("secrets/doomed"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["id"], latest["id"]);
    assert_eq!(deleted["deletedDate"], vault.clock().unix_seconds());
    assert_eq!(deleted["attributes"], latest["attributes"]);
    // Deletion is final: no value, no recovery id for the SDK's poller to wait on.
    assert!(deleted.get("value").is_none());
    assert!(deleted.get("recoveryId").is_none());

    let (status, _) = vault
        .call(
            Method::GET,
            &vault.url("secrets/doomed"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (_, versions) = vault
        .call(
            Method::GET,
            &vault.url("secrets/doomed/versions"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(versions["value"], json!([]));
    let (status, again) = vault
        .call(
            Method::DELETE,
            &vault.url("secrets/doomed"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (404, Some("SecretNotFound"))
    );
    vault.stop().await;
}

#[tokio::test]
async fn a_disabled_secret_cannot_be_read_but_is_listed() {
    let (vault, token) = officer().await;
    vault
        .set(
            &token,
            "off",
            json!({"value": "x", "attributes": {"enabled": false}}),
        )
        .await;
    let (status, body) = vault
        .call(Method::GET, &vault.url("secrets/off"), Some(&token), None)
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"error": {"code": "Forbidden",
            "message": "Operation get is not allowed on a disabled secret.",
            "innererror": {"code": "SecretDisabled"}}})
    );
    let (_, page) = vault
        .call(Method::GET, &vault.url("secrets"), Some(&token), None)
        .await;
    assert_eq!(page["value"][0]["attributes"]["enabled"], false);
    vault.stop().await;
}

#[tokio::test]
async fn bad_names_and_bodies_are_bad_parameters() {
    let (vault, token) = officer().await;
    let (status, body) = vault
        .call(
            Method::PUT,
            &vault.url("secrets/not_valid"),
            Some(&token),
            Some(json!({"value": "x"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        json!({"code": "BadParameter",
            "message": "The request URI contains an invalid name: not_valid"})
    );
    for bad in [json!({}), json!({"value": 5}), json!(["value"])] {
        let (status, body) = vault
            .call(
                Method::PUT,
                &vault.url("secrets/fine"),
                Some(&token),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("BadParameter")),
            "{bad}"
        );
    }
    let (status, _) = vault
        .call(
            Method::GET,
            &format!("{}secrets?api-version=7.4&maxresults=26", vault.vault_uri),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 400);
    vault.stop().await;
}
