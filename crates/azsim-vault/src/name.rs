//! Secret names and versions as Key Vault accepts them.

use crate::error::VaultError;

/// The longest secret name Key Vault accepts.
const MAX_NAME_LENGTH: usize = 127;

/// Checks a secret name: 1 to 127 ASCII letters, digits and dashes.
pub(crate) fn check_secret_name(name: &str) -> Result<(), VaultError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LENGTH
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(VaultError::InvalidName {
            name: name.to_owned(),
        })
    }
}

/// A new secret version: 32 lower-case hex digits, random as Key Vault's are.
pub(crate) fn new_version() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_letters_digits_and_dashes_up_to_127() {
        for name in ["db-password", "A1", "x", &"a".repeat(127)] {
            assert!(check_secret_name(name).is_ok(), "{name}");
        }
        for name in ["", "db_password", "db.password", "ü", &"a".repeat(128)] {
            assert!(check_secret_name(name).is_err(), "{name}");
        }
    }

    #[test]
    fn versions_are_32_lower_hex_digits_and_differ() {
        let first = new_version();
        assert_eq!(first.len(), 32);
        assert!(
            first
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(first, new_version());
    }
}
