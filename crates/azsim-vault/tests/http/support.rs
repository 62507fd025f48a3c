//! The fake cloud as the vault data plane's tests use it: plain HTTP, a foreign tenant, a
//! resource group holding one vault, an application given roles test by test, and a VM whose
//! system-assigned identity gets its vault tokens from its metadata agent.

use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Deref;
use std::sync::Arc;

use azsim_core::NullEventSink;
use azsim_rbac::Authorizer;
pub(crate) use azsim_testkit::FOREIGN_TENANT_ID as FOREIGN_TENANT;
use azsim_testkit::FakeCloud;
pub(crate) use azsim_testkit::fixtures::Client;
use azsim_vault::{VaultConfig, VaultService};
use serde_json::Value;

/// The vault's resource group.
pub(crate) const GROUP: &str = "Secrets-RG";
/// The vault.
pub(crate) const VAULT: &str = "kv-Test";
/// The VM whose managed identity reads secrets.
pub(crate) const VM: &str = "vm-1";
/// The api-version `azure-keyvault-secrets` sends by default.
pub(crate) const API_VERSION: &str = "2026-04-01";
/// Key Vault's `.default` scope.
pub(crate) const VAULT_SCOPE: &str = "https://vault.azure.net/.default";
/// The management audience's `.default` scope.
pub(crate) const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";

/// Built-in role ids.
pub(crate) const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub(crate) const SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
pub(crate) const SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

/// The VM's system-assigned identity.
pub(crate) struct Identity {
    /// Its service principal's object id.
    pub(crate) object_id: String,
    /// Its ARM id as its tokens carry it (`xms_mirid`), which the vault records as the caller.
    pub(crate) resource_id: String,
    /// The VM's metadata agent.
    agent: SocketAddr,
}

/// A fake cloud for one vault test.
pub(crate) struct TestVault {
    cloud: FakeCloud,
    /// The token service's base URL.
    pub(crate) token_url: String,
    /// The vault's URI, ending in `/`.
    pub(crate) vault_uri: String,
    /// The address of the vault listener (`127.0.0.1:port`).
    pub(crate) vault_address: String,
    /// An application that is given roles test by test.
    pub(crate) app: Client,
    /// An application of a tenant the vault does not trust.
    pub(crate) foreign: Client,
    pub(crate) identity: Identity,
}

impl Deref for TestVault {
    type Target = FakeCloud;

    fn deref(&self) -> &FakeCloud {
        &self.cloud
    }
}

impl TestVault {
    /// Starts a cloud in plain HTTP with a foreign tenant, and creates the vault, the
    /// application and the VM through the resource API.
    pub(crate) async fn start() -> Self {
        let cloud = FakeCloud::builder()
            .insecure_http()
            .with_foreign_tenant()
            .start()
            .await;
        cloud.create_resource_group(GROUP).await.assert_status(201);
        let vault = cloud.put_key_vault(GROUP, VAULT).await;
        vault.assert_status(201);
        let vault_uri = vault.str_at("/properties/vaultUri").to_owned();
        let vault_address = vault_uri
            .strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap()
            .to_owned();
        let vm = cloud.put_virtual_machine(GROUP, VM, "SystemAssigned").await;
        vm.assert_status(201);
        let agent = cloud.agent_address(vm.str_at("/properties/vmId")).await;
        let identity = Identity {
            object_id: vm.str_at("/identity/principalId").to_owned(),
            resource_id: managed_identity_resource_id(&cloud, vm.str_at("/identity/principalId"))
                .await,
            agent,
        };
        let app = cloud.register_application().await;
        let foreign = cloud.foreign_client().clone();
        Self {
            token_url: cloud.cloud().endpoints().authority_host.clone(),
            cloud,
            vault_uri,
            vault_address,
            app,
            foreign,
            identity,
        }
    }

    /// An access token for `client` and `scope`, from the token service's v2 endpoint.
    pub(crate) async fn token(&self, client: &Client, scope: &str) -> String {
        self.cloud.access_token(client, scope).await
    }

    /// A vault token of the managed identity, from its VM's metadata agent (which obtains it
    /// with a certificate-signed assertion on the token service's v1 endpoint).
    pub(crate) async fn identity_token(&self) -> String {
        let response = self
            .cloud
            .get_imds_token(self.identity.agent, "https://vault.azure.net", &[])
            .await;
        response.assert_status(200);
        response.str_at("/access_token").to_owned()
    }

    /// A token from `tenant`'s v2 endpoint for this form.
    pub(crate) async fn token_for(&self, tenant: &str, form: &[(&str, &str)]) -> String {
        let response = self
            .http()
            .post(format!("{}/{tenant}/oauth2/v2.0/token", self.token_url))
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "token request failed");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// The vault's ARM id.
    pub(crate) fn vault_id(&self) -> String {
        self.cloud.vault_id(GROUP, VAULT)
    }

    /// Has the administrator grant `role` to `principal_id` at `scope` through the resource
    /// API.
    pub(crate) async fn assign(&self, principal_id: &str, role: &str, scope: &str) {
        self.cloud
            .create_role_assignment(scope, role, principal_id)
            .await
            .assert_status(201);
    }

    /// The URL of `path` under the vault (`path` without a leading `/`), with the api-version.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}?api-version={API_VERSION}", self.vault_uri)
    }

    /// Sends a request to the vault and returns status and JSON body (`Null` when empty).
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut builder = self.http().request(method, url);
        if let Some(token) = token {
            builder = builder.bearer_auth(token);
        }
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        read(builder.send().await.unwrap()).await
    }

    /// Sets secret `name` to `value` and returns the bundle.
    pub(crate) async fn set(&self, token: &str, name: &str, body: Value) -> Value {
        let (status, bundle) = self
            .call(
                reqwest::Method::PUT,
                &self.url(&format!("secrets/{name}")),
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{bundle}");
        bundle
    }

    /// The cloud's data plane, which serves every vault.
    pub(crate) fn vault_service(&self) -> &VaultService {
        self.cloud.cloud().vaults()
    }

    /// Another data plane over the same store and token service, as a restarted cloud
    /// builds one; it serves no vault until told to.
    pub(crate) fn another_vault_service(&self) -> VaultService {
        let cloud = self.cloud.cloud();
        VaultService::new(
            cloud.store().clone(),
            cloud.clock().clone(),
            Arc::new(NullEventSink),
            cloud.token_service().validator(),
            Authorizer::new(cloud.store().clone()),
            VaultConfig {
                bind_host: Ipv4Addr::LOCALHOST.into(),
                tls: None,
                authority_host: self.token_url.parse().unwrap(),
            },
        )
    }

    /// Stops the cloud.
    pub(crate) async fn stop(self) {
        self.cloud.stop().await;
    }
}

/// The managed-identity resource id the directory holds for principal `object_id`.
async fn managed_identity_resource_id(cloud: &FakeCloud, object_id: &str) -> String {
    let mut conn = cloud.cloud().store().read().await.unwrap();
    azsim_store::directory::find_service_principal(&mut conn, object_id)
        .await
        .unwrap()
        .unwrap()
        .managed_identity_resource_id
        .unwrap()
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

/// The claims of a JWT, unverified (to check what a test relies on).
pub(crate) fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Whether `version` is 32 lower-case hex digits.
pub(crate) fn is_version(version: &str) -> bool {
    version.len() == 32
        && version
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
