//! The fake cloud as the resource API's tests use it: plain HTTP (so ids and URIs read
//! `http://127.0.0.1:PORT`), a foreign tenant the subscription does not trust, and short
//! names for the paths and calls every test makes.

use std::ops::Deref;

use azsim_testkit::FakeCloud;
pub(crate) use azsim_testkit::authorization::{AUTHORIZATION_API_VERSION, role_assignment_id};
pub(crate) use azsim_testkit::fixtures::Client;
use reqwest::Method;
use serde_json::Value;

/// The management audience's `.default` scope.
pub(crate) const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";
/// The api-version the resource SDK sends.
pub(crate) const API_VERSION: &str = "2025-04-01";

/// A fake cloud for one resource API test.
pub(crate) struct TestArm {
    cloud: FakeCloud,
}

impl Deref for TestArm {
    type Target = FakeCloud;

    fn deref(&self) -> &FakeCloud {
        &self.cloud
    }
}

impl TestArm {
    /// Starts a cloud in plain HTTP with a foreign tenant; its administrator is Owner of the
    /// subscription.
    pub(crate) async fn start() -> Self {
        let cloud = FakeCloud::builder()
            .insecure_http()
            .with_foreign_tenant()
            .start()
            .await;
        Self { cloud }
    }

    /// An access token for `client` and `scope`, from the token service's v2 endpoint.
    pub(crate) async fn token(&self, client: &Client, scope: &str) -> String {
        self.cloud.access_token(client, scope).await
    }

    /// A new application in the subscription's tenant, with no role anywhere.
    pub(crate) async fn new_client(&self) -> Client {
        self.cloud.register_application().await
    }

    /// Has the admin assign `role` (a built-in role GUID) to `principal_id` at `scope` through
    /// the API; returns the assignment.
    pub(crate) async fn grant(&self, principal_id: &str, role: &str, scope: &str) -> Value {
        let response = self
            .cloud
            .create_role_assignment(scope, role, principal_id)
            .await;
        response.assert_status(201);
        response.body
    }

    /// A request to the resource API at `path` (with its query), authenticated with `token`.
    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        self.cloud.arm_request_builder(method, path, token)
    }

    /// Sends a request and returns its status and JSON body (`Null` when there is none).
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut builder = self.request(method, path, Some(token));
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        read(builder.send().await.unwrap()).await
    }

    /// The path of a resource group of the subscription, with the api-version, spelt as the
    /// resource SDK spells it (`resourcegroups`).
    pub(crate) fn group_path(&self, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourcegroups/{name}?api-version={API_VERSION}",
            self.cloud.subscription_id()
        )
    }

    /// The id of a resource group of the subscription.
    pub(crate) fn group_scope(&self, group: &str) -> String {
        self.cloud.resource_group_id(group)
    }

    /// The path of a VM of the subscription, with the compute api-version.
    pub(crate) fn vm_path(&self, group: &str, name: &str) -> String {
        format!(
            "{}?api-version=2026-04-01",
            self.cloud.virtual_machine_id(group, name)
        )
    }

    /// Has `token`'s holder create resource group `name` in East US; panics unless created.
    pub(crate) async fn create_group(&self, token: &str, name: &str) {
        let (status, body) = self
            .call(
                Method::PUT,
                &self.group_path(name),
                token,
                Some(serde_json::json!({"location": "eastus"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    /// Stops the cloud.
    pub(crate) async fn stop(self) {
        self.cloud.stop().await;
    }
}

/// The status and JSON body of a response (`Null` when the body is empty).
pub(crate) async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, body)
}

/// The path of role assignment `name` at `scope`, with the api-version.
pub(crate) fn role_assignment_path(scope: &str, name: &str) -> String {
    format!(
        "{}?api-version={AUTHORIZATION_API_VERSION}",
        role_assignment_id(scope.trim_end_matches('/'), name)
    )
}
