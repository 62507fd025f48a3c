//! The RBAC error type: why an operation was refused, in the service's own words.
//!
//! No HTTP here: the resource API maps each variant to its ARM code and status in its one
//! error table.

/// Why a role-based access control operation failed.
///
/// `Display` is the message the real service gives (exact text where it is known). The
/// message of [`RbacError::Store`] is generic: database detail stays in the source chain, for
/// logs.
#[derive(Debug, thiserror::Error)]
pub enum RbacError {
    /// The same role is already assigned to the same principal at the same scope, under
    /// another assignment name.
    #[error("The role assignment already exists.")]
    RoleAssignmentExists,
    /// An assignment with this name exists with another principal, role or scope: assignments
    /// cannot be changed, only deleted and created again.
    #[error("Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")]
    RoleAssignmentUpdateNotPermitted,
    /// The principal is not in the directory that the scope's subscription trusts.
    #[error(
        "Principal {principal_id} does not exist in the directory {tenant_id}. Check that you \
         have the correct principal ID. If you are creating this principal and then \
         immediately assigning a role, this error might be related to a replication delay. In \
         this case, set the role assignment principalType property to a value, such as \
         ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype"
    )]
    PrincipalNotFound {
        /// The principal id the caller gave.
        principal_id: String,
        /// The directory (tenant) that was searched.
        tenant_id: String,
    },
    /// A role assignment names a role definition that does not exist.
    #[error("The specified role definition with ID '{role_definition_id}' does not exist.")]
    RoleDefinitionDoesNotExist {
        /// The role definition GUID.
        role_definition_id: String,
    },
    /// A role definition that was asked for does not exist (the same code, as a 404).
    #[error("The specified role definition with ID '{role_definition_id}' does not exist.")]
    RoleDefinitionNotFound {
        /// The role definition GUID.
        role_definition_id: String,
    },
    /// A role definition id is neither a GUID nor a role definition resource id.
    #[error("The role definition ID '{value}' is not valid.")]
    InvalidRoleDefinitionId {
        /// What the caller gave.
        value: String,
    },
    /// A role assignment's name is not a GUID.
    #[error("The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.")]
    InvalidRoleAssignmentId {
        /// What the caller gave.
        name: String,
    },
    /// The body's `properties.scope` is not the scope of the request URI (compared as
    /// resource ids). Azure's code and text: `InvalidCreateRoleAssignmentRequest`, as quoted
    /// in azure-quickstart-templates#5497.
    #[error(
        "The request to create role assignment '{name}' is not valid. Role assignment scope \
         '{scope}' must match the scope specified on the URI '{uri_scope}'."
    )]
    RoleAssignmentScopeMismatch {
        /// The assignment's name.
        name: String,
        /// The scope the body gave.
        scope: String,
        /// The scope of the URI.
        uri_scope: String,
    },
    /// The principal id is missing or not a GUID.
    #[error("A valid principal ID must be provided for role assignment.")]
    InvalidPrincipalId,
    /// No role assignment with this name exists at this scope.
    #[error("The role assignment '{name}' is not found.")]
    RoleAssignmentNotFound {
        /// The assignment name asked for.
        name: String,
    },
    /// A scope is not a resource id.
    #[error("The scope '{scope}' is not valid.")]
    InvalidScope {
        /// What the caller gave.
        scope: String,
    },
    /// A `$filter` on role assignments that the service does not support.
    #[error(
        "The filter '{filter}' is not supported. Supported filters are either 'atScope()' or \
         'principalId eq '{{value}}'' or 'assignedTo('{{value}}')'."
    )]
    UnsupportedRoleAssignmentFilter {
        /// The filter as given.
        filter: String,
    },
    /// A `$filter` on role definitions that the service does not support.
    #[error(
        "The filter '{filter}' is not supported. Supported filters are 'roleName eq \
         '{{value}}'' and 'type eq '{{BuiltInRole|CustomRole}}''."
    )]
    UnsupportedRoleDefinitionFilter {
        /// The filter as given.
        filter: String,
    },
    /// The store failed (an internal error).
    #[error("an internal error occurred while processing role-based access control")]
    Store(#[source] azsim_store::StoreError),
    /// What the store holds breaks a rule the code relies on (an internal error).
    #[error("stored role-based access control data is inconsistent: {what}")]
    Inconsistent {
        /// What was found.
        what: String,
    },
}

impl RbacError {
    /// Whether this is an internal failure (to log with its source) rather than a refusal of
    /// the caller's request.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Store(_) | Self::Inconsistent { .. })
    }
}

impl From<azsim_store::StoreError> for RbacError {
    fn from(error: azsim_store::StoreError) -> Self {
        Self::Store(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_have_the_real_messages() {
        let exists = RbacError::RoleAssignmentExists;
        assert_eq!(exists.to_string(), "The role assignment already exists.");

        let update = RbacError::RoleAssignmentUpdateNotPermitted;
        assert_eq!(
            update.to_string(),
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."
        );
    }

    #[test]
    fn principal_not_found_message_contains_what_clients_retry_on() {
        let error = RbacError::PrincipalNotFound {
            principal_id: "p-1".to_owned(),
            tenant_id: "t-1".to_owned(),
        };
        let message = error.to_string();
        assert!(message.starts_with("Principal p-1 does not exist in the directory t-1. "));
        // The CLI retries while the message contains exactly this.
        assert!(message.contains(" does not exist in the directory "));
        assert!(message.ends_with("Group.  See https://aka.ms/docs-principaltype"));
    }

    #[test]
    fn role_definition_errors_share_a_message() {
        let on_create = RbacError::RoleDefinitionDoesNotExist {
            role_definition_id: "g".to_owned(),
        };
        let on_read = RbacError::RoleDefinitionNotFound {
            role_definition_id: "g".to_owned(),
        };
        assert_eq!(on_create.to_string(), on_read.to_string());
        assert_eq!(
            on_read.to_string(),
            "The specified role definition with ID 'g' does not exist."
        );
    }

    #[test]
    fn store_failures_are_internal_and_do_not_print_their_source() {
        let error = RbacError::from(azsim_store::StoreError::Corrupt("secret detail".to_owned()));
        assert!(error.is_internal());
        assert!(!error.to_string().contains("secret detail"));
    }
}
