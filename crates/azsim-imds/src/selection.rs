//! Which of a VM's identities a token request gets (the rules of the real service).

use crate::model::{IdentityCredential, IdentityKind};

/// How a token request names the identity it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySelector {
    /// Nothing named: the VM's default identity.
    Default,
    /// `client_id=`: the identity's client (application) id.
    ClientId(String),
    /// `object_id=`: the identity's service-principal object id.
    ObjectId(String),
    /// `msi_res_id=`: the identity's ARM resource id.
    ResourceId(String),
}

/// Why no identity could be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// More than one of `client_id`, `object_id` and `msi_res_id` was given.
    #[error("more than one of client_id, object_id and msi_res_id was given")]
    ConflictingSelectors,
    /// The VM has no identity, or none matching the selector.
    #[error("identity not found")]
    NotFound,
    /// Nothing was named, there is no system-assigned identity and several user-assigned ones.
    #[error("several user-assigned identities and none named")]
    MultipleUserAssigned,
}

impl IdentitySelector {
    /// The selector of a request from its optional `client_id`, `object_id` and `msi_res_id`.
    ///
    /// The three are mutually exclusive, as the service documents.
    pub fn from_parameters(
        client_id: Option<&str>,
        object_id: Option<&str>,
        msi_res_id: Option<&str>,
    ) -> Result<Self, SelectionError> {
        match (client_id, object_id, msi_res_id) {
            (None, None, None) => Ok(Self::Default),
            (Some(client_id), None, None) => Ok(Self::ClientId(client_id.to_owned())),
            (None, Some(object_id), None) => Ok(Self::ObjectId(object_id.to_owned())),
            (None, None, Some(resource_id)) => Ok(Self::ResourceId(resource_id.to_owned())),
            _ => Err(SelectionError::ConflictingSelectors),
        }
    }
}

/// Picks the identity a request gets.
///
/// Ids are GUIDs and ARM ids, both case-insensitive, so every comparison ignores ASCII case.
/// With no selector the system-assigned identity wins; without one, a single user-assigned
/// identity is the default, and several are an error.
pub fn select_identity<'a>(
    identities: &'a [IdentityCredential],
    selector: &IdentitySelector,
) -> Result<&'a IdentityCredential, SelectionError> {
    let matching = |wanted: &str, field: fn(&IdentityCredential) -> &str| {
        identities
            .iter()
            .find(|identity| field(identity).eq_ignore_ascii_case(wanted))
            .ok_or(SelectionError::NotFound)
    };
    match selector {
        IdentitySelector::ClientId(client_id) => {
            matching(client_id, |identity| &identity.client_id)
        }
        IdentitySelector::ObjectId(object_id) => {
            matching(object_id, |identity| &identity.object_id)
        }
        IdentitySelector::ResourceId(resource_id) => {
            matching(resource_id, |identity| &identity.resource_id)
        }
        IdentitySelector::Default => {
            if let Some(system) = identities
                .iter()
                .find(|identity| identity.kind == IdentityKind::SystemAssigned)
            {
                return Ok(system);
            }
            let mut user_assigned = identities
                .iter()
                .filter(|identity| identity.kind == IdentityKind::UserAssigned);
            match (user_assigned.next(), user_assigned.next()) {
                (Some(only), None) => Ok(only),
                (Some(_), Some(_)) => Err(SelectionError::MultipleUserAssigned),
                (None, _) => Err(SelectionError::NotFound),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(kind: IdentityKind, n: u8) -> IdentityCredential {
        IdentityCredential {
            kind,
            client_id: format!("0000000{n}-aaaa-4aaa-8aaa-00000000000{n}"),
            object_id: format!("0000000{n}-bbbb-4bbb-8bbb-00000000000{n}"),
            resource_id: format!(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id{n}"
            ),
            tenant_id: "tenant".to_owned(),
            certificate_pem: String::new(),
            private_key_pem: String::new(),
        }
    }

    #[test]
    fn system_assigned_identity_is_the_default() {
        let identities = [
            identity(IdentityKind::UserAssigned, 1),
            identity(IdentityKind::SystemAssigned, 2),
            identity(IdentityKind::UserAssigned, 3),
        ];
        let chosen = select_identity(&identities, &IdentitySelector::Default).unwrap();
        assert_eq!(chosen, &identities[1]);
    }

    #[test]
    fn single_user_assigned_identity_is_the_default_without_system_identity() {
        let identities = [identity(IdentityKind::UserAssigned, 1)];
        let chosen = select_identity(&identities, &IdentitySelector::Default).unwrap();
        assert_eq!(chosen, &identities[0]);
    }

    #[test]
    fn several_user_assigned_identities_need_a_selector() {
        let identities = [
            identity(IdentityKind::UserAssigned, 1),
            identity(IdentityKind::UserAssigned, 2),
        ];
        assert_eq!(
            select_identity(&identities, &IdentitySelector::Default),
            Err(SelectionError::MultipleUserAssigned)
        );
    }

    #[test]
    fn no_identity_is_not_found() {
        assert_eq!(
            select_identity(&[], &IdentitySelector::Default),
            Err(SelectionError::NotFound)
        );
    }

    #[test]
    fn client_id_selects_that_identity_ignoring_case() {
        let identities = [
            identity(IdentityKind::SystemAssigned, 1),
            identity(IdentityKind::UserAssigned, 2),
        ];
        let selector = IdentitySelector::ClientId(identities[1].client_id.to_uppercase());
        assert_eq!(
            select_identity(&identities, &selector).unwrap(),
            &identities[1]
        );
    }

    #[test]
    fn object_id_selects_that_identity() {
        let identities = [
            identity(IdentityKind::UserAssigned, 1),
            identity(IdentityKind::UserAssigned, 2),
        ];
        let selector = IdentitySelector::ObjectId(identities[0].object_id.clone());
        assert_eq!(
            select_identity(&identities, &selector).unwrap(),
            &identities[0]
        );
    }

    #[test]
    fn resource_id_is_compared_case_insensitively() {
        let identities = [
            identity(IdentityKind::UserAssigned, 1),
            identity(IdentityKind::UserAssigned, 2),
        ];
        let selector = IdentitySelector::ResourceId(
            identities[1]
                .resource_id
                .to_lowercase()
                .replace("resourcegroups", "RESOURCEGROUPS"),
        );
        assert_eq!(
            select_identity(&identities, &selector).unwrap(),
            &identities[1]
        );
    }

    #[test]
    fn unknown_client_id_is_not_found_even_with_a_system_identity() {
        let identities = [identity(IdentityKind::SystemAssigned, 1)];
        let selector = IdentitySelector::ClientId("11111111-2222-4333-8444-555555555555".into());
        assert_eq!(
            select_identity(&identities, &selector),
            Err(SelectionError::NotFound)
        );
    }

    #[test]
    fn two_selectors_conflict() {
        assert_eq!(
            IdentitySelector::from_parameters(Some("a"), None, Some("b")),
            Err(SelectionError::ConflictingSelectors)
        );
        assert_eq!(
            IdentitySelector::from_parameters(Some("a"), Some("b"), Some("c")),
            Err(SelectionError::ConflictingSelectors)
        );
        assert_eq!(
            IdentitySelector::from_parameters(None, Some("b"), None),
            Ok(IdentitySelector::ObjectId("b".into()))
        );
        assert_eq!(
            IdentitySelector::from_parameters(None, None, None),
            Ok(IdentitySelector::Default)
        );
    }
}
