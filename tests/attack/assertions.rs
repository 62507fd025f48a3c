//! Client authentication forgeries at the token service: client assertions signed by the
//! wrong key, naming another credential, out of their time, for another audience, with a
//! subject or issuer that is not the client, unsigned or HMAC-signed; client secrets that are
//! wrong, another application's, or empty; and credentials sent to a tenant they are not in.
//!
//! The token service is also what issues tokens, so "nothing changed" includes: no token
//! issued.

use azsim_pki::Certificate;
use azsim_testkit::fixtures::{Client, TestCertificate};
use azsim_testkit::{ApiResponse, FOREIGN_TENANT_ID, FakeCloud, MANAGEMENT_RESOURCE};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use crate::support::forge::{self, Jwt};
use crate::support::refusal::assert_aadsts;
use crate::support::shared::{Family, Scene, count_cases, run};
use crate::support::snapshot::{assert_unchanged, snapshot};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Two applications, each with a certificate credential and a client secret.
struct AssertionScene {
    cloud: FakeCloud,
    app: Client,
    app_certificate: TestCertificate,
    other: Client,
    other_certificate: TestCertificate,
}

impl AssertionScene {
    async fn build() -> AssertionScene {
        let cloud = FakeCloud::builder().with_foreign_tenant().start().await;
        let (app, app_certificate) = cloud.register_application_with_certificate("app").await;
        let (other, other_certificate) = cloud.register_application_with_certificate("other").await;
        let scene = AssertionScene {
            cloud,
            app,
            app_certificate,
            other,
            other_certificate,
        };
        // The control: the genuine assertion and the genuine secret are accepted, so every
        // refusal below is the forgery's doing.
        let genuine = scene.assertion(|_| {});
        scene
            .post_assertion(&scene.app.client_id, &genuine)
            .await
            .assert_status(200);
        scene
            .post_secret(&scene.app.client_id, &scene.app.secret)
            .await
            .assert_status(200);
        scene
    }

    /// A genuine assertion of `app` (ES256 with `x5t#S256`, for the tenant's v2 endpoint),
    /// changed by `change` before it is signed with the app's key.
    fn assertion(&self, change: impl FnOnce(&mut Jwt)) -> String {
        let mut jwt = self.genuine_jwt();
        change(&mut jwt);
        jwt.signed(Algorithm::ES256, &key_of(&self.app_certificate))
    }

    fn genuine_jwt(&self) -> Jwt {
        let now = self.cloud.clock_now();
        let client_id = &self.app.client_id;
        Jwt {
            header: json!({
                "alg": "ES256",
                "typ": "JWT",
                "x5t#S256": thumbprint_of(&self.app_certificate),
            }),
            claims: json!({
                "aud": self.cloud.token_endpoint_of(&self.cloud.tenant_id()),
                "iss": client_id,
                "sub": client_id,
                "jti": uuid::Uuid::new_v4().to_string(),
                "nbf": now,
                "iat": now,
                "exp": now + 600,
            }),
            signature: String::new(),
        }
    }

    async fn post(&self, tenant_id: &str, form: &[(&str, &str)]) -> ApiResponse {
        let mut form = form.to_vec();
        let scope = format!("{MANAGEMENT_RESOURCE}.default");
        form.push(("grant_type", "client_credentials"));
        form.push(("scope", &scope));
        let response = self
            .cloud
            .http()
            .post(self.cloud.token_endpoint_of(tenant_id))
            .form(&form)
            .send()
            .await
            .expect("the token service answers");
        ApiResponse::read(response).await
    }

    /// A client-secret request to the v1 endpoint of `tenant_id`
    /// (`/{tenant}/oauth2/token`, with `resource`).
    async fn post_v1_secret(&self, tenant_id: &str, client: &Client) -> ApiResponse {
        let url = format!(
            "{}/{tenant_id}/oauth2/token",
            self.cloud.cloud().endpoints().authority_host
        );
        let response = self
            .cloud
            .http()
            .post(url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client.client_id.as_str()),
                ("client_secret", client.secret.as_str()),
                ("resource", MANAGEMENT_RESOURCE),
            ])
            .send()
            .await
            .expect("the token service answers");
        ApiResponse::read(response).await
    }

    async fn post_assertion(&self, client_id: &str, assertion: &str) -> ApiResponse {
        self.post(
            &self.cloud.tenant_id(),
            &[
                ("client_id", client_id),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", assertion),
            ],
        )
        .await
    }

    async fn post_secret(&self, client_id: &str, secret: &str) -> ApiResponse {
        self.post(
            &self.cloud.tenant_id(),
            &[("client_id", client_id), ("client_secret", secret)],
        )
        .await
    }
}

