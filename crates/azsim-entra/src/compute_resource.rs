//! The `xms_az_rid` claim: which compute resource a user-assigned identity's token is for.
//!
//! Azure's token service learns it from the managed-identity infrastructure that asks on the
//! VM's behalf. Here the metadata agent tells it in an azsim-internal form field of the token
//! request, [`COMPUTE_RESOURCE_FIELD`], which no real client sends. It is believed only from
//! a user-assigned identity's principal (whose certificate only the agents of its VMs hold),
//! and only when it is an ARM resource id; for any other principal it is ignored, as Azure
//! writes no `xms_az_rid` into system-assigned or application tokens.

use azsim_store::directory::{PrincipalType, ServicePrincipal};

use crate::aadsts;
use crate::form::TokenForm;
use crate::oauth_error::OAuthError;

/// The azsim-internal form field carrying the ARM id of the VM that asks for a token.
pub const COMPUTE_RESOURCE_FIELD: &str = "azsim_xms_az_rid";

/// The longest resource id accepted; ARM ids are far shorter.
const MAX_RESOURCE_ID_LENGTH: usize = 1024;

/// The `xms_az_rid` claim for a token of `principal`, from the request's form.
pub(crate) fn compute_resource_claim<'a>(
    principal: &ServicePrincipal,
    form: &'a TokenForm,
) -> Result<Option<&'a str>, OAuthError> {
    if !is_user_assigned_identity(principal) {
        return Ok(None);
    }
    let Some(resource_id) = form.get(COMPUTE_RESOURCE_FIELD) else {
        return Ok(None);
    };
    if is_resource_id(resource_id) {
        Ok(Some(resource_id))
    } else {
        Err(aadsts::invalid_parameter(COMPUTE_RESOURCE_FIELD))
    }
}

/// Whether the principal is a user-assigned identity's: its `xms_mirid` names one.
fn is_user_assigned_identity(principal: &ServicePrincipal) -> bool {
    const SEGMENT: &str = "/providers/microsoft.managedidentity/userassignedidentities/";
    principal.principal_type == PrincipalType::ManagedIdentity
        && principal
            .managed_identity_resource_id
            .as_deref()
            .is_some_and(|mirid| mirid.to_ascii_lowercase().contains(SEGMENT))
}

/// `/subscriptions/{id}/.../providers/...`, printable and without spaces.
fn is_resource_id(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.len() <= MAX_RESOURCE_ID_LENGTH
        && lower.starts_with("/subscriptions/")
        && lower.contains("/providers/")
        && value.chars().all(|character| character.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    const VM: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-a";

    fn principal(kind: PrincipalType, mirid: Option<&str>) -> ServicePrincipal {
        ServicePrincipal {
            object_id: "oid".into(),
            tenant_id: "tid".into(),
            app_id: "appid".into(),
            application_id: None,
            display_name: "p".into(),
            principal_type: kind,
            managed_identity_resource_id: mirid.map(str::to_owned),
            created_at: 0,
        }
    }

    fn form(resource_id: &str) -> TokenForm {
        let body = serde_urlencoded::to_string([(COMPUTE_RESOURCE_FIELD, resource_id)]).unwrap();
        TokenForm::parse(body.as_bytes())
    }

    #[test]
    fn user_assigned_identity_tokens_name_the_vm() {
        let uami = principal(
            PrincipalType::ManagedIdentity,
            Some(
                "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
            ),
        );
        assert_eq!(compute_resource_claim(&uami, &form(VM)).unwrap(), Some(VM));
        assert_eq!(
            compute_resource_claim(&uami, &TokenForm::parse(b"")).unwrap(),
            None
        );
        let error = compute_resource_claim(&uami, &form("vm-a")).unwrap_err();
        assert_eq!(error.aadsts, 90_100);
        assert!(compute_resource_claim(&uami, &form(&format!("{VM} x"))).is_err());
    }

    #[test]
    fn other_principals_never_get_the_claim() {
        let system = principal(PrincipalType::ManagedIdentity, Some(VM));
        assert_eq!(compute_resource_claim(&system, &form(VM)).unwrap(), None);
        let application = principal(PrincipalType::Application, None);
        assert_eq!(
            compute_resource_claim(&application, &form(VM)).unwrap(),
            None
        );
    }
}
