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

/// Checks a version in a request path: ASCII letters and digits only (Key Vault mints 32 hex
/// digits). One holding anything else, a decoded separator (`%2F`, `%5C`) or a dot above all,
/// is no version of any secret: refused as an invalid name of the URI (Key Vault's
/// `BadParameter`), never looked up. A well-formed version that does not exist is
/// `SecretNotFound`, as Key Vault answers.
pub(crate) fn check_version(name: &str, version: &str) -> Result<(), VaultError> {
    let valid = !version.is_empty() && version.bytes().all(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(VaultError::InvalidName {
            name: format!("{name}/{version}"),
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
    fn versions_in_a_path_are_letters_and_digits() {
        assert!(check_version("s", &new_version()).is_ok());
        assert!(check_version("s", "00000000000000000000000000000000").is_ok());
        for version in ["", "v/x", "v\\x", ".", "..", "v%2Fx"] {
            assert!(check_version("s", version).is_err(), "{version}");
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
