//! Shared helpers: real certificates, VM facts, a started agent, an HTTP client.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use azsim_core::{EventSink, FlowEvent, ManualClock, SharedClock};
use azsim_imds::{AgentConfig, IdentityCredential, IdentityKind, ImdsAgent, VmInstance};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::{X509Builder, X509NameBuilder};
use tokio::net::TcpListener;

/// A self-signed EC P-256 certificate and its PKCS#8 key, both PEM.
pub(crate) fn generate_certificate(common_name: &str) -> (String, String) {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)
        .unwrap();
    let name = name.build();
    let mut builder = X509Builder::new().unwrap();
    builder.set_version(2).unwrap();
    builder
        .set_serial_number(&BigNum::from_u32(7).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&key).unwrap();
    builder
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(90).unwrap())
        .unwrap();
    builder.sign(&key, MessageDigest::sha256()).unwrap();
    (
        String::from_utf8(builder.build().to_pem().unwrap()).unwrap(),
        String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap(),
    )
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

/// An event sink that keeps what it is given.
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
