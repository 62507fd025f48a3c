//! Authorization decisions through [`Authorizer`] over a real store.

use azsim_rbac::actions::{KEY_VAULT_SECRET_GET, USER_ASSIGNED_IDENTITY_ASSIGN};
use azsim_rbac::roles::{KEY_VAULT_SECRETS_USER, READER};
use azsim_rbac::seed::{run_decisions, seed_role_assignments};
use azsim_rbac::{
    Authorizer, PermissionKind, RoleAssignmentProperties, role_assignment_create,
    role_assignment_delete,
};
use azsim_store::role_assignments::count_role_assignments;

use crate::fixture::{RG, SUB, SUBSCRIPTION, VAULT, VM, VM_IDENTITY, at, fixture};

const NAME_1: &str = "22222222-aaaa-4bbb-8ccc-000000000001";
const NAME_2: &str = "22222222-aaaa-4bbb-8ccc-000000000002";
const VM_READ: &str = "Microsoft.Compute/virtualMachines/read";

fn properties(role: &str, principal_id: &str) -> RoleAssignmentProperties {
    RoleAssignmentProperties {
        role_definition_id: role.to_owned(),
        principal_id: principal_id.to_owned(),
        principal_type: None,
        description: None,
        scope: None,
    }
}

#[tokio::test]
async fn granting_and_deleting_an_assignment_takes_effect_at_once() {
    let f = fixture().await;
    let authorizer = Authorizer::new(f.store.clone());
    let secret = format!("{VAULT}/secrets/db-password");
    let get = |scope: String| {
        let authorizer = authorizer.clone();
        async move {
            authorizer
                .is_allowed(
                    VM_IDENTITY,
                    KEY_VAULT_SECRET_GET,
                    PermissionKind::Data,
                    &at(&scope),
                )
                .await
                .unwrap()
        }
    };
    assert!(!get(secret.clone()).await);

    role_assignment_create(
        &f.store,
        &f.clock,
        &at(&secret),
        NAME_1,
        &properties(KEY_VAULT_SECRETS_USER, VM_IDENTITY),
        None,
    )
    .await
    .unwrap();
    assert!(get(secret.clone()).await);
    assert!(!get(format!("{VAULT}/secrets/api-key")).await);
    assert!(!get(VAULT.to_owned()).await);

    role_assignment_delete(&f.store, &at(&secret), NAME_1)
        .await
        .unwrap();
    assert!(!get(secret).await);
}

#[tokio::test]
async fn reader_on_the_group_reads_the_vm_but_cannot_write_or_assign() {
    let f = fixture().await;
    let authorizer = Authorizer::new(f.store.clone());
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
    let allowed = |action: &'static str, scope: &'static str| {
        let authorizer = authorizer.clone();
        async move {
            authorizer
                .is_allowed(
                    &VM_IDENTITY.to_uppercase(),
                    action,
                    PermissionKind::Management,
                    &at(scope),
                )
                .await
                .unwrap()
        }
    };
    assert!(allowed(VM_READ, VM).await);
    assert!(!allowed(VM_READ, SUB).await);
    assert!(!allowed("Microsoft.Compute/virtualMachines/write", VM).await);
    assert!(!allowed(USER_ASSIGNED_IDENTITY_ASSIGN, VM).await);
}

#[tokio::test]
async fn orphaned_assignment_grants_nothing_to_a_recreated_identity() {
    let f = fixture().await;
    let authorizer = Authorizer::new(f.store.clone());
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
    f.delete_principal(VM_IDENTITY).await;
    let reborn = "eeeeeeee-0000-4000-8000-00000000000e";
    f.add_identity(reborn, VM).await;

    assert!(
        !authorizer
            .is_allowed(reborn, VM_READ, PermissionKind::Management, &at(VM))
            .await
            .unwrap()
    );
    // The orphan still names the old object id (whose unexpired tokens it still serves).
    assert!(
        authorizer
            .is_allowed(VM_IDENTITY, VM_READ, PermissionKind::Management, &at(VM))
            .await
            .unwrap()
    );
    role_assignment_create(
        &f.store,
        &f.clock,
        &at(RG),
        NAME_2,
        &properties(READER, reborn),
        None,
    )
    .await
    .unwrap();
    assert!(
        authorizer
            .is_allowed(reborn, VM_READ, PermissionKind::Management, &at(VM))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn ten_thousand_seeded_assignments_still_give_right_answers() {
    let f = fixture().await;
    let seeded = seed_role_assignments(&f.store, &f.clock, SUBSCRIPTION, 10_000, 500)
        .await
        .unwrap();
    assert_eq!(seeded.assignments, 10_000);
    assert_eq!(seeded.principals.len(), 500);
    let mut conn = f.store.read().await.unwrap();
    assert_eq!(count_role_assignments(&mut conn).await.unwrap(), 10_000);
    drop(conn);

    let granted = seeded.cases.iter().filter(|case| case.expected).count();
    assert!(
        granted > 0 && granted < seeded.cases.len(),
        "cases need both answers"
    );

    let authorizer = Authorizer::new(f.store.clone());
    let tally = run_decisions(&authorizer, &seeded.cases).await.unwrap();
    assert_eq!(tally.decisions, seeded.cases.len());
    assert_eq!(tally.wrong, 0);
}

#[tokio::test]
async fn decision_tally_counts_wrong_expectations() {
    let f = fixture().await;
    let mut seeded = seed_role_assignments(&f.store, &f.clock, SUBSCRIPTION, 30, 10)
        .await
        .unwrap();
    for case in seeded.cases.iter_mut().take(3) {
        case.expected = !case.expected;
    }
    let tally = run_decisions(&Authorizer::new(f.store.clone()), &seeded.cases)
        .await
        .unwrap();
    assert_eq!(tally.wrong, 3);
}
