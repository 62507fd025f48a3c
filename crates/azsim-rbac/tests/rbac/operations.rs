//! Creating, reading, deleting and listing role assignments.

use std::time::Duration;

use azsim_core::ResourceId;
use azsim_rbac::roles::{CONTRIBUTOR, KEY_VAULT_SECRETS_USER, OWNER, READER};
use azsim_rbac::scope::parse_scope;
use azsim_rbac::{
    RbacError, RoleAssignment, RoleAssignmentProperties, role_assignment_create,
    role_assignment_delete, role_assignment_list, role_assignment_view, split_role_assignment_id,
};
use serde_json::json;

use crate::fixture::{ADMIN, RG, STRANGER, SUB, TENANT, VAULT, VM, VM_IDENTITY, at, fixture};

const NAME_1: &str = "11111111-aaaa-4bbb-8ccc-000000000001";
const NAME_2: &str = "11111111-aaaa-4bbb-8ccc-000000000002";
const NAME_3: &str = "11111111-aaaa-4bbb-8ccc-000000000003";
const NAME_4: &str = "11111111-aaaa-4bbb-8ccc-000000000004";

fn properties(role: &str, principal_id: &str) -> RoleAssignmentProperties {
    RoleAssignmentProperties {
        role_definition_id: format!(
            "/subscriptions/5e1a0b7c-1111-4222-8333-444455556666/providers/Microsoft.Authorization/roleDefinitions/{role}"
        ),
        principal_id: principal_id.to_owned(),
        principal_type: None,
        description: None,
        scope: None,
    }
}

fn names(list: &[RoleAssignment]) -> Vec<&str> {
    list.iter()
        .map(|assignment| assignment.name.as_str())
        .collect()
}

#[tokio::test]
async fn create_returns_the_arm_shape_with_principal_type_from_the_directory() {
    let f = fixture().await;
    let mut given = properties(READER, &VM_IDENTITY.to_uppercase());
    // The caller's principalType is not trusted: the directory says what the principal is.
    given.principal_type = Some("User".to_owned());
    let (assignment, created) = role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        &NAME_1.to_uppercase(),
        &given,
        Some(ADMIN),
    )
    .await
    .unwrap();
    assert!(created);
    assert_eq!(
        serde_json::to_value(&assignment).unwrap(),
        json!({
            "id": format!("{RG}/providers/Microsoft.Authorization/roleAssignments/{NAME_1}"),
            "name": NAME_1,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": format!("{SUB}/providers/Microsoft.Authorization/roleDefinitions/{READER}"),
                "principalId": VM_IDENTITY,
                "principalType": "ServicePrincipal",
                "scope": RG,
                "condition": null,
                "conditionVersion": null,
                "createdOn": "2026-11-27T10:00:00Z",
                "updatedOn": "2026-11-27T10:00:00Z",
                "createdBy": ADMIN,
                "updatedBy": ADMIN,
                "delegatedManagedIdentityResourceId": null,
                "description": null
            }
        })
    );
    assert_eq!(
        role_assignment_view(&f.store, &at(RG), NAME_1)
            .await
            .unwrap(),
        assignment
    );
}

#[tokio::test]
async fn application_principals_are_service_principals_too() {
    let f = fixture().await;
    let (assignment, _) = role_assignment_create(
        &f.store,
        &f.clock,
        &at(SUB),
        NAME_1,
        &properties(OWNER, ADMIN),
        None,
    )
    .await
    .unwrap();
    assert_eq!(assignment.properties.principal_type, "ServicePrincipal");
    assert_eq!(assignment.properties.created_by, None);
}

#[tokio::test]
async fn identical_put_is_not_a_new_assignment_and_replaces_the_description() {
    let f = fixture().await;
    let first = properties(READER, VM_IDENTITY);
    role_assignment_create(&f.store, &f.clock, &at(RG), NAME_1, &first, Some(ADMIN))
        .await
        .unwrap();
    f.manual.advance(Duration::from_secs(60));
    let mut again = first.clone();
    again.description = Some("read the group".to_owned());
    // The same role by bare GUID and the scope in another casing are the same assignment.
    again.role_definition_id = READER.to_uppercase();
    let (assignment, created) = role_assignment_create(
        &f.store,
        &f.clock,
        &at(&RG.to_lowercase()),
        NAME_1,
        &again,
        Some(VM_IDENTITY),
    )
    .await
    .unwrap();
    assert!(!created);
    assert_eq!(
        assignment.properties.description.as_deref(),
        Some("read the group")
    );
    assert_eq!(assignment.properties.created_on, "2026-11-27T10:00:00Z");
    assert_eq!(assignment.properties.updated_on, "2026-11-27T10:01:00Z");
    assert_eq!(
        assignment.properties.updated_by.as_deref(),
        Some(VM_IDENTITY)
    );
    // The scope keeps the casing it was created with.
    assert_eq!(assignment.properties.scope, RG);
}

