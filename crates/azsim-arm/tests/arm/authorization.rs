//! Role-based access control on the resource API over real HTTP: every request authorized by
//! the caller's role assignments, and `Microsoft.Authorization` role assignments and role
//! definitions served at any scope.

use crate::support::*;
use azsim_rbac::roles::{
    CONTRIBUTOR, KEY_VAULT_SECRETS_USER, MANAGED_IDENTITY_OPERATOR, OWNER, READER,
};
use reqwest::Method;
use serde_json::{Value, json};

fn denied_message(object_id: &str, action: &str, scope: &str) -> String {
    format!(
        "The client '{object_id}' with object id '{object_id}' does not have authorization to \
         perform action '{action}' over scope '{scope}' or the scope is invalid. If access was \
         recently granted, please refresh your credentials."
    )
}

fn assert_denied(status: u16, body: &Value, object_id: &str, action: &str, scope: &str) {
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body,
        &json!({"error": {
            "code": "AuthorizationFailed",
            "message": denied_message(object_id, action, scope),
        }})
    );
}

fn vm_id(arm: &TestArm, group: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Compute/virtualMachines/{name}",
        arm.group_scope(group)
    )
}

fn role_definition_id(arm: &TestArm, role: &str) -> String {
    let subscription = arm.subscription_id();
    format!(
        "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role}"
    )
}

fn assignment_body(arm: &TestArm, role: &str, principal_id: &str) -> Value {
    json!({"properties": {"roleDefinitionId": role_definition_id(arm, role), "principalId": principal_id}})
}

fn assignments_path(scope: &str, filter: Option<&str>) -> String {
    let mut path = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments?api-version={AUTHORIZATION_API_VERSION}",
        scope.trim_end_matches('/')
    );
    if let Some(filter) = filter {
        path.push_str("&$filter=");
        path.push_str(&url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>());
    }
    path
}

/// The names of the assignments in a list answer, sorted (assignments created in the same
/// second are listed by name).
fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|assignment| assignment["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn sorted<const N: usize>(names: [&str; N]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_principal_without_roles_gets_authorization_failed_with_the_exact_message() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    let nobody = arm.new_client().await;
    let token = arm.token(&nobody, MANAGEMENT_SCOPE).await;

    let (status, body) = arm
        .call(Method::GET, &arm.group_path("rg"), &token, None)
        .await;
    assert_denied(
        status,
        &body,
        &nobody.object_id,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        &arm.group_scope("rg"),
    );
    // Authorized before looked up: a group that does not exist is no different.
    let (status, body) = arm
        .call(Method::GET, &arm.vm_path("missing", "vm1"), &token, None)
        .await;
    assert_denied(
        status,
        &body,
        &nobody.object_id,
        "Microsoft.Compute/virtualMachines/read",
        &vm_id(&arm, "missing", "vm1"),
    );
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.group_path("new-rg"),
            &token,
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_denied(
        status,
        &body,
        &nobody.object_id,
        "Microsoft.Resources/subscriptions/resourceGroups/write",
        &arm.group_scope("new-rg"),
    );
    let (status, body) = arm
        .call(
            Method::GET,
            &format!("/subscriptions/{subscription}/resourcegroups?api-version={API_VERSION}"),
            &token,
            None,
        )
        .await;
    assert_denied(
        status,
        &body,
        &nobody.object_id,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        &arm.subscription_scope(),
    );
    // The subscription is invisible to it; an unknown one is still not found.
    let (status, body) = arm
        .call(
            Method::GET,
            "/subscriptions?api-version=2022-12-01",
            &token,
            None,
        )
        .await;
    assert_eq!((status, body), (200, json!({"value": []})));
    let (status, body) = arm
        .call(
            Method::GET,
            &format!("/subscriptions/{subscription}?api-version=2022-12-01"),
            &token,
            None,
        )
        .await;
    assert_denied(
        status,
        &body,
        &nobody.object_id,
        "Microsoft.Resources/subscriptions/read",
        &arm.subscription_scope(),
    );
    let (status, body) = arm
        .call(
            Method::GET,
            "/subscriptions/11111111-2222-4333-8444-555555555555/resourcegroups?api-version=2022-12-01",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "SubscriptionNotFound");
    arm.stop().await;
}

