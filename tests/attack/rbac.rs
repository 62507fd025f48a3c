//! RBAC escalation at the resource API and the vault: principals with a role somewhere try to
//! grant roles, act above or beside their scope, on sibling and prefix-named scopes (`vm-a`
//! does not cover `vm-ab` nor `vm-a-2`, `rg1` does not cover `rg10`, secret `db` does not
//! cover `db-password`), with the path's case changed, or attach an identity they may not
//! assign.

use azsim_core::ResourceId;
use azsim_testkit::authorization::{AUTHORIZATION_API_VERSION, role_assignment_id, roles};
use azsim_testkit::fixtures::Client;
use azsim_testkit::{
    ApiResponse, FakeCloud, KEY_VAULT_RESOURCE, MANAGEMENT_RESOURCE, arm::MSI_API_VERSION,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::refusal::assert_refused;
use crate::support::shared::{Family, Scene, count_cases, run};
use crate::support::snapshot::{assert_unchanged, snapshot};

/// Contributor, as Azure defines it (everything but `Microsoft.Authorization/*/Write` and a
/// few more).
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
/// Owner.
const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

/// A principal with one role at one scope, and its tokens.
struct Grantee {
    client: Client,
    arm_token: String,
    vault_token: String,
}

/// Groups `rg1`, `rg10` and `rg2`; VMs `vm-a`, `vm-ab`, `vm-a-2` in `rg1`; identity `id-free`
/// in `rg2`; vault `kv-rbac` in `rg1` with secrets `db` and `db-password`; one principal per grant.
struct RbacScene {
    cloud: FakeCloud,
    vault_uri: String,
    contributor_on_subscription: Grantee,
    contributor_on_rg1: Grantee,
    contributor_on_vm_a: Grantee,
    owner_on_vm_a: Grantee,
    reader_on_rg1: Grantee,
    secrets_user_on_db: Grantee,
}

impl RbacScene {
    async fn build() -> RbacScene {
        let cloud = FakeCloud::start().await;
        for group in ["rg1", "rg10", "rg2"] {
            cloud.create_resource_group(group).await.assert_status(201);
        }
        for vm in ["vm-a", "vm-ab", "vm-a-2"] {
            cloud
                .put_virtual_machine("rg1", vm, "None")
                .await
                .assert_status(201);
        }
        cloud
            .put_user_assigned_identity("rg2", "id-free")
            .await
            .assert_status(201);
        let vault = cloud.put_key_vault("rg1", "kv-rbac").await;
        vault.assert_status(201);
        let vault_uri = vault.str_at("/properties/vaultUri").to_owned();
        let admin = cloud.admin_principal_id().await;
        cloud
            .create_role_assignment(
                &cloud.vault_id("rg1", "kv-rbac"),
                roles::KEY_VAULT_SECRETS_OFFICER,
                &admin,
            )
            .await
            .assert_status(201);
        let admin_vault = cloud.admin_vault_token().await;
        for secret in ["db", "db-password"] {
            cloud
                .set_secret(&vault_uri, secret, "s3cr3t", &admin_vault)
                .await
                .assert_status(200);
        }

        let vm_a = cloud.virtual_machine_id("rg1", "vm-a");
        let rg1 = cloud.resource_group_id("rg1");
        let db = format!("{}/secrets/db", cloud.vault_id("rg1", "kv-rbac"));
        let scene = RbacScene {
            contributor_on_subscription: grantee(&cloud, &cloud.subscription_scope(), CONTRIBUTOR)
                .await,
            contributor_on_rg1: grantee(&cloud, &rg1, CONTRIBUTOR).await,
            contributor_on_vm_a: grantee(&cloud, &vm_a, CONTRIBUTOR).await,
            owner_on_vm_a: grantee(&cloud, &vm_a, OWNER).await,
            reader_on_rg1: grantee(&cloud, &rg1, roles::READER).await,
            secrets_user_on_db: grantee(&cloud, &db, roles::KEY_VAULT_SECRETS_USER).await,
            vault_uri,
            cloud,
        };
        scene.check_every_grant_works().await;
        scene
    }

    /// The control: every grantee can do what its role allows at its scope, so each refusal
    /// below is the scope's or the action's doing, not a broken token.
    async fn check_every_grant_works(&self) {
        let cloud = &self.cloud;
        let vm_a = cloud.virtual_machine_id("rg1", "vm-a");
        self.put_vm(&self.contributor_on_vm_a, &vm_a)
            .await
            .assert_status(200);
        self.put_vm(
            &self.contributor_on_rg1,
            &cloud.virtual_machine_id("rg1", "vm-ab"),
        )
        .await
        .assert_status(200);
        self.put_vm(
            &self.contributor_on_subscription,
            &cloud.virtual_machine_id("rg2", "vm-c"),
        )
        .await
        .assert_status(201);
        cloud
            .get_virtual_machine("rg1", "vm-a", &self.reader_on_rg1.arm_token)
            .await
            .assert_status(200);
        cloud
            .get_virtual_machine("rg1", "vm-a", &self.owner_on_vm_a.arm_token)
            .await
            .assert_status(200);
        cloud
            .get_secret(&self.vault_uri, "db", &self.secrets_user_on_db.vault_token)
            .await
            .assert_status(200);
    }

    /// `PUT` of a role assignment at `scope` making `grantee` Owner of the subscription's
    /// role definitions (the escalation every case of this kind tries).
    async fn grant_owner_to_self(&self, grantee: &Grantee, scope: &str) -> ApiResponse {
        let body = json!({"properties": {
            "roleDefinitionId": ResourceId::subscription(self.cloud.subscription_id())
                .provider("Microsoft.Authorization", "roleDefinitions", OWNER)
                .to_string(),
            "principalId": grantee.client.object_id,
        }});
        self.cloud
            .arm_request_at_version(
                Method::PUT,
                &role_assignment_id(scope, &uuid::Uuid::new_v4().to_string()),
                AUTHORIZATION_API_VERSION,
                Some(&grantee.arm_token),
                Some(&body),
            )
            .await
    }

    async fn put_vm(&self, grantee: &Grantee, path: &str) -> ApiResponse {
        self.cloud
            .arm_request(
                Method::PUT,
                path,
                Some(&grantee.arm_token),
                Some(&vm_body()),
            )
            .await
    }

    async fn delete(&self, grantee: &Grantee, path: &str) -> ApiResponse {
        self.cloud
            .arm_request(Method::DELETE, path, Some(&grantee.arm_token), None)
            .await
    }
}

/// A new application with `role` at `scope`, and its tokens for both audiences.
async fn grantee(cloud: &FakeCloud, scope: &str, role: &str) -> Grantee {
    let client = cloud.register_application().await;
    cloud
        .create_role_assignment(scope, role, &client.object_id)
        .await
        .assert_status(201);
    Grantee {
        arm_token: cloud
            .access_token(&client, &format!("{MANAGEMENT_RESOURCE}.default"))
            .await,
        vault_token: cloud
            .access_token(&client, &format!("{KEY_VAULT_RESOURCE}/.default"))
            .await,
        client,
    }
}

fn vm_body() -> Value {
    json!({
        "location": "westeurope",
        "identity": {"type": "SystemAssigned"},
        "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}}
    })
}

impl Scene for RbacScene {
    fn cloud(&self) -> &FakeCloud {
        &self.cloud
    }

    fn into_cloud(self) -> FakeCloud {
        self.cloud
    }
}

static FAMILY: Family<RbacScene> = Family::new(count_cases(include_str!("rbac.rs")));

/// Runs `attack` on the shared scene; checks the refusal and that nothing changed.
fn refused<F>(status: u16, code: &str, attack: F)
where
    F: AsyncFnOnce(&RbacScene) -> ApiResponse,
{
    run(async {
        let scene = FAMILY.turn(RbacScene::build).await;
        let before = snapshot(&scene.cloud).await;
        let response = attack(&scene).await;
        assert_refused(&response, status, code);
        assert_unchanged(&scene.cloud, &before).await;
        scene.finish().await;
    });
}

fn forbidden<F>(attack: F)
where
    F: AsyncFnOnce(&RbacScene) -> ApiResponse,
{
    refused(403, "AuthorizationFailed", attack);
}

#[test]
fn contributor_on_the_subscription_cannot_grant_itself_owner() {
    forbidden(async |scene| {
        let scope = scene.cloud.subscription_scope();
        scene
            .grant_owner_to_self(&scene.contributor_on_subscription, &scope)
            .await
    });
}

#[test]
fn contributor_on_a_group_cannot_grant_itself_owner_of_the_group() {
    forbidden(async |scene| {
        let scope = scene.cloud.resource_group_id("rg1");
        scene
            .grant_owner_to_self(&scene.contributor_on_rg1, &scope)
            .await
    });
}

#[test]
fn owner_of_a_vm_cannot_grant_a_role_on_the_vms_group() {
    forbidden(async |scene| {
        let scope = scene.cloud.resource_group_id("rg1");
        scene
            .grant_owner_to_self(&scene.owner_on_vm_a, &scope)
            .await
    });
}

#[test]
fn owner_of_vm_a_cannot_grant_a_role_on_vm_ab() {
    forbidden(async |scene| {
        let scope = scene.cloud.virtual_machine_id("rg1", "vm-ab");
        scene
            .grant_owner_to_self(&scene.owner_on_vm_a, &scope)
            .await
    });
}

#[test]
fn contributor_on_a_group_cannot_create_a_vm_in_another_group() {
    forbidden(async |scene| {
        let path = scene.cloud.virtual_machine_id("rg2", "vm-planted");
        scene.put_vm(&scene.contributor_on_rg1, &path).await
    });
}

#[test]
fn contributor_on_a_group_cannot_create_a_group_in_the_subscription() {
    forbidden(async |scene| {
        let path = scene.cloud.resource_group_id("rg-planted");
        scene
            .cloud
            .arm_request(
                Method::PUT,
                &path,
                Some(&scene.contributor_on_rg1.arm_token),
                Some(&json!({"location": "westeurope"})),
            )
            .await
    });
}

#[test]
fn contributor_on_a_group_cannot_delete_another_group() {
    forbidden(async |scene| {
        let path = scene.cloud.resource_group_id("rg2");
        scene.delete(&scene.contributor_on_rg1, &path).await
    });
}

#[test]
fn contributor_on_rg1_cannot_create_a_vm_in_rg10() {
    forbidden(async |scene| {
        let path = scene.cloud.virtual_machine_id("rg10", "vm-planted");
        scene.put_vm(&scene.contributor_on_rg1, &path).await
    });
}

#[test]
fn contributor_on_rg1_cannot_create_a_vm_in_rg10_spelled_upper_case() {
    forbidden(async |scene| {
        let path = scene.cloud.virtual_machine_id("RG10", "VM-PLANTED");
        scene.put_vm(&scene.contributor_on_rg1, &path).await
    });
}

#[test]
fn contributor_on_rg1_cannot_reach_rg2_through_an_upper_case_path() {
    forbidden(async |scene| {
        let path = scene
            .cloud
            .virtual_machine_id("rg2", "vm-planted")
            .to_uppercase();
        scene.put_vm(&scene.contributor_on_rg1, &path).await
    });
}

#[test]
fn contributor_on_vm_a_cannot_overwrite_vm_ab() {
    forbidden(async |scene| {
        let path = scene.cloud.virtual_machine_id("rg1", "vm-ab");
        scene.put_vm(&scene.contributor_on_vm_a, &path).await
    });
}

#[test]
fn contributor_on_vm_a_cannot_overwrite_vm_a_2() {
    forbidden(async |scene| {
        let path = scene.cloud.virtual_machine_id("rg1", "vm-a-2");
        scene.put_vm(&scene.contributor_on_vm_a, &path).await
    });
}

#[test]
fn contributor_on_vm_a_cannot_delete_vm_ab_spelled_upper_case() {
    forbidden(async |scene| {
        let path = scene.cloud.virtual_machine_id("rg1", "VM-AB");
        scene.delete(&scene.contributor_on_vm_a, &path).await
    });
}

#[test]
fn contributor_on_vm_a_cannot_create_an_identity_beside_it() {
    forbidden(async |scene| {
        let path = scene.cloud.user_assigned_identity_id("rg1", "id-planted");
        scene
            .cloud
            .arm_request_at_version(
                Method::PUT,
                &path,
                MSI_API_VERSION,
                Some(&scene.contributor_on_vm_a.arm_token),
                Some(&json!({"location": "westeurope"})),
            )
            .await
    });
}

#[test]
fn reader_on_a_group_cannot_change_a_vm_in_it() {
    forbidden(async |scene| {
        let path = scene.cloud.virtual_machine_id("rg1", "vm-a");
        scene.put_vm(&scene.reader_on_rg1, &path).await
    });
}

#[test]
fn reader_on_a_group_cannot_delete_a_vm_in_it() {
    forbidden(async |scene| {
        let path = scene.cloud.virtual_machine_id("rg1", "vm-a");
        scene.delete(&scene.reader_on_rg1, &path).await
    });
}

#[test]
fn contributor_on_vm_a_cannot_attach_an_identity_it_may_not_assign() {
    refused(403, "LinkedAuthorizationFailed", async |scene| {
        let identity = scene.cloud.user_assigned_identity_id("rg2", "id-free");
        let body = json!({
            "location": "westeurope",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity: {}}},
            "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}}
        });
        scene
            .cloud
            .arm_request(
                Method::PUT,
                &scene.cloud.virtual_machine_id("rg1", "vm-a"),
                Some(&scene.contributor_on_vm_a.arm_token),
                Some(&body),
            )
            .await
    });
}

#[test]
fn secrets_user_on_secret_db_cannot_read_secret_db_password() {
    refused(403, "Forbidden", async |scene| {
        scene
            .cloud
            .get_secret(
                &scene.vault_uri,
                "db-password",
                &scene.secrets_user_on_db.vault_token,
            )
            .await
    });
}

#[test]
fn secrets_user_on_a_secret_cannot_overwrite_it() {
    refused(403, "Forbidden", async |scene| {
        scene
            .cloud
            .set_secret(
                &scene.vault_uri,
                "db",
                "overwritten",
                &scene.secrets_user_on_db.vault_token,
            )
            .await
    });
}

#[test]
fn contributor_on_a_group_cannot_read_secrets_of_a_vault_in_it() {
    // Contributor's actions are management actions; reading a secret is a data action.
    refused(403, "Forbidden", async |scene| {
        scene
            .cloud
            .get_secret(
                &scene.vault_uri,
                "db",
                &scene.contributor_on_rg1.vault_token,
            )
            .await
    });
}
