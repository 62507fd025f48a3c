//! Cross-VM access at the metadata agents: a workload on VM A asks A's agent for VM B's
//! identities (by `client_id`, `object_id`, `msi_res_id`), for a user-assigned identity
//! attached to B only or to no VM, or asks without `Metadata: true` or through a proxy.
//! Every refusal is IMDS's `invalid_request`, and no token is issued.

use std::net::SocketAddr;

use azsim_store::agent_secrets::find_identity_header;
use azsim_store::identities::{ManagedIdentity, list_vm_identities};
use azsim_store::resources::list_all_virtual_machines;
use azsim_testkit::{ApiResponse, FakeCloud, MANAGEMENT_RESOURCE};

use crate::support::shared::{Family, Scene, count_cases, run};
use crate::support::snapshot::{assert_unchanged, snapshot};

/// VM A with its system identity; VM B with its own and the user-assigned `id-b`; `id-free`
/// attached to no VM.
pub(crate) struct VmScene {
    pub(crate) cloud: FakeCloud,
    pub(crate) agent_a: SocketAddr,
    /// B's system-assigned identity.
    pub(crate) b_system: ManagedIdentity,
    pub(crate) id_b: ManagedIdentity,
    pub(crate) id_free: ManagedIdentity,
    /// `X-IDENTITY-HEADER` secrets of A and B (the App Service flavour).
    pub(crate) header_a: String,
    pub(crate) header_b: String,
}

impl VmScene {
    async fn build() -> VmScene {
        let cloud = FakeCloud::start().await;
        cloud.create_resource_group("rg").await.assert_status(201);
        cloud
            .put_user_assigned_identity("rg", "id-b")
            .await
            .assert_status(201);
        cloud
            .put_user_assigned_identity("rg", "id-free")
            .await
            .assert_status(201);
        let vm_a = cloud
            .put_virtual_machine("rg", "vm-a", "SystemAssigned")
            .await;
        vm_a.assert_status(201);
        cloud
            .put_virtual_machine_with_identities(
                "rg",
                "vm-b",
                "SystemAssigned, UserAssigned",
                &[cloud.user_assigned_identity_id("rg", "id-b")],
            )
            .await
            .assert_status(201);
        let agent_a = cloud.agent_address(vm_a.str_at("/properties/vmId")).await;

        let mut conn = cloud.cloud().store().read().await.unwrap();
        let vms = list_all_virtual_machines(&mut conn).await.unwrap();
        let row_of = |name: &str| vms.iter().find(|vm| vm.name == name).unwrap().vm_row;
        let b_system = list_vm_identities(&mut conn, row_of("vm-b"))
            .await
            .unwrap()
            .into_iter()
            .next()
            .expect("B has its system identity");
        let header_a = find_identity_header(&mut conn, row_of("vm-a"))
            .await
            .unwrap()
            .unwrap();
        let header_b = find_identity_header(&mut conn, row_of("vm-b"))
            .await
            .unwrap()
            .unwrap();
        let user_assigned = azsim_store::identities::list_user_assigned_identities_in_subscription(
            &mut conn,
            &cloud.subscription_id(),
        )
        .await
        .unwrap();
        drop(conn);
        let named = |name: &str| {
            user_assigned
                .iter()
                .find(|identity| identity.name.as_deref() == Some(name))
                .unwrap()
                .clone()
        };
        let scene = VmScene {
            id_b: named("id-b"),
            id_free: named("id-free"),
            cloud,
            agent_a,
            b_system,
            header_a,
            header_b,
        };
        // The control: A's own identity gets a token from A's agent.
        scene
            .cloud
            .get_imds_token(agent_a, MANAGEMENT_RESOURCE, &[])
            .await
            .assert_status(200);
        scene
    }

    /// `GET` on A's agent at `path` with the query pairs and headers given.
    pub(crate) async fn ask_a(
        &self,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> ApiResponse {
        let mut request = self
            .cloud
            .http()
            .get(format!("http://{}{path}", self.agent_a))
            .query(query);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        ApiResponse::read(request.send().await.expect("the agent answers")).await
    }
}

impl Scene for VmScene {
    fn cloud(&self) -> &FakeCloud {
        &self.cloud
    }

