//! The harness: a token service on a real socket over a seeded directory.

use std::sync::Arc;
use std::time::Duration;

use azsim_core::{Clock, ManualClock, SharedClock};
use azsim_entra::{CLIENT_ASSERTION_TYPE_JWT_BEARER, TokenService, TokenServiceConfig};
use azsim_pki::{Certificate, CertificateAuthority, CertificateRequest, CertificateUsage, KeyPair};
use azsim_store::Store;
use azsim_store::directory::{
    Application, CertificateCredential, PrincipalType, SecretCredential, ServicePrincipal, Tenant,
    insert_application, insert_certificate_credential, insert_secret_credential,
    insert_service_principal, insert_tenant,
};
pub(crate) use azsim_testkit::fixtures::RecordingSink;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub(crate) const TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub(crate) const DOMAIN: &str = "contoso.onmicrosoft.com";
pub(crate) const TENANT_NAME: &str = "Contoso";
pub(crate) const APP_ID: &str = "0f5e1a9c-6b1d-4c43-9a51-3d8a2f1c7e11";
pub(crate) const APP_OBJECT_ID: &str = "5c1b2f0e-8d7a-4e5f-9a1b-2c3d4e5f6a7b";
pub(crate) const SECRET: &str = "Zx8Q~s3cr3t-value+/=";
pub(crate) const MI_CLIENT_ID: &str = "b84e06d3-aba1-4bcc-9626-2e0d76cba2ce";
pub(crate) const MI_OBJECT_ID: &str = "b0f31bfd-1a79-4a2c-ba43-fd65c3666fdb";
pub(crate) const MI_RESOURCE_ID: &str = "/subscriptions/662a4fee-0000-0000-0000-000000000000/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1";
pub(crate) const ARM: &str = "https://management.azure.com/";

/// A client certificate and its key.
pub(crate) struct ClientCertificate {
    pub(crate) key: KeyPair,
    pub(crate) certificate: Certificate,
}

/// Which token endpoint to call.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Endpoint {
    V1,
    V2,
}

/// A running token service with a seeded tenant, application and managed identity.
pub(crate) struct TokenCloud {
    _dir: tempfile::TempDir,
    _shutdown: oneshot::Sender<()>,
    pub(crate) store: Store,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) events: Arc<RecordingSink>,
    pub(crate) service: TokenService,
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    pub(crate) ca: CertificateAuthority,
    /// The application's EC P-256 certificate (registered).
    pub(crate) app_ec: ClientCertificate,
    /// The application's RSA certificate (registered).
    pub(crate) app_rsa: ClientCertificate,
    /// The managed identity's EC P-256 certificate (registered).
    pub(crate) identity_ec: ClientCertificate,
}

impl TokenCloud {
    pub(crate) async fn start() -> TokenCloud {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("azsim.db"))
            .await
            .expect("store opens");
        let clock = Arc::new(ManualClock::starting_now());
        let shared_clock: SharedClock = clock.clone();
        let events = Arc::new(RecordingSink::default());

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let config = TokenServiceConfig {
            public_base_url: url::Url::parse(&base).expect("base url"),
        };
        let service = TokenService::new(store.clone(), shared_clock, events.clone(), config)
            .await
            .expect("token service starts");
        let (shutdown, stop) = oneshot::channel::<()>();
        azsim_http::serve(service.router(), listener, async move {
            let _ = stop.await;
        })
        .expect("serve");

        let now = clock.now();
        let ca =
            CertificateAuthority::generate("azsim test CA", now, now + time::Duration::days(365))
                .expect("CA");
        let issue = |key: KeyPair, name: &str| {
            let certificate = ca
                .issue(&CertificateRequest {
                    subject_common_name: name,
                    public_key: &key,
                    not_before: now - time::Duration::minutes(5),
                    not_after: now + time::Duration::days(90),
                    usage: CertificateUsage::ClientAuth,
                })
                .expect("client certificate");
            ClientCertificate { key, certificate }
        };
        let app_ec = issue(KeyPair::generate_ec_p256().expect("EC key"), "billing-app");
        let app_rsa = issue(
            KeyPair::generate_rsa(2048).expect("RSA key"),
            "billing-app-rsa",
        );
        let identity_ec = issue(KeyPair::generate_ec_p256().expect("EC key"), MI_CLIENT_ID);

