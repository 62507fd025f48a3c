//! Resource API helpers, named after the operations they call.

use azsim_core::ResourceId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{ARM_API_VERSION, ApiResponse, FakeCloud};

/// The api-version the helpers send to `Microsoft.ManagedIdentity` (the identity SDK's default).
pub const MSI_API_VERSION: &str = "2024-11-30";

impl FakeCloud {
    /// The subscription created at first start.
    pub fn subscription_id(&self) -> String {
        self.cloud().endpoints().subscription_id.clone()
    }

    /// The id of the subscription.
    pub fn subscription_scope(&self) -> String {
        ResourceId::subscription(self.subscription_id()).to_string()
    }

    /// The ARM id of a resource group.
    pub fn resource_group_id(&self, resource_group: &str) -> String {
        self.resource_group(resource_group).to_string()
    }

    /// The ARM id of a VM.
    pub fn virtual_machine_id(&self, resource_group: &str, name: &str) -> String {
        self.resource_group(resource_group)
            .provider("Microsoft.Compute", "virtualMachines", name)
            .to_string()
    }

    /// The ARM id of a user-assigned identity, as a caller writes it (`resourceGroups`).
    pub fn user_assigned_identity_id(&self, resource_group: &str, name: &str) -> String {
        self.resource_group(resource_group)
            .provider("Microsoft.ManagedIdentity", "userAssignedIdentities", name)
            .to_string()
    }

    fn resource_group(&self, resource_group: &str) -> ResourceId {
        ResourceId::resource_group(self.subscription_id(), resource_group)
    }

    /// A request to the resource API at `path_and_query` (sent as given: the caller adds the
    /// `api-version`), with `token` as bearer if any; for requests the other helpers cannot
    /// express (a body that is not JSON, a `HEAD`).
    pub fn arm_request_builder(
        &self,
        method: Method,
        path_and_query: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let url = format!(
            "{}{path_and_query}",
            self.cloud().endpoints().resource_manager
        );
        let request = self.http().request(method, url);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends a resource API request to `path_and_query` as given (with its own `api-version`,
    /// or none) and returns the raw response.
    pub async fn arm_send(
        &self,
        method: Method,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> ApiResponse {
        let mut request = self.arm_request_builder(method, path_and_query, token);
        if let Some(body) = body {
            request = request.json(body);
        }
        ApiResponse::read(request.send().await.expect("resource API request")).await
    }

    /// Sends a resource API request with `token` to `path` (an ARM id, with `api-version`
    /// added) and returns the raw response.
    pub async fn arm_request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> ApiResponse {
        self.arm_request_at_version(method, path, ARM_API_VERSION, token, body)
            .await
    }

    /// [`FakeCloud::arm_request`] with the given `api-version`.
    pub async fn arm_request_at_version(
        &self,
        method: Method,
        path: &str,
        api_version: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> ApiResponse {
        let separator = if path.contains('?') { '&' } else { '?' };
        self.arm_send(
            method,
            &format!("{path}{separator}api-version={api_version}"),
            token,
            body,
        )
        .await
    }

    /// `PUT` a resource group (as the administrator).
    pub async fn create_resource_group(&self, name: &str) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request(
            Method::PUT,
            &self.resource_group_id(name),
            Some(&token),
            Some(&json!({"location": "westeurope"})),
        )
        .await
    }

    /// `DELETE` a resource group (as the administrator).
    pub async fn delete_resource_group(&self, name: &str) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request(
            Method::DELETE,
            &self.resource_group_id(name),
            Some(&token),
            None,
        )
        .await
    }

    /// `PUT` a VM with the given `identity.type` (as the administrator).
    pub async fn put_virtual_machine(
        &self,
        resource_group: &str,
        name: &str,
        identity_type: &str,
    ) -> ApiResponse {
        let token = self.admin_token().await;
        let body = json!({
            "location": "westeurope",
            "identity": {"type": identity_type},
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_B1s"},
                "storageProfile": {"osDisk": {"osType": "Linux"}}
            }
        });
        self.arm_request(
            Method::PUT,
            &self.virtual_machine_id(resource_group, name),
            Some(&token),
            Some(&body),
        )
        .await
    }

    /// `PATCH` a VM's `identity.type` (as the administrator).
    pub async fn patch_virtual_machine_identity(
        &self,
        resource_group: &str,
        name: &str,
        identity_type: &str,
    ) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request(
            Method::PATCH,
            &self.virtual_machine_id(resource_group, name),
            Some(&token),
            Some(&json!({"identity": {"type": identity_type}})),
        )
        .await
    }

