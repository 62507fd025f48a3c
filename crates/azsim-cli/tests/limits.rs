//! Oversized requests against the real `azsim up`: every listener answers a 10 MB body with
//! 413 in its own service's error format, to reqwest and to curl alike, instead of cutting
//! the connection.

#![allow(clippy::unwrap_used)]

#[path = "support/cloud_admin.rs"]
mod cloud_admin;
#[path = "conformance/running_cloud.rs"]
mod running_cloud;

use std::path::Path;
use std::process::Command;

use cloud_admin::CloudAdmin;
use running_cloud::RunningCloud;
use serde_json::Value;

/// Far over every service's limit.
const OVERSIZED: usize = 10 * 1024 * 1024;

async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("a JSON body, not {text:?}: {error}"));
    (status, body)
}

/// `curl` sending the file at `body` to `url`, with `extra` arguments; returns the status and
/// the body curl read.
fn curl(url: &str, body: &Path, ca: Option<&str>, extra: &[&str]) -> (u16, Value) {
    let mut command = Command::new("curl");
    command.args(["--silent", "--show-error", "--noproxy", "*"]);
    if let Some(ca) = ca {
        command.args(["--cacert", ca]);
    }
    let output = command
        .args(extra)
        .arg("--data-binary")
        .arg(format!("@{}", body.display()))
        .args(["--write-out", "\n%{http_code}", url])
        .output()
        .expect("curl runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "curl failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let (body, status) = stdout.rsplit_once('\n').unwrap();
    let body = serde_json::from_str(body)
        .unwrap_or_else(|error| panic!("a JSON body, not {body:?}: {error}"));
    (status.trim().parse().unwrap(), body)
}

#[tokio::test]
async fn every_listener_answers_an_oversized_body_with_413_in_its_own_format() {
    // Arrange: a cloud with a VM (its agent) and a vault; a 10 MB body, in memory and on disk.
    let cloud = RunningCloud::start(Path::new(env!("CARGO_BIN_EXE_azsim")));
    let admin = CloudAdmin::new(cloud.data_dir());
    let agent = admin.create_vm("limits", "vm").await;
    let vault_uri = admin.create_vault("limits", "kvlimits").await;
    let oversized = vec![b'a'; OVERSIZED];
    let file = cloud.data_dir().join("oversized.bin");
    std::fs::write(&file, &oversized).unwrap();
    let ca = admin.endpoints.ca_bundle.clone().unwrap();
    let vm_url = format!(
        "{}{}/providers/Microsoft.Compute/virtualMachines/vm?api-version=2024-07-01",
        admin.endpoints.resource_manager,
        admin.group_path("limits")
    );
    let secret_url = format!("{}secrets/big?api-version=7.5", vault_uri);
    let agent_url = format!(
        "http://{agent}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"
    );

    // Act and assert: the resource API, with ARM's code.
    let (status, body) = status_and_json(
        admin
            .http
            .put(&vm_url)
            .bearer_auth(admin.token().await)
            .header("content-type", "application/json")
            .body(oversized.clone())
            .send()
            .await
            .expect("the resource API answers instead of resetting"),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "RequestContentTooLarge", "{body}");

    // The token service, with an OAuth error.
    let (status, body) = status_and_json(
        admin
            .http
            .post(&admin.endpoints.token_endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(oversized.clone())
            .send()
            .await
            .expect("the token service answers instead of resetting"),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(body["error_codes"].is_array(), "{body}");

    // A vault, unauthenticated: the size is refused before the bearer challenge.
    let (status, body) = status_and_json(
        admin
            .http
            .put(&secret_url)
            .header("content-type", "application/json")
            .body(oversized.clone())
            .send()
            .await
            .expect("the vault answers instead of resetting"),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"]["code"].is_string(), "{body}");

    // The metadata agent, in the OAuth form of its identity endpoints.
    let (status, body) = status_and_json(
        admin
            .http
            .get(&agent_url)
            .header("Metadata", "true")
            .body(oversized.clone())
            .send()
            .await
            .expect("the agent answers instead of resetting"),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");

    // curl, waiting for `100 Continue` as it does for large bodies, and without waiting.
    for extra in [&[][..], &["-H", "Expect:"][..]] {
        let mut arguments = vec!["-X", "PUT", "-H", "content-type: application/json"];
        arguments.extend_from_slice(extra);
        let (status, body) = curl(&vm_url, &file, Some(&ca), &arguments);
        assert_eq!(status, 413, "{extra:?}: {body}");
        assert_eq!(body["error"]["code"], "RequestContentTooLarge", "{body}");
        let mut arguments = vec!["-X", "GET", "-H", "Metadata: true"];
        arguments.extend_from_slice(extra);
        let (status, body) = curl(&agent_url, &file, None, &arguments);
        assert_eq!(status, 413, "{extra:?}: {body}");
        assert_eq!(body["error"], "invalid_request", "{body}");
    }
    // A chunked body (no length announced) that grows past the limit.
    let (status, body) = curl(
        &secret_url,
        &file,
        Some(&ca),
        &[
            "-X",
            "PUT",
            "-H",
            "content-type: application/json",
            "-H",
            "Transfer-Encoding: chunked",
        ],
    );
    assert_eq!(status, 413, "{body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    let (status, body) = curl(
        &admin.endpoints.token_endpoint,
        &file,
        Some(&ca),
        &["-H", "Transfer-Encoding: chunked"],
    );
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
}