#[tokio::test]
async fn reader_on_a_resource_group_can_read_a_vm_but_not_write_it() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    arm.create_group(&admin, "other").await;
    let vm_body = json!({"location": "eastus", "tags": {"app": "web"}});
    let (status, _) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm1"),
            &admin,
            Some(vm_body.clone()),
        )
        .await;
    assert_eq!(status, 201);
    let reader = arm.new_client().await;
    arm.grant(&reader.object_id, READER, &arm.group_scope("rg"))
        .await;
    let token = arm.token(&reader, MANAGEMENT_SCOPE).await;

    let (status, body) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm1"), &token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tags"], json!({"app": "web"}));
    let (status, body) = arm
        .call(
            Method::GET,
            &format!(
                "/subscriptions/{subscription}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01"
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
    // Inside its scope a missing VM is a plain 404.
    let (status, body) = arm
        .call(Method::GET, &arm.vm_path("rg", "nope"), &token, None)
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "ResourceNotFound");

    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm1"),
            &token,
            Some(vm_body),
        )
        .await;
    assert_denied(
        status,
        &body,
        &reader.object_id,
        "Microsoft.Compute/virtualMachines/write",
        &vm_id(&arm, "rg", "vm1"),
    );
    let (status, body) = arm
        .call(Method::DELETE, &arm.vm_path("rg", "vm1"), &token, None)
        .await;
    assert_denied(
        status,
        &body,
        &reader.object_id,
        "Microsoft.Compute/virtualMachines/delete",
        &vm_id(&arm, "rg", "vm1"),
    );
    // Nothing outside the group, nor the subscription-wide list above it.
    let (status, _) = arm
        .call(Method::GET, &arm.group_path("other"), &token, None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = arm
        .call(
            Method::GET,
            &format!(
                "/subscriptions/{subscription}/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01"
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 403);
    // An assignment below the subscription makes the subscription visible.
    let (status, body) = arm
        .call(
            Method::GET,
            "/subscriptions?api-version=2022-12-01",
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"][0]["subscriptionId"], subscription);
    let (status, _) = arm
        .call(Method::GET, &arm.vm_path("rg", "vm1"), &admin, None)
        .await;
    assert_eq!(status, 200);
    arm.stop().await;
}

#[tokio::test]
async fn contributor_can_write_resources_but_not_role_assignments() {
    let arm = TestArm::start().await;
    let contributor = arm.new_client().await;
    arm.grant(
        &contributor.object_id,
        CONTRIBUTOR,
        &arm.subscription_scope(),
    )
    .await;
    let token = arm.token(&contributor, MANAGEMENT_SCOPE).await;
    arm.create_group(&token, "rg").await;
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.vm_path("rg", "vm1"),
            &token,
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let other = arm.new_client().await;
    let name = "6f2a3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    let (status, body) = arm
        .call(
            Method::PUT,
            &role_assignment_path(&arm.group_scope("rg"), name),
            &token,
            Some(assignment_body(&arm, READER, &other.object_id)),
        )
        .await;
    assert_denied(
        status,
        &body,
        &contributor.object_id,
        "Microsoft.Authorization/roleAssignments/write",
        &format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
            arm.group_scope("rg")
        ),
    );
    // Reading them is allowed (`*` minus writes and deletes).
    let (status, body) = arm
        .call(
            Method::GET,
            &assignments_path(&arm.group_scope("rg"), None),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 2);
    arm.stop().await;
}

#[tokio::test]
async fn role_assignments_are_created_read_listed_and_deleted_at_any_scope() {
    let arm = TestArm::start().await;
    let tenant = arm.tenant_id();
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    arm.call(
        Method::PUT,
        &arm.vm_path("rg", "vm1"),
        &admin,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let alice = arm.new_client().await;
    let bob = arm.new_client().await;
    let name = "05c5a614-a7d6-4502-b150-c2fb455033ff";
    let path = role_assignment_path(&arm.group_scope("RG"), name);

    let (status, created) = arm
        .call(
            Method::PUT,
            &path,
            &admin,
            Some(assignment_body(&arm, READER, &alice.object_id)),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["id"],
        format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
            arm.group_scope("RG")
        )
    );
    assert_eq!(created["name"], name);
    assert_eq!(created["type"], "Microsoft.Authorization/roleAssignments");
    let properties = &created["properties"];
    assert_eq!(
        properties["roleDefinitionId"],
        role_definition_id(&arm, READER)
    );
    assert_eq!(properties["principalId"], alice.object_id);
    assert_eq!(properties["principalType"], "ServicePrincipal");
    assert_eq!(properties["scope"], arm.group_scope("RG"));
    assert_eq!(properties["createdBy"], arm.admin().object_id);

    // The same assignment again is 200; read back it is the same.
    let (status, again) = arm
        .call(
            Method::PUT,
            &path,
            &admin,
            Some(assignment_body(&arm, READER, &alice.object_id)),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], created["id"]);
    let (status, read) = arm.call(Method::GET, &path, &admin, None).await;
    assert_eq!((status, &read), (200, &created));

    // Errors of the real service.
    let (status, body) = arm
        .call(
            Method::PUT,
            &role_assignment_path(
                &arm.group_scope("rg"),
                "11111111-1111-4111-8111-111111111111",
            ),
            &admin,
            Some(assignment_body(&arm, READER, &alice.object_id)),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["error"],
        json!({"code": "RoleAssignmentExists", "message": "The role assignment already exists."})
    );
    let (status, body) = arm
        .call(
            Method::PUT,
            &path,
            &admin,
            Some(assignment_body(&arm, CONTRIBUTOR, &alice.object_id)),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "RoleAssignmentUpdateNotPermitted");
    let ghost = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    let (status, body) = arm
        .call(
            Method::PUT,
            &role_assignment_path(
                &arm.group_scope("rg"),
                "22222222-2222-4222-8222-222222222222",
            ),
            &admin,
            Some(assignment_body(&arm, READER, ghost)),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "PrincipalNotFound");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "Principal {ghost} does not exist in the directory {tenant}. "
            )),
        "{body}"
    );
    let (status, body) = arm
        .call(
            Method::PUT,
            &role_assignment_path(
                &arm.group_scope("rg"),
                "33333333-3333-4333-8333-333333333333",
            ),
            &admin,
            Some(assignment_body(
                &arm,
                "00000000-0000-4000-8000-000000000000",
                &alice.object_id,
            )),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "RoleDefinitionDoesNotExist");
    let (status, body) = arm
        .call(
            Method::PUT,
            &role_assignment_path(
                &arm.group_scope("nogroup"),
                "44444444-4444-4444-8444-444444444444",
            ),
            &admin,
            Some(assignment_body(&arm, READER, &alice.object_id)),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "ResourceGroupNotFound");

    // A resource scope below the group, for another principal.
    let on_vm = arm
        .grant(&bob.object_id, CONTRIBUTOR, &vm_id(&arm, "rg", "vm1"))
        .await;
    let on_vm_name = on_vm["name"].as_str().unwrap().to_owned();
    let owner_names = {
        let (_, body) = arm
            .call(
                Method::GET,
                &assignments_path(
                    &arm.subscription_scope(),
                    Some(&format!("principalId eq '{}'", arm.admin().object_id)),
                ),
                &admin,
                None,
            )
            .await;
        names(&body)
    };
    assert_eq!(owner_names.len(), 1);
    let owner = owner_names[0].clone();

    let list = |filter: Option<String>| {
        let arm = &arm;
        let admin = &admin;
        async move {
            let (status, body) = arm
                .call(
                    Method::GET,
                    &assignments_path(&arm.group_scope("rg"), filter.as_deref()),
                    admin,
                    None,
                )
                .await;
            assert_eq!(status, 200, "{body}");
            names(&body)
        }
    };
    assert_eq!(list(None).await, sorted([&owner, name, &on_vm_name]));
    assert_eq!(
        list(Some("atScope()".to_owned())).await,
        sorted([&owner, name])
    );
    assert_eq!(
        list(Some(format!("principalId eq '{}'", bob.object_id))).await,
        std::slice::from_ref(&on_vm_name)
    );
    assert_eq!(
        list(Some(format!("assignedTo('{}')", alice.object_id))).await,
        [name.to_owned()]
    );
    let (status, body) = arm
        .call(
            Method::GET,
            &assignments_path(&arm.group_scope("rg"), Some("roleName eq 'Reader'")),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "UnsupportedQuery");

    // Delete answers with what it deleted, then 204; the name is gone at that scope.
    let (status, deleted) = arm.call(Method::DELETE, &path, &admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(deleted["id"], created["id"]);
    let (status, body) = arm.call(Method::DELETE, &path, &admin, None).await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, body) = arm.call(Method::GET, &path, &admin, None).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "RoleAssignmentNotFound");
    arm.stop().await;
}

