//! Flow steps 4 and 7 with real authorization: roles granted through the resource API decide
//! what a VM's identity may do at the resource API and in a vault.

use azsim_testkit::authorization::roles;
use azsim_testkit::vault::KEY_VAULT_RESOURCE;
use azsim_testkit::{FakeCloud, MANAGEMENT_RESOURCE};
use reqwest::Method;
use serde_json::json;

/// A vault `vault` in resource group `rg` holding `db-password` and `api-key`, written by the
/// administrator (who first grants itself Key Vault Secrets Officer, as in Azure).
async fn vault_with_two_secrets(cloud: &FakeCloud, vault: &str) -> String {
    let created = cloud.put_key_vault("rg", vault).await;
    created.assert_status(201);
    let vault_uri = created.str_at("/properties/vaultUri").to_owned();
    // The vault is an origin of its own, as `{vault}.vault.azure.net` is.
    let origin = vault_uri.strip_prefix("https://127.0.0.1:");
    assert!(
        origin.is_some_and(|port| port.trim_end_matches('/').parse::<u16>().is_ok()),
        "{vault_uri}"
    );
    let admin = cloud.admin_principal_id().await;
    cloud
        .create_role_assignment(
            &cloud.vault_id("rg", vault),
            roles::KEY_VAULT_SECRETS_OFFICER,
            &admin,
        )
        .await
        .assert_status(201);
    let admin_token = cloud.admin_vault_token().await;
    cloud
        .set_secret(&vault_uri, "db-password", "s3cr3t", &admin_token)
        .await
        .assert_status(200);
    cloud
        .set_secret(&vault_uri, "api-key", "k3y", &admin_token)
        .await
        .assert_status(200);
    vault_uri
}

#[tokio::test]
async fn a_vm_reads_exactly_the_secret_it_was_granted_and_only_reads_itself() {
    let cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vault_uri = vault_with_two_secrets(&cloud, "kv-flow").await;
    let vm = cloud
        .put_virtual_machine("rg", "vm", "SystemAssigned")
        .await;
    vm.assert_status(201);
    let principal_id = vm.str_at("/identity/principalId").to_owned();
    let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;

    // Step 5-6: the VM gets a vault token; step 7 without a role: refused.
    let vault_token = cloud.get_imds_token(agent, KEY_VAULT_RESOURCE, &[]).await;
    vault_token.assert_status(200);
    let vault_token = vault_token.str_at("/access_token").to_owned();
    let denied = cloud
        .get_secret(&vault_uri, "db-password", &vault_token)
        .await;
    denied.assert_status(403);
    assert_eq!(denied.str_at("/error/code"), "Forbidden");
    assert_eq!(denied.str_at("/error/innererror/code"), "ForbiddenByRbac");

    // Step 4: the administrator grants Key Vault Secrets User on that one secret.
    let secret_scope = format!("{}/secrets/db-password", cloud.vault_id("rg", "kv-flow"));
    cloud
        .create_role_assignment(&secret_scope, roles::KEY_VAULT_SECRETS_USER, &principal_id)
        .await
        .assert_status(201);

    // Step 7 again: the same token now reads that secret, and nothing else.
    let secret = cloud
        .get_secret(&vault_uri, "db-password", &vault_token)
        .await;
    secret.assert_status(200);
    assert_eq!(secret.str_at("/value"), "s3cr3t");
    cloud
        .get_secret(&vault_uri, "api-key", &vault_token)
        .await
        .assert_status(403);
    let list = cloud
        .vault_request(Method::GET, &vault_uri, "secrets", &vault_token, None)
        .await;
    list.assert_status(403);

    // At the resource API the VM can do nothing until it is given Reader on its group ...
    let arm_token = cloud.get_imds_token(agent, MANAGEMENT_RESOURCE, &[]).await;
    let arm_token = arm_token.str_at("/access_token").to_owned();
    let refused = cloud.get_virtual_machine("rg", "vm", &arm_token).await;
    refused.assert_status(403);
    assert_eq!(refused.error_code(), "AuthorizationFailed");
    cloud
        .create_role_assignment(&cloud.resource_group_id("rg"), roles::READER, &principal_id)
        .await
        .assert_status(201);

    // ... then it reads itself, but may not write.
    cloud
        .get_virtual_machine("rg", "vm", &arm_token)
        .await
        .assert_status(200);
    let write = cloud
        .arm_request(
            Method::PUT,
            &cloud.virtual_machine_id("rg", "vm"),
            Some(&arm_token),
            Some(&json!({"location": "westeurope", "identity": {"type": "SystemAssigned"}})),
        )
        .await;
    write.assert_status(403);
    assert_eq!(write.error_code(), "AuthorizationFailed");
    let message = write
        .body
        .pointer("/error/message")
        .and_then(|m| m.as_str())
        .unwrap();
    assert!(
        message.contains(&format!("object id '{principal_id}'"))
            && message.contains("'Microsoft.Compute/virtualMachines/write'"),
        "{message}"
    );
    cloud.stop().await;
}

#[tokio::test]
async fn a_role_granted_to_a_user_assigned_identity_before_any_vm_works_for_every_vm_it_joins() {
    let cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vault_uri = vault_with_two_secrets(&cloud, "kv-provision").await;
    let identity = cloud.put_user_assigned_identity("rg", "app-id").await;
    identity.assert_status(201);
    let principal_id = identity.str_at("/properties/principalId").to_owned();
    let identity_id = cloud.user_assigned_identity_id("rg", "app-id");

    // The role is granted before any VM exists.
    let secret_scope = format!(
        "{}/secrets/db-password",
        cloud.vault_id("rg", "kv-provision")
    );
    cloud
        .create_role_assignment(&secret_scope, roles::KEY_VAULT_SECRETS_USER, &principal_id)
        .await
        .assert_status(201);

    for vm_name in ["worker-1", "worker-2"] {
        let vm = cloud
            .put_virtual_machine_with_identities(
                "rg",
                vm_name,
                "UserAssigned",
                std::slice::from_ref(&identity_id),
            )
            .await;
        vm.assert_status(201);
        let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;
        let token = cloud.get_imds_token(agent, KEY_VAULT_RESOURCE, &[]).await;
        token.assert_status(200);
        let secret = cloud
            .get_secret(&vault_uri, "db-password", token.str_at("/access_token"))
            .await;
        secret.assert_status(200);
        assert_eq!(secret.str_at("/value"), "s3cr3t");
        // The VM is replaced by the next one; the identity and its role stay.
        cloud
            .delete_virtual_machine("rg", vm_name)
            .await
            .assert_status(200);
    }
    cloud.stop().await;
}

#[tokio::test]
async fn a_vault_keeps_its_uri_and_its_secrets_across_a_restart() {
    let mut cloud = FakeCloud::start().await;
    cloud.create_resource_group("rg").await.assert_status(201);
    let vault_uri = vault_with_two_secrets(&cloud, "kv-restart").await;

    cloud.restart().await;

    let vault = cloud.get_key_vault("rg", "kv-restart").await;
    vault.assert_status(200);
    assert_eq!(vault.str_at("/properties/vaultUri"), vault_uri);
    let admin_token = cloud.admin_vault_token().await;
    let secret = cloud
        .get_secret(&vault_uri, "db-password", &admin_token)
        .await;
    secret.assert_status(200);
    assert_eq!(secret.str_at("/value"), "s3cr3t");
}