        let cloud = TokenCloud {
            _dir: dir,
            _shutdown: shutdown,
            store,
            clock,
            events,
            service,
            base,
            http: reqwest::Client::new(),
            ca,
            app_ec,
            app_rsa,
            identity_ec,
        };
        cloud.seed().await;
        cloud
    }

    async fn seed(&self) {
        let now = self.now();
        let mut transaction = self.store.write().await.expect("transaction");
        let conn = &mut *transaction;
        insert_tenant(
            conn,
            &Tenant {
                tenant_id: TENANT_ID.to_owned(),
                display_name: TENANT_NAME.to_owned(),
                default_domain: DOMAIN.to_owned(),
                created_at: now,
            },
        )
        .await
        .expect("tenant");
        insert_application(
            conn,
            &Application {
                app_id: APP_ID.to_owned(),
                tenant_id: TENANT_ID.to_owned(),
                display_name: "billing-app".to_owned(),
                created_at: now,
            },
        )
        .await
        .expect("application");
        insert_service_principal(
            conn,
            &ServicePrincipal {
                object_id: APP_OBJECT_ID.to_owned(),
                tenant_id: TENANT_ID.to_owned(),
                app_id: APP_ID.to_owned(),
                application_id: Some(APP_ID.to_owned()),
                display_name: "billing-app".to_owned(),
                principal_type: PrincipalType::Application,
                managed_identity_resource_id: None,
                created_at: now,
            },
        )
        .await
        .expect("application principal");
        insert_service_principal(
            conn,
            &ServicePrincipal {
                object_id: MI_OBJECT_ID.to_owned(),
                tenant_id: TENANT_ID.to_owned(),
                app_id: MI_CLIENT_ID.to_owned(),
                application_id: None,
                display_name: "vm-1".to_owned(),
                principal_type: PrincipalType::ManagedIdentity,
                managed_identity_resource_id: Some(MI_RESOURCE_ID.to_owned()),
                created_at: now,
            },
        )
        .await
        .expect("identity principal");
        insert_secret_credential(
            conn,
            &SecretCredential {
                credential_id: "secret-1".to_owned(),
                object_id: APP_OBJECT_ID.to_owned(),
                secret_sha256: azsim_entra::directory::ClientSecret::new(SECRET).digest(),
                not_before: now - 60,
                not_after: now + 86_400 * 365,
                created_at: now,
            },
        )
        .await
        .expect("secret");
        for (id, object_id, client) in [
            ("cert-ec", APP_OBJECT_ID, &self.app_ec),
            ("cert-rsa", APP_OBJECT_ID, &self.app_rsa),
            ("cert-identity", MI_OBJECT_ID, &self.identity_ec),
        ] {
            insert_certificate_credential(conn, &credential(id, object_id, &client.certificate))
                .await
                .expect("certificate credential");
        }
        transaction.commit().await.expect("commit");
    }

    pub(crate) fn clock_now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    pub(crate) fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    pub(crate) fn token_url(&self, endpoint: Endpoint, tenant: &str) -> String {
        match endpoint {
            Endpoint::V1 => format!("{}/{tenant}/oauth2/token", self.base),
            Endpoint::V2 => format!("{}/{tenant}/oauth2/v2.0/token", self.base),
        }
    }

    /// POSTs a form to a token endpoint of `tenant`.
    pub(crate) async fn post_token(
        &self,
        endpoint: Endpoint,
        tenant: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.http
            .post(self.token_url(endpoint, tenant))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).expect("form encodes"))
            .send()
            .await
            .expect("request is answered")
    }

    /// The claims of a valid assertion by `client_id` to this tenant's v2 endpoint.
    pub(crate) fn assertion_claims(&self, client_id: &str) -> Value {
        let now = self.now();
        json!({
            "aud": self.token_url(Endpoint::V2, TENANT_ID),
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + 600,
        })
    }

    /// A client assertion signed with `client`'s key under `algorithm`, naming the
    /// certificate by `x5t#S256` (ES256, PS256) or `x5t` (RS256).
    pub(crate) fn assertion(
        &self,
        client: &ClientCertificate,
        algorithm: Algorithm,
        claims: &Value,
    ) -> String {
        let mut header = Header::new(algorithm);
        let thumbprints = client.certificate.thumbprints();
        let key = match algorithm {
            Algorithm::RS256 => {
                header.x5t = Some(thumbprints.sha1_base64url());
                EncodingKey::from_rsa_pem(client.key.private_key_pem().as_bytes())
            }
            Algorithm::PS256 => {
                header.x5t_s256 = Some(thumbprints.sha256_base64url());
                EncodingKey::from_rsa_pem(client.key.private_key_pem().as_bytes())
            }
            _ => {
                header.x5t_s256 = Some(thumbprints.sha256_base64url());
                EncodingKey::from_ec_pem(client.key.private_key_pem().as_bytes())
            }
        }
        .expect("encoding key");
        jsonwebtoken::encode(&header, claims, &key).expect("assertion signs")
    }

    /// A token request with a client assertion.
    pub(crate) async fn post_assertion(
        &self,
        endpoint: Endpoint,
        client_id: &str,
        assertion: &str,
        resource: &str,
    ) -> reqwest::Response {
        let scope = format!("{resource}/.default");
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE_JWT_BEARER),
            ("client_assertion", assertion),
        ];
        match endpoint {
            Endpoint::V1 => form.push(("resource", resource)),
            Endpoint::V2 => form.push(("scope", &scope)),
        }
        self.post_token(endpoint, TENANT_ID, &form).await
    }
}

