//! Role assignment helpers, named after the operations they call.

use reqwest::Method;
use serde_json::json;

use crate::{ApiResponse, FakeCloud};

/// The api-version the helpers send to `Microsoft.Authorization`.
pub const AUTHORIZATION_API_VERSION: &str = "2022-04-01";

/// Built-in role ids, as Azure defines them.
pub mod roles {
    /// Reader.
    pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
    /// Key Vault Secrets User: reads secret values.
    pub const KEY_VAULT_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
    /// Key Vault Secrets Officer: manages secrets.
    pub const KEY_VAULT_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
}

impl FakeCloud {
    /// The administrator's service principal object id (read from the directory's table, as
    /// a tenant administrator would look it up).
    pub async fn admin_principal_id(&self) -> String {
        let endpoints = self.cloud().endpoints();
        let mut conn = self.cloud().store().read().await.expect("a connection");
        azsim_store::directory::find_service_principal_by_app_id(
            &mut conn,
            &endpoints.tenant_id,
            &endpoints.admin.client_id,
        )
        .await
        .expect("the directory answers")
        .expect("the administrator's principal exists")
        .object_id
    }

    /// Grants Reader on `scope` to `principal_id` (as the administrator); panics unless created.
    pub async fn grant_reader(&self, scope: &str, principal_id: &str) {
        self.create_role_assignment(scope, roles::READER, principal_id)
            .await
            .assert_status(201);
    }

    /// `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{new guid}` granting
    /// `role_id` to `principal_id` (as the administrator).
    pub async fn create_role_assignment(
        &self,
        scope: &str,
        role_id: &str,
        principal_id: &str,
    ) -> ApiResponse {
        let token = self.admin_token().await;
        let name = uuid::Uuid::new_v4();
        let body = json!({"properties": {
            "roleDefinitionId": format!(
                "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{role_id}",
                self.subscription_id()
            ),
            "principalId": principal_id,
        }});
        self.arm_request_at_version(
            Method::PUT,
            &format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"),
            AUTHORIZATION_API_VERSION,
            Some(&token),
            Some(&body),
        )
        .await
    }
}
