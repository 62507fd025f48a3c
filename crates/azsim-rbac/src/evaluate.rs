//! Authorization decisions as pure functions over a principal's role assignments.
//!
//! The rules, as Azure applies them: an assignment applies at its scope and every scope
//! below (never above); its role allows an action if one of the role's permission blocks
//! matches it in `actions` and not in that block's `notActions`; management actions and data
//! actions are separate (Owner's `*` grants no data action); roles are unioned, so one role's
//! `notActions` never takes away what another role grants. An assignment names a principal
//! by object id only, so an orphaned assignment (its principal deleted) grants nothing to a
//! principal created later, which has a new object id. There are no deny assignments.

use azsim_core::ResourceId;
use azsim_store::role_assignments::StoredRoleAssignment;

use crate::roles::{PermissionKind, built_in_role};
use crate::scope::covers;

/// The first of `assignments` that lets `principal_id` perform `action` of kind `kind` at
/// `scope`, or `None` when access is denied.
///
/// `assignments` may hold other principals' assignments (they are skipped); principal ids
/// and scopes compare case-insensitively.
pub fn granting_assignment<'a>(
    assignments: impl IntoIterator<Item = &'a StoredRoleAssignment>,
    principal_id: &str,
    action: &str,
    kind: PermissionKind,
    scope: &ResourceId,
) -> Option<&'a StoredRoleAssignment> {
    assignments.into_iter().find(|assignment| {
        assignment.principal_id.eq_ignore_ascii_case(principal_id)
            && covers(&assignment.scope_key, scope)
            // A role id that is not a built-in role grants nothing.
            && built_in_role(&assignment.role_definition_id)
                .is_some_and(|role| role.permits(action, kind))
    })
}