fn key_of(certificate: &TestCertificate) -> EncodingKey {
    EncodingKey::from_ec_pem(certificate.private_key_pem.as_bytes()).unwrap()
}

fn thumbprint_of(certificate: &TestCertificate) -> String {
    Certificate::from_pem(&certificate.certificate_pem)
        .unwrap()
        .thumbprints()
        .sha256_base64url()
}

impl Scene for AssertionScene {
    fn cloud(&self) -> &FakeCloud {
        &self.cloud
    }

    fn into_cloud(self) -> FakeCloud {
        self.cloud
    }
}

static FAMILY: Family<AssertionScene> = Family::new(count_cases(include_str!("assertions.rs")));

/// Runs `attack` against the token service on the shared scene and checks the refusal and
/// that nothing changed (no token issued, no row written).
fn refused<F>(status: u16, error: &str, aadsts: u64, attack: F)
where
    F: AsyncFnOnce(&AssertionScene) -> ApiResponse,
{
    run(async {
        let scene = FAMILY.turn(AssertionScene::build).await;
        let before = snapshot(&scene.cloud).await;
        let response = attack(&scene).await;
        assert_aadsts(&response, status, error, aadsts);
        assert_unchanged(&scene.cloud, &before).await;
        scene.finish().await;
    });
}

#[test]
fn token_service_refuses_an_assertion_signed_by_a_key_that_is_not_the_credentials() {
    refused(401, "invalid_client", 700_027, async |scene| {
        let forged = scene
            .genuine_jwt()
            .signed(Algorithm::ES256, &forge::fresh_ec_key());
        scene.post_assertion(&scene.app.client_id, &forged).await
    });
}

#[test]
fn token_service_refuses_an_assertion_naming_another_applications_certificate() {
    refused(401, "invalid_client", 700_027, async |scene| {
        let mut jwt = scene.genuine_jwt();
        jwt.header["x5t#S256"] = json!(thumbprint_of(&scene.other_certificate));
        let forged = jwt.signed(Algorithm::ES256, &key_of(&scene.other_certificate));
        scene.post_assertion(&scene.app.client_id, &forged).await
    });
}

#[test]
fn token_service_refuses_an_assertion_with_the_clients_thumbprint_and_another_clients_key() {
    refused(401, "invalid_client", 700_027, async |scene| {
        let forged = scene
            .genuine_jwt()
            .signed(Algorithm::ES256, &key_of(&scene.other_certificate));
        scene.post_assertion(&scene.app.client_id, &forged).await
    });
}

#[test]
fn token_service_refuses_an_expired_assertion() {
    refused(401, "invalid_client", 700_024, async |scene| {
        let now = scene.cloud.clock_now();
        let expired = scene.assertion(|jwt| {
            jwt.claims["nbf"] = json!(now - 1200);
            jwt.claims["iat"] = json!(now - 1200);
            jwt.claims["exp"] = json!(now - 600);
        });
        scene.post_assertion(&scene.app.client_id, &expired).await
    });
}

#[test]
fn token_service_refuses_an_assertion_not_valid_for_another_hour() {
    refused(401, "invalid_client", 700_024, async |scene| {
        let now = scene.cloud.clock_now();
        let early = scene.assertion(|jwt| {
            jwt.claims["nbf"] = json!(now + 3600);
            jwt.claims["exp"] = json!(now + 4200);
        });
        scene.post_assertion(&scene.app.client_id, &early).await
    });
}

#[test]
fn token_service_refuses_an_assertion_for_another_audience() {
    refused(401, "invalid_client", 50_013, async |scene| {
        let elsewhere = scene.assertion(|jwt| {
            jwt.claims["aud"] = json!(MANAGEMENT_RESOURCE);
        });
        scene.post_assertion(&scene.app.client_id, &elsewhere).await
    });
}

