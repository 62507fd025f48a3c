//! The built-in role definitions, with the ids, names, descriptions and permissions Azure
//! gives them. Built-in roles are the same in every tenant, so they live in code.

use azsim_core::ResourceId;

use crate::RbacError;
use crate::pattern::action_matches;
use crate::scope::split_role_definition_id;

/// Which plane an action belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermissionKind {
    /// A management (control plane) action, matched against `actions` / `notActions`.
    Management,
    /// A data plane action, matched against `dataActions` / `notDataActions`.
    Data,
}

/// One permission block of a role: what it allows, minus what it carves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    /// Management action patterns allowed.
    pub actions: &'static [&'static str],
    /// Management action patterns taken back out of `actions` (of this block only).
    pub not_actions: &'static [&'static str],
    /// Data action patterns allowed.
    pub data_actions: &'static [&'static str],
    /// Data action patterns taken back out of `data_actions` (of this block only).
    pub not_data_actions: &'static [&'static str],
}

impl Permission {
    /// Whether this block allows `action` of kind `kind`: some allow pattern matches and no
    /// carve-out pattern of the same block does. `notActions` is not a deny: another block or
    /// role may still allow the action.
    pub fn permits(&self, action: &str, kind: PermissionKind) -> bool {
        let (allowed, carved_out) = match kind {
            PermissionKind::Management => (self.actions, self.not_actions),
            PermissionKind::Data => (self.data_actions, self.not_data_actions),
        };
        allowed
            .iter()
            .any(|pattern| action_matches(pattern, action))
            && !carved_out
                .iter()
                .any(|pattern| action_matches(pattern, action))
    }
}

/// A built-in role definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltInRole {
    /// The role definition's GUID (the same in every tenant).
    pub id: &'static str,
    /// The role name (`roleName`).
    pub name: &'static str,
    /// Azure's description of the role.
    pub description: &'static str,
    /// The permission blocks.
    pub permissions: &'static [Permission],
}

impl BuiltInRole {
    /// Whether any permission block of the role allows `action` of kind `kind`.
    pub fn permits(&self, action: &str, kind: PermissionKind) -> bool {
        self.permissions
            .iter()
            .any(|permission| permission.permits(action, kind))
    }
}

/// Owner's role definition id.
pub const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
/// Contributor's role definition id.
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
/// Reader's role definition id.
pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
/// User Access Administrator's role definition id.
pub const USER_ACCESS_ADMINISTRATOR: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
/// Role Based Access Control Administrator's role definition id.
pub const ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR: &str = "f58310d9-a9f6-439a-9e8d-f62e7b41a168";
/// Managed Identity Operator's role definition id.
pub const MANAGED_IDENTITY_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";
/// Key Vault Administrator's role definition id.
pub const KEY_VAULT_ADMINISTRATOR: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
/// Key Vault Secrets Officer's role definition id.
pub const KEY_VAULT_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
/// Key Vault Secrets User's role definition id.
pub const KEY_VAULT_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
/// Storage Blob Data Reader's role definition id.
pub const STORAGE_BLOB_DATA_READER: &str = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

const NONE: &[&str] = &[];

/// The management actions the Key Vault data roles carry besides their data actions.
const KEY_VAULT_DATA_ROLE_ACTIONS: &[&str] = &[
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
    "Microsoft.KeyVault/checkNameAvailability/read",
    "Microsoft.KeyVault/deletedVaults/read",
    "Microsoft.KeyVault/locations/*/read",
    "Microsoft.KeyVault/vaults/*/read",
    "Microsoft.KeyVault/operations/read",
];

