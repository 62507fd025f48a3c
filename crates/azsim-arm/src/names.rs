//! The name rules of the resource kinds, each with the error ARM answers.

use crate::error::ArmError;

/// ARM's rule for resource group names: 1 to 90 letters, digits, `-`, `_`, `.`, `(`, `)`,
/// not ending in `.`.
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
    if name.chars().count() > 90 || name.ends_with('.') {
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
