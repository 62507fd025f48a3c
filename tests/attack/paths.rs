//! Encoded separators and path tricks at the resource API: `%2F`, `%2f`, `%5C` and `%252F`
//! inside a name, `..` segments sent raw, and names no resource type allows (1,001
//! characters, a NUL). A principal with Contributor on `vm-a` (or on `id-a`) only must not
//! create anything beside them; the administrator must not create a resource with such a
//! name. Each is refused with a 4xx (400 or 404: the code is not pinned) and creates no
//! resource, identity or principal.
//!
//! This scene serves plain HTTP: `..` segments must reach the server as sent, and every HTTP
//! client normalises them away, so those cases write the request on a socket by hand.

use azsim_testkit::fixtures::Client;
use azsim_testkit::{ARM_API_VERSION, ApiResponse, FakeCloud, MANAGEMENT_RESOURCE};
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::shared::{Family, Scene, count_cases, run};
use crate::support::snapshot::{assert_same, snapshot};

const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";

/// Group `rg1` with VM `vm-a` and identity `id-a`, group `rg2`; one principal with
/// Contributor on `vm-a`, one with Contributor on `id-a`.
struct PathScene {
    cloud: FakeCloud,
    on_vm_a: String,
    on_id_a: String,
    admin: String,
}

impl PathScene {
    async fn build() -> PathScene {
        let cloud = FakeCloud::builder().insecure_http().start().await;
        for group in ["rg1", "rg2"] {
            cloud.create_resource_group(group).await.assert_status(201);
        }
        cloud
            .put_virtual_machine("rg1", "vm-a", "None")
            .await
            .assert_status(201);
        cloud
            .put_user_assigned_identity("rg1", "id-a")
            .await
            .assert_status(201);
        let on_vm_a = contributor(&cloud, &cloud.virtual_machine_id("rg1", "vm-a")).await;
        let on_id_a = contributor(&cloud, &cloud.user_assigned_identity_id("rg1", "id-a")).await;
        let scene = PathScene {
            admin: cloud.admin_token().await,
            cloud,
            on_vm_a,
            on_id_a,
        };
        // The control: the contributor may write `vm-a` itself.
        scene
            .put_vm(&scene.on_vm_a, "vm-a")
            .await
            .assert_status(200);
        scene
    }

    /// `PUT` of a VM named by `encoded_name` (sent as given, percent-encoding included) in
    /// `rg1`, with a system-assigned identity.
    async fn put_vm(&self, token: &str, encoded_name: &str) -> ApiResponse {
        let path = format!(
            "{}/providers/Microsoft.Compute/virtualMachines/{encoded_name}?api-version={ARM_API_VERSION}",
            self.cloud.resource_group_id("rg1")
        );
        self.cloud
            .arm_send(Method::PUT, &path, Some(token), Some(&vm_body()))
            .await
    }

    /// `PUT` of a user-assigned identity named by `encoded_name` in `rg1`.
    async fn put_identity(&self, token: &str, encoded_name: &str) -> ApiResponse {
        let path = format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{encoded_name}?api-version={}",
            self.cloud.resource_group_id("rg1"),
            azsim_testkit::arm::MSI_API_VERSION
        );
        self.cloud
            .arm_send(
                Method::PUT,
                &path,
                Some(token),
                Some(&json!({"location": "westeurope"})),
            )
            .await
    }

    /// `PUT path` of a VM body with `token`, written on a socket exactly as given.
    async fn raw_put(&self, token: &str, path: &str) -> StatusCode {
        let base = reqwest::Url::parse(&self.cloud.cloud().endpoints().resource_manager).unwrap();
        let host = format!("{}:{}", base.host_str().unwrap(), base.port().unwrap());
        let body = vm_body().to_string();
        let request = format!(
            "PUT {path}?api-version={ARM_API_VERSION} HTTP/1.1\r\nHost: {host}\r\n\
             Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let response = String::from_utf8_lossy(&response);
        let status = response
            .split(' ')
            .nth(1)
            .unwrap_or_else(|| panic!("no status line in {response:?}"));
        StatusCode::from_bytes(status.as_bytes()).unwrap()
    }
}

async fn contributor(cloud: &FakeCloud, scope: &str) -> String {
    let client: Client = cloud.register_application().await;
    cloud
        .create_role_assignment(scope, CONTRIBUTOR, &client.object_id)
        .await
        .assert_status(201);
    cloud
        .access_token(&client, &format!("{MANAGEMENT_RESOURCE}.default"))
        .await
}

fn vm_body() -> Value {
    json!({
        "location": "westeurope",
        "identity": {"type": "SystemAssigned"},
        "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}}
    })
}