/// Whether `assignments` let `principal_id` perform `action` of kind `kind` at `scope`.
pub fn is_allowed_by<'a>(
    assignments: impl IntoIterator<Item = &'a StoredRoleAssignment>,
    principal_id: &str,
    action: &str,
    kind: PermissionKind,
    scope: &ResourceId,
) -> bool {
    granting_assignment(assignments, principal_id, action, kind, scope).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions;
    use crate::roles::{
        CONTRIBUTOR, KEY_VAULT_ADMINISTRATOR, KEY_VAULT_SECRETS_OFFICER, KEY_VAULT_SECRETS_USER,
        MANAGED_IDENTITY_OPERATOR, OWNER, READER, STORAGE_BLOB_DATA_READER,
        USER_ACCESS_ADMINISTRATOR,
    };
    use crate::scope::role_assignment_id;

    const ALICE: &str = "11111111-1111-1111-1111-111111111111";
    const BOB: &str = "22222222-2222-2222-2222-222222222222";
    const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";
    const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg";
    const VM: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm";
    const VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";

    const VM_READ: &str = "Microsoft.Compute/virtualMachines/read";
    const VM_WRITE: &str = "Microsoft.Compute/virtualMachines/write";
    const ASSIGN_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";

    fn assignment(principal_id: &str, role: &str, scope: &str) -> StoredRoleAssignment {
        let name = uuid::Uuid::new_v4().to_string();
        let scope = ResourceId::parse(scope).unwrap();
        StoredRoleAssignment {
            assignment_id: role_assignment_id(&scope, &name).to_string(),
            name,
            scope: scope.to_string(),
            scope_key: scope.scope_key().to_owned(),
            role_definition_id: role.to_owned(),
            principal_id: principal_id.to_owned(),
            principal_type: "ServicePrincipal".to_owned(),
            description: None,
            created_at: 0,
            updated_at: 0,
            created_by: None,
            updated_by: None,
        }
    }

    fn allowed(
        assignments: &[StoredRoleAssignment],
        principal: &str,
        action: &str,
        kind: PermissionKind,
        scope: &str,
    ) -> bool {
        is_allowed_by(
            assignments,
            principal,
            action,
            kind,
            &ResourceId::parse(scope).unwrap(),
        )
    }

    fn secret(name: &str) -> String {
        format!("{VAULT}/secrets/{name}")
    }

    #[test]
    fn no_assignment_means_no_access() {
        assert!(!allowed(
            &[],
            ALICE,
            VM_READ,
            PermissionKind::Management,
            VM
        ));
    }

    #[test]
    fn assignment_is_inherited_by_every_scope_below() {
        let grants = [assignment(ALICE, READER, SUB)];
        for scope in [SUB, RG, VM, VAULT, &secret("s")] {
            assert!(
                allowed(&grants, ALICE, VM_READ, PermissionKind::Management, scope),
                "{scope}"
            );
        }
    }

    #[test]
    fn assignment_is_not_inherited_upward_or_sideways() {
        let grants = [assignment(ALICE, READER, RG)];
        assert!(!allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            SUB
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            &format!("{SUB}/resourceGroups/rg2")
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            &format!("{SUB}/resourceGroups/other/providers/Microsoft.Compute/virtualMachines/vm")
        ));
    }

    #[test]
    fn subscription_prefix_of_another_subscription_does_not_match() {
        let grants = [assignment(ALICE, OWNER, "/subscriptions/1")];
        assert!(allowed(
            &grants,
            ALICE,
            VM_WRITE,
            PermissionKind::Management,
            "/subscriptions/1/resourceGroups/rg"
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            VM_WRITE,
            PermissionKind::Management,
            "/subscriptions/12/resourceGroups/rg"
        ));
    }

    #[test]
    fn scopes_and_principals_match_case_insensitively() {
        let grants = [assignment(ALICE, READER, RG)];
        assert!(allowed(
            &grants,
            &ALICE.to_uppercase(),
            &VM_READ.to_uppercase(),
            PermissionKind::Management,
            &VM.to_lowercase()
        ));
    }

    #[test]
    fn root_scope_assignment_applies_everywhere() {
        let grants = [assignment(ALICE, READER, "/")];
        assert!(allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            VM
        ));
        assert!(allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            "/"
        ));
    }

    #[test]
    fn star_action_grants_every_management_action() {
        let grants = [assignment(ALICE, OWNER, RG)];
        for action in [
            VM_READ,
            VM_WRITE,
            ASSIGN_WRITE,
            "Microsoft.Compute/virtualMachines/start/action",
        ] {
            assert!(
                allowed(&grants, ALICE, action, PermissionKind::Management, VM),
                "{action}"
            );
        }
    }

    #[test]
    fn star_read_grants_only_reads() {
        let grants = [assignment(ALICE, READER, RG)];
        assert!(allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            VM
        ));
        assert!(allowed(
            &grants,
            ALICE,
            "Microsoft.Authorization/roleAssignments/read",
            PermissionKind::Management,
            VM
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            VM_WRITE,
            PermissionKind::Management,
            VM
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            "Microsoft.Compute/virtualMachines/delete",
            PermissionKind::Management,
            VM
        ));
    }

    #[test]
    fn not_actions_subtract_from_their_own_role() {
        let grants = [assignment(ALICE, CONTRIBUTOR, RG)];
        assert!(allowed(
            &grants,
            ALICE,
            VM_WRITE,
            PermissionKind::Management,
            VM
        ));
        // Contributor's `Microsoft.Authorization/*/Write` matches, ignoring case.
        assert!(!allowed(
            &grants,
            ALICE,
            ASSIGN_WRITE,
            PermissionKind::Management,
            VM
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            "Microsoft.Authorization/roleAssignments/delete",
            PermissionKind::Management,
            VM
        ));
        assert!(allowed(
            &grants,
            ALICE,
            "Microsoft.Authorization/roleAssignments/read",
            PermissionKind::Management,
            VM
        ));
    }

    #[test]
    fn not_actions_are_not_a_deny_another_role_still_grants() {
        let grants = [
            assignment(ALICE, CONTRIBUTOR, RG),
            assignment(ALICE, USER_ACCESS_ADMINISTRATOR, SUB),
        ];
        assert!(allowed(
            &grants,
            ALICE,
            ASSIGN_WRITE,
            PermissionKind::Management,
            VM
        ));
    }

    #[test]
    fn owner_gets_no_data_actions() {
        let grants = [assignment(ALICE, OWNER, SUB)];
        assert!(!allowed(
            &grants,
            ALICE,
            actions::KEY_VAULT_SECRET_GET,
            PermissionKind::Data,
            &secret("db-password")
        ));
    }

    #[test]
    fn data_roles_grant_no_management_actions_of_the_same_name() {
        let grants = [assignment(ALICE, KEY_VAULT_SECRETS_USER, VAULT)];
        assert!(allowed(
            &grants,
            ALICE,
            actions::KEY_VAULT_SECRET_GET,
            PermissionKind::Data,
            &secret("db-password")
        ));
        // The same action string asked as a management action is not in `actions`.
        assert!(!allowed(
            &grants,
            ALICE,
            actions::KEY_VAULT_SECRET_GET,
            PermissionKind::Management,
            &secret("db-password")
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            "Microsoft.KeyVault/vaults/read",
            PermissionKind::Management,
            VAULT
        ));
    }

    #[test]
    fn secrets_user_reads_but_cannot_set_or_delete() {
        let grants = [assignment(ALICE, KEY_VAULT_SECRETS_USER, VAULT)];
        let scope = secret("db-password");
        assert!(allowed(
            &grants,
            ALICE,
            actions::KEY_VAULT_SECRET_READ_METADATA,
            PermissionKind::Data,
            &scope
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            actions::KEY_VAULT_SECRET_SET,
            PermissionKind::Data,
            &scope
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            actions::KEY_VAULT_SECRET_DELETE,
            PermissionKind::Data,
            &scope
        ));
    }

    #[test]
    fn assignment_on_one_secret_does_not_reach_another_secret_or_the_vault() {
        let grants = [assignment(
            ALICE,
            KEY_VAULT_SECRETS_USER,
            &secret("db-password"),
        )];
        let get = actions::KEY_VAULT_SECRET_GET;
        assert!(allowed(
            &grants,
            ALICE,
            get,
            PermissionKind::Data,
            &secret("db-password")
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            get,
            PermissionKind::Data,
            &secret("api-key")
        ));
        // `db-password` is a string prefix of `db-password2`, not a parent scope.
        assert!(!allowed(
            &grants,
            ALICE,
            get,
            PermissionKind::Data,
            &secret("db-password2")
        ));
        // Listing is decided at the vault scope, above the secret.
        assert!(!allowed(
            &grants,
            ALICE,
            actions::KEY_VAULT_SECRET_READ_METADATA,
            PermissionKind::Data,
            VAULT
        ));
    }

    #[test]
    fn data_action_wildcards_match() {
        let officer = [assignment(ALICE, KEY_VAULT_SECRETS_OFFICER, VAULT)];
        let admin = [assignment(ALICE, KEY_VAULT_ADMINISTRATOR, RG)];
        for action in [
            actions::KEY_VAULT_SECRET_SET,
            actions::KEY_VAULT_SECRET_DELETE,
            actions::KEY_VAULT_SECRET_GET,
        ] {
            assert!(
                allowed(&officer, ALICE, action, PermissionKind::Data, &secret("x")),
                "{action}"
            );
            assert!(
                allowed(&admin, ALICE, action, PermissionKind::Data, &secret("x")),
                "{action}"
            );
        }
        assert!(!allowed(
            &officer,
            ALICE,
            "Microsoft.KeyVault/vaults/keys/sign/action",
            PermissionKind::Data,
            VAULT
        ));
        assert!(allowed(
            &admin,
            ALICE,
            "Microsoft.KeyVault/vaults/keys/sign/action",
            PermissionKind::Data,
            VAULT
        ));
        // The vault roles read the vault resource itself through `Microsoft.KeyVault/vaults/*/read`.
        assert!(allowed(
            &officer,
            ALICE,
            "Microsoft.KeyVault/vaults/secrets/read",
            PermissionKind::Management,
            VAULT
        ));
    }

    #[test]
    fn storage_blob_data_reader_reads_blobs_only() {
        let account = format!("{RG}/providers/Microsoft.Storage/storageAccounts/sa");
        let grants = [assignment(ALICE, STORAGE_BLOB_DATA_READER, &account)];
        let blob_read = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
        assert!(allowed(
            &grants,
            ALICE,
            blob_read,
            PermissionKind::Data,
            &format!("{account}/blobServices/default/containers/c")
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
            PermissionKind::Data,
            &account
        ));
        assert!(allowed(
            &grants,
            ALICE,
            "Microsoft.Storage/storageAccounts/blobServices/containers/read",
            PermissionKind::Management,
            &account
        ));
    }

    #[test]
    fn managed_identity_operator_may_assign_identities() {
        let identity =
            format!("{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1");
        let grants = [assignment(ALICE, MANAGED_IDENTITY_OPERATOR, &identity)];
        assert!(allowed(
            &grants,
            ALICE,
            actions::USER_ASSIGNED_IDENTITY_ASSIGN,
            PermissionKind::Management,
            &identity
        ));
        assert!(allowed(
            &grants,
            ALICE,
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            PermissionKind::Management,
            &identity
        ));
        assert!(!allowed(
            &grants,
            ALICE,
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            PermissionKind::Management,
            &identity
        ));
        // Contributor may too; Reader may not.
        let contributor = [assignment(BOB, CONTRIBUTOR, RG)];
        assert!(allowed(
            &contributor,
            BOB,
            actions::USER_ASSIGNED_IDENTITY_ASSIGN,
            PermissionKind::Management,
            &identity
        ));
        let reader = [assignment(BOB, READER, RG)];
        assert!(!allowed(
            &reader,
            BOB,
            actions::USER_ASSIGNED_IDENTITY_ASSIGN,
            PermissionKind::Management,
            &identity
        ));
    }

    #[test]
    fn other_principals_assignments_grant_nothing() {
        let grants = [assignment(BOB, OWNER, SUB)];
        assert!(!allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            VM
        ));
    }

    #[test]
    fn orphaned_assignment_grants_nothing_to_a_recreated_principal() {
        // The identity `vm` had object id ALICE and was given Reader; it was deleted and
        // created again under the same name, which gives it a new object id (BOB). The old
        // assignment stays, naming ALICE, and grants BOB nothing.
        let grants = [assignment(ALICE, READER, RG)];
        assert!(!allowed(
            &grants,
            BOB,
            VM_READ,
            PermissionKind::Management,
            VM
        ));
        assert!(allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            VM
        ));
    }

    #[test]
    fn unknown_role_definition_grants_nothing() {
        let grants = [assignment(
            ALICE,
            "00000000-0000-0000-0000-000000000000",
            SUB,
        )];
        assert!(!allowed(
            &grants,
            ALICE,
            VM_READ,
            PermissionKind::Management,
            VM
        ));
    }

    #[test]
    fn the_granting_assignment_is_reported() {
        let reader = assignment(ALICE, READER, SUB);
        let owner = assignment(ALICE, OWNER, RG);
        let grants = [reader.clone(), owner.clone()];
        assert_eq!(
            granting_assignment(
                &grants,
                ALICE,
                VM_WRITE,
                PermissionKind::Management,
                &ResourceId::parse(VM).unwrap()
            ),
            Some(&owner)
        );
        assert_eq!(
            granting_assignment(
                &grants,
                ALICE,
                VM_READ,
                PermissionKind::Management,
                &ResourceId::parse(SUB).unwrap()
            ),
            Some(&reader)
        );
    }
}