#[test]
fn token_service_refuses_an_assertion_for_the_foreign_tenants_endpoint() {
    refused(401, "invalid_client", 50_013, async |scene| {
        let elsewhere = scene.assertion(|jwt| {
            jwt.claims["aud"] = json!(scene.cloud.token_endpoint_of(FOREIGN_TENANT_ID));
        });
        scene.post_assertion(&scene.app.client_id, &elsewhere).await
    });
}

#[test]
fn token_service_refuses_an_assertion_whose_subject_is_not_its_issuer() {
    refused(401, "invalid_client", 50_048, async |scene| {
        let other = scene.other.client_id.clone();
        let mismatched = scene.assertion(|jwt| jwt.claims["sub"] = json!(other));
        scene
            .post_assertion(&scene.app.client_id, &mismatched)
            .await
    });
}

#[test]
fn token_service_refuses_an_assertion_issued_as_another_application() {
    refused(401, "invalid_client", 700_021, async |scene| {
        let other = scene.other.client_id.clone();
        let impersonating = scene.assertion(|jwt| {
            jwt.claims["iss"] = json!(other);
            jwt.claims["sub"] = json!(other);
        });
        scene
            .post_assertion(&scene.app.client_id, &impersonating)
            .await
    });
}

#[test]
fn token_service_refuses_an_alg_none_assertion() {
    refused(401, "invalid_client", 700_027, async |scene| {
        let mut jwt = scene.genuine_jwt();
        jwt.header["alg"] = json!("none");
        scene
            .post_assertion(&scene.app.client_id, &jwt.unsigned())
            .await
    });
}

#[test]
fn token_service_refuses_an_hs256_assertion_keyed_with_the_certificate() {
    refused(401, "invalid_client", 700_027, async |scene| {
        let key = EncodingKey::from_secret(scene.app_certificate.certificate_pem.as_bytes());
        let forged = scene.genuine_jwt().signed(Algorithm::HS256, &key);
        scene.post_assertion(&scene.app.client_id, &forged).await
    });
}

#[test]
fn token_service_refuses_an_assertion_whose_claims_were_changed_after_signing() {
    refused(401, "invalid_client", 700_027, async |scene| {
        let mut jwt = Jwt::parse(&scene.assertion(|_| {}));
        jwt.claims["exp"] = Value::from(scene.cloud.clock_now() + 86_400);
        scene
            .post_assertion(&scene.app.client_id, &jwt.with_kept_signature())
            .await
    });
}

#[test]
fn token_service_refuses_a_wrong_client_secret() {
    refused(401, "invalid_client", 7_000_215, async |scene| {
        let wrong = format!("{}x", scene.app.secret);
        scene.post_secret(&scene.app.client_id, &wrong).await
    });
}

#[test]
fn token_service_refuses_another_applications_client_secret() {
    refused(401, "invalid_client", 7_000_215, async |scene| {
        scene
            .post_secret(&scene.app.client_id, &scene.other.secret)
            .await
    });
}

#[test]
fn token_service_refuses_an_empty_client_secret() {
    // An empty parameter counts as a missing one, as Entra treats it.
    refused(401, "invalid_client", 7_000_218, async |scene| {
        scene.post_secret(&scene.app.client_id, "").await
    });
}

#[test]
fn token_service_refuses_a_client_of_this_tenant_at_the_foreign_tenants_endpoint() {
    refused(400, "unauthorized_client", 700_016, async |scene| {
        scene
            .post(
                FOREIGN_TENANT_ID,
                &[
                    ("client_id", &scene.app.client_id),
                    ("client_secret", &scene.app.secret),
                ],
            )
            .await
    });
}

#[test]
fn token_service_refuses_a_client_of_this_tenant_at_the_foreign_tenants_v1_endpoint() {
    refused(400, "unauthorized_client", 700_016, async |scene| {
        scene.post_v1_secret(FOREIGN_TENANT_ID, &scene.app).await
    });
}

#[test]
fn token_service_refuses_a_foreign_client_at_this_tenants_v1_endpoint() {
    refused(400, "unauthorized_client", 700_016, async |scene| {
        let foreign = scene.cloud.foreign_client().clone();
        scene
            .post_v1_secret(&scene.cloud.tenant_id(), &foreign)
            .await
    });
}
