//! The directory (written by the token service): tenants, applications, service principals
//! and their credentials.

use sqlx::FromRow;

use crate::{Connection, StoreError};

/// A directory tenant.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Tenant {
    /// The tenant id (lower-case GUID).
    pub tenant_id: String,
    /// The display name (what AADSTS messages call "the directory").
    pub display_name: String,
    /// The default domain, e.g. `contoso.onmicrosoft.com` (unique, case-insensitive).
    pub default_domain: String,
    /// When it was created (unix seconds).
    pub created_at: i64,
}

/// An application registration (ordinary applications only; managed identities have none).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Application {
    /// The application (client) id.
    pub app_id: String,
    /// The tenant that owns the registration.
    pub tenant_id: String,
    /// The display name.
    pub display_name: String,
    /// When it was created (unix seconds).
    pub created_at: i64,
}

/// What kind of object a service principal stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    /// The principal of an application registration.
    Application,
    /// The principal of a managed identity.
    ManagedIdentity,
}

impl PrincipalType {
    /// The value stored in the `principal_type` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Application => "Application",
            Self::ManagedIdentity => "ManagedIdentity",
        }
    }

    fn parse(value: &str) -> Result<Self, StoreError> {
        match value {
            "Application" => Ok(Self::Application),
            "ManagedIdentity" => Ok(Self::ManagedIdentity),
            other => Err(StoreError::Corrupt(format!("principal type '{other}'"))),
        }
    }
}

/// A service principal: the identity that signs in and that roles are granted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePrincipal {
    /// The object (principal) id: the token's `oid`.
    pub object_id: String,
    /// The tenant the principal lives in.
    pub tenant_id: String,
    /// The client id: the token's `appid`.
    pub app_id: String,
    /// The application registration, for an application's principal (equals `app_id`).
    pub application_id: Option<String>,
    /// The display name.
    pub display_name: String,
    /// Application or managed identity.
    pub principal_type: PrincipalType,
    /// For a managed identity: its ARM id (the token's `xms_mirid`).
    pub managed_identity_resource_id: Option<String>,
    /// When it was created (unix seconds).
    pub created_at: i64,
}

/// A client secret, kept only as its SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SecretCredential {
    /// The credential (key) id.
    pub credential_id: String,
    /// The service principal it belongs to.
    pub object_id: String,
    /// SHA-256 of the secret's UTF-8 bytes, lower-case hex.
    pub secret_sha256: String,
    /// Start of validity (unix seconds).
    pub not_before: i64,
    /// End of validity (unix seconds).
    pub not_after: i64,
    /// When it was added (unix seconds).
    pub created_at: i64,
}

/// A certificate a service principal authenticates with (client assertions).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CertificateCredential {
    /// The credential (key) id.
    pub credential_id: String,
    /// The service principal it belongs to.
    pub object_id: String,
    /// The DER-encoded certificate.
    pub certificate_der: Vec<u8>,
    /// SHA-1 thumbprint, upper-case hex.
    pub thumbprint_sha1: String,
    /// SHA-256 thumbprint, upper-case hex.
    pub thumbprint_sha256: String,
    /// Start of validity (unix seconds).
    pub not_before: i64,
    /// End of validity (unix seconds).
    pub not_after: i64,
    /// When it was added (unix seconds).
    pub created_at: i64,
}

// === Tenants ===

/// Adds a tenant.
pub async fn insert_tenant(conn: &mut Connection, tenant: &Tenant) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tenants (tenant_id, display_name, default_domain, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(&tenant.tenant_id)
    .bind(&tenant.display_name)
    .bind(&tenant.default_domain)
    .bind(tenant.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a tenant"))?;
    Ok(())
}

/// Finds a tenant by id or by default domain, ignoring case.
pub async fn find_tenant(
    conn: &mut Connection,
    tenant_id_or_domain: &str,
) -> Result<Option<Tenant>, StoreError> {
    sqlx::query_as::<_, Tenant>(
        "SELECT tenant_id, display_name, default_domain, created_at FROM tenants
         WHERE lower(tenant_id) = lower(?1) OR default_domain = ?1 COLLATE NOCASE",
    )
    .bind(tenant_id_or_domain)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("finding a tenant"))
}

