//! Role definitions as ARM shows them (`Microsoft.Authorization/roleDefinitions`), readable
//! at any scope: `{scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`.

use serde::{Deserialize, Serialize};

use crate::RbacError;
use crate::filter::RoleDefinitionFilter;
use crate::roles::{BUILT_IN_ROLES, BuiltInRole, Permission, built_in_role};
use crate::scope::{role_definition_id_at, split_role_definition_id, validate_scope};

/// The `type` of a role definition resource.
pub const ROLE_DEFINITION_TYPE: &str = "Microsoft.Authorization/roleDefinitions";

/// A role definition resource, serialised exactly as ARM returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinition {
    /// The full id, at the subscription of the scope it was read at.
    pub id: String,
    /// The role definition GUID.
    pub name: String,
    /// Always [`ROLE_DEFINITION_TYPE`].
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The definition.
    pub properties: RoleDefinitionProperties,
}

/// The `properties` of a role definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinitionProperties {
    /// The role name.
    pub role_name: String,
    /// `BuiltInRole` (all roles here) or `CustomRole`.
    #[serde(rename = "type")]
    pub role_type: String,
    /// The description.
    pub description: String,
    /// Where the role may be assigned: `["/"]` for built-in roles.
    pub assignable_scopes: Vec<String>,
    /// The permission blocks.
    pub permissions: Vec<RoleDefinitionPermission>,
    /// When the definition was created; not recorded for built-in roles.
    pub created_on: Option<String>,
    /// When the definition was last changed; not recorded for built-in roles.
    pub updated_on: Option<String>,
    /// Who created it; none for built-in roles.
    pub created_by: Option<String>,
    /// Who last changed it; none for built-in roles.
    pub updated_by: Option<String>,
}

/// One permission block of a role definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinitionPermission {
    /// Management action patterns allowed.
    pub actions: Vec<String>,
    /// Management action patterns carved out of `actions`.
    pub not_actions: Vec<String>,
    /// Data action patterns allowed.
    pub data_actions: Vec<String>,
    /// Data action patterns carved out of `data_actions`.
    pub not_data_actions: Vec<String>,
}

/// A page of role definitions: `{"value": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinitionList {
    /// The definitions.
    pub value: Vec<RoleDefinition>,
}

impl RoleDefinition {
    /// The ARM resource of a built-in role, as read at `scope`.
    pub fn built_in(role: &BuiltInRole, scope: &str) -> Self {
        Self {
            id: role_definition_id_at(scope, role.id),
            name: role.id.to_owned(),
            resource_type: ROLE_DEFINITION_TYPE.to_owned(),
            properties: RoleDefinitionProperties {
                role_name: role.name.to_owned(),
                role_type: "BuiltInRole".to_owned(),
                description: role.description.to_owned(),
                assignable_scopes: vec!["/".to_owned()],
                permissions: role.permissions.iter().map(permission_json).collect(),
                created_on: None,
                updated_on: None,
                created_by: None,
                updated_by: None,
            },
        }
    }
}

fn permission_json(permission: &Permission) -> RoleDefinitionPermission {
    let strings = |patterns: &[&str]| patterns.iter().map(|&p| p.to_owned()).collect();
    RoleDefinitionPermission {
        actions: strings(permission.actions),
        not_actions: strings(permission.not_actions),
        data_actions: strings(permission.data_actions),
        not_data_actions: strings(permission.not_data_actions),
    }
}

