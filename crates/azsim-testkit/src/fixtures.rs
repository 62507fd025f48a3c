//! Fixtures every test suite needs: a flow-event recorder, applications with a client secret,
//! tenants, and self-signed certificates.
//!
//! They serve [`crate::FakeCloud`] and the single-service tests of the component crates alike
//! (a token service or an agent started on its own).

use std::sync::{Arc, Mutex};

use azsim_core::{EventSink, FlowEvent};
use azsim_pki::KeyPair;
#[cfg(feature = "cloud")]
use azsim_store::directory::{Tenant, insert_tenant};
#[cfg(feature = "cloud")]
use azsim_store::{Store, StoreError};

/// Flow events kept in memory, in the order they were recorded, for assertions.
#[derive(Debug, Default)]
pub struct RecordingSink {
    events: Mutex<Vec<FlowEvent>>,
}

impl RecordingSink {
    /// A new, empty recorder, ready to hand to a component as its sink.
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The events recorded so far.
    pub fn events(&self) -> Vec<FlowEvent> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl EventSink for RecordingSink {
    fn record(&self, event: FlowEvent) {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(event);
    }
}

/// An application registered in a tenant, with its service principal and a client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The tenant it is registered in.
    pub tenant_id: String,
    /// The application's client (app) id.
    pub client_id: String,
    /// Its service principal's object id: what role assignments name.
    pub object_id: String,
    /// The client secret, in the clear.
    pub secret: String,
}

#[cfg(feature = "cloud")]
/// Creates tenant `tenant_id` with `domain` as its name and default domain.
pub async fn seed_tenant(store: &Store, tenant_id: &str, domain: &str, now: i64) {
    let mut conn = store.read().await.expect("a store connection");
    insert_tenant(
        &mut conn,
        &Tenant {
            tenant_id: tenant_id.to_owned(),
            display_name: domain.to_owned(),
            default_domain: domain.to_owned(),
            created_at: now,
        },
    )
    .await
    .expect("the tenant is created");
}

#[cfg(feature = "cloud")]
/// Registers an application named `display_name` in `tenant_id` (which must exist): the
/// application, its service principal and a client secret, made the way the cloud makes its
/// administrator.
pub async fn seed_application(
    store: &Store,
    tenant_id: &str,
    display_name: &str,
    now: i64,
) -> Client {
    let result: Result<_, StoreError> = async {
        let mut tx = store.write().await?;
        let registered =
            azsim_entra::directory::register_application(&mut tx, tenant_id, display_name, now)
                .await?;
        tx.commit().await?;
        Ok(registered)
    }
    .await;
    let registered = result.expect("the application is registered");
    Client {
        tenant_id: tenant_id.to_owned(),
        client_id: registered.client_id.to_string(),
        object_id: registered.object_id.to_string(),
        secret: registered.client_secret.expose().to_owned(),
    }
}

#[cfg(feature = "cloud")]
/// Creates tenant `tenant_id` and registers an application in it.
pub async fn seed_client(store: &Store, tenant_id: &str, domain: &str, now: i64) -> Client {
    seed_tenant(store, tenant_id, domain, now).await;
    seed_application(store, tenant_id, "app", now).await
}

/// A certificate and its private key, both PEM.
#[derive(Debug, Clone)]
pub struct TestCertificate {
    /// The certificate.
    pub certificate_pem: String,
    /// The private key, PKCS#8.
    pub private_key_pem: String,
}

/// A fresh self-signed EC P-256 certificate `CN=common_name`, valid for 90 days from now by
/// the wall clock.
pub fn self_signed_certificate(common_name: &str) -> TestCertificate {
    let key = KeyPair::generate_ec_p256().expect("an EC key");
    let now = time::OffsetDateTime::now_utc();
    let certificate = azsim_pki::self_signed(
        common_name,
        &key,
        now - time::Duration::minutes(5),
        now + time::Duration::days(90),
    )
    .expect("a self-signed certificate");
    TestCertificate {
        certificate_pem: certificate.to_pem(),
        private_key_pem: key.private_key_pem(),
    }
}
