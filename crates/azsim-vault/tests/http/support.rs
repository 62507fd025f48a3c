//! A token service and a vault data plane on real sockets over a fresh store holding a
//! tenant, a subscription, a resource group, a vault, two applications and a managed identity.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azsim_core::{Clock, EventSink, FlowEvent, ManualClock, SharedClock};
use azsim_entra::{CLIENT_ASSERTION_TYPE_JWT_BEARER, TokenService, TokenServiceConfig};
use azsim_pki::{CertificateAuthority, CertificateRequest, CertificateUsage, KeyPair};
use azsim_rbac::Authorizer;
use azsim_store::Store;
use azsim_store::directory::{
    Application, CertificateCredential, PrincipalType, SecretCredential, ServicePrincipal, Tenant,
    insert_application, insert_certificate_credential, insert_secret_credential,
    insert_service_principal, insert_tenant,
};
use azsim_store::resources::{
    ResourceGroupWrite, Subscription, insert_subscription, upsert_resource_group,
};
use azsim_store::role_assignments::{StoredRoleAssignment, insert_role_assignment};
use azsim_store::vaults::{Vault, VaultWrite, upsert_vault};
use azsim_vault::{VaultConfig, VaultService};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The tenant the vault trusts.
pub(crate) const TENANT: &str = "5c7d2b0e-3f4a-4b6c-9d8e-1a2b3c4d5e6f";
/// A tenant the vault does not trust.
pub(crate) const FOREIGN_TENANT: &str = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
/// The subscription holding the vault.
pub(crate) const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
/// The vault's resource group.
pub(crate) const GROUP: &str = "Secrets-RG";
/// The vault.
pub(crate) const VAULT: &str = "kv-Test";
/// The api-version `azure-keyvault-secrets` sends by default.
pub(crate) const API_VERSION: &str = "2026-04-01";
/// Key Vault's `.default` scope.
pub(crate) const VAULT_SCOPE: &str = "https://vault.azure.net/.default";
/// The management audience's `.default` scope.
pub(crate) const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";
/// The managed identity's ARM id (its tokens' `xms_mirid`).
pub(crate) const IDENTITY_ID: &str = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/Secrets-RG/providers/Microsoft.Compute/virtualMachines/vm-1";

/// Built-in role ids.
pub(crate) const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub(crate) const SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
pub(crate) const SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

/// Flow events, kept for assertions.
#[derive(Debug, Default)]
pub(crate) struct RecordingSink {
    events: Mutex<Vec<FlowEvent>>,
}

impl RecordingSink {
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
    pub(crate) object_id: String,
    pub(crate) secret: String,
}

/// A managed identity's principal and certificate key.
pub(crate) struct Identity {
    pub(crate) client_id: String,
    pub(crate) object_id: String,
    key: KeyPair,
    thumbprint_s256: String,
}

/// The running services of one test.
pub(crate) struct TestVault {
    pub(crate) store: Store,
    pub(crate) clock: Arc<ManualClock>,
    shared_clock: SharedClock,
    token_service: TokenService,
    /// The data plane serving the vault.
    pub(crate) vault_service: VaultService,
    pub(crate) events: Arc<RecordingSink>,
    pub(crate) http: reqwest::Client,
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
    shutdown: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

impl TestVault {
    /// Starts a token service and the vault data plane on 127.0.0.1:0 over a fresh store.
    pub(crate) async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let shared_clock: SharedClock = clock.clone();
        let events = Arc::new(RecordingSink::default());
        let now = clock.unix_seconds();

        let app = seed_client(&store, TENANT, "contoso.example", now).await;
        let foreign = seed_client(&store, FOREIGN_TENANT, "fabrikam.example", now).await;
        let identity = seed_identity(&store, clock.now()).await;

        let token_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let token_url = format!("http://{}", token_listener.local_addr().unwrap());
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
        let vault_service =
            vault_service(&store, &shared_clock, &events, &token_service, &token_url);
        let endpoint = vault_service.bind_vault_endpoint().await.unwrap();
        let vault_uri = endpoint.vault_uri().to_owned();
        let vault = seed_vault(&store, &vault_uri, now).await;
        let vault_address = vault_service
            .start_vault(&vault, endpoint)
            .await
            .unwrap()
            .to_string();

