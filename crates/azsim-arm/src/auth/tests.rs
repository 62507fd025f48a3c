//! Tests of the bearer header parsing and the mapping of validation failures.

use http::HeaderValue;

use super::*;

fn headers_with(authorization: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(value) = authorization {
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
    }
    headers
}

#[test]
fn bearer_token_is_read_from_the_authorization_header() {
    assert_eq!(
        bearer_token(&headers_with(Some("Bearer abc.def.ghi"))).unwrap(),
        "abc.def.ghi"
    );
    assert_eq!(
        bearer_token(&headers_with(Some("bearer abc"))).unwrap(),
        "abc"
    );
}

#[test]
fn missing_and_malformed_headers_are_told_apart() {
    assert!(matches!(
        bearer_token(&headers_with(None)),
        Err(ArmError::AuthorizationMissing)
    ));
    for value in ["Bearer", "Bearer ", "Basic abc", "abc", "Bearer a b"] {
        assert!(
            matches!(
                bearer_token(&headers_with(Some(value))),
                Err(ArmError::AuthorizationMalformed)
            ),
            "{value}"
        );
    }
}

#[test]
fn validation_failures_map_to_arm_codes() {
    let code = |error| token_error(error).status_and_code().1;
    assert_eq!(
        code(TokenValidationError::Expired {
            expired_at: 1,
            now: 2
        }),
        "ExpiredAuthenticationToken"
    );
    assert_eq!(
        code(TokenValidationError::WrongAudience {
            audience: "x".into()
        }),
        "InvalidAuthenticationTokenAudience"
    );
    assert_eq!(
        code(TokenValidationError::BadSignature),
        "InvalidAuthenticationToken"
    );
    assert_eq!(
        code(TokenValidationError::Malformed),
        "InvalidAuthenticationToken"
    );
    assert_eq!(
        code(TokenValidationError::UnknownTenant {
            tenant_id: "t".into()
        }),
        "InvalidAuthenticationTokenTenant"
    );
}