/// The role definition GUID (lower case) in `value`: a bare GUID, or a role definition id at
/// any scope (`/providers/...`, `/subscriptions/{s}/providers/...`).
/// [`RbacError::InvalidRoleDefinitionId`] otherwise. It need not exist.
pub fn role_definition_guid(value: &str) -> Result<String, RbacError> {
    let invalid = || RbacError::InvalidRoleDefinitionId {
        value: value.to_owned(),
    };
    let candidate = match split_role_definition_id(value) {
        Some((scope, guid)) => {
            validate_scope(&scope).map_err(|_| invalid())?;
            guid
        }
        None => value.to_owned(),
    };
    uuid::Uuid::parse_str(&candidate)
        .ok()
        // Only the hyphenated form: ids are always written that way.
        .filter(|_| candidate.len() == 36)
        .map(|guid| guid.to_string())
        .ok_or_else(invalid)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`: the definition,
/// where `id` is the GUID (or a full role definition id).
pub fn role_definition_view(scope: &str, id: &str) -> Result<RoleDefinition, RbacError> {
    validate_scope(scope)?;
    let guid = role_definition_guid(id)?;
    built_in_role(&guid)
        .map(|role| RoleDefinition::built_in(role, scope))
        .ok_or(RbacError::RoleDefinitionNotFound {
            role_definition_id: guid,
        })
}

/// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=...]`: the
/// definitions matching `filter` (see [`RoleDefinitionFilter`]), in catalogue order.
pub fn role_definition_list(
    scope: &str,
    filter: Option<&str>,
) -> Result<Vec<RoleDefinition>, RbacError> {
    validate_scope(scope)?;
    let filter = RoleDefinitionFilter::parse(filter)?;
    // Every role here is built in: a filter on custom roles matches nothing.
    let type_matches = filter
        .role_type
        .as_deref()
        .is_none_or(|kind| kind.eq_ignore_ascii_case("BuiltInRole"));
    Ok(BUILT_IN_ROLES
        .iter()
        .filter(|_| type_matches)
        .filter(|role| {
            filter
                .role_name
                .as_deref()
                .is_none_or(|name| role.name.eq_ignore_ascii_case(name))
        })
        .map(|role| RoleDefinition::built_in(role, scope))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::{CONTRIBUTOR, KEY_VAULT_SECRETS_USER, READER};
    use serde_json::json;

    const RG: &str = "/subscriptions/5e1a0b7c-0000-4000-8000-000000000001/resourceGroups/rg";

    #[test]
    fn role_definition_serialises_to_the_arm_shape() {
        let definition = role_definition_view(RG, KEY_VAULT_SECRETS_USER).unwrap();
        assert_eq!(
            serde_json::to_value(&definition).unwrap(),
            json!({
                "id": "/subscriptions/5e1a0b7c-0000-4000-8000-000000000001/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
                "name": "4633458b-17de-408a-b874-0445c86b69e6",
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": "Key Vault Secrets User",
                    "type": "BuiltInRole",
                    "description": "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
                    "assignableScopes": ["/"],
                    "permissions": [{
                        "actions": [],
                        "notActions": [],
                        "dataActions": [
                            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                            "Microsoft.KeyVault/vaults/secrets/readMetadata/action"
                        ],
                        "notDataActions": []
                    }],
                    "createdOn": null,
                    "updatedOn": null,
                    "createdBy": null,
                    "updatedBy": null
                }
            })
        );
    }

    #[test]
    fn role_definitions_are_readable_at_any_scope() {
        let at_root = role_definition_view("/", READER).unwrap();
        assert_eq!(
            at_root.id,
            "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
        );
        let secret = format!("{RG}/providers/Microsoft.KeyVault/vaults/kv/secrets/s");
        let at_secret = role_definition_view(&secret, &READER.to_uppercase()).unwrap();
        assert_eq!(at_secret.properties.role_name, "Reader");
        assert!(
            at_secret
                .id
                .starts_with("/subscriptions/5e1a0b7c-0000-4000-8000-000000000001/providers/")
        );
        let by_full_id = role_definition_view(RG, &at_secret.id).unwrap();
        assert_eq!(by_full_id, role_definition_view(RG, READER).unwrap());
    }

    #[test]
    fn unknown_role_definition_is_404_and_malformed_is_400() {
        let missing = role_definition_view(RG, "00000000-0000-0000-0000-000000000000").unwrap_err();
        assert_eq!(missing.code(), "RoleDefinitionDoesNotExist");
        assert_eq!(missing.status(), http::StatusCode::NOT_FOUND);
        let malformed = role_definition_view(RG, "not-a-guid").unwrap_err();
        assert_eq!(malformed.code(), "InvalidRoleDefinitionId");
        assert_eq!(malformed.status(), http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn role_definition_list_filters_by_name_ignoring_case() {
        let all = role_definition_list(RG, None).unwrap();
        assert_eq!(all.len(), BUILT_IN_ROLES.len());
        let contributor = role_definition_list(RG, Some("roleName eq 'contributor'")).unwrap();
        assert_eq!(contributor.len(), 1);
        assert_eq!(contributor[0].name, CONTRIBUTOR);
        assert_eq!(
            contributor[0].properties.permissions[0].not_actions.len(),
            8
        );
        assert!(
            role_definition_list(RG, Some("roleName eq 'Janitor'"))
                .unwrap()
                .is_empty()
        );
        assert!(
            role_definition_list(RG, Some("type eq 'CustomRole'"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            role_definition_list(RG, Some("type eq 'BuiltInRole'"))
                .unwrap()
                .len(),
            all.len()
        );
        let list = serde_json::to_value(RoleDefinitionList { value: contributor }).unwrap();
        assert_eq!(list["value"][0]["properties"]["roleName"], "Contributor");
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
            assert_eq!(
                role_definition_guid(bad).unwrap_err().code(),
                "InvalidRoleDefinitionId",
                "{bad}"
            );
        }
    }
}