#[tokio::test]
async fn reusing_a_name_for_another_grant_is_update_not_permitted() {
    let f = fixture().await;
    role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        NAME_1,
        &properties(READER, VM_IDENTITY),
        None,
    )
    .await
    .unwrap();
    for (scope, props) in [
        (RG, properties(CONTRIBUTOR, VM_IDENTITY)),
        (RG, properties(READER, ADMIN)),
        (SUB, properties(READER, VM_IDENTITY)),
    ] {
        let error = role_assignment_create(&f.store, &f.clock, &at(scope), NAME_1, &props, None)
            .await
            .unwrap_err();
        assert!(matches!(error, RbacError::RoleAssignmentUpdateNotPermitted));
    }
}

#[tokio::test]
async fn same_grant_under_another_name_is_role_assignment_exists() {
    let f = fixture().await;
    role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        NAME_1,
        &properties(READER, VM_IDENTITY),
        None,
    )
    .await
    .unwrap();
    let error = role_assignment_create(
        &f.store,
        &f.clock,
        &at(&format!("{}/", RG.to_uppercase())),
        NAME_2,
        &properties(READER, VM_IDENTITY),
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, RbacError::RoleAssignmentExists));
    assert_eq!(error.to_string(), "The role assignment already exists.");
    // Another role for the same principal and scope is a different grant.
    let (_, created) = role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        NAME_2,
        &properties(CONTRIBUTOR, VM_IDENTITY),
        None,
    )
    .await
    .unwrap();
    assert!(created);
}

#[tokio::test]
async fn unknown_principal_is_principal_not_found_in_the_subscriptions_directory() {
    let f = fixture().await;
    let ghost = "dddddddd-0000-4000-8000-000000000009";
    for principal in [ghost, STRANGER] {
        let error = role_assignment_create(
            &f.store,
            &f.clock,
            &at(RG),
            NAME_1,
            &properties(READER, principal),
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(error, RbacError::PrincipalNotFound { .. }));
        assert!(
            error.to_string().starts_with(&format!(
                "Principal {principal} does not exist in the directory {TENANT}."
            )),
            "{error}"
        );
    }
}