/// All tenants, oldest first.
pub async fn list_tenants(conn: &mut Connection) -> Result<Vec<Tenant>, StoreError> {
    sqlx::query_as::<_, Tenant>(
        "SELECT tenant_id, display_name, default_domain, created_at FROM tenants
         ORDER BY created_at, tenant_id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("listing tenants"))
}

// === Applications ===

/// Adds an application registration.
pub async fn insert_application(
    conn: &mut Connection,
    application: &Application,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO applications (app_id, tenant_id, display_name, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(&application.app_id)
    .bind(&application.tenant_id)
    .bind(&application.display_name)
    .bind(application.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting an application"))?;
    Ok(())
}

/// Finds an application registration by app id, ignoring case.
pub async fn find_application(
    conn: &mut Connection,
    app_id: &str,
) -> Result<Option<Application>, StoreError> {
    sqlx::query_as::<_, Application>(
        "SELECT app_id, tenant_id, display_name, created_at FROM applications
         WHERE lower(app_id) = lower(?1)",
    )
    .bind(app_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("finding an application"))
}

/// Deletes an application registration (its service principal and credentials go with it).
/// Returns whether it existed.
pub async fn delete_application(conn: &mut Connection, app_id: &str) -> Result<bool, StoreError> {
    let result = sqlx::query("DELETE FROM applications WHERE lower(app_id) = lower(?1)")
        .bind(app_id)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("deleting an application"))?;
    Ok(result.rows_affected() > 0)
}

// === Service principals ===

const PRINCIPAL_COLUMNS: &str = "object_id, tenant_id, app_id, application_id, display_name, \
     principal_type, managed_identity_resource_id, created_at";

/// Adds a service principal.
pub async fn insert_service_principal(
    conn: &mut Connection,
    principal: &ServicePrincipal,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO service_principals (object_id, tenant_id, app_id, application_id,
             display_name, principal_type, managed_identity_resource_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&principal.object_id)
    .bind(&principal.tenant_id)
    .bind(&principal.app_id)
    .bind(&principal.application_id)
    .bind(&principal.display_name)
    .bind(principal.principal_type.as_str())
    .bind(&principal.managed_identity_resource_id)
    .bind(principal.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a service principal"))?;
    Ok(())
}

/// Finds a service principal by object id, ignoring case.
pub async fn find_service_principal(
    conn: &mut Connection,
    object_id: &str,
) -> Result<Option<ServicePrincipal>, StoreError> {
    let row = sqlx::query_as::<_, PrincipalRow>(&format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM service_principals WHERE lower(object_id) = lower(?1)"
    ))
    .bind(object_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("finding a service principal"))?;
    row.map(ServicePrincipal::try_from).transpose()
}

/// Finds the service principal with client id `app_id` in a tenant, ignoring case.
pub async fn find_service_principal_by_app_id(
    conn: &mut Connection,
    tenant_id: &str,
    app_id: &str,
) -> Result<Option<ServicePrincipal>, StoreError> {
    let row = sqlx::query_as::<_, PrincipalRow>(&format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM service_principals
         WHERE tenant_id = ?1 AND lower(app_id) = lower(?2)"
    ))
    .bind(tenant_id)
    .bind(app_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("finding a service principal by app id"))?;
    row.map(ServicePrincipal::try_from).transpose()
}

/// Deletes a service principal and, by cascade, its credentials. Returns whether it existed.
pub async fn delete_service_principal(
    conn: &mut Connection,
    object_id: &str,
) -> Result<bool, StoreError> {
    let result = sqlx::query("DELETE FROM service_principals WHERE lower(object_id) = lower(?1)")
        .bind(object_id)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("deleting a service principal"))?;
    Ok(result.rows_affected() > 0)
}

