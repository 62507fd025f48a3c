//! Each vault's own listener: stopped when the vault is deleted, served again after a
//! restart at the same URI, moved (and its new URI stored) when its port is taken.

use azsim_store::vaults::{delete_vault, find_vault_by_name};
use reqwest::Method;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::support::{SECRETS_OFFICER, TestVault, VAULT, VAULT_SCOPE};

/// A vault with one secret the app may read, and the app's token.
async fn vault_with_a_secret() -> (TestVault, String) {
    let vault = TestVault::start().await;
    vault
        .assign(&vault.app.object_id, SECRETS_OFFICER, &vault.vault_id())
        .await;
    let token = vault.token(&vault.app, VAULT_SCOPE).await;
    vault
        .set(&token, "db-password", json!({"value": "p@ss"}))
        .await;
    (vault, token)
}

async fn stored_uri(vault: &TestVault) -> String {
    let mut conn = vault.cloud().store().read().await.unwrap();
    find_vault_by_name(&mut conn, VAULT)
        .await
        .unwrap()
        .unwrap()
        .vault_uri
}

#[tokio::test]
async fn a_deleted_vault_answers_not_found_until_its_listener_is_reaped() {
    let (vault, token) = vault_with_a_secret().await;
    {
        let mut conn = vault.cloud().store().read().await.unwrap();
        let row = find_vault_by_name(&mut conn, VAULT)
            .await
            .unwrap()
            .unwrap()
            .vault_row;
        assert!(delete_vault(&mut conn, row).await.unwrap());
    }
    let (status, body) = vault
        .call(
            Method::GET,
            &vault.url("secrets/db-password"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("VaultNotFound")),
        "{body}"
    );

    assert_eq!(vault.vault_service().reap_vaults().await.unwrap(), 1);
    assert!(
        TcpStream::connect(&vault.vault_address).await.is_err(),
        "the deleted vault's port still accepts connections"
    );
    assert_eq!(vault.vault_service().reap_vaults().await.unwrap(), 0);
    vault.stop().await;
}

#[tokio::test]
async fn a_restarted_data_plane_serves_each_vault_at_its_old_uri() {
    let (vault, token) = vault_with_a_secret().await;
    vault.vault_service().stop_all_vaults().await;
    assert!(TcpStream::connect(&vault.vault_address).await.is_err());

    let restarted = vault.another_vault_service();
    assert_eq!(restarted.restore_vaults().await.unwrap(), 1);
    assert_eq!(stored_uri(&vault).await, vault.vault_uri);
    let (status, bundle) = vault
        .call(
            Method::GET,
            &vault.url("secrets/db-password"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!((status, bundle["value"].as_str()), (200, Some("p@ss")));
    // Restoring again serves nothing twice.
    assert_eq!(restarted.restore_vaults().await.unwrap(), 1);
    restarted.stop_all_vaults().await;
    vault.stop().await;
}

#[tokio::test]
async fn a_vault_whose_port_is_taken_moves_and_its_new_uri_is_stored() {
    let (vault, token) = vault_with_a_secret().await;
    vault.vault_service().stop_all_vaults().await;
    let _squatter = TcpListener::bind(&vault.vault_address).await.unwrap();

    let restarted = vault.another_vault_service();
    assert_eq!(restarted.restore_vaults().await.unwrap(), 1);
    let moved = stored_uri(&vault).await;
    assert_ne!(moved, vault.vault_uri);
    assert!(restarted.vault_address(&moved).await.is_some());
    let (status, bundle) = vault
        .call(
            Method::GET,
            &format!("{moved}secrets/db-password?api-version=7.5"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{bundle}");
    let id = bundle["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("{moved}secrets/db-password/")),
        "{id}"
    );
    restarted.stop_all_vaults().await;
    vault.stop().await;
}
