//! Reading the token request: the form body and HTTP Basic client credentials.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::aadsts;
use crate::oauth_error::OAuthError;

/// The parameters of a form-encoded token request.
#[derive(Debug, Default)]
pub(crate) struct TokenForm {
    pairs: Vec<(String, String)>,
}

impl TokenForm {
    /// Parses an `application/x-www-form-urlencoded` body. A body that is not one is treated
    /// as if it were empty, so it is refused for its first missing parameter, as Entra does.
    pub(crate) fn parse(body: &[u8]) -> TokenForm {
        let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default();
        TokenForm { pairs }
    }

    /// The first non-empty value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }

    /// Whether `name` is present at all (even empty).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(key, _)| key == name)
    }
}

/// Client credentials from an `Authorization: Basic` header (RFC 6749 2.3.1).
#[derive(Debug)]
pub(crate) struct BasicCredentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

/// The Basic credentials of the request, if it has an `Authorization: Basic` header.
pub(crate) fn basic_credentials(
    headers: &HeaderMap,
) -> Result<Option<BasicCredentials>, OAuthError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| aadsts::invalid_parameter("Authorization"))?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(aadsts::invalid_parameter("Authorization"));
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| aadsts::invalid_parameter("Authorization"))?;
    let (client_id, client_secret) = decoded
        .split_once(':')
        .ok_or_else(|| aadsts::invalid_parameter("Authorization"))?;
    // RFC 6749 2.3.1: both halves are form-urlencoded before being joined.
    Ok(Some(BasicCredentials {
        client_id: form_decode(client_id),
        client_secret: form_decode(client_secret),
    }))
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte); invalid
/// escapes are kept as they are.
fn form_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn form_values_are_decoded_and_empty_values_count_as_missing() {
        let form = TokenForm::parse(b"grant_type=client_credentials&scope=a%2Fb+c&resource=");
        assert_eq!(form.get("grant_type"), Some("client_credentials"));
        assert_eq!(form.get("scope"), Some("a/b c"));
        assert_eq!(form.get("resource"), None);
        assert!(form.has("resource"));
        assert!(TokenForm::parse(&[0xff, 0xfe]).get("grant_type").is_none());
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut headers = HeaderMap::new();
        let encoded = STANDARD.encode("my%20app:s3cr%3At+x");
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        let credentials = basic_credentials(&headers).unwrap().unwrap();
        assert_eq!(credentials.client_id, "my app");
        assert_eq!(credentials.client_secret, "s3cr:t x");
    }

    #[test]
    fn bearer_authorization_is_not_client_authentication() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert!(basic_credentials(&headers).unwrap().is_none());
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert!(basic_credentials(&headers).is_err());
    }

    #[test]
    fn form_decode_keeps_invalid_escapes() {
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz"), "%zz");
        assert_eq!(form_decode("%41%"), "A%");
    }
}