#[tokio::test]
async fn role_definitions_are_readable_at_any_scope_and_filtered_by_name() {
    let arm = TestArm::start().await;
    let subscription = arm.subscription_id();
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "rg").await;
    let (status, body) = arm
        .call(
            Method::GET,
            &format!(
                "{}/providers/Microsoft.Authorization/roleDefinitions/{KEY_VAULT_SECRETS_USER}?api-version={AUTHORIZATION_API_VERSION}",
                arm.group_scope("rg")
            ),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], role_definition_id(&arm, KEY_VAULT_SECRETS_USER));
    assert_eq!(body["properties"]["roleName"], "Key Vault Secrets User");
    assert_eq!(
        body["properties"]["permissions"][0]["dataActions"],
        json!([
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action"
        ])
    );
    let (status, body) = arm
        .call(
            Method::GET,
            &format!(
                "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions?api-version={AUTHORIZATION_API_VERSION}&$filter=roleName%20eq%20%27Owner%27"
            ),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
    assert_eq!(body["value"][0]["name"], OWNER);
    let (status, body) = arm
        .call(
            Method::GET,
            &format!(
                "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-4000-8000-000000000000?api-version={AUTHORIZATION_API_VERSION}"
            ),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "RoleDefinitionDoesNotExist");
    arm.stop().await;
}

