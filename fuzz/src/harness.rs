//! The cloud a fuzz process runs against, started once ([`harness`]) and kept for the
//! process's life: every input of a run reaches the same store and listeners, as requests
//! reach a long-running `azsim up`.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};

use azsim_entra::AccessTokenValidator;
use azsim_pki::{Certificate, KeyPair};
use azsim_store::agent_secrets::find_identity_header;
use azsim_store::resources::list_all_virtual_machines;
use azsim_testkit::authorization::roles;
use azsim_testkit::fixtures::{Client, self_signed_certificate};
use azsim_testkit::{FakeCloud, KEY_VAULT_RESOURCE};
use tokio::runtime::Runtime;

/// The resource group the fixtures live in; targets that may delete it put it back.
pub const FIXTURE_GROUP: &str = "fuzz";

/// One running cloud and the facts targets fill into their inputs.
pub struct Harness {
    cloud: FakeCloud,
    /// The resource API.
    pub arm: SocketAddr,
    /// The token service.
    pub entra: SocketAddr,
    /// The metadata agent of the fixture VM.
    pub agent: SocketAddr,
    /// The fixture vault's data plane.
    pub vault: SocketAddr,
    /// The administrator's management token.
    pub admin_token: String,
    /// The administrator's vault token (Key Vault Secrets Officer on the fixture vault).
    pub admin_vault_token: String,
    /// An application with a certificate credential, for client assertions.
    pub assertion_client: Client,
    /// The private key of that certificate.
    pub assertion_key: KeyPair,
    /// `x5t` (SHA-1, base64url) and `x5t#S256` of that certificate.
    pub assertion_x5t: (String, String),
    /// Assertion ids the token service has accepted, to catch a replay accepted twice.
    pub accepted_jtis: Mutex<HashSet<String>>,
    placeholders: Vec<(&'static str, String)>,
}

/// The process's cloud, started on first use.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| runtime().block_on(Harness::start()))
}

/// The runtime the cloud's servers run on (two workers; the fuzzer's thread is the client).
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

fn socket_addr(url: &str) -> SocketAddr {
    let url = url::Url::parse(url).expect("an endpoint URL");
    url.socket_addrs(|| None)
        .expect("an endpoint address")
        .into_iter()
        .next()
        .expect("one address")
}

