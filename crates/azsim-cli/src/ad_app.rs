//! `azsim ad app create`: a developer's own application and service principal in the cloud's
//! tenant, with a client secret and optionally a certificate credential, so their code can
//! sign in with MSAL as it would against a real directory.
//!
//! It writes the directory directly (same database file as the running cloud), through the
//! directory's owner `azsim_entra::directory`: the token service reads the directory on every
//! request, so the new app can sign in at once. The database is opened without migrating it:
//! the running cloud owns its schema.

use std::path::Path;

use anyhow::Context;
use azsim_cloud::{DATABASE_FILE, Endpoints};
use azsim_core::{Clock, SystemClock};
use azsim_entra::directory::{
    RegisteredApplication, add_certificate_credential, register_application,
};
use azsim_pki::Certificate;
use azsim_store::Store;
use serde_json::json;

use crate::args::AdAppCreateArgs;

/// What `create` made: printed as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreatedApp {
    pub(crate) client_id: String,
    pub(crate) object_id: String,
    pub(crate) tenant_id: String,
    pub(crate) client_secret: String,
}

/// Creates the application and prints `{"client_id","object_id","tenant_id","client_secret"}`.
pub(crate) async fn create(data_dir: &Path, args: AdAppCreateArgs) -> anyhow::Result<()> {
    let endpoints = Endpoints::read(data_dir)?;
    let certificate = match &args.cert_file {
        Some(path) => {
            let pem = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Some(
                Certificate::from_pem(&pem)
                    .with_context(|| format!("{} holds no PEM certificate", path.display()))?,
            )
        }
        None => None,
    };
    let store = Store::open_existing(&data_dir.join(DATABASE_FILE)).await?;
    let created = insert(
        &store,
        &SystemClock,
        &endpoints.tenant_id,
        &args.name,
        certificate.as_ref(),
    )
    .await?;
    let output = json!({
        "client_id": created.client_id,
        "object_id": created.object_id,
        "tenant_id": created.tenant_id,
        "client_secret": created.client_secret,
    });
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}

/// Writes the application, its service principal, a new client secret and the certificate
/// (if any) in one transaction: a failure half-way leaves no app without its credentials.
pub(crate) async fn insert(
    store: &Store,
    clock: &dyn Clock,
    tenant_id: &str,
    name: &str,
    certificate: Option<&Certificate>,
) -> anyhow::Result<CreatedApp> {
    let now = clock.unix_seconds();
    let mut tx = store.write().await?;
    let RegisteredApplication {
        client_id,
        object_id,
        client_secret,
    } = register_application(&mut tx, tenant_id, name, now).await?;
    if let Some(certificate) = certificate {
        add_certificate_credential(&mut tx, object_id.as_str(), certificate, now).await?;
    }
    tx.commit().await?;
    tracing::info!(%client_id, %object_id, "created an application");
    Ok(CreatedApp {
        client_id: client_id.to_string(),
        object_id: object_id.to_string(),
        tenant_id: tenant_id.to_owned(),
        client_secret: client_secret.expose().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use azsim_core::ManualClock;
    use azsim_pki::{KeyPair, self_signed};
    use azsim_store::directory::{
        Tenant, find_service_principal_by_app_id, insert_tenant, list_certificate_credentials,
        list_secret_credentials,
    };

    use super::*;
    use azsim_entra::directory::ClientSecret;
    use azsim_store::directory::PrincipalType;

    async fn store_with_tenant(dir: &Path, tenant_id: &str) -> Store {
        let store = Store::open(&dir.join(DATABASE_FILE)).await.unwrap();
        let mut tx = store.write().await.unwrap();
        insert_tenant(
            &mut tx,
            &Tenant {
                tenant_id: tenant_id.into(),
                display_name: "t".into(),
                default_domain: "t.onmicrosoft.com".into(),
                created_at: 0,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        store
    }

    #[tokio::test]
    async fn create_app_stores_principal_hashed_secret_and_certificate_thumbprints() {
        let dir = tempfile::tempdir().unwrap();
        let tenant_id = uuid::Uuid::new_v4().to_string();
        let store = store_with_tenant(dir.path(), &tenant_id).await;
        let clock = ManualClock::starting_now();
        let now = clock.now();
        let key = KeyPair::generate_rsa(2048).unwrap();
        let certificate = self_signed(
            "my-app",
            &key,
            now - time::Duration::minutes(5),
            now + time::Duration::days(30),
        )
        .unwrap();

        let created = insert(&store, &clock, &tenant_id, "my-app", Some(&certificate))
            .await
            .unwrap();

        let mut conn = store.read().await.unwrap();
        let principal = find_service_principal_by_app_id(&mut conn, &tenant_id, &created.client_id)
            .await
            .unwrap()
            .expect("the new app's principal");
        assert_eq!(principal.object_id, created.object_id);
        assert_eq!(principal.display_name, "my-app");
        assert_eq!(principal.principal_type, PrincipalType::Application);
        let secrets = list_secret_credentials(&mut conn, &created.object_id)
            .await
            .unwrap();
        assert_eq!(secrets.len(), 1);
        assert_eq!(
            secrets[0].secret_sha256,
            ClientSecret::new(created.client_secret.clone()).digest()
        );
        let two_years = 2 * 365 * 24 * 3600;
        assert_eq!(secrets[0].not_after, clock.unix_seconds() + two_years);
        let certificates = list_certificate_credentials(&mut conn, &created.object_id)
            .await
            .unwrap();
        assert_eq!(certificates.len(), 1);
        assert_eq!(
            certificates[0].thumbprint_sha1,
            certificate.thumbprints().sha1_hex()
        );
        assert_eq!(certificates[0].certificate_der, certificate.to_der());
        assert_eq!(certificates[0].not_after, certificate.not_after_unix());
    }

    #[tokio::test]
    async fn create_app_without_certificate_adds_only_a_secret_and_each_app_is_new() {
        let dir = tempfile::tempdir().unwrap();
        let tenant_id = uuid::Uuid::new_v4().to_string();
        let store = store_with_tenant(dir.path(), &tenant_id).await;
        let clock = ManualClock::starting_now();

        let first = insert(&store, &clock, &tenant_id, "a", None).await.unwrap();
        let second = insert(&store, &clock, &tenant_id, "a", None).await.unwrap();

        assert_ne!(first.client_id, second.client_id);
        assert_ne!(first.client_secret, second.client_secret);
        assert_eq!(first.client_secret.len(), 40);
        let mut conn = store.read().await.unwrap();
        let certificates = list_certificate_credentials(&mut conn, &first.object_id)
            .await
            .unwrap();
        assert!(certificates.is_empty());
    }
}
