//! The name rules of the resource kinds, each with the error its provider answers: one rule
//! per kind of the table (`crate::kinds`), checked on every `PUT` before anything is written,
//! and the answer to a path whose name is no single segment (an encoded `/` or `\`, `.`,
//! `..`), which every rule refuses.

use azsim_core::SubscriptionId;
use azsim_rbac::RbacError;

use crate::error::ArmError;

/// Subscriptions are named by a GUID: ARM's `InvalidSubscriptionId` otherwise.
pub(crate) fn check_subscription_id(name: &str) -> Result<(), ArmError> {
    SubscriptionId::parse(name)
        .map(drop)
        .map_err(|_| ArmError::InvalidSubscriptionId {
            subscription_id: name.to_owned(),
        })
}

/// ARM's rule for resource group names: 1 to 90 letters, digits, `-`, `_`, `.`, `(`, `)`,
/// not ending in `.` (so neither `.` nor `..`).
pub(crate) fn check_resource_group_name(name: &str) -> Result<(), ArmError> {
    let mut invalid: Vec<char> = name
        .chars()
        .filter(|character| {
            !(character.is_alphanumeric() || matches!(character, '-' | '_' | '.' | '(' | ')'))
        })
        .collect();
    invalid.dedup();
    if !invalid.is_empty() {
        return Err(ArmError::InvalidResourceGroupName {
            name: name.to_owned(),
            invalid_characters: invalid.into_iter().collect(),
        });
    }
    if !(1..=90).contains(&name.chars().count()) || name.ends_with('.') {
        return Err(ArmError::InvalidParameter {
            target: "resourceGroupName".to_owned(),
            message: format!(
                "The resource group name '{name}' is invalid: it must have 1 to 90 characters and \
                 must not end in a period."
            ),
        });
    }
    Ok(())
}

/// The provider's rule for identity names: 3 to 128 letters, digits, `-` and `_`, starting
/// with a letter or digit.
pub(crate) fn check_identity_name(name: &str) -> Result<(), ArmError> {
    let length_ok = (3..=128).contains(&name.chars().count());
    let first_ok = name.chars().next().is_some_and(char::is_alphanumeric);
    let rest_ok = name
        .chars()
        .all(|character| character.is_alphanumeric() || matches!(character, '-' | '_'));
    if length_ok && first_ok && rest_ok {
        Ok(())
    } else {
        Err(ArmError::InvalidResourceName {
            name: name.to_owned(),
        })
    }
}

/// Key Vault's rule for vault names: 3 to 24 letters, digits and hyphens, beginning with a
/// letter, ending with a letter or digit, without two hyphens in a row.
pub(crate) fn check_vault_name(name: &str) -> Result<(), ArmError> {
    let bytes = name.as_bytes();
    let valid = (3..=24).contains(&bytes.len())
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && !name.contains("--");
    if valid {
        Ok(())
    } else {
        Err(ArmError::VaultNameNotValid {
            name: name.to_owned(),
        })
    }
}

/// The characters Compute refuses in a Linux VM's name, as its message lists them.
const VIRTUAL_MACHINE_FORBIDDEN: &str = "`~!@#$%^&*()=+_[]{}\\|;:'\",<>/?";

/// Compute's rule for (Linux) VM names, from Microsoft's naming rules for
/// `Microsoft.Compute/virtualMachines`: 1 to 64 characters; no white space, control characters
/// or any of `` ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \ | ; : ' " , < > / ? ``; not ending in
/// `.` or `-`. Compute answers `InvalidParameter` with the text of its host-name check (quoted
/// in azure-docs#5601 and terraform-provider-azurerm#280); the target is the path parameter,
/// `vmName`.
pub(crate) fn check_virtual_machine_name(name: &str) -> Result<(), ArmError> {
    let length_ok = (1..=64).contains(&name.chars().count());
    let characters_ok = name.chars().all(|character| {
        !(character.is_whitespace()
            || character.is_control()
            || VIRTUAL_MACHINE_FORBIDDEN.contains(character))
    });
    let end_ok = !name.ends_with(['.', '-']);
    if length_ok && characters_ok && end_ok {
        Ok(())
    } else {
        Err(ArmError::InvalidParameter {
            target: "vmName".to_owned(),
            message: "Linux host name cannot exceed 64 characters in length or contain the \
                      following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : ' \" \
                      , < > / ?. It cannot end with a period or a hyphen."
                .to_owned(),
        })
    }
}

/// Key Vault's rule for object names (a secret is a scope here): 1 to 127 ASCII letters,
/// digits and hyphens. Key Vault answers `BadParameter`, "The request URI contains an invalid
/// name"; the resource API has no such code, so its `InvalidParameter` carries that text.
pub(crate) fn check_secret_name(name: &str) -> Result<(), ArmError> {
    let valid = (1..=127).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-');
    if valid {
        Ok(())
    } else {
        Err(ArmError::InvalidParameter {
            target: "secretName".to_owned(),
            message: format!("The request URI contains an invalid name: {name}"),
        })
    }
}

/// Role assignments are named by a GUID in its hyphenated form: `InvalidRoleAssignmentId`
/// (Azure's text, as RBAC has it) otherwise.
pub(crate) fn check_role_assignment_name(name: &str) -> Result<(), ArmError> {
    if is_hyphenated_guid(name) {
        Ok(())
    } else {
        Err(RbacError::InvalidRoleAssignmentId {
            name: name.to_owned(),
        }
        .into())
    }
}

/// Role definitions are named by a GUID: `InvalidRoleDefinitionId` otherwise.
pub(crate) fn check_role_definition_name(name: &str) -> Result<(), ArmError> {
    if is_hyphenated_guid(name) {
        Ok(())
    } else {
        Err(RbacError::InvalidRoleDefinitionId {
            value: name.to_owned(),
        }
        .into())
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the only form ARM takes in a name.
fn is_hyphenated_guid(name: &str) -> bool {
    name.len() == 36 && uuid::Uuid::try_parse(name).is_ok()
}

#[cfg(test)]
mod tests;