    /// `GET` a VM with `token`.
    pub async fn get_virtual_machine(
        &self,
        resource_group: &str,
        name: &str,
        token: &str,
    ) -> ApiResponse {
        self.arm_request(
            Method::GET,
            &self.virtual_machine_id(resource_group, name),
            Some(token),
            None,
        )
        .await
    }

    /// `DELETE` a VM (as the administrator).
    pub async fn delete_virtual_machine(&self, resource_group: &str, name: &str) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request(
            Method::DELETE,
            &self.virtual_machine_id(resource_group, name),
            Some(&token),
            None,
        )
        .await
    }

    /// `PUT` a user-assigned identity (as the administrator, with the api-version the
    /// identity SDK sends).
    pub async fn put_user_assigned_identity(
        &self,
        resource_group: &str,
        name: &str,
    ) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request_at_version(
            Method::PUT,
            &self.user_assigned_identity_id(resource_group, name),
            MSI_API_VERSION,
            Some(&token),
            Some(&json!({"location": "westeurope"})),
        )
        .await
    }

    /// `GET` a user-assigned identity (as the administrator).
    pub async fn get_user_assigned_identity(
        &self,
        resource_group: &str,
        name: &str,
    ) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request_at_version(
            Method::GET,
            &self.user_assigned_identity_id(resource_group, name),
            MSI_API_VERSION,
            Some(&token),
            None,
        )
        .await
    }

    /// `DELETE` a user-assigned identity (as the administrator).
    pub async fn delete_user_assigned_identity(
        &self,
        resource_group: &str,
        name: &str,
    ) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request_at_version(
            Method::DELETE,
            &self.user_assigned_identity_id(resource_group, name),
            MSI_API_VERSION,
            Some(&token),
            None,
        )
        .await
    }

    /// `PUT` a VM with the given `identity.type` and user-assigned identities (ARM ids, as
    /// [`FakeCloud::user_assigned_identity_id`] gives them), as the administrator.
    pub async fn put_virtual_machine_with_identities(
        &self,
        resource_group: &str,
        name: &str,
        identity_type: &str,
        user_assigned_identities: &[String],
    ) -> ApiResponse {
        let token = self.admin_token().await;
        let entries: serde_json::Map<String, Value> = user_assigned_identities
            .iter()
            .map(|id| (id.clone(), json!({})))
            .collect();
        let body = json!({
            "location": "westeurope",
            "identity": {"type": identity_type, "userAssignedIdentities": entries},
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_B1s"},
                "storageProfile": {"osDisk": {"osType": "Linux"}}
            }
        });
        self.arm_request(
            Method::PUT,
            &self.virtual_machine_id(resource_group, name),
            Some(&token),
            Some(&body),
        )
        .await
    }

    /// `PATCH` a VM's `identity` property with `identity` as given (as the administrator).
    pub async fn patch_virtual_machine_identities(
        &self,
        resource_group: &str,
        name: &str,
        identity: &Value,
    ) -> ApiResponse {
        let token = self.admin_token().await;
        self.arm_request(
            Method::PATCH,
            &self.virtual_machine_id(resource_group, name),
            Some(&token),
            Some(&json!({ "identity": identity })),
        )
        .await
    }
}