#[tokio::test]
async fn malformed_and_unknown_inputs_get_their_own_errors() {
    let f = fixture().await;
    // The resource API maps each of these to its own ARM code (400 for all of them).
    let cases = [
        (
            "not-a-guid",
            properties(READER, VM_IDENTITY),
            "InvalidRoleAssignmentId",
        ),
        (
            NAME_1,
            RoleAssignmentProperties {
                role_definition_id: "Reader".to_owned(),
                ..properties(READER, VM_IDENTITY)
            },
            "InvalidRoleDefinitionId",
        ),
        (
            NAME_1,
            properties("00000000-0000-0000-0000-000000000000", VM_IDENTITY),
            "RoleDefinitionDoesNotExist",
        ),
        (NAME_1, properties(READER, "someone"), "InvalidPrincipalId"),
    ];
    for (name, props, variant) in cases {
        let error = role_assignment_create(&f.store, &f.clock, &at(RG), name, &props, None)
            .await
            .unwrap_err();
        assert!(format!("{error:?}").starts_with(variant), "{error:?}");
    }
    assert!(matches!(
        parse_scope("subscriptions/x"),
        Err(RbacError::InvalidScope { .. })
    ));
    assert!(
        role_assignment_list(&f.store, &at("/"), None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn view_and_delete_only_at_the_assignments_own_scope() {
    let f = fixture().await;
    let (created, _) = role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        NAME_1,
        &properties(READER, VM_IDENTITY),
        None,
    )
    .await
    .unwrap();

    let error = role_assignment_view(&f.store, &at(SUB), NAME_1)
        .await
        .unwrap_err();
    assert!(matches!(error, RbacError::RoleAssignmentNotFound { .. }));
    assert_eq!(
        role_assignment_delete(&f.store, &at(SUB), NAME_1)
            .await
            .unwrap(),
        None
    );

    let (scope, name) = split_role_assignment_id(&ResourceId::parse(&created.id).unwrap()).unwrap();
    assert_eq!(
        role_assignment_view(&f.store, &scope, &name).await.unwrap(),
        created
    );
    assert_eq!(
        role_assignment_delete(&f.store, &scope, &name)
            .await
            .unwrap(),
        Some(created)
    );
    assert_eq!(
        role_assignment_delete(&f.store, &scope, &name)
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        role_assignment_view(&f.store, &at(RG), NAME_1)
            .await
            .unwrap_err(),
        RbacError::RoleAssignmentNotFound { .. }
    ));
}

#[tokio::test]
async fn root_scope_assignments_use_tenant_level_ids() {
    let f = fixture().await;
    let (assignment, _) = role_assignment_create(
        &f.store,
        &f.clock,
        &at("/"),
        NAME_1,
        &properties(READER, ADMIN),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        assignment.id,
        format!("/providers/Microsoft.Authorization/roleAssignments/{NAME_1}")
    );
    assert_eq!(
        assignment.properties.role_definition_id,
        format!("/providers/Microsoft.Authorization/roleDefinitions/{READER}")
    );
    assert_eq!(assignment.properties.scope, "/");
}

#[tokio::test]
async fn listing_honours_at_scope_principal_and_assigned_to_filters() {
    let f = fixture().await;
    let secret = format!("{VAULT}/secrets/db-password");
    let other_group = format!("{SUB}/resourceGroups/rg2");
    let grants = [
        (SUB.to_owned(), NAME_1, OWNER, ADMIN),
        (RG.to_owned(), NAME_2, READER, VM_IDENTITY),
        (secret.clone(), NAME_3, KEY_VAULT_SECRETS_USER, VM_IDENTITY),
        (other_group, NAME_4, READER, VM_IDENTITY),
    ];
    for (scope, name, role, principal) in &grants {
        role_assignment_create(
            &f.store,
            &f.clock,
            &at(scope),
            name,
            &properties(role, principal),
            None,
        )
        .await
        .unwrap();
        f.manual.advance(Duration::from_secs(1));
    }

    let list = |scope: String, filter: Option<String>| {
        let store = f.store.clone();
        async move {
            role_assignment_list(&store, &at(&scope), filter.as_deref())
                .await
                .unwrap()
        }
    };
    // No filter: at, above and below; never a sibling group.
    assert_eq!(
        names(&list(RG.to_owned(), None).await),
        [NAME_1, NAME_2, NAME_3]
    );
    // atScope(): at and above only.
    assert_eq!(
        names(&list(RG.to_owned(), Some("atScope()".to_owned())).await),
        [NAME_1, NAME_2]
    );
    assert_eq!(
        names(&list(secret.clone(), Some("atScope()".to_owned())).await),
        [NAME_1, NAME_2, NAME_3]
    );
    // principalId eq: that principal's, at, above or below.
    let by_principal = format!("principalId eq '{VM_IDENTITY}'");
    assert_eq!(
        names(&list(RG.to_owned(), Some(by_principal.clone())).await),
        [NAME_2, NAME_3]
    );
    assert_eq!(
        names(&list(SUB.to_owned(), Some(by_principal)).await),
        [NAME_2, NAME_3, NAME_4]
    );
    // assignedTo with atScope(): that principal's, at or above.
    let assigned = format!("atScope() and assignedTo('{}')", VM_IDENTITY.to_uppercase());
    assert_eq!(
        names(&list(VAULT.to_owned(), Some(assigned)).await),
        [NAME_2]
    );
    // A VM scope sees the subscription and group assignments above it.
    assert_eq!(names(&list(VM.to_owned(), None).await), [NAME_1, NAME_2]);

    let error = role_assignment_list(
        &f.store,
        &at(RG),
        Some(&format!("atScope() and principalId eq '{ADMIN}'")),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        error,
        RbacError::UnsupportedRoleAssignmentFilter { .. }
    ));
}

#[tokio::test]
async fn orphaned_assignments_stay_listed_and_block_reuse_of_their_name() {
    let f = fixture().await;
    role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        NAME_1,
        &properties(READER, VM_IDENTITY),
        None,
    )
    .await
    .unwrap();
    // The VM is deleted: its identity's principal leaves the directory.
    f.delete_principal(VM_IDENTITY).await;

    let listed = role_assignment_list(&f.store, &at(RG), None).await.unwrap();
    assert_eq!(names(&listed), [NAME_1]);
    assert_eq!(listed[0].properties.principal_id, VM_IDENTITY);
    assert_eq!(listed[0].properties.principal_type, "ServicePrincipal");

    // A VM of the same name comes back with a new principal. A deployment that derives the
    // assignment name from the VM's name reuses NAME_1 and is refused, as in Azure.
    let reborn = "eeeeeeee-0000-4000-8000-00000000000e";
    f.add_identity(reborn, VM).await;
    let error = role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        NAME_1,
        &properties(READER, reborn),
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, RbacError::RoleAssignmentUpdateNotPermitted));
    // Under a new name the new principal can be granted the same role at the same scope.
    let (_, created) = role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        NAME_2,
        &properties(READER, reborn),
        None,
    )
    .await
    .unwrap();
    assert!(created);
    // The old principal cannot be granted anything new.
    let error = role_assignment_create(
        &f.store,
        &f.clock,
        &at(SUB),
        NAME_3,
        &properties(READER, VM_IDENTITY),
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, RbacError::PrincipalNotFound { .. }));
}