impl Harness {
    async fn start() -> Harness {
        let cloud = FakeCloud::builder().insecure_http().start().await;
        let endpoints = cloud.cloud().endpoints().clone();
        cloud
            .create_resource_group(FIXTURE_GROUP)
            .await
            .assert_status(201);
        let user_assigned = cloud
            .put_user_assigned_identity(FIXTURE_GROUP, "fuzz-identity")
            .await;
        user_assigned.assert_status(201);
        let user_assigned_id = cloud.user_assigned_identity_id(FIXTURE_GROUP, "fuzz-identity");
        let vm = cloud
            .put_virtual_machine_with_identities(
                FIXTURE_GROUP,
                "fuzz-vm",
                "SystemAssigned, UserAssigned",
                std::slice::from_ref(&user_assigned_id),
            )
            .await;
        vm.assert_status(201);
        let vm_id = vm.str_at("/properties/vmId").to_owned();
        let agent = cloud.agent_address(&vm_id).await;
        let identity_header = {
            let mut conn = cloud.cloud().store().read().await.expect("a read");
            let row = list_all_virtual_machines(&mut conn)
                .await
                .expect("the VMs")
                .into_iter()
                .find(|stored| stored.vm_id == vm_id)
                .expect("the fixture VM is stored");
            find_identity_header(&mut conn, row.vm_row)
                .await
                .expect("a read")
                .expect("MSRP gave the VM an identity header")
        };

        let vault = cloud.put_key_vault(FIXTURE_GROUP, "fuzz-vault").await;
        vault.assert_status(201);
        let vault_uri = vault.str_at("/properties/vaultUri").to_owned();
        let admin_principal = cloud.admin_principal_id().await;
        cloud
            .create_role_assignment(
                &cloud.vault_id(FIXTURE_GROUP, "fuzz-vault"),
                roles::KEY_VAULT_SECRETS_OFFICER,
                &admin_principal,
            )
            .await
            .assert_status(201);
        let admin_vault_token = cloud.admin_vault_token().await;
        cloud
            .set_secret(&vault_uri, "fuzz-secret", "value", &admin_vault_token)
            .await
            .assert_status(200);

        let assertion_client = cloud.register_application().await;
        let test_certificate = self_signed_certificate("fuzz-assertion");
        let certificate =
            Certificate::from_pem(&test_certificate.certificate_pem).expect("a certificate");
        let assertion_key =
            KeyPair::from_pem(&test_certificate.private_key_pem).expect("a private key");
        {
            let mut transaction = cloud.cloud().store().write().await.expect("a write");
            azsim_entra::directory::add_certificate_credential(
                &mut transaction,
                &assertion_client.object_id,
                &certificate,
                cloud.clock_now(),
            )
            .await
            .expect("a certificate credential");
            transaction.commit().await.expect("a commit");
        }
        let thumbprints = certificate.thumbprints();
        let assertion_x5t = (thumbprints.sha1_base64url(), thumbprints.sha256_base64url());

        let admin_token = cloud.admin_token().await;
        let tenant = endpoints.tenant_id.clone();
        let placeholders = vec![
            ("{TENANT}", tenant.clone()),
            ("{SUBSCRIPTION}", endpoints.subscription_id.clone()),
            ("{ADMIN_CLIENT_ID}", endpoints.admin.client_id.clone()),
            ("{ADMIN_SECRET}", endpoints.admin.client_secret.clone()),
            ("{ADMIN_PRINCIPAL}", admin_principal),
            ("{CLIENT_ID}", assertion_client.client_id.clone()),
            ("{X5T}", assertion_x5t.0.clone()),
            ("{X5T_S256}", assertion_x5t.1.clone()),
            (
                "{AUDIENCE}",
                format!("{}/{tenant}/oauth2/v2.0/token", endpoints.authority_host),
            ),
            ("{NOW}", cloud.clock_now().to_string()),
            ("{LATER}", (cloud.clock_now() + 600).to_string()),
            (
                "{VM_PRINCIPAL}",
                vm.str_at("/identity/principalId").to_owned(),
            ),
            (
                "{UAI_CLIENT_ID}",
                user_assigned.str_at("/properties/clientId").to_owned(),
            ),
            (
                "{UAI_PRINCIPAL}",
                user_assigned.str_at("/properties/principalId").to_owned(),
            ),
            ("{UAI_ID}", user_assigned_id),
            ("{IDENTITY_HEADER}", identity_header),
            ("{ADMIN_TOKEN}", admin_token.clone()),
            ("{VAULT_RESOURCE}", KEY_VAULT_RESOURCE.to_owned()),
        ];

        Harness {
            arm: socket_addr(&endpoints.resource_manager),
            entra: socket_addr(&endpoints.authority_host),
            agent,
            vault: socket_addr(&vault_uri),
            admin_token,
            admin_vault_token,
            assertion_client,
            assertion_key,
            assertion_x5t,
            accepted_jtis: Mutex::new(HashSet::new()),
            placeholders,
            cloud,
        }
    }

    /// Runs `future` on the cloud's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        runtime().block_on(future)
    }

    /// The token service's validator, as the resource API and the vaults use it.
    pub fn validator(&self) -> AccessTokenValidator {
        self.cloud.cloud().token_service().validator()
    }

    /// The running cloud.
    pub fn cloud(&self) -> &FakeCloud {
        &self.cloud
    }

    /// `input` with every placeholder replaced by this cloud's value.
    pub fn fill(&self, input: &[u8]) -> Vec<u8> {
        if !input.contains(&b'{') {
            return input.to_vec();
        }
        let mut text = input.to_vec();
        for (name, value) in &self.placeholders {
            text = replace(&text, name.as_bytes(), value.as_bytes());
        }
        text
    }
}

fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest
        .windows(needle.len())
        .position(|window| window == needle)
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}