#[tokio::test]
async fn attaching_a_user_assigned_identity_needs_assign_on_the_identity() {
    let arm = TestArm::start().await;
    let admin = arm.admin_token().await;
    arm.create_group(&admin, "apps").await;
    arm.create_group(&admin, "identities").await;
    let identity_path = format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-id?api-version=2023-01-31",
        arm.group_scope("identities")
    );
    let (status, identity) = arm
        .call(
            Method::PUT,
            &identity_path,
            &admin,
            Some(json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(status, 201, "{identity}");
    let identity_id = format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-id",
        arm.group_scope("identities")
    );
    // Contributor where the VM goes, nothing where the identity lives.
    let deployer = arm.new_client().await;
    arm.grant(&deployer.object_id, CONTRIBUTOR, &arm.group_scope("apps"))
        .await;
    let token = arm.token(&deployer, MANAGEMENT_SCOPE).await;
    let vm_body = json!({
        "location": "eastus",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id.clone(): {}}},
    });

    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.vm_path("apps", "vm1"),
            &token,
            Some(vm_body.clone()),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let object_id = &deployer.object_id;
    assert_eq!(
        body,
        json!({"error": {
            "code": "LinkedAuthorizationFailed",
            "message": format!(
                "The client '{object_id}' with object id '{object_id}' has permission to perform \
                 action 'Microsoft.Compute/virtualMachines/write' on scope '{}'; however, it does \
                 not have permission to perform action \
                 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked \
                 scope(s) '{identity_id}' or the linked scope(s) are invalid.",
                vm_id(&arm, "apps", "vm1")
            ),
        }})
    );
    // Nothing was written.
    let (status, _) = arm
        .call(Method::GET, &arm.vm_path("apps", "vm1"), &token, None)
        .await;
    assert_eq!(status, 404);

    arm.grant(&deployer.object_id, MANAGED_IDENTITY_OPERATOR, &identity_id)
        .await;
    let (status, body) = arm
        .call(
            Method::PUT,
            &arm.vm_path("apps", "vm1"),
            &token,
            Some(vm_body),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["identity"]["userAssignedIdentities"][identity["id"].as_str().unwrap()]["principalId"],
        identity["properties"]["principalId"]
    );
    arm.stop().await;
}
