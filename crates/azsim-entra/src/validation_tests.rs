//! Unit tests of [`AccessTokenValidator`]: one per way a token can be refused.

use std::sync::Arc;

use azsim_core::{ManualClock, SharedClock};
use azsim_pki::KeyPair;
use azsim_store::Store;
use azsim_store::directory::{Tenant, insert_tenant};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::*;
use crate::signing::ActiveSigningKey;

const TENANT: &str = "8f3e6a6e-2f4b-4c6e-9d6f-1c2b3a4d5e6f";
const NOW: i64 = 1_767_225_600;
const ARM: &str = "https://management.azure.com/";

struct Fixture {
    _dir: tempfile::TempDir,
    validator: AccessTokenValidator,
    key: ActiveSigningKey,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
    let clock: SharedClock = Arc::new(ManualClock::new(
        OffsetDateTime::from_unix_timestamp(NOW).unwrap(),
    ));
    let mut conn = store.read().await.unwrap();
    insert_tenant(
        &mut conn,
        &Tenant {
            tenant_id: TENANT.to_owned(),
            display_name: "Contoso".to_owned(),
            default_domain: "contoso.onmicrosoft.com".to_owned(),
            created_at: NOW,
        },
    )
    .await
    .unwrap();
    drop(conn);
    let key = ActiveSigningKey::load_or_create(&store, &clock)
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        validator: AccessTokenValidator::new(store, clock),
        key,
    }
}

fn claims() -> Value {
    json!({
        "aud": ARM,
        "iss": format!("https://sts.windows.net/{TENANT}/"),
        "iat": NOW - 300, "nbf": NOW - 300, "exp": NOW + 3599,
        "appid": "11111111-1111-1111-1111-111111111111", "appidacr": "1", "idtyp": "app",
        "oid": "22222222-2222-2222-2222-222222222222",
        "sub": "22222222-2222-2222-2222-222222222222",
        "tid": TENANT, "uti": "AAAAAAAAAAAAAAAAAAAAAA", "ver": "1.0",
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

async fn validate(
    fixture: &Fixture,
    claims: &Value,
) -> Result<AccessTokenClaims, TokenValidationError> {
    let token = fixture.key.sign(claims).unwrap();
    fixture.validator.validate(&token, &[ARM]).await
}

#[tokio::test]
async fn a_token_from_the_service_key_validates() {
    let fixture = fixture().await;
    let claims = validate(&fixture, &claims()).await.unwrap();
    assert_eq!(claims.tid, TENANT);
    assert_eq!(claims.xms_mirid, None);
}

#[tokio::test]
async fn garbage_is_malformed() {
    let fixture = fixture().await;
    let result = fixture.validator.validate("not.a.jwt", &[ARM]).await;
    assert!(
        matches!(result, Err(TokenValidationError::Malformed)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_without_required_claims_is_malformed() {
    let fixture = fixture().await;
    let mut claims = claims();
    claims.as_object_mut().unwrap().remove("oid");
    let result = validate(&fixture, &claims).await;
    assert!(
        matches!(result, Err(TokenValidationError::Malformed)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_naming_an_unknown_key_is_refused() {
    let fixture = fixture().await;
    let stranger = KeyPair::generate_rsa(2048).unwrap();
    let header = br#"{"typ":"JWT","alg":"RS256","kid":"not-a-known-kid"}"#;
    let token = jws::sign_rs256(stranger.pkey(), header, claims().to_string().as_bytes()).unwrap();
    let result = fixture.validator.validate(&token, &[ARM]).await;
    assert!(
        matches!(result, Err(TokenValidationError::UnknownSigningKey)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_a_known_kid_has_a_bad_signature() {
    let fixture = fixture().await;
    let stranger = KeyPair::generate_rsa(2048).unwrap();
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": fixture.key.kid()}).to_string();
    let token = jws::sign_rs256(
        stranger.pkey(),
        header.as_bytes(),
        claims().to_string().as_bytes(),
    )
    .unwrap();
    let result = fixture.validator.validate(&token, &[ARM]).await;
    assert!(
        matches!(result, Err(TokenValidationError::BadSignature)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_expired_token_reports_when_it_expired() {
    let fixture = fixture().await;
    let result = validate(&fixture, &with(claims(), "exp", json!(NOW))).await;
    assert!(
        matches!(
            result,
            Err(TokenValidationError::Expired {
                expired_at: NOW,
                now: NOW
            })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn not_before_allows_five_minutes_of_skew_and_no_more() {
    let fixture = fixture().await;
    assert!(
        validate(&fixture, &with(claims(), "nbf", json!(NOW + 300)))
            .await
            .is_ok()
    );
    let result = validate(&fixture, &with(claims(), "nbf", json!(NOW + 301))).await;
    assert!(
        matches!(result, Err(TokenValidationError::NotYetValid)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_for_another_resource_is_refused() {
    let fixture = fixture().await;
    let result = validate(
        &fixture,
        &with(claims(), "aud", json!("https://vault.azure.net")),
    )
    .await;
    assert!(
        matches!(&result, Err(TokenValidationError::WrongAudience { audience }) if audience == "https://vault.azure.net"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let fixture = fixture().await;
    let issuer = format!("https://login.microsoftonline.com/{TENANT}/v2.0");
    let result = validate(&fixture, &with(claims(), "iss", json!(issuer))).await;
    assert!(
        matches!(result, Err(TokenValidationError::WrongIssuer { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_of_an_unknown_tenant_is_refused() {
    let fixture = fixture().await;
    let other = "00000000-0000-0000-0000-00000000abcd";
    let claims = with(
        with(claims(), "tid", json!(other)),
        "iss",
        json!(format!("https://sts.windows.net/{other}/")),
    );
    let result = validate(&fixture, &claims).await;
    assert!(
        matches!(&result, Err(TokenValidationError::UnknownTenant { tenant_id }) if tenant_id == other),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_with_another_algorithm_is_malformed() {
    let fixture = fixture().await;
    let header = jws::encode(br#"{"alg":"none","kid":"x"}"#);
    let payload = jws::encode(claims().to_string().as_bytes());
    let result = fixture
        .validator
        .validate(&format!("{header}.{payload}."), &[ARM])
        .await;
    assert!(
        matches!(result, Err(TokenValidationError::Malformed)),
        "{result:?}"
    );
}
