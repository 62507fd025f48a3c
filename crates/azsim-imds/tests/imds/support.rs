//! Shared helpers: real certificates, VM facts, a started agent, an HTTP client.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use azsim_core::{ManualClock, SharedClock};
use azsim_imds::{AgentConfig, IdentityCredential, IdentityKind, ImdsAgent, VmInstance};
pub(crate) use azsim_testkit::fixtures::RecordingSink;
use azsim_testkit::fixtures::self_signed_certificate;
use tokio::net::TcpListener;

/// A self-signed EC P-256 certificate and its PKCS#8 key, both PEM.
pub(crate) fn generate_certificate(common_name: &str) -> (String, String) {
    let certificate = self_signed_certificate(common_name);
    (certificate.certificate_pem, certificate.private_key_pem)
}

pub(crate) const TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// Identity number `n` of the given kind, with a real certificate.
pub(crate) fn identity(kind: IdentityKind, n: u8) -> IdentityCredential {
    let (certificate_pem, private_key_pem) = generate_certificate(&format!("identity-{n}"));
    let resource_id = match kind {
        IdentityKind::SystemAssigned => instance("vm-1").resource_id,
        IdentityKind::UserAssigned => format!(
            "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-app/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-{n}"
        ),
    };
    IdentityCredential {
        kind,
        client_id: format!("{n:08}-aaaa-4bbb-8ccc-000000000001"),
        object_id: format!("{n:08}-dddd-4eee-8fff-000000000002"),
        resource_id,
        tenant_id: TENANT_ID.to_owned(),
        certificate_pem,
        private_key_pem,
    }
}

/// The facts of a VM named `name`.
pub(crate) fn instance(name: &str) -> VmInstance {
    let subscription_id = "0b1f6471-1bf0-4dda-aec3-111122223333";
    VmInstance {
        subscription_id: subscription_id.to_owned(),
        resource_group_name: "rg-app".to_owned(),
        name: name.to_owned(),
        location: "westeurope".to_owned(),
        vm_id: format!("5c08b38e-4d57-4c23-ac45-{:012x}", name_hash(name)),
        vm_size: "Standard_D2s_v3".to_owned(),
        os_type: "Linux".to_owned(),
        resource_id: format!(
            "/subscriptions/{subscription_id}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/{name}"
        ),
        tags: BTreeMap::from([("env".to_owned(), "test".to_owned())]),
        tenant_id: TENANT_ID.to_owned(),
    }
}

/// A number that differs between VM names, for distinct VM ids.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(17_u64, |hash, byte| {
        hash.wrapping_mul(31).wrapping_add(u64::from(byte))
    }) & 0xffff_ffff_ffff
}

/// A token-service address nothing listens on: bound, then released.
pub(crate) async fn unreachable_authority() -> url::Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    url::Url::parse(&format!("http://{address}")).unwrap()
}

pub(crate) async fn config() -> AgentConfig {
    AgentConfig {
        authority_host: unreachable_authority().await,
        bind_host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        ca_certificate_pem: None,
    }
}

pub(crate) fn clock() -> SharedClock {
    Arc::new(ManualClock::starting_now())
}

/// A started agent for VM `vm-1` with `identities`, and the sink its events go to.
pub(crate) async fn start_agent(
    identities: Vec<IdentityCredential>,
) -> (ImdsAgent, Arc<RecordingSink>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sink = Arc::new(RecordingSink::default());
    let agent = ImdsAgent::start(
        listener,
        config().await,
        instance("vm-1"),
        identities,
        clock(),
        sink.clone(),
    )
    .await
    .unwrap();
    (agent, sink)
}

/// An HTTP client that never goes through a proxy, as metadata clients must not.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// `GET http://{address}{path_and_query}`, with `Metadata: true` when `metadata` is set.
pub(crate) async fn get(
    address: SocketAddr,
    path_and_query: &str,
    metadata: bool,
) -> reqwest::Response {
    let mut request = client().get(format!("http://{address}{path_and_query}"));
    if metadata {
        request = request.header("Metadata", "true");
    }
    request.send().await.unwrap()
}

/// The status and JSON body of a response, checking the JSON content type on the way.
pub(crate) async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8",
        "JSON answers carry the service's content type"
    );
    (status, response.json().await.unwrap())
}

/// The standard token query for the management audience, plus `extra`.
pub(crate) fn token_path(extra: &str) -> String {
    format!(
        "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F{extra}"
    )
}
