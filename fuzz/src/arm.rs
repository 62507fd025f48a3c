//! Requests to the resource API as the administrator, and the properties every ARM target
//! checks on their answers.

use azsim_core::ResourceId;

use crate::harness::FIXTURE_GROUP;
use crate::wire::answered_or_not_a_path;
use crate::{Response, harness, send};

/// Sends `method target` with `body` (JSON) and the administrator's token.
pub fn admin_request(method: &[u8], target: &[u8], body: &[u8]) -> Response {
    let harness = harness();
    let headers = [
        format!("Authorization: Bearer {}", harness.admin_token).into_bytes(),
        b"Content-Type: application/json".to_vec(),
    ];
    let response = send(harness.arm, method, target, &headers, body);
    assert!(
        answered_or_not_a_path(&response, target) && response.status < 500,
        "the resource API answered {}:\n{}",
        response.status,
        response.describe()
    );
    // hyper refuses a request line it cannot parse (a target with bytes a URI may not hold)
    // before any service code runs, as a front door would; what reached the resource API
    // carries its request id and answers in ARM's format.
    if response.status >= 400 && response.header("x-ms-request-id").is_some() {
        let code = response
            .json()
            .and_then(|body| body["error"]["code"].as_str().map(str::to_owned));
        assert!(
            code.is_some(),
            "a refusal without an ARM error object:\n{}",
            response.describe()
        );
    }
    response
}

/// After a write that succeeded: the answer's `id` is a `ResourceId` that reads back, and
/// the resource is deleted again so that a run does not pile up VMs, agents and vaults. A
/// `DELETE` (which may have removed the fixture group) puts the fixtures' group back.
pub fn check_created(method: &[u8], response: &Response) {
    let writes = matches!(method, b"PUT" | b"PATCH");
    if writes && (200..300).contains(&response.status) {
        let body = response.json().expect("a write answers JSON");
        let Some(id) = body["id"].as_str() else {
            panic!("a write answered without an id:\n{}", response.describe());
        };
        let parsed = ResourceId::parse(id)
            .unwrap_or_else(|error| panic!("the answer's id {id:?} is not an id: {error}"));
        let version = api_version(&parsed);
        let path = format!("{parsed}?api-version={version}");
        let read = admin_request(b"GET", path.as_bytes(), b"");
        assert_eq!(
            read.status,
            200,
            "{id} was written but does not read back:\n{}",
            read.describe()
        );
        let fixture = ResourceId::resource_group(fixture_subscription(), FIXTURE_GROUP);
        if parsed != fixture && !is_fixture(&parsed) {
            admin_request(b"DELETE", path.as_bytes(), b"");
        }
    }
    if method.eq_ignore_ascii_case(b"DELETE") {
        restore_fixture_group();
    }
}

fn fixture_subscription() -> String {
    harness().cloud().subscription_id()
}

/// The fixtures other targets rely on (the VM, its identity, the vault) are left alone.
fn is_fixture(id: &ResourceId) -> bool {
    matches!(id.name(), Some("fuzz-vm" | "fuzz-identity" | "fuzz-vault"))
}

fn api_version(id: &ResourceId) -> &'static str {
    let text = id.as_str().to_ascii_lowercase();
    if text.contains("/microsoft.authorization/") {
        "2022-04-01"
    } else if text.contains("/microsoft.keyvault/") {
        "2026-05-15"
    } else if text.contains("/microsoft.managedidentity/") {
        "2024-11-30"
    } else {
        "2024-11-01"
    }
}

fn restore_fixture_group() {
    let group = ResourceId::resource_group(fixture_subscription(), FIXTURE_GROUP);
    let path = format!("{group}?api-version=2024-11-01");
    admin_request(b"PUT", path.as_bytes(), br#"{"location":"westeurope"}"#);
}
