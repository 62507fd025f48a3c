//! Issued tokens as resources see them: the validator, and an independent JWT library.

use std::time::Duration;

use azsim_entra::{AccessTokenValidator, TokenValidationError};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::support::{
    ARM, Endpoint, MI_CLIENT_ID, MI_OBJECT_ID, MI_RESOURCE_ID, TENANT_ID, TokenCloud, header_of,
};

async fn identity_token(cloud: &TokenCloud, resource: &str) -> String {
    let assertion = cloud.assertion(
        &cloud.identity_ec,
        Algorithm::ES256,
        &cloud.assertion_claims(MI_CLIENT_ID),
    );
    let response = cloud
        .post_assertion(Endpoint::V2, MI_CLIENT_ID, &assertion, resource)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON body");
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

#[tokio::test]
async fn issued_token_validates_until_it_expires() {
    let cloud = TokenCloud::start().await;
    let token = identity_token(&cloud, ARM).await;
    let validator = cloud.service.validator();
    let claims = validator
        .validate(&token, &["https://management.azure.com/"])
        .await
        .unwrap();
    assert_eq!(claims.oid, MI_OBJECT_ID);
    assert_eq!(claims.appid, MI_CLIENT_ID);
    assert_eq!(claims.xms_mirid.as_deref(), Some(MI_RESOURCE_ID));

    // A validator built on its own (as the resource API builds one) agrees.
    let standalone = AccessTokenValidator::new(cloud.store.clone(), cloud.clock.clone());
    assert!(standalone.validate(&token, &[ARM]).await.is_ok());

    cloud.clock.advance(Duration::from_secs(25 * 3600));
    let result = validator.validate(&token, &[ARM]).await;
    assert!(
        matches!(result, Err(TokenValidationError::Expired { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn issued_token_is_refused_for_another_audience() {
    let cloud = TokenCloud::start().await;
    let token = identity_token(&cloud, "https://vault.azure.net").await;
    let result = cloud.service.validator().validate(&token, &[ARM]).await;
    assert!(
        matches!(result, Err(TokenValidationError::WrongAudience { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn issued_token_verifies_with_the_published_jwks_in_an_independent_library() {
    let cloud = TokenCloud::start().await;
    let token = identity_token(&cloud, ARM).await;
    let header = header_of(&token);
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], header["x5t"]);

    let jwks: Value = cloud
        .http
        .get(format!("{}/{TENANT_ID}/discovery/keys", cloud.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == header["kid"])
        .expect("the token's kid is published");
    let decoding_key =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[ARM]);
    validation.set_issuer(&[format!("https://sts.windows.net/{TENANT_ID}/")]);
    let decoded = jsonwebtoken::decode::<Value>(&token, &decoding_key, &validation).unwrap();
    assert_eq!(decoded.claims["sub"], MI_OBJECT_ID);

    // A single changed character of the signature makes the library refuse it.
    let mut tampered = token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert!(jsonwebtoken::decode::<Value>(&tampered, &decoding_key, &validation).is_err());
}

#[tokio::test]
async fn signing_key_survives_a_restart() {
    let cloud = TokenCloud::start().await;
    let first = cloud.service.signing_key_id().to_owned();
    let again = azsim_entra::TokenService::new(
        cloud.store.clone(),
        cloud.clock.clone(),
        cloud.events.clone(),
        azsim_entra::TokenServiceConfig {
            public_base_url: url::Url::parse(&cloud.base).unwrap(),
        },
    )
    .await
    .unwrap();
    assert_eq!(again.signing_key_id(), first);
}
