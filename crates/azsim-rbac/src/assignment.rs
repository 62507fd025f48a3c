//! Role assignments as ARM shows and accepts them (`Microsoft.Authorization/roleAssignments`).

use azsim_core::ResourceId;
use azsim_store::role_assignments::StoredRoleAssignment;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::RbacError;
use crate::scope::role_definition_id_at;

/// The `type` of a role assignment resource.
pub const ROLE_ASSIGNMENT_TYPE: &str = "Microsoft.Authorization/roleAssignments";

/// What a caller sends to create a role assignment: the `properties` of the PUT body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    /// The role: a GUID or a role definition id at any scope.
    pub role_definition_id: String,
    /// The principal's object id.
    pub principal_id: String,
    /// `User`, `Group`, `ServicePrincipal`, ...; ignored, the directory decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_type: Option<String>,
    /// A free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The scope, when the body names it: it must be the URI's, which is where the assignment
    /// is made (the scope always comes from the URI's parsed id, never from this text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// The PUT body of a role assignment: `{"properties": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignmentCreateParameters {
    /// The properties.
    pub properties: RoleAssignmentProperties,
}

/// A role assignment resource, serialised exactly as ARM returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// The full id: `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
    pub id: String,
    /// The assignment's name (a GUID).
    pub name: String,
    /// Always [`ROLE_ASSIGNMENT_TYPE`].
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The assignment.
    pub properties: RoleAssignmentPropertiesWithScope,
}

/// The `properties` of a role assignment as ARM returns them; absent values are `null`, as
/// the real service sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentPropertiesWithScope {
    /// The role definition's full id at the subscription of the scope.
    pub role_definition_id: String,
    /// The principal's object id.
    pub principal_id: String,
    /// The principal's type as recorded at creation (`ServicePrincipal` for applications and
    /// managed identities). Kept after the principal is deleted, as the REST API does.
    pub principal_type: String,
    /// The scope, with the casing given at creation.
    pub scope: String,
    /// An ABAC condition; never set here.
    pub condition: Option<String>,
    /// The condition language version; never set here.
    pub condition_version: Option<String>,
    /// When it was created (RFC 3339, UTC).
    pub created_on: String,
    /// When it was last written (RFC 3339, UTC).
    pub updated_on: String,
    /// The object id of the caller that created it.
    pub created_by: Option<String>,
    /// The object id of the caller that last wrote it.
    pub updated_by: Option<String>,
    /// For cross-tenant delegation; never set here.
    pub delegated_managed_identity_resource_id: Option<String>,
    /// The description.
    pub description: Option<String>,
}

/// A page of role assignments: `{"value": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignmentList {
    /// The assignments.
    pub value: Vec<RoleAssignment>,
}

impl RoleAssignment {
    /// The ARM resource of a stored assignment.
    pub fn from_stored(stored: &StoredRoleAssignment) -> Result<Self, RbacError> {
        let scope = ResourceId::parse(&stored.scope).map_err(|_| RbacError::Inconsistent {
            what: format!("role assignment scope {}", stored.scope),
        })?;
        Ok(Self {
            id: stored.assignment_id.clone(),
            name: stored.name.clone(),
            resource_type: ROLE_ASSIGNMENT_TYPE.to_owned(),
            properties: RoleAssignmentPropertiesWithScope {
                role_definition_id: role_definition_id_at(&scope, &stored.role_definition_id)
                    .to_string(),
                principal_id: stored.principal_id.clone(),
                principal_type: stored.principal_type.clone(),
                scope: stored.scope.clone(),
                condition: None,
                condition_version: None,
                created_on: timestamp(stored.created_at)?,
                updated_on: timestamp(stored.updated_at)?,
                created_by: stored.created_by.clone(),
                updated_by: stored.updated_by.clone(),
                delegated_managed_identity_resource_id: None,
                description: stored.description.clone(),
            },
        })
    }
}

/// Unix seconds as ARM writes times (RFC 3339, UTC, `Z`).
fn timestamp(unix_seconds: i64) -> Result<String, RbacError> {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .ok_or_else(|| RbacError::Inconsistent {
            what: format!("role assignment time {unix_seconds}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn role_assignment_serialises_to_the_arm_shape() {
        let stored = StoredRoleAssignment {
            name: "05c5a614-a7d6-4502-b150-c2fb455033ff".to_owned(),
            assignment_id: "/subscriptions/S1/resourceGroups/testrg/providers/Microsoft.Authorization/roleAssignments/05c5a614-a7d6-4502-b150-c2fb455033ff".to_owned(),
            scope: "/subscriptions/S1/resourceGroups/testrg".to_owned(),
            scope_key: "/subscriptions/s1/resourcegroups/testrg".to_owned(),
            role_definition_id: "acdd72a7-3385-48ef-bd42-f606fba81ae7".to_owned(),
            principal_id: "ce2ce14e-85d7-4629-bdbc-454d0519d987".to_owned(),
            principal_type: "ServicePrincipal".to_owned(),
            description: None,
            created_at: 1_700_000_000,
            updated_at: 1_700_000_060,
            created_by: Some("a1".to_owned()),
            updated_by: Some("a1".to_owned()),
        };
        assert_eq!(
            serde_json::to_value(RoleAssignment::from_stored(&stored).unwrap()).unwrap(),
            json!({
                "id": "/subscriptions/S1/resourceGroups/testrg/providers/Microsoft.Authorization/roleAssignments/05c5a614-a7d6-4502-b150-c2fb455033ff",
                "name": "05c5a614-a7d6-4502-b150-c2fb455033ff",
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "roleDefinitionId": "/subscriptions/S1/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
                    "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987",
                    "principalType": "ServicePrincipal",
                    "scope": "/subscriptions/S1/resourceGroups/testrg",
                    "condition": null,
                    "conditionVersion": null,
                    "createdOn": "2023-11-14T22:13:20Z",
                    "updatedOn": "2023-11-14T22:14:20Z",
                    "createdBy": "a1",
                    "updatedBy": "a1",
                    "delegatedManagedIdentityResourceId": null,
                    "description": null
                }
            })
        );
    }

    #[test]
    fn put_body_parses_with_optional_fields_absent() {
        let body: RoleAssignmentCreateParameters = serde_json::from_value(json!({
            "properties": {
                "roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
                "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987"
            }
        }))
        .unwrap();
        assert_eq!(body.properties.principal_type, None);
        assert_eq!(body.properties.description, None);
    }
}
