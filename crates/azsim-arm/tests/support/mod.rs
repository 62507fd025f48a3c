//! A resource API on a real socket, with a real token service, MSRP and SQLite file behind it.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azsim_arm::{ArmConfig, ArmState, router};
use azsim_core::{Clock, EventSink, FlowEvent, ManualClock, SharedClock};
use azsim_entra::{TokenService, TokenServiceConfig};
use azsim_imds::{AgentConfig, ImdsFleet};
use azsim_msrp::{Msrp, MsrpConfig};
use azsim_rbac::{Authorizer, RoleAssignmentProperties, role_assignment_create};
use azsim_store::Store;
use azsim_store::directory::{
    Application, PrincipalType, SecretCredential, ServicePrincipal, Tenant, insert_application,
    insert_secret_credential, insert_service_principal, insert_tenant,
};
use azsim_store::resources::{Subscription, insert_subscription};
use azsim_vault::{VaultConfig, VaultService};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The tenant the test subscription trusts.
pub(crate) const TENANT: &str = "5c7d2b0e-3f4a-4b6c-9d8e-1a2b3c4d5e6f";
/// A second tenant, which the subscription does not trust.
pub(crate) const FOREIGN_TENANT: &str = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
/// The test subscription.
pub(crate) const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
/// The management audience's `.default` scope.
pub(crate) const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";
/// The api-version the resource SDK sends.
pub(crate) const API_VERSION: &str = "2025-04-01";

/// Flow events, kept for assertions.
#[derive(Debug, Default)]
pub(crate) struct RecordingSink {
    events: Mutex<Vec<FlowEvent>>,
}

impl RecordingSink {
    /// The events recorded so far.
    pub(crate) fn events(&self) -> Vec<FlowEvent> {
        self.events.lock().unwrap().clone()
    }
}

impl EventSink for RecordingSink {
    fn record(&self, event: FlowEvent) {
        self.events.lock().unwrap().push(event);
    }
}

/// An application registered in a tenant, with a client secret.
pub(crate) struct Client {
    pub(crate) tenant_id: String,
    pub(crate) client_id: String,
    /// Its service principal's object id: what role assignments name.
    pub(crate) object_id: String,
    pub(crate) secret: String,
}

/// The running services of one test.
pub(crate) struct TestArm {
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) events: Arc<RecordingSink>,
    pub(crate) http: reqwest::Client,
    pub(crate) arm_url: String,
    pub(crate) token_url: String,
    /// The Key Vault data plane: every vault the API creates is served on its own port.
    pub(crate) vaults: VaultService,
    pub(crate) store: Store,
    /// Owner of the test subscription, as the cloud's bootstrap administrator is.
    pub(crate) admin: Client,
    pub(crate) foreign: Client,
    pub(crate) msrp: Msrp,
    shutdown: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

impl TestArm {
    /// Starts a token service, the vault data plane and the resource API on 127.0.0.1:0 over
    /// a fresh store holding the subscription, its tenant, and an admin application in each
    /// tenant; the subscription's admin is Owner of it.
    pub(crate) async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let shared_clock: SharedClock = clock.clone();
        let events = Arc::new(RecordingSink::default());
        let admin = seed_client(&store, TENANT, "contoso.example", clock.unix_seconds()).await;
        let foreign = seed_client(
            &store,
            FOREIGN_TENANT,
            "fabrikam.example",
            clock.unix_seconds(),
        )
        .await;
        let mut conn = store.pool().acquire().await.unwrap();
        insert_subscription(
            &mut conn,
            &Subscription {
                subscription_id: SUBSCRIPTION.to_owned(),
                tenant_id: TENANT.to_owned(),
                display_name: "Test subscription".to_owned(),
                state: "Enabled".to_owned(),
                created_at: clock.unix_seconds(),
            },
        )
        .await
        .unwrap();
        drop(conn);

        let (_, created) = role_assignment_create(
            &store,
            &shared_clock,
            &azsim_core::ResourceId::subscription(SUBSCRIPTION),
            &uuid::Uuid::new_v4().to_string(),
            &RoleAssignmentProperties {
                role_definition_id: azsim_rbac::roles::OWNER.to_owned(),
                principal_id: admin.object_id.clone(),
                principal_type: None,
                description: Some("bootstrap administrator".to_owned()),
            },
            None,
        )
        .await
        .unwrap();
        assert!(created);

        let token_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let arm_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let token_url = format!("http://{}", token_listener.local_addr().unwrap());
        let arm_url = format!("http://{}", arm_listener.local_addr().unwrap());
        let token_service = TokenService::new(
            store.clone(),
            shared_clock.clone(),
            events.clone(),
            TokenServiceConfig {
                public_base_url: token_url.parse().unwrap(),
            },
        )
        .await
        .unwrap();
        let fleet = ImdsFleet::new(
            AgentConfig {
                authority_host: token_url.parse().unwrap(),
                bind_host: IpAddr::V4(Ipv4Addr::LOCALHOST),
                ca_certificate_pem: None,
            },
            shared_clock.clone(),
            events.clone(),
        );
        let msrp = Msrp::new(
            store.clone(),
            shared_clock.clone(),
            events.clone(),
            fleet,
            MsrpConfig::default(),
        )
        .await
        .unwrap();
        let authorizer = Authorizer::new(store.clone());
        let vaults = VaultService::new(
            store.clone(),
            shared_clock.clone(),
            events.clone(),
            token_service.validator(),
            authorizer.clone(),
            VaultConfig {
                bind_host: std::net::Ipv4Addr::LOCALHOST.into(),
                tls: None,
                authority_host: token_url.parse().unwrap(),
            },
        );
        let state = ArmState::new(
            store.clone(),
            shared_clock,
            events.clone(),
            token_service.validator(),
            msrp.clone(),
            authorizer,
            vaults.clone(),
            ArmConfig {
                public_base_url: arm_url.parse().unwrap(),
            },
        );
        let (shutdown, _) = watch::channel(false);
        for (app, listener) in [
            (token_service.router(), token_listener),
            (router(state), arm_listener),
        ] {
            let mut stopped = shutdown.subscribe();
            azsim_http::serve(app, listener, async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .unwrap();
        }
        Self {
            clock,
            events,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            arm_url,
            token_url,
            vaults,
            store,
            admin,
            foreign,
            msrp,
            shutdown,
            _dir: dir,
        }
    }

