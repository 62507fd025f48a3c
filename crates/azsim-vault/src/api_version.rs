//! The `api-version` query parameter, required on every data-plane request.
//!
//! Key Vault's versions are `7.0` to `7.6` (optionally `-preview` and a number), `2016-10-01`
//! and, since 2025, dates (`2025-07-01`, `2026-04-01`). The shapes served here are the same
//! for all of them, so any version of those forms is accepted.

use crate::error::VaultError;

/// The newest version the Azure SDK sends, named in the error for an unknown version.
pub(crate) const LATEST: &str = "2026-04-01";

/// The request's `api-version`, checked.
pub(crate) fn require(query: &[(String, String)]) -> Result<&str, VaultError> {
    let version = query
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("api-version"))
        .map(|(_, value)| value.as_str())
        .ok_or(VaultError::ApiVersionMissing)?;
    if is_known_form(version) {
        Ok(version)
    } else {
        Err(VaultError::ApiVersionUnsupported {
            version: version.to_owned(),
            latest: LATEST,
        })
    }
}

fn is_known_form(version: &str) -> bool {
    is_seven_series(version) || is_date_version(version)
}

/// `7.N` or `7.N-preview` or `7.N-preview.M`.
fn is_seven_series(version: &str) -> bool {
    let Some(rest) = version.strip_prefix("7.") else {
        return false;
    };
    let (minor, preview) = match rest.split_once('-') {
        Some((minor, preview)) => (minor, Some(preview)),
        None => (rest, None),
    };
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    digits(minor)
        && preview.is_none_or(|preview| match preview.strip_prefix("preview") {
            Some("") => true,
            Some(number) => number.strip_prefix('.').is_some_and(digits),
            None => false,
        })
}

/// `YYYY-MM-DD` or `YYYY-MM-DD-preview`.
fn is_date_version(version: &str) -> bool {
    let date = version.strip_suffix("-preview").unwrap_or(version);
    let bytes = date.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(version: &str) -> Vec<(String, String)> {
        vec![("api-version".to_owned(), version.to_owned())]
    }

    #[test]
    fn versions_the_sdk_sends_are_accepted() {
        for version in [
            "7.4",
            "7.6",
            "7.6-preview.2",
            "7.0",
            "2016-10-01",
            "2025-07-01",
            "2026-04-01",
            "2026-06-01-preview",
        ] {
            assert_eq!(require(&query(version)).ok(), Some(version), "{version}");
        }
    }

    #[test]
    fn a_missing_or_unknown_version_is_refused() {
        assert!(matches!(require(&[]), Err(VaultError::ApiVersionMissing)));
        for version in ["", "1.0", "7.", "7.x", "2025-7-01", "latest", "7.4-beta"] {
            assert!(
                matches!(
                    require(&query(version)),
                    Err(VaultError::ApiVersionUnsupported { .. })
                ),
                "{version}"
            );
        }
    }
}
