//! The refusals each service answers with, checked status and code together.

use azsim_testkit::ApiResponse;

/// Panics unless the resource API (or the vault) refused with `status` and error code `code`
/// (`error.code` of the ARM and Key Vault envelopes).
#[track_caller]
pub(crate) fn assert_refused(response: &ApiResponse, status: u16, code: &str) {
    assert_eq!(
        (response.status.as_u16(), response.error_code()),
        (status, code),
        "expected {status} {code}; body: {}",
        response.text
    );
}

/// Panics unless the token service refused with `status`, OAuth error `error` and AADSTS
/// number `aadsts` (first of `error_codes`, and the prefix of `error_description`).
#[track_caller]
pub(crate) fn assert_aadsts(response: &ApiResponse, status: u16, error: &str, aadsts: u64) {
    assert_eq!(
        (
            response.status.as_u16(),
            response.str_at("/error"),
            response
                .body
                .pointer("/error_codes/0")
                .and_then(serde_json::Value::as_u64),
        ),
        (status, error, Some(aadsts)),
        "expected {status} {error} AADSTS{aadsts}; body: {}",
        response.text
    );
    assert!(
        response
            .str_at("/error_description")
            .starts_with(&format!("AADSTS{aadsts}:")),
        "{}",
        response.text
    );
    assert!(
        response.body.get("access_token").is_none(),
        "{}",
        response.text
    );
}