/// A `service_principals` row as read, before its type is decoded.
#[derive(FromRow)]
struct PrincipalRow {
    object_id: String,
    tenant_id: String,
    app_id: String,
    application_id: Option<String>,
    display_name: String,
    principal_type: String,
    managed_identity_resource_id: Option<String>,
    created_at: i64,
}

impl TryFrom<PrincipalRow> for ServicePrincipal {
    type Error = StoreError;

    fn try_from(row: PrincipalRow) -> Result<Self, StoreError> {
        Ok(Self {
            object_id: row.object_id,
            tenant_id: row.tenant_id,
            app_id: row.app_id,
            application_id: row.application_id,
            display_name: row.display_name,
            principal_type: PrincipalType::parse(&row.principal_type)?,
            managed_identity_resource_id: row.managed_identity_resource_id,
            created_at: row.created_at,
        })
    }
}

// === Credentials ===

/// Adds a client secret credential.
pub async fn insert_secret_credential(
    conn: &mut Connection,
    credential: &SecretCredential,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO credentials (credential_id, object_id, kind, secret_sha256,
             not_before, not_after, created_at)
         VALUES (?1, ?2, 'secret', ?3, ?4, ?5, ?6)",
    )
    .bind(&credential.credential_id)
    .bind(&credential.object_id)
    .bind(&credential.secret_sha256)
    .bind(credential.not_before)
    .bind(credential.not_after)
    .bind(credential.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a secret credential"))?;
    Ok(())
}

