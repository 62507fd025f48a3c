//! The checks every metadata request passes first: the `Metadata: true` header and no proxy.

use axum::http::HeaderMap;

use crate::api_version::{Category, is_supported};
use crate::error::{IdentityError, MetadataError};
use crate::query::QueryParams;

/// Why a request failed the common checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    MissingMetadataHeader,
    ForwardedRequest,
    InvalidApiVersion,
    DuplicateParameter(String),
}

/// Checks, in the service's order: `Metadata` is exactly `true` (one header, lower case, as
/// documented), no `X-Forwarded-For`, a supported `api-version` for `category` (if one is
/// required), no repeated query parameter.
pub(crate) fn check(
    headers: &HeaderMap,
    query: &QueryParams,
    category: Option<Category>,
) -> Result<(), Rejection> {
    let mut metadata = headers.get_all("metadata").iter();
    let metadata_ok = matches!(
        (metadata.next(), metadata.next()),
        (Some(value), None) if value.as_bytes() == b"true"
    );
    if !metadata_ok {
        return Err(Rejection::MissingMetadataHeader);
    }
    if headers.contains_key("x-forwarded-for") {
        return Err(Rejection::ForwardedRequest);
    }
    if let Some(category) = category {
        let supported = query
            .get("api-version")
            .is_some_and(|version| is_supported(version, category));
        if !supported {
            return Err(Rejection::InvalidApiVersion);
        }
    }
    if let Some(name) = query.first_duplicate() {
        return Err(Rejection::DuplicateParameter(name.to_owned()));
    }
    Ok(())
}

impl From<Rejection> for IdentityError {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::MissingMetadataHeader => Self::MissingMetadataHeader,
            Rejection::ForwardedRequest => Self::ForwardedRequest,
            Rejection::InvalidApiVersion => Self::InvalidApiVersion,
            Rejection::DuplicateParameter(name) => Self::DuplicateParameter { name },
        }
    }
}

impl From<Rejection> for MetadataError {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::MissingMetadataHeader => Self::MissingMetadataHeader,
            Rejection::ForwardedRequest => Self::ForwardedRequest,
            Rejection::InvalidApiVersion => Self::InvalidApiVersion,
            Rejection::DuplicateParameter(name) => Self::DuplicateParameter { name },
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    const GOOD_QUERY: &str = "api-version=2018-02-01&resource=r";

    #[test]
    fn metadata_header_must_be_lowercase_true_once() {
        let query = QueryParams::parse(Some(GOOD_QUERY));
        assert_eq!(
            check(
                &headers(&[("metadata", "true")]),
                &query,
                Some(Category::Identity)
            ),
            Ok(())
        );
        for bad in [
            &[("metadata", "True")][..],
            &[("metadata", "1")],
            &[],
            &[("metadata", "true"), ("metadata", "true")],
        ] {
            assert_eq!(
                check(&headers(bad), &query, Some(Category::Identity)),
                Err(Rejection::MissingMetadataHeader)
            );
        }
    }

    #[test]
    fn checks_run_in_the_documented_order() {
        let with_proxy = headers(&[("metadata", "true"), ("x-forwarded-for", "10.0.0.1")]);
        let bad_everything = QueryParams::parse(Some("api-version=1999-01-01&a=1&a=2"));
        assert_eq!(
            check(&with_proxy, &bad_everything, Some(Category::Identity)),
            Err(Rejection::ForwardedRequest)
        );
        let good_headers = headers(&[("metadata", "true")]);
        assert_eq!(
            check(&good_headers, &bad_everything, Some(Category::Identity)),
            Err(Rejection::InvalidApiVersion)
        );
        assert_eq!(
            check(&good_headers, &bad_everything, None),
            Err(Rejection::DuplicateParameter("a".into()))
        );
    }
}
