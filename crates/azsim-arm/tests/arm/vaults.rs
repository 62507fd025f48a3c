//! `Microsoft.KeyVault/vaults` in the resource API over real HTTP: the provider's shapes and
//! errors, a `vaultUri` the vault data plane answers at, and secrets that go with their vault.

use crate::support::*;
use azsim_rbac::roles::{KEY_VAULT_SECRETS_OFFICER, KEY_VAULT_SECRETS_USER};
use reqwest::Method;
use serde_json::{Value, json};

const VAULT_API_VERSION: &str = "2024-11-01";
const DATA_API_VERSION: &str = "7.4";

fn vault_path(arm: &TestArm, group: &str, name: &str) -> String {
    let subscription = arm.subscription_id();
    format!(
        "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}?api-version={VAULT_API_VERSION}"
    )
}

fn vault_id(arm: &TestArm, group: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.KeyVault/vaults/{name}",
        arm.group_scope(group)
    )
}

async fn put_vault(arm: &TestArm, token: &str, group: &str, name: &str) -> (u16, Value) {
    let tenant = arm.tenant_id();
    arm.call(
        Method::PUT,
        &vault_path(arm, group, name),
        token,
        Some(json!({
            "location": "East US",
            "tags": {"env": "test"},
            "properties": {
                "tenantId": tenant,
                "sku": {"family": "A", "name": "standard"},
                "enableSoftDelete": true,
            },
        })),
    )
    .await
}

#[tokio::test]
async fn vault_crud_answers_with_the_providers_shapes() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let tenant = arm.tenant_id();
    let token = arm.admin_token().await;
    arm.create_group(&token, "rg").await;

    let (status, body) = put_vault(&arm, &token, "rg", "Kv-App").await;
    assert_eq!(status, 201, "{body}");
    // Each vault is the origin of a listener of its own, as `{name}.vault.azure.net` is.
    let vault_uri = body["properties"]["vaultUri"].as_str().unwrap().to_owned();
    let port = vault_uri
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('/'))
        .and_then(|port| port.parse::<u16>().ok());
    assert!(port.is_some(), "{vault_uri}");
    let expected = json!({
        "id": vault_id(&arm, "rg", "Kv-App"),
        "name": "Kv-App",
        "type": "Microsoft.KeyVault/vaults",
        "location": "eastus",
        "tags": {"env": "test"},
        "properties": {
            "tenantId": tenant,
            "sku": {"family": "A", "name": "standard"},
            "enableSoftDelete": true,
            "enableRbacAuthorization": true,
            "vaultUri": vault_uri,
            "provisioningState": "Succeeded",
        },
    });
    assert_eq!(body, expected);

    // Replaced in any casing: 200, the first casing and URI stay.
    let (status, body) = put_vault(&arm, &token, "RG", "kv-app").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, expected);
    let (status, body) = arm
        .call(Method::GET, &vault_path(&arm, "rg", "KV-APP"), &token, None)
        .await;
    assert_eq!((status, &body), (200, &expected));

    let (status, body) = put_vault(&arm, &token, "rg", "kv-other").await;
    assert_eq!(status, 201, "{body}");
    assert_ne!(body["properties"]["vaultUri"], json!(vault_uri));
    let (status, body) = arm
        .call(
            Method::GET,
            &format!(
                "/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults?api-version={VAULT_API_VERSION}"
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), 2);
    assert_eq!(body["value"][0], expected);
    let (status, body) = arm
        .call(
            Method::GET,
            &format!(
                "/subscriptions/{subscription}/providers/Microsoft.KeyVault/vaults?api-version={VAULT_API_VERSION}"
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), 2);

    let (status, body) = arm
        .call(
            Method::DELETE,
            &vault_path(&arm, "rg", "kv-app"),
            &token,
            None,
        )
        .await;
    assert_eq!((status, body), (200, Value::Null));
    let (status, body) = arm
        .call(Method::GET, &vault_path(&arm, "rg", "kv-app"), &token, None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["error"]["message"],
        "The Resource 'Microsoft.KeyVault/vaults/kv-app' under resource group 'rg' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    );
    let (status, body) = arm
        .call(
            Method::DELETE,
            &vault_path(&arm, "rg", "kv-app"),
            &token,
            None,
        )
        .await;
    assert_eq!((status, body), (204, Value::Null));
    arm.stop().await;
}

#[tokio::test]
async fn vault_names_are_checked_and_global() {
    let arm = TestArm::start().await;
    let token = arm.admin_token().await;
    arm.create_group(&token, "rg1").await;
    arm.create_group(&token, "rg2").await;

    let (status, body) = put_vault(&arm, &token, "rg1", "1kv").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"],
        json!({
            "code": "VaultNameNotValid",
            "message": "The vault name '1kv' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742",
        })
    );
    for bad in ["kv", "kv--app", "kv-", "a234567890123456789012345"] {
        let (status, body) = put_vault(&arm, &token, "rg1", bad).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("VaultNameNotValid")),
            "{bad}"
        );
    }

    let (status, _) = put_vault(&arm, &token, "rg1", "shared-kv").await;
    assert_eq!(status, 201);
    let (status, body) = put_vault(&arm, &token, "rg2", "SHARED-kv").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "VaultAlreadyExists");
    assert!(
        body["error"]["message"].as_str().unwrap().starts_with(
            "The vault name 'SHARED-kv' is already in use. Vault names are globally unique"
        ),
        "{body}"
    );

    let (status, body) = arm
        .call(
            Method::PUT,
            &vault_path(&arm, "rg1", "shared-kv"),
            &token,
            Some(json!({"location": "westus"})),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "InvalidResourceLocation");
    let (status, body) = arm
        .call(
            Method::PUT,
            &vault_path(&arm, "rg1", "kv-access"),
            &token,
            Some(json!({"location": "eastus", "properties": {"enableRbacAuthorization": false}})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["target"],
        "properties.enableRbacAuthorization"
    );
    arm.stop().await;
}