impl Scene for PathScene {
    fn cloud(&self) -> &FakeCloud {
        &self.cloud
    }

    fn into_cloud(self) -> FakeCloud {
        self.cloud
    }
}

static FAMILY: Family<PathScene> = Family::new(count_cases(include_str!("paths.rs")));

/// Runs `attack` on the shared scene; checks it got a 4xx and that nothing changed.
fn refused<F>(attack: F)
where
    F: AsyncFnOnce(&PathScene) -> StatusCode,
{
    run(async {
        let scene = FAMILY.turn(PathScene::build).await;
        let before = snapshot(&scene.cloud).await;
        let status = attack(&scene).await;
        let after = snapshot(&scene.cloud).await;
        // Both are reported together: a wrong status says nothing of what was written.
        assert!(
            status.is_client_error() && after == before,
            "expected a 4xx refusal and no change; got {status}, and the cloud {}",
            if after == before {
                "unchanged"
            } else {
                "changed"
            }
        );
        assert_same(&before, &after);
        scene.finish().await;
    });
}

/// The status of a response, after checking it is a refusal in ARM's shape.
fn status_of(response: &ApiResponse) -> StatusCode {
    if response.status.is_client_error() {
        assert!(!response.error_code().is_empty(), "{}", response.text);
    }
    response.status
}

#[test]
fn contributor_on_vm_a_cannot_create_vm_a_slash_child_through_percent_2f() {
    refused(async |scene| status_of(&scene.put_vm(&scene.on_vm_a, "vm-a%2Fchild").await));
}

#[test]
fn contributor_on_vm_a_cannot_create_vm_a_slash_child_through_lower_case_percent_2f() {
    refused(async |scene| status_of(&scene.put_vm(&scene.on_vm_a, "vm-a%2fchild").await));
}

#[test]
fn contributor_on_vm_a_cannot_create_a_name_with_an_encoded_backslash() {
    refused(async |scene| status_of(&scene.put_vm(&scene.on_vm_a, "vm-a%5Cchild").await));
}

#[test]
fn contributor_on_vm_a_cannot_create_a_name_with_a_double_encoded_slash() {
    refused(async |scene| status_of(&scene.put_vm(&scene.on_vm_a, "vm-a%252Fchild").await));
}

#[test]
fn contributor_on_vm_a_cannot_climb_out_through_an_encoded_dot_dot_slash() {
    refused(async |scene| {
        status_of(
            &scene
                .put_vm(&scene.on_vm_a, "vm-a%2F..%2F..%2F..%2Frg2%2Fvm-planted")
                .await,
        )
    });
}

#[test]
fn contributor_on_vm_a_cannot_climb_out_through_raw_dot_dot_segments() {
    refused(async |scene| {
        let path = format!(
            "{}/../vm-planted",
            scene.cloud.virtual_machine_id("rg1", "vm-a")
        );
        scene.raw_put(&scene.on_vm_a, &path).await
    });
}

#[test]
fn contributor_on_vm_a_cannot_reach_another_group_through_raw_dot_dot_segments() {
    refused(async |scene| {
        let path = format!(
            "{}/../../../../rg2/providers/Microsoft.Compute/virtualMachines/vm-planted",
            scene.cloud.virtual_machine_id("rg1", "vm-a")
        );
        scene.raw_put(&scene.on_vm_a, &path).await
    });
}

#[test]
fn contributor_on_id_a_cannot_create_id_a_slash_child_through_percent_2f() {
    refused(async |scene| status_of(&scene.put_identity(&scene.on_id_a, "id-a%2Fchild").await));
}

#[test]
fn administrator_cannot_create_a_vm_with_a_1001_character_name() {
    refused(async |scene| status_of(&scene.put_vm(&scene.admin, &"v".repeat(1001)).await));
}

#[test]
fn administrator_cannot_create_an_identity_with_a_1001_character_name() {
    refused(async |scene| status_of(&scene.put_identity(&scene.admin, &"i".repeat(1001)).await));
}

#[test]
fn administrator_cannot_create_a_vm_whose_name_holds_a_nul() {
    refused(async |scene| status_of(&scene.put_vm(&scene.admin, "vm%00nul").await));
}

#[test]
fn administrator_cannot_create_a_vm_named_with_an_encoded_slash() {
    refused(async |scene| status_of(&scene.put_vm(&scene.admin, "vm-x%2Fchild").await));
}

#[test]
fn administrator_cannot_create_a_vm_named_with_an_encoded_backslash() {
    refused(async |scene| status_of(&scene.put_vm(&scene.admin, "vm-x%5Cchild").await));
}