    fn into_cloud(self) -> FakeCloud {
        self.cloud
    }
}

static FAMILY: Family<VmScene> = Family::new(
    count_cases(include_str!("cross_vm.rs")) + count_cases(include_str!("app_service.rs")),
);

/// Runs `attack` on the shared scene; checks that it is refused with `status`, passes the
/// refusal to `check` for its body, and checks that nothing changed (no token issued).
pub(crate) fn refused<F>(status: u16, attack: F, check: impl FnOnce(&ApiResponse))
where
    F: AsyncFnOnce(&VmScene) -> ApiResponse,
{
    run(async {
        let scene = FAMILY.turn(VmScene::build).await;
        let before = snapshot(&scene.cloud).await;
        let response = attack(&scene).await;
        assert_eq!(response.status.as_u16(), status, "{}", response.text);
        assert!(
            response.body.get("access_token").is_none(),
            "{}",
            response.text
        );
        check(&response);
        assert_unchanged(&scene.cloud, &before).await;
        scene.finish().await;
    });
}

/// A's agent asked, as a workload asks, with one selector.
async fn select(scene: &VmScene, selector: &str, value: &str) -> ApiResponse {
    scene
        .ask_a(
            "/metadata/identity/oauth2/token",
            &[
                ("api-version", "2018-02-01"),
                ("resource", MANAGEMENT_RESOURCE),
                (selector, value),
            ],
            &[("Metadata", "true")],
        )
        .await
}

#[track_caller]
fn identity_not_found(response: &ApiResponse) {
    assert_eq!(
        response.str_at("/error"),
        "invalid_request",
        "{}",
        response.text
    );
    assert_eq!(response.str_at("/error_description"), "Identity not found");
}

#[test]
fn agent_of_a_refuses_vm_bs_system_identity_by_client_id() {
    refused(
        400,
        async |scene| select(scene, "client_id", &scene.b_system.client_id).await,
        identity_not_found,
    );
}

#[test]
fn agent_of_a_refuses_vm_bs_system_identity_by_object_id() {
    refused(
        400,
        async |scene| select(scene, "object_id", &scene.b_system.principal_id).await,
        identity_not_found,
    );
}

#[test]
fn agent_of_a_refuses_vm_bs_system_identity_by_msi_res_id() {
    refused(
        400,
        async |scene| select(scene, "msi_res_id", &scene.b_system.resource_id).await,
        identity_not_found,
    );
}

#[test]
fn agent_of_a_refuses_a_user_assigned_identity_attached_to_b_by_client_id() {
    refused(
        400,
        async |scene| select(scene, "client_id", &scene.id_b.client_id).await,
        identity_not_found,
    );
}

#[test]
fn agent_of_a_refuses_a_user_assigned_identity_attached_to_b_by_msi_res_id() {
    refused(
        400,
        async |scene| select(scene, "msi_res_id", &scene.id_b.resource_id).await,
        identity_not_found,
    );
}

#[test]
fn agent_of_a_refuses_a_user_assigned_identity_attached_to_no_vm_by_object_id() {
    refused(
        400,
        async |scene| select(scene, "object_id", &scene.id_free.principal_id).await,
        identity_not_found,
    );
}

#[test]
fn agent_of_a_refuses_a_user_assigned_identity_attached_to_no_vm_by_client_id() {
    refused(
        400,
        async |scene| select(scene, "client_id", &scene.id_free.client_id).await,
        identity_not_found,
    );
}

#[test]
fn agent_refuses_a_token_request_without_the_metadata_header() {
    refused(
        400,
        async |scene| {
            scene
                .ask_a(
                    "/metadata/identity/oauth2/token",
                    &[
                        ("api-version", "2018-02-01"),
                        ("resource", MANAGEMENT_RESOURCE),
                    ],
                    &[],
                )
                .await
        },
        |response| {
            assert_eq!(response.str_at("/error"), "invalid_request");
            assert_eq!(
                response.str_at("/error_description"),
                "Required metadata header not specified"
            );
        },
    );
}

#[test]
fn agent_refuses_a_token_request_that_came_through_a_proxy() {
    refused(
        400,
        async |scene| {
            scene
                .ask_a(
                    "/metadata/identity/oauth2/token",
                    &[
                        ("api-version", "2018-02-01"),
                        ("resource", MANAGEMENT_RESOURCE),
                    ],
                    &[("Metadata", "true"), ("X-Forwarded-For", "203.0.113.7")],
                )
                .await
        },
        |response| assert_eq!(response.str_at("/error"), "invalid_request"),
    );
}

#[test]
fn agent_refuses_two_selectors_naming_its_own_and_another_vms_identity() {
    refused(
        400,
        async |scene| {
            scene
                .ask_a(
                    "/metadata/identity/oauth2/token",
                    &[
                        ("api-version", "2018-02-01"),
                        ("resource", MANAGEMENT_RESOURCE),
                        ("client_id", &scene.b_system.client_id),
                        ("msi_res_id", &scene.id_b.resource_id),
                    ],
                    &[("Metadata", "true")],
                )
                .await
        },
        |response| assert_eq!(response.str_at("/error"), "invalid_request"),
    );
}