        let (shutdown, _) = watch::channel(false);
        let mut stopped = shutdown.subscribe();
        azsim_http::serve(token_service.router(), token_listener, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        })
        .unwrap();
        Self {
            store,
            clock: clock.clone(),
            shared_clock,
            token_service,
            vault_service,
            events,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            token_url,
            vault_uri,
            vault_address,
            app,
            foreign,
            identity,
            shutdown,
            _dir: dir,
        }
    }

    /// An access token for `client` and `scope`, from the token service's v2 endpoint.
    pub(crate) async fn token(&self, client: &Client, scope: &str) -> String {
        self.token_for(
            &client.tenant_id,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client.client_id),
                ("client_secret", &client.secret),
                ("scope", scope),
            ],
        )
        .await
    }

    /// A vault token of the managed identity, obtained with a certificate-signed assertion on
    /// the v1 endpoint, as a metadata agent obtains one.
    pub(crate) async fn identity_token(&self) -> String {
        let audience = format!("{}/{TENANT}/oauth2/token", self.token_url);
        let now = self.clock.unix_seconds();
        let claims = json!({
            "aud": audience, "iss": self.identity.client_id, "sub": self.identity.client_id,
            "jti": uuid::Uuid::new_v4().to_string(), "nbf": now, "iat": now, "exp": now + 600,
        });
        let mut header = Header::new(Algorithm::ES256);
        header.x5t_s256 = Some(self.identity.thumbprint_s256.clone());
        let key = EncodingKey::from_ec_pem(self.identity.key.private_key_pem().as_bytes()).unwrap();
        let assertion = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        let url = format!("{}/{TENANT}/oauth2/token", self.token_url);
        let response = self
            .http
            .post(url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.identity.client_id.as_str()),
                ("client_assertion_type", CLIENT_ASSERTION_TYPE_JWT_BEARER),
                ("client_assertion", assertion.as_str()),
                ("resource", "https://vault.azure.net"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "identity token request failed");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A token from `tenant`'s endpoint for this form.
    pub(crate) async fn token_for(&self, tenant: &str, form: &[(&str, &str)]) -> String {
        let response = self
            .http
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
        format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults/{VAULT}"
        )
    }

    /// Grants `role` to `principal_id` at `scope`, straight in the store.
    pub(crate) async fn assign(&self, principal_id: &str, role: &str, scope: &str) {
        let name = uuid::Uuid::new_v4().to_string();
        let now = self.clock.unix_seconds();
        let mut conn = self.store.read().await.unwrap();
        insert_role_assignment(
            &mut conn,
            &StoredRoleAssignment {
                assignment_id: format!(
                    "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
                ),
                name,
                scope: scope.to_owned(),
                scope_key: scope.trim_end_matches('/').to_lowercase(),
                role_definition_id: role.to_owned(),
                principal_id: principal_id.to_lowercase(),
                principal_type: "ServicePrincipal".to_owned(),
                description: None,
                created_at: now,
                updated_at: now,
                created_by: None,
                updated_by: None,
            },
        )
        .await
        .unwrap();
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
        let mut builder = self.http.request(method, url);
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

    /// Another data plane over the same store and token service, as a restarted cloud
    /// builds one; it serves no vault until told to.
    pub(crate) fn another_vault_service(&self) -> VaultService {
        vault_service(
            &self.store,
            &self.shared_clock,
            &self.events,
            &self.token_service,
            &self.token_url,
        )
    }

    /// Stops the servers.
    pub(crate) fn stop(self) {
        self.shutdown.send_replace(true);
        self.vault_service.abort_all_vaults();
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

async fn seed_client(store: &Store, tenant_id: &str, domain: &str, now: i64) -> Client {
    let mut conn = store.read().await.unwrap();
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
    let client_id = uuid::Uuid::new_v4().to_string();
    insert_application(
        &mut conn,
        &Application {
            app_id: client_id.clone(),
            tenant_id: tenant_id.to_owned(),
            display_name: "app".to_owned(),
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
            display_name: "app".to_owned(),
            principal_type: PrincipalType::Application,
            managed_identity_resource_id: None,
            created_at: now,
        },
    )
    .await
    .unwrap();
    let secret = format!("secret-{}", uuid::Uuid::new_v4());
    insert_secret_credential(
        &mut conn,
        &SecretCredential {
            credential_id: uuid::Uuid::new_v4().to_string(),
            object_id: object_id.clone(),
            secret_sha256: azsim_entra::directory::ClientSecret::new(secret.as_str()).digest(),
            not_before: now - 60,
            not_after: now + 86_400,
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

async fn seed_identity(store: &Store, now: time::OffsetDateTime) -> Identity {
    let client_id = uuid::Uuid::new_v4().to_string();
    let object_id = uuid::Uuid::new_v4().to_string();
    let ca = CertificateAuthority::generate("vault test CA", now, now + time::Duration::days(1))
        .unwrap();
    let key = KeyPair::generate_ec_p256().unwrap();
    let certificate = ca
        .issue(&CertificateRequest {
            subject_common_name: &client_id,
            public_key: &key,
            not_before: now - time::Duration::minutes(5),
            not_after: now + time::Duration::days(1),
            usage: CertificateUsage::ClientAuth,
        })
        .unwrap();
    let thumbprints = certificate.thumbprints();
    let mut conn = store.read().await.unwrap();
    insert_service_principal(
        &mut conn,
        &ServicePrincipal {
            object_id: object_id.clone(),
            tenant_id: TENANT.to_owned(),
            app_id: client_id.clone(),
            application_id: None,
            display_name: "vm-1".to_owned(),
            principal_type: PrincipalType::ManagedIdentity,
            managed_identity_resource_id: Some(IDENTITY_ID.to_owned()),
            created_at: now.unix_timestamp(),
        },
    )
    .await
    .unwrap();
    insert_certificate_credential(
        &mut conn,
        &CertificateCredential {
            credential_id: uuid::Uuid::new_v4().to_string(),
            object_id: object_id.clone(),
            certificate_der: certificate.to_der(),
            thumbprint_sha1: thumbprints.sha1_hex(),
            thumbprint_sha256: thumbprints.sha256_hex(),
            not_before: certificate.not_before_unix(),
            not_after: certificate.not_after_unix(),
            created_at: now.unix_timestamp(),
        },
    )
    .await
    .unwrap();
    Identity {
        client_id,
        object_id,
        key,
        thumbprint_s256: thumbprints.sha256_base64url(),
    }
}

/// A data plane serving plain HTTP on 127.0.0.1, trusting `token_service`'s tokens.
fn vault_service(
    store: &Store,
    clock: &SharedClock,
    events: &Arc<RecordingSink>,
    token_service: &TokenService,
    token_url: &str,
) -> VaultService {
    VaultService::new(
        store.clone(),
        clock.clone(),
        events.clone(),
        token_service.validator(),
        Authorizer::new(store.clone()),
        VaultConfig {
            bind_host: Ipv4Addr::LOCALHOST.into(),
            tls: None,
            authority_host: token_url.parse().unwrap(),
        },
    )
}

async fn seed_vault(store: &Store, vault_uri: &str, now: i64) -> Vault {
    let mut conn = store.read().await.unwrap();
    insert_subscription(
        &mut conn,
        &Subscription {
            subscription_id: SUBSCRIPTION.to_owned(),
            tenant_id: TENANT.to_owned(),
            display_name: "Test subscription".to_owned(),
            state: "Enabled".to_owned(),
            created_at: now,
        },
    )
    .await
    .unwrap();
    let tags = Map::new();
    let group = upsert_resource_group(
        &mut conn,
        ResourceGroupWrite {
            subscription_id: SUBSCRIPTION,
            name: GROUP,
            location: "westeurope",
            tags: &tags,
            now,
        },
    )
    .await
    .unwrap();
    upsert_vault(
        &mut conn,
        VaultWrite {
            resource_group_row: group.resource_group.resource_group_row,
            name: VAULT,
            location: "westeurope",
            tenant_id: TENANT,
            properties: &json!({"sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": true}),
            tags: &tags,
            vault_uri,
            now,
        },
    )
    .await
    .unwrap()
    .vault
}