/// Every built-in role azsim knows.
pub const BUILT_IN_ROLES: &[BuiltInRole] = &[
    BuiltInRole {
        id: OWNER,
        name: "Owner",
        description: "Grants full access to manage all resources, including the ability to \
                      assign roles in Azure RBAC.",
        permissions: &[Permission {
            actions: &["*"],
            not_actions: NONE,
            data_actions: NONE,
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: CONTRIBUTOR,
        name: "Contributor",
        description: "Grants full access to manage all resources, but does not allow you to \
                      assign roles in Azure RBAC, manage assignments in Azure Blueprints, or \
                      share image galleries.",
        permissions: &[Permission {
            actions: &["*"],
            not_actions: &[
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
                "Microsoft.Purview/consents/write",
                "Microsoft.Purview/consents/delete",
            ],
            data_actions: NONE,
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: READER,
        name: "Reader",
        description: "View all resources, but does not allow you to make any changes.",
        permissions: &[Permission {
            actions: &["*/read"],
            not_actions: NONE,
            data_actions: NONE,
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: USER_ACCESS_ADMINISTRATOR,
        name: "User Access Administrator",
        description: "Lets you manage user access to Azure resources.",
        permissions: &[Permission {
            actions: &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
            not_actions: NONE,
            data_actions: NONE,
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR,
        name: "Role Based Access Control Administrator",
        description: "Manage access to Azure resources by assigning roles using Azure RBAC. \
                      This role does not allow you to manage access using other ways, such as \
                      Azure Policy.",
        permissions: &[Permission {
            actions: &[
                "Microsoft.Authorization/roleAssignments/write",
                "Microsoft.Authorization/roleAssignments/delete",
                "*/read",
                "Microsoft.Support/*",
            ],
            not_actions: NONE,
            data_actions: NONE,
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: MANAGED_IDENTITY_OPERATOR,
        name: "Managed Identity Operator",
        description: "Read and Assign User Assigned Identity",
        permissions: &[Permission {
            actions: &[
                "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
                "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
                "Microsoft.Authorization/*/read",
                "Microsoft.Insights/alertRules/*",
                "Microsoft.Resources/subscriptions/resourceGroups/read",
                "Microsoft.Resources/deployments/*",
                "Microsoft.Support/*",
            ],
            not_actions: NONE,
            data_actions: NONE,
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: KEY_VAULT_ADMINISTRATOR,
        name: "Key Vault Administrator",
        description: "Perform all data plane operations on a key vault and all objects in it, \
                      including certificates, keys, and secrets. Cannot manage key vault \
                      resources or manage role assignments. Only works for key vaults that use \
                      the 'Azure role-based access control' permission model.",
        permissions: &[Permission {
            actions: KEY_VAULT_DATA_ROLE_ACTIONS,
            not_actions: NONE,
            data_actions: &["Microsoft.KeyVault/vaults/*"],
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: KEY_VAULT_SECRETS_OFFICER,
        name: "Key Vault Secrets Officer",
        description: "Perform any action on the secrets of a key vault, except manage \
                      permissions. Only works for key vaults that use the 'Azure role-based \
                      access control' permission model.",
        permissions: &[Permission {
            actions: KEY_VAULT_DATA_ROLE_ACTIONS,
            not_actions: NONE,
            data_actions: &["Microsoft.KeyVault/vaults/secrets/*"],
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: KEY_VAULT_SECRETS_USER,
        name: "Key Vault Secrets User",
        description: "Read secret contents. Only works for key vaults that use the 'Azure \
                      role-based access control' permission model.",
        permissions: &[Permission {
            actions: NONE,
            not_actions: NONE,
            data_actions: &[
                "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            ],
            not_data_actions: NONE,
        }],
    },
    BuiltInRole {
        id: STORAGE_BLOB_DATA_READER,
        name: "Storage Blob Data Reader",
        description: "Allows for read access to Azure Storage blob containers and data",
        permissions: &[Permission {
            actions: &[
                "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
            ],
            not_actions: NONE,
            data_actions: &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
            not_data_actions: NONE,
        }],
    },
];

/// The built-in role with GUID `id` (any casing).
pub fn built_in_role(id: &str) -> Option<&'static BuiltInRole> {
    BUILT_IN_ROLES
        .iter()
        .find(|role| role.id.eq_ignore_ascii_case(id))
}

/// The built-in role named `name` (any casing).
pub fn built_in_role_by_name(name: &str) -> Option<&'static BuiltInRole> {
    BUILT_IN_ROLES
        .iter()
        .find(|role| role.name.eq_ignore_ascii_case(name))
}

/// The built-in role that `name_or_id` names: a role name, a GUID, or a role definition id
/// at any scope. What a command line `--role` accepts.
pub fn resolve_role(name_or_id: &str) -> Option<&'static BuiltInRole> {
    built_in_role_by_name(name_or_id).or_else(|| {
        role_definition_guid(name_or_id)
            .ok()
            .and_then(|guid| built_in_role(&guid))
    })
}

/// The role definition GUID (lower case) in `value`: a bare GUID, or a role definition id at
/// any scope (`/providers/...`, `/subscriptions/{s}/providers/...`).
/// [`RbacError::InvalidRoleDefinitionId`] otherwise. It need not exist.
pub fn role_definition_guid(value: &str) -> Result<String, RbacError> {
    let invalid = || RbacError::InvalidRoleDefinitionId {
        value: value.to_owned(),
    };
    // A value that is not an id at all may still be a bare GUID.
    let candidate = match ResourceId::parse(value) {
        Ok(id) => split_role_definition_id(&id)
            .map(|(_, guid)| guid)
            .ok_or_else(invalid)?,
        Err(_) => value.to_owned(),
    };
    uuid::Uuid::parse_str(&candidate)
        .ok()
        // Only the hyphenated form: ids are always written that way.
        .filter(|_| candidate.len() == 36)
        .map(|guid| guid.to_string())
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_holds_the_roles_the_simulator_needs_with_unique_ids_and_names() {
        for name in [
            "Owner",
            "Contributor",
            "Reader",
            "User Access Administrator",
            "Managed Identity Operator",
            "Key Vault Secrets User",
            "Key Vault Secrets Officer",
            "Key Vault Administrator",
            "Storage Blob Data Reader",
        ] {
            assert!(built_in_role_by_name(name).is_some(), "{name}");
        }
        for (index, role) in BUILT_IN_ROLES.iter().enumerate() {
            assert!(uuid::Uuid::parse_str(role.id).is_ok(), "{}", role.name);
            assert_eq!(role.id, role.id.to_lowercase());
            for other in &BUILT_IN_ROLES[index + 1..] {
                assert_ne!(role.id, other.id);
                assert_ne!(role.name, other.name);
            }
        }
    }

    #[test]
    fn roles_resolve_by_name_guid_or_full_id_in_any_case() {
        assert_eq!(
            resolve_role("key vault secrets user").map(|r| r.id),
            Some(KEY_VAULT_SECRETS_USER)
        );
        assert_eq!(
            resolve_role(&READER.to_uppercase()).map(|r| r.name),
            Some("Reader")
        );
        assert_eq!(
            resolve_role(
                "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
            )
            .map(|r| r.name),
            Some("Owner")
        );
        assert_eq!(resolve_role("Janitor"), None);
        assert_eq!(resolve_role("00000000-0000-0000-0000-000000000000"), None);
    }

    #[test]
    fn role_definition_guid_accepts_guid_and_ids_only() {
        assert_eq!(
            role_definition_guid(&READER.to_uppercase()).unwrap(),
            READER
        );
        assert_eq!(
            role_definition_guid(&format!(
                "/providers/Microsoft.Authorization/roleDefinitions/{READER}"
            ))
            .unwrap(),
            READER
        );
        for bad in [
            "",
            "Reader",
            "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/x",
            "acdd72a733854 8efbd42f606fba81ae7",
        ] {
            assert!(
                matches!(
                    role_definition_guid(bad).unwrap_err(),
                    RbacError::InvalidRoleDefinitionId { .. }
                ),
                "{bad}"
            );
        }
    }
}