/// Adds a certificate credential.
pub async fn insert_certificate_credential(
    conn: &mut Connection,
    credential: &CertificateCredential,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO credentials (credential_id, object_id, kind, certificate_der,
             thumbprint_sha1, thumbprint_sha256, not_before, not_after, created_at)
         VALUES (?1, ?2, 'certificate', ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(&credential.credential_id)
    .bind(&credential.object_id)
    .bind(&credential.certificate_der)
    .bind(&credential.thumbprint_sha1)
    .bind(&credential.thumbprint_sha256)
    .bind(credential.not_before)
    .bind(credential.not_after)
    .bind(credential.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a certificate credential"))?;
    Ok(())
}

/// The secret credentials of a service principal, oldest first.
pub async fn list_secret_credentials(
    conn: &mut Connection,
    object_id: &str,
) -> Result<Vec<SecretCredential>, StoreError> {
    sqlx::query_as::<_, SecretCredential>(
        "SELECT credential_id, object_id, secret_sha256, not_before, not_after, created_at
         FROM credentials WHERE object_id = ?1 AND kind = 'secret'
         ORDER BY created_at, credential_id",
    )
    .bind(object_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("listing secret credentials"))
}

/// The certificate credentials of a service principal, oldest first.
pub async fn list_certificate_credentials(
    conn: &mut Connection,
    object_id: &str,
) -> Result<Vec<CertificateCredential>, StoreError> {
    sqlx::query_as::<_, CertificateCredential>(
        "SELECT credential_id, object_id, certificate_der, thumbprint_sha1, thumbprint_sha256,
             not_before, not_after, created_at
         FROM credentials WHERE object_id = ?1 AND kind = 'certificate'
         ORDER BY created_at, credential_id",
    )
    .bind(object_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("listing certificate credentials"))
}

/// Removes one credential (a rolled-over certificate, a revoked secret). Returns whether it
/// existed.
pub async fn delete_credential(
    conn: &mut Connection,
    credential_id: &str,
) -> Result<bool, StoreError> {
    let result = sqlx::query("DELETE FROM credentials WHERE credential_id = ?1")
        .bind(credential_id)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("deleting a credential"))?;
    Ok(result.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    async fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
        (dir, store)
    }

    fn tenant() -> Tenant {
        Tenant {
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".to_owned(),
            display_name: "Contoso".to_owned(),
            default_domain: "contoso.onmicrosoft.com".to_owned(),
            created_at: 1_000,
        }
    }

    fn application_principal(tenant_id: &str) -> (Application, ServicePrincipal) {
        let app_id = "11111111-2222-3333-4444-555555555555".to_owned();
        (
            Application {
                app_id: app_id.clone(),
                tenant_id: tenant_id.to_owned(),
                display_name: "billing-app".to_owned(),
                created_at: 1_001,
            },
            ServicePrincipal {
                object_id: "aaaaaaaa-0000-0000-0000-000000000001".to_owned(),
                tenant_id: tenant_id.to_owned(),
                app_id: app_id.clone(),
                application_id: Some(app_id),
                display_name: "billing-app".to_owned(),
                principal_type: PrincipalType::Application,
                managed_identity_resource_id: None,
                created_at: 1_002,
            },
        )
    }

    fn managed_identity_principal(tenant_id: &str) -> ServicePrincipal {
        ServicePrincipal {
            object_id: "bbbbbbbb-0000-0000-0000-000000000002".to_owned(),
            tenant_id: tenant_id.to_owned(),
            app_id: "cccccccc-0000-0000-0000-000000000003".to_owned(),
            application_id: None,
            display_name: "vm-1".to_owned(),
            principal_type: PrincipalType::ManagedIdentity,
            managed_identity_resource_id: Some(
                "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1"
                    .to_owned(),
            ),
            created_at: 1_003,
        }
    }

    fn secret(object_id: &str) -> SecretCredential {
        SecretCredential {
            credential_id: "secret-1".to_owned(),
            object_id: object_id.to_owned(),
            secret_sha256: "ab".repeat(32),
            not_before: 1_000,
            not_after: 2_000,
            created_at: 1_000,
        }
    }

    fn certificate(object_id: &str) -> CertificateCredential {
        CertificateCredential {
            credential_id: "certificate-1".to_owned(),
            object_id: object_id.to_owned(),
            certificate_der: vec![0x30, 0x82, 0x01, 0x02],
            thumbprint_sha1: "A".repeat(40),
            thumbprint_sha256: "B".repeat(64),
            not_before: 1_000,
            not_after: 3_000,
            created_at: 1_000,
        }
    }

    #[tokio::test]
    async fn tenant_is_found_by_id_or_domain_in_any_case() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        insert_tenant(&mut conn, &tenant()).await.unwrap();

        for key in [
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
            "contoso.onmicrosoft.com",
            "Contoso.OnMicrosoft.com",
        ] {
            assert_eq!(
                find_tenant(&mut conn, key).await.unwrap(),
                Some(tenant()),
                "{key}"
            );
        }
        assert_eq!(
            find_tenant(&mut conn, "fabrikam.onmicrosoft.com")
                .await
                .unwrap(),
            None
        );
        assert_eq!(list_tenants(&mut conn).await.unwrap(), vec![tenant()]);
    }

    #[tokio::test]
    async fn duplicate_tenant_domain_is_a_conflict() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        insert_tenant(&mut conn, &tenant()).await.unwrap();
        let mut other = tenant();
        other.tenant_id = "00000000-0000-0000-0000-000000000009".to_owned();
        other.default_domain = "CONTOSO.onmicrosoft.com".to_owned();
        let error = insert_tenant(&mut conn, &other).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn service_principals_round_trip_and_are_found_by_app_id() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        let tenant = tenant();
        insert_tenant(&mut conn, &tenant).await.unwrap();
        let (application, principal) = application_principal(&tenant.tenant_id);
        insert_application(&mut conn, &application).await.unwrap();
        insert_service_principal(&mut conn, &principal)
            .await
            .unwrap();
        let identity = managed_identity_principal(&tenant.tenant_id);
        insert_service_principal(&mut conn, &identity)
            .await
            .unwrap();

        assert_eq!(
            find_application(&mut conn, &application.app_id)
                .await
                .unwrap(),
            Some(application.clone())
        );
        assert_eq!(
            find_service_principal(&mut conn, &principal.object_id)
                .await
                .unwrap(),
            Some(principal.clone())
        );
        assert_eq!(
            find_service_principal_by_app_id(
                &mut conn,
                &tenant.tenant_id,
                &identity.app_id.to_uppercase()
            )
            .await
            .unwrap(),
            Some(identity.clone())
        );
        assert_eq!(
            find_service_principal_by_app_id(&mut conn, "other-tenant", &identity.app_id)
                .await
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn deleting_a_service_principal_deletes_its_credentials() {
        let (_dir, store) = open().await;
        let mut transaction = store.write().await.unwrap();
        let tenant = tenant();
        insert_tenant(&mut transaction, &tenant).await.unwrap();
        let identity = managed_identity_principal(&tenant.tenant_id);
        insert_service_principal(&mut transaction, &identity)
            .await
            .unwrap();
        insert_secret_credential(&mut transaction, &secret(&identity.object_id))
            .await
            .unwrap();
        insert_certificate_credential(&mut transaction, &certificate(&identity.object_id))
            .await
            .unwrap();
        transaction.commit().await.unwrap();

        let mut conn = store.read().await.unwrap();
        assert_eq!(
            list_secret_credentials(&mut conn, &identity.object_id)
                .await
                .unwrap(),
            vec![secret(&identity.object_id)]
        );
        assert_eq!(
            list_certificate_credentials(&mut conn, &identity.object_id)
                .await
                .unwrap(),
            vec![certificate(&identity.object_id)]
        );

        assert!(
            delete_service_principal(&mut conn, &identity.object_id)
                .await
                .unwrap()
        );
        assert!(
            !delete_service_principal(&mut conn, &identity.object_id)
                .await
                .unwrap()
        );
        assert_eq!(
            find_service_principal(&mut conn, &identity.object_id)
                .await
                .unwrap(),
            None
        );
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM credentials")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }

    #[tokio::test]
    async fn deleting_an_application_deletes_its_principal() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        let tenant = tenant();
        insert_tenant(&mut conn, &tenant).await.unwrap();
        let (application, principal) = application_principal(&tenant.tenant_id);
        insert_application(&mut conn, &application).await.unwrap();
        insert_service_principal(&mut conn, &principal)
            .await
            .unwrap();
        insert_secret_credential(&mut conn, &secret(&principal.object_id))
            .await
            .unwrap();

        assert!(
            delete_application(&mut conn, &application.app_id)
                .await
                .unwrap()
        );
        assert_eq!(
            find_service_principal(&mut conn, &principal.object_id)
                .await
                .unwrap(),
            None
        );
        assert!(
            list_secret_credentials(&mut conn, &principal.object_id)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_single_credential_can_be_removed() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        let tenant = tenant();
        insert_tenant(&mut conn, &tenant).await.unwrap();
        let identity = managed_identity_principal(&tenant.tenant_id);
        insert_service_principal(&mut conn, &identity)
            .await
            .unwrap();
        insert_certificate_credential(&mut conn, &certificate(&identity.object_id))
            .await
            .unwrap();
        assert!(delete_credential(&mut conn, "certificate-1").await.unwrap());
        assert!(!delete_credential(&mut conn, "certificate-1").await.unwrap());
        assert!(
            list_certificate_credentials(&mut conn, &identity.object_id)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn managed_identity_principal_without_resource_id_is_refused_by_the_schema() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        let tenant = tenant();
        insert_tenant(&mut conn, &tenant).await.unwrap();
        let mut identity = managed_identity_principal(&tenant.tenant_id);
        identity.managed_identity_resource_id = None;
        assert!(
            insert_service_principal(&mut conn, &identity)
                .await
                .is_err()
        );
    }
}
