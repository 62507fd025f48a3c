//! Access by RBAC data actions: ForbiddenByRbac without a role, per-secret scopes, and the
//! managed identity's step-7 events.

use azsim_core::FlowStep;
use reqwest::Method;
use serde_json::json;

use crate::support::{OWNER, SECRETS_OFFICER, SECRETS_USER, TestVault, VAULT, VAULT_SCOPE};

#[tokio::test]
async fn without_an_assignment_every_operation_is_forbidden_by_rbac() {
    let vault = TestVault::start().await;
    let tenant = vault.tenant_id();
    let token = vault.token(&vault.app, VAULT_SCOPE).await;
    let (status, body) = vault
        .call(
            Method::GET,
            &vault.url("secrets/db-password"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let expected = format!(
        "Caller is not authorized to perform action on resource.\r\n\
         If role assignments, deny assignments or role definitions were changed recently, \
         please observe propagation time.\r\n\
         Caller: appid={};oid={};iss=https://sts.windows.net/{tenant}/\r\n\
         Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\n\
         Resource: '{}/secrets/db-password'\r\n\
         Assignment: (not found)\r\n\
         DenyAssignmentId: null\r\n\
         DecisionReason: null \r\n\
         Vault: {VAULT};location=westeurope\r\n",
        vault.app.client_id,
        vault.app.object_id,
        vault.vault_id().to_lowercase(),
    );
    assert_eq!(
        body,
        json!({"error": {"code": "Forbidden", "message": expected,
            "innererror": {"code": "ForbiddenByRbac"}}})
    );

    for (method, path, body, action) in [
        (
            Method::PUT,
            "secrets/x",
            Some(json!({"value": "v"})),
            "setSecret/action",
        ),
        (Method::GET, "secrets", None, "readMetadata/action"),
        (
            Method::GET,
            "secrets/x/versions",
            None,
            "readMetadata/action",
        ),
        (Method::DELETE, "secrets/x", None, "delete"),
    ] {
        let (status, answer) = vault
            .call(method.clone(), &vault.url(path), Some(&token), body)
            .await;
        assert_eq!(status, 403, "{method} {path}");
        assert_eq!(answer["error"]["innererror"]["code"], "ForbiddenByRbac");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!(
                "Action: 'Microsoft.KeyVault/vaults/secrets/{action}'"
            )),
            "{message}"
        );
    }
    vault.stop().await;
}

#[tokio::test]
async fn an_owner_of_the_subscription_reads_no_secret() {
    let vault = TestVault::start().await;
    let subscription = vault.subscription_id();
    vault
        .assign(
            &vault.app.object_id,
            OWNER,
            &format!("/subscriptions/{subscription}"),
        )
        .await;
    let token = vault.token(&vault.app, VAULT_SCOPE).await;
    let (status, body) = vault
        .call(Method::GET, &vault.url("secrets"), Some(&token), None)
        .await;
    assert_eq!(
        status, 403,
        "management actions grant no data action: {body}"
    );
    vault.stop().await;
}

#[tokio::test]
async fn secrets_user_on_one_secret_reads_only_that_secret_and_cannot_list() {
    let vault = TestVault::start().await;
    // An officer writes two secrets.
    vault
        .assign(&vault.app.object_id, SECRETS_OFFICER, &vault.vault_id())
        .await;
    let officer = vault.token(&vault.app, VAULT_SCOPE).await;
    let password = vault
        .set(&officer, "db-password", json!({"value": "hunter2"}))
        .await;
    vault.set(&officer, "api-key", json!({"value": "k"})).await;

    // The managed identity is denied, then granted the one secret.
    let token = vault.identity_token().await;
    let (status, _) = vault
        .call(
            Method::GET,
            &vault.url("secrets/db-password/"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 403);
    vault
        .assign(
            &vault.identity.object_id,
            SECRETS_USER,
            &format!("{}/secrets/db-password", vault.vault_id()),
        )
        .await;
    let (status, body) = vault
        .call(
            Method::GET,
            &vault.url("secrets/db-password/"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, password);
    let (status, _) = vault
        .call(
            Method::GET,
            &vault.url("secrets/api-key"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 403, "the assignment covers one secret");
    let (status, _) = vault
        .call(Method::GET, &vault.url("secrets"), Some(&token), None)
        .await;
    assert_eq!(status, 403, "listing is checked at the vault");
    let (status, _) = vault
        .call(
            Method::PUT,
            &vault.url("secrets/db-password"),
            Some(&token),
            Some(json!({"value": "mine"})),
        )
        .await;
    assert_eq!(status, 403, "Secrets User cannot set");

    // Each call of the identity is step 7 of the flow, with its decision.
    // (The cloud's other services record theirs too: the resource API's, say.)
    let steps: Vec<_> = vault
        .flow_events()
        .await
        .into_iter()
        .filter(|event| {
            event.step == Some(FlowStep::UseToken) && event.target.starts_with("vault:")
        })
        .collect();
    assert_eq!(steps.len(), 5, "{steps:?}");
    assert!(
        steps
            .iter()
            .all(|event| event.source == vault.identity.resource_id
                && event.target == format!("vault:{VAULT}")
                && !event.correlation_id.is_empty())
    );
    assert!(
        steps[0].summary.ends_with("denied (403)"),
        "{}",
        steps[0].summary
    );
    assert!(steps[1].summary.starts_with("managed identity reads"));
    assert!(
        steps[1].summary.ends_with("allowed"),
        "{}",
        steps[1].summary
    );
    vault.stop().await;
}

#[tokio::test]
async fn secrets_user_on_the_vault_reads_and_lists_but_cannot_delete() {
    let vault = TestVault::start().await;
    vault
        .assign(&vault.app.object_id, SECRETS_OFFICER, &vault.vault_id())
        .await;
    let officer = vault.token(&vault.app, VAULT_SCOPE).await;
    vault.set(&officer, "shared", json!({"value": "v"})).await;

    let token = vault.identity_token().await;
    vault
        .assign(&vault.identity.object_id, SECRETS_USER, &vault.vault_id())
        .await;
    let (status, _) = vault
        .call(
            Method::GET,
            &vault.url("secrets/shared"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, page) = vault
        .call(Method::GET, &vault.url("secrets"), Some(&token), None)
        .await;
    assert_eq!(
        (status, page["value"].as_array().map(Vec::len)),
        (200, Some(1))
    );
    let (status, _) = vault
        .call(
            Method::DELETE,
            &vault.url("secrets/shared"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 403);
    vault.stop().await;
}