    /// An access token for `client` and `scope`, from the token service's v2 endpoint.
    pub(crate) async fn token(&self, client: &Client, scope: &str) -> String {
        let response = self
            .http
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                self.token_url, client.tenant_id
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client.client_id.as_str()),
                ("client_secret", client.secret.as_str()),
                ("scope", scope),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "token request failed");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A new application in the subscription's tenant, with no role anywhere.
    pub(crate) async fn new_client(&self) -> Client {
        register_application(&self.store, TENANT, self.clock.unix_seconds()).await
    }

    /// Has the admin assign `role` (a built-in role GUID) to `principal_id` at `scope` through
    /// the API; returns the assignment.
    pub(crate) async fn grant(&self, principal_id: &str, role: &str, scope: &str) -> Value {
        let token = self.admin_token().await;
        let (status, body) = self
            .call(
                reqwest::Method::PUT,
                &role_assignment_path(scope, &uuid::Uuid::new_v4().to_string()),
                &token,
                Some(serde_json::json!({
                    "properties": {
                        "roleDefinitionId": format!(
                            "/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{role}"
                        ),
                        "principalId": principal_id,
                    }
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// An admin token for the management audience.
    pub(crate) async fn admin_token(&self) -> String {
        self.token(&self.admin, MANAGEMENT_SCOPE).await
    }

    /// A request to the resource API at `path` (with its query), authenticated with `token`.
    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let builder = self
            .http
            .request(method, format!("{}{}", self.arm_url, path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a request and returns its status and JSON body (`Null` when there is none).
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut builder = self.request(method, path, Some(token));
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        let response = builder.send().await.unwrap();
        read(response).await
    }

    /// Stops the servers and the metadata agents MSRP started.
    pub(crate) async fn stop(self) {
        self.shutdown.send_replace(true);
        self.msrp.fleet().stop_all().await;
        self.vaults.stop_all_vaults().await;
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

/// The path of a resource group of the test subscription, with the api-version.
pub(crate) fn group_path(name: &str) -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourcegroups/{name}?api-version={API_VERSION}")
}

/// The api-version the authorization SDK sends.
pub(crate) const AUTHORIZATION_API_VERSION: &str = "2022-04-01";

/// The path of role assignment `name` at `scope`, with the api-version.
pub(crate) fn role_assignment_path(scope: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version={AUTHORIZATION_API_VERSION}",
        scope.trim_end_matches('/')
    )
}

/// The id of the test subscription.
pub(crate) fn subscription_scope() -> String {
    format!("/subscriptions/{SUBSCRIPTION}")
}

/// The id of a resource group of the test subscription.
pub(crate) fn group_scope(group: &str) -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}")
}

/// The path of a VM of the test subscription, with the compute api-version.
pub(crate) fn vm_path(group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}?api-version=2026-04-01"
    )
}

async fn seed_client(store: &Store, tenant_id: &str, domain: &str, now: i64) -> Client {
    let mut conn = store.pool().acquire().await.unwrap();
    insert_tenant(
        &mut conn,
        &Tenant {
            tenant_id: tenant_id.to_owned(),
            display_name: domain.to_owned(),
            default_domain: domain.to_owned(),
            created_at: now,
        },
    )
    .await
    .unwrap();
    drop(conn);
    register_application(store, tenant_id, now).await
}

/// An application with a service principal and a client secret in `tenant_id`.
async fn register_application(store: &Store, tenant_id: &str, now: i64) -> Client {
    let mut conn = store.pool().acquire().await.unwrap();
    let client_id = uuid::Uuid::new_v4().to_string();
    insert_application(
        &mut conn,
        &Application {
            app_id: client_id.clone(),
            tenant_id: tenant_id.to_owned(),
            display_name: "admin".to_owned(),
            created_at: now,
        },
    )
    .await
    .unwrap();
    let object_id = uuid::Uuid::new_v4().to_string();
    insert_service_principal(
        &mut conn,
        &ServicePrincipal {
            object_id: object_id.clone(),
            tenant_id: tenant_id.to_owned(),
            app_id: client_id.clone(),
            application_id: Some(client_id.clone()),
            display_name: "admin".to_owned(),
            principal_type: PrincipalType::Application,
            managed_identity_resource_id: None,
            created_at: now,
        },
    )
    .await
    .unwrap();
    let secret = format!("secret-{}", uuid::Uuid::new_v4());
    let digest: String = openssl::sha::sha256(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    insert_secret_credential(
        &mut conn,
        &SecretCredential {
            credential_id: uuid::Uuid::new_v4().to_string(),
            object_id: object_id.clone(),
            secret_sha256: digest,
            not_before: now - 60,
            not_after: now + 365 * 86_400,
            created_at: now,
        },
    )
    .await
    .unwrap();
    Client {
        tenant_id: tenant_id.to_owned(),
        client_id,
        object_id,
        secret,
    }
}