fn credential(id: &str, object_id: &str, certificate: &Certificate) -> CertificateCredential {
    let thumbprints = certificate.thumbprints();
    CertificateCredential {
        credential_id: id.to_owned(),
        object_id: object_id.to_owned(),
        certificate_der: certificate.to_der(),
        thumbprint_sha1: thumbprints.sha1_hex(),
        thumbprint_sha256: thumbprints.sha256_hex(),
        not_before: certificate.not_before_unix(),
        not_after: certificate.not_after_unix(),
        created_at: certificate.not_before_unix(),
    }
}

/// The decoded claims of a JWT, signature unchecked (tests check signatures separately).
pub(crate) fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

/// The decoded header of a JWT.
pub(crate) fn header_of(token: &str) -> Value {
    let header = token.split('.').next().expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url")).expect("JSON")
}

/// A response as the tests read it, whether it came over a socket or straight from the router.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// Reads a whole response from a socket.
    pub(crate) async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("the body is read").to_vec();
        Self {
            status,
            headers,
            body,
        }
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

impl TokenCloud {
    /// POSTs `body` (form-encoded) to a token endpoint of `tenant` through the service's
    /// router itself, without a socket: for tests of status and body mapping.
    pub(crate) async fn oneshot_token(
        &self,
        endpoint: Endpoint,
        tenant: &str,
        body: impl Into<axum::body::Body>,
    ) -> Answer {
        use tower::ServiceExt;
        let path = match endpoint {
            Endpoint::V1 => format!("/{tenant}/oauth2/token"),
            Endpoint::V2 => format!("/{tenant}/oauth2/v2.0/token"),
        };
        let request = http::Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into())
            .expect("a request");
        let response = self
            .service
            .router()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body is read")
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    /// [`TokenCloud::oneshot_token`] with a form.
    pub(crate) async fn oneshot_form(
        &self,
        endpoint: Endpoint,
        tenant: &str,
        form: &[(&str, &str)],
    ) -> Answer {
        let body = serde_urlencoded::to_string(form).expect("form encodes");
        self.oneshot_token(endpoint, tenant, body).await
    }
}

/// Asserts an AADSTS error response: status, `error`, code, and the body's diagnostic shape.
pub(crate) async fn assert_aadsts(
    response: reqwest::Response,
    status: u16,
    error: &str,
    code: u64,
) -> Value {
    check_aadsts(&Answer::read(response).await, status, error, code)
}

/// [`assert_aadsts`] for an answer already read (from the router, say).
pub(crate) fn check_aadsts(answer: &Answer, status: u16, error: &str, code: u64) -> Value {
    assert_eq!(answer.status, status);
    assert_eq!(
        answer.headers["cache-control"].to_str().expect("ascii"),
        "no-store, no-cache"
    );
    let body = answer.json();
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let description = body["error_description"].as_str().expect("description");
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    let trace_id = body["trace_id"].as_str().expect("trace id");
    let correlation_id = body["correlation_id"].as_str().expect("correlation id");
    let timestamp = body["timestamp"].as_str().expect("timestamp");
    assert!(description.ends_with(&format!(
        "\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
    )));
    assert_eq!(timestamp.len(), "2016-01-09 02:02:12Z".len(), "{timestamp}");
    body
}
