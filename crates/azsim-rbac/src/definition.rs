//! Role definitions as ARM shows them (`Microsoft.Authorization/roleDefinitions`), readable
//! at any scope: `{scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`.

use azsim_core::ResourceId;
use serde::{Deserialize, Serialize};

use crate::RbacError;
use crate::filter::RoleDefinitionFilter;
use crate::roles::{BUILT_IN_ROLES, BuiltInRole, Permission, built_in_role, role_definition_guid};
use crate::scope::role_definition_id_at;

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
    pub fn built_in(role: &BuiltInRole, scope: &ResourceId) -> Self {
        Self {
            id: role_definition_id_at(scope, role.id).to_string(),
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

/// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`: the definition,
/// where `id` is the GUID (or a full role definition id).
pub fn role_definition_view(scope: &ResourceId, id: &str) -> Result<RoleDefinition, RbacError> {
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
    scope: &ResourceId,
    filter: Option<&str>,
) -> Result<Vec<RoleDefinition>, RbacError> {
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

    const RG_TEXT: &str = "/subscriptions/5e1a0b7c-0000-4000-8000-000000000001/resourceGroups/rg";

    fn scope(text: &str) -> ResourceId {
        ResourceId::parse(text).unwrap()
    }

    #[test]
    fn role_definition_serialises_to_the_arm_shape() {
        let definition = role_definition_view(&scope(RG_TEXT), KEY_VAULT_SECRETS_USER).unwrap();
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
        let at_root = role_definition_view(&ResourceId::root(), READER).unwrap();
        assert_eq!(
            at_root.id,
            "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
        );
        let secret = scope(&format!(
            "{RG_TEXT}/providers/Microsoft.KeyVault/vaults/kv/secrets/s"
        ));
        let at_secret = role_definition_view(&secret, &READER.to_uppercase()).unwrap();
        assert_eq!(at_secret.properties.role_name, "Reader");
        assert!(
            at_secret
                .id
                .starts_with("/subscriptions/5e1a0b7c-0000-4000-8000-000000000001/providers/")
        );
        let by_full_id = role_definition_view(&scope(RG_TEXT), &at_secret.id).unwrap();
        assert_eq!(
            by_full_id,
            role_definition_view(&scope(RG_TEXT), READER).unwrap()
        );
    }

    #[test]
    fn unknown_role_definition_is_404_and_malformed_is_400() {
        let missing = role_definition_view(&scope(RG_TEXT), "00000000-0000-0000-0000-000000000000")
            .unwrap_err();
        assert!(matches!(missing, RbacError::RoleDefinitionNotFound { .. }));
        let malformed = role_definition_view(&scope(RG_TEXT), "not-a-guid").unwrap_err();
        assert!(matches!(
            malformed,
            RbacError::InvalidRoleDefinitionId { .. }
        ));
    }

    #[test]
    fn role_definition_list_filters_by_name_ignoring_case() {
        let all = role_definition_list(&scope(RG_TEXT), None).unwrap();
        assert_eq!(all.len(), BUILT_IN_ROLES.len());
        let contributor =
            role_definition_list(&scope(RG_TEXT), Some("roleName eq 'contributor'")).unwrap();
        assert_eq!(contributor.len(), 1);
        assert_eq!(contributor[0].name, CONTRIBUTOR);
        assert_eq!(
            contributor[0].properties.permissions[0].not_actions.len(),
            8
        );
        assert!(
            role_definition_list(&scope(RG_TEXT), Some("roleName eq 'Janitor'"))
                .unwrap()
                .is_empty()
        );
        assert!(
            role_definition_list(&scope(RG_TEXT), Some("type eq 'CustomRole'"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            role_definition_list(&scope(RG_TEXT), Some("type eq 'BuiltInRole'"))
                .unwrap()
                .len(),
            all.len()
        );
        let list = serde_json::to_value(RoleDefinitionList { value: contributor }).unwrap();
        assert_eq!(list["value"][0]["properties"]["roleName"], "Contributor");
    }
}
