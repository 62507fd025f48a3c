//! Tests of the api-version and JSON extractors.

use super::*;

#[test]
fn api_version_is_required() {
    assert!(matches!(
        ApiVersion::from_query(None),
        Err(ArmError::ApiVersionMissing)
    ));
    assert!(matches!(
        ApiVersion::from_query(Some("foo=bar")),
        Err(ArmError::ApiVersionMissing)
    ));
    assert!(matches!(
        ApiVersion::from_query(Some("api-version=")),
        Err(ArmError::ApiVersionMissing)
    ));
}

#[test]
fn date_like_api_versions_are_accepted() {
    for version in [
        "2025-04-01",
        "2021-09-30-preview",
        "2016-02-01",
        "2024-01-01-privatepreview",
    ] {
        let query = format!("$expand=instanceView&api-version={version}");
        assert_eq!(
            ApiVersion::from_query(Some(&query)).unwrap().as_str(),
            version
        );
    }
}

#[test]
fn api_versions_that_are_not_dates_are_rejected() {
    for version in [
        "latest",
        "2025-13-01",
        "2025-04-00",
        "2025-4-01",
        "2025-04-01-",
        "2025-04-01x",
        "7.4",
        "2025-04-01-pre view",
    ] {
        let query = format!("api-version={}", version.replace(' ', "%20"));
        match ApiVersion::from_query(Some(&query)) {
            Err(ArmError::ApiVersionInvalid { version: rejected }) => assert_eq!(rejected, version),
            other => panic!("{version}: {other:?}"),
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct Body {
    location: String,
}

#[test]
fn malformed_json_is_invalid_request_content() {
    for bytes in [&b"{"[..], b"", b"  ", b"[1]", br#"{"location": 5}"#] {
        match ArmJson::<Body>::from_bytes(bytes) {
            Err(ArmError::InvalidRequestContent { detail }) => assert!(!detail.is_empty()),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
        }
    }
}

#[test]
fn unknown_fields_are_tolerated() {
    let ArmJson(body) =
        ArmJson::<Body>::from_bytes(br#"{"location":"eastus","managedBy":"x"}"#).unwrap();
    assert_eq!(body.location, "eastus");
}

fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

#[test]
fn a_body_must_be_sent_as_json() {
    for accepted in [
        headers(&[
            ("content-length", "2"),
            ("content-type", "application/json"),
        ]),
        headers(&[
            ("content-length", "2"),
            ("content-type", "Application/JSON; charset=utf-8"),
        ]),
        headers(&[]),
        headers(&[("content-length", "0"), ("content-type", "text/plain")]),
    ] {
        assert!(check_json_media_type(&accepted).is_ok(), "{accepted:?}");
    }
    match check_json_media_type(&headers(&[
        ("content-length", "2"),
        ("content-type", "text/plain"),
    ])) {
        Err(ArmError::UnsupportedMediaType { media_type }) => assert_eq!(media_type, "text/plain"),
        other => panic!("{other:?}"),
    }
    match check_json_media_type(&headers(&[("transfer-encoding", "chunked")])) {
        Err(ArmError::UnsupportedMediaType { media_type }) => assert_eq!(media_type, "<null>"),
        other => panic!("{other:?}"),
    }
}
