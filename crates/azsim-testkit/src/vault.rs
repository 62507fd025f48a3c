//! Key Vault helpers: the vault resource through the resource API, secrets through the data
//! plane.

use reqwest::Method;
use serde_json::json;

use crate::{ApiResponse, FakeCloud};

/// The api-version the helpers send for `Microsoft.KeyVault/vaults`.
pub const KEY_VAULT_ARM_API_VERSION: &str = "2026-05-15";
/// The api-version the helpers send to the secrets data plane.
pub const KEY_VAULT_DATA_API_VERSION: &str = "7.5";
/// The data plane's audience.
pub const KEY_VAULT_RESOURCE: &str = "https://vault.azure.net";

impl FakeCloud {
    /// The ARM id of a vault.
    pub fn vault_id(&self, resource_group: &str, name: &str) -> String {
        azsim_core::ResourceId::resource_group(self.subscription_id(), resource_group)
            .provider("Microsoft.KeyVault", "vaults", name)
            .to_string()
    }

    /// `PUT` a vault with RBAC authorization (as the administrator).
    pub async fn put_key_vault(&self, resource_group: &str, name: &str) -> ApiResponse {
        let token = self.admin_token().await;
        let body = json!({
            "location": "westeurope",
            "properties": {
                "tenantId": self.cloud().endpoints().tenant_id,
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": true
            }
        });
        self.arm_request_at_version(
            Method::PUT,
            &self.vault_id(resource_group, name),
            KEY_VAULT_ARM_API_VERSION,
            Some(&token),
            Some(&body),
        )
        .await
    }

    /// `GET` a vault (as the administrator).
    pub async fn get_key_vault(&self, resource_group: &str, name: &str) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request_at_version(
            Method::GET,
            &self.vault_id(resource_group, name),
            KEY_VAULT_ARM_API_VERSION,
            Some(&token),
            None,
        )
        .await
    }

    /// A data-plane request to `{vault_uri}{path}` with `token`.
    pub async fn vault_request(
        &self,
        method: Method,
        vault_uri: &str,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> ApiResponse {
        let url = format!(
            "{}/{}?api-version={KEY_VAULT_DATA_API_VERSION}",
            vault_uri.trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        let mut request = self.http().request(method, url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        ApiResponse::read(request.send().await.expect("vault request")).await
    }

    /// `PUT secrets/{name}` with `token`.
    pub async fn set_secret(
        &self,
        vault_uri: &str,
        name: &str,
        value: &str,
        token: &str,
    ) -> ApiResponse {
        self.vault_request(
            Method::PUT,
            vault_uri,
            &format!("secrets/{name}"),
            token,
            Some(&json!({"value": value})),
        )
        .await
    }

    /// `GET secrets/{name}` with `token`.
    pub async fn get_secret(&self, vault_uri: &str, name: &str, token: &str) -> ApiResponse {
        self.vault_request(
            Method::GET,
            vault_uri,
            &format!("secrets/{name}"),
            token,
            None,
        )
        .await
    }

    /// An administrator token for the vault audience.
    pub async fn admin_vault_token(&self) -> String {
        let response = self
            .client_secret_token(&format!("{KEY_VAULT_RESOURCE}/.default"))
            .await;
        response.assert_status(200);
        response.str_at("/access_token").to_owned()
    }
}