#[tokio::test]
async fn the_vault_uri_is_served_and_deleting_the_vault_deletes_its_secrets() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let token = arm.admin_token().await;
    arm.create_group(&token, "rg").await;
    let (_, vault) = put_vault(&arm, &token, "rg", "kv-data").await;
    let vault_uri = vault["properties"]["vaultUri"].as_str().unwrap().to_owned();
    let secret_url = format!("{vault_uri}secrets/db-password?api-version={DATA_API_VERSION}");

    // The data plane at that URI challenges a request without a token.
    let response = arm.http().get(&secret_url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("resource=\"https://vault.azure.net\""),
        "{challenge}"
    );

    // Owner of the subscription manages the vault but sets no secret without a data role.
    let data_token = arm
        .token(arm.admin(), "https://vault.azure.net/.default")
        .await;
    let set_secret = || async {
        read(
            arm.http()
                .put(&secret_url)
                .bearer_auth(&data_token)
                .json(&json!({"value": "s3cret"}))
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let (status, body) = set_secret().await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["error"]["innererror"]["code"], "ForbiddenByRbac",
        "{body}"
    );
    arm.grant(
        &arm.admin().object_id,
        KEY_VAULT_SECRETS_OFFICER,
        &vault_id(&arm, "rg", "kv-data"),
    )
    .await;
    let (status, body) = set_secret().await;
    assert_eq!(status, 200, "{body}");
    let read_secret = || async {
        read(
            arm.http()
                .get(&secret_url)
                .bearer_auth(&data_token)
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let (status, body) = read_secret().await;
    assert_eq!((status, &body["value"]), (200, &json!("s3cret")));

    let (status, _) = arm
        .call(
            Method::DELETE,
            &vault_path(&arm, "rg", "kv-data"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    // The deleted vault's origin is gone, as a deleted vault's host name is.
    assert!(arm.http().get(&secret_url).send().await.is_err());
    // Same name again: a new origin; the role assignment outlived the vault, the secret did
    // not.
    let (status, vault) = put_vault(&arm, &token, "rg", "kv-data").await;
    assert_eq!(status, 201);
    let new_uri = vault["properties"]["vaultUri"].as_str().unwrap();
    assert_ne!(new_uri, vault_uri);
    let (status, body) = read(
        arm.http()
            .get(format!(
                "{new_uri}secrets/db-password?api-version={DATA_API_VERSION}"
            ))
            .bearer_auth(&data_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "SecretNotFound");

    // Deleting the resource group stops the listeners of its vaults.
    let (status, _) = arm
        .call(
            Method::DELETE,
            &format!("/subscriptions/{subscription}/resourcegroups/rg?api-version=2024-11-01"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(arm.cloud().vaults().vault_address(new_uri).await.is_none());
    assert!(
        arm.http()
            .get(format!("{new_uri}secrets?api-version={DATA_API_VERSION}"))
            .send()
            .await
            .is_err()
    );
    arm.stop().await;
}

#[tokio::test]
async fn roles_can_be_assigned_on_a_single_secret_of_an_existing_vault() {
    let arm = TestArm::start().await;
    let token = arm.admin_token().await;
    arm.create_group(&token, "rg").await;
    put_vault(&arm, &token, "rg", "kv-scope").await;
    let reader = arm.new_client().await;
    let secret_scope = format!("{}/secrets/db-password", vault_id(&arm, "rg", "kv-scope"));

    let assignment = arm
        .grant(&reader.object_id, KEY_VAULT_SECRETS_USER, &secret_scope)
        .await;
    assert_eq!(assignment["properties"]["scope"], secret_scope);
    let (status, body) = arm
        .call(
            Method::GET,
            &format!(
                "{secret_scope}/providers/Microsoft.Authorization/roleAssignments?api-version={AUTHORIZATION_API_VERSION}&$filter=atScope()"
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|listed| listed["name"] == assignment["name"]),
        "{body}"
    );

    let missing_vault = format!("{}/secrets/db-password", vault_id(&arm, "rg", "kv-none"));
    let (status, body) = arm
        .call(
            Method::PUT,
            &role_assignment_path(&missing_vault, "7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a"),
            &token,
            Some(json!({"properties": {
                "roleDefinitionId": KEY_VAULT_SECRETS_USER,
                "principalId": reader.object_id,
            }})),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "ResourceNotFound");
    // The secret is a scope, not a resource the resource API serves.
    let (status, body) = arm
        .call(
            Method::GET,
            &format!("{secret_scope}?api-version={VAULT_API_VERSION}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "InvalidResourceType");
    arm.stop().await;
}
