//! The directory's owner: how applications, service principals and their credentials come
//! into being, whoever asks (the cloud's first start, MSRP, `azsim ad app create`, test kits).
//!
//! `azsim_store::directory` holds only the SQL; the rules live here: an application comes with
//! its principal and a client secret, a managed identity's principal comes with its identity
//! row and certificate credential, a credential is valid exactly while its certificate is, and
//! a client secret is kept only as its digest ([`ClientSecret`]).
//!
//! Every function works in the caller's connection or transaction, so a caller composes them
//! with its own writes and commits once.

mod secret;

use std::time::Duration;

use azsim_core::{ClientId, ObjectId, ResourceId};
use azsim_pki::Certificate;
use azsim_store::directory::{
    Application, CertificateCredential, PrincipalType, SecretCredential, ServicePrincipal,
    delete_credential, insert_application, insert_certificate_credential, insert_secret_credential,
    insert_service_principal, list_secret_credentials,
};
use azsim_store::identities::{IdentityKind, NewManagedIdentity, insert_managed_identity};
use azsim_store::{Connection, StoreError};
use serde_json::{Map, Value};

pub use secret::ClientSecret;

/// A client secret lives as long as a real one may (two years).
const SECRET_VALIDITY: Duration = Duration::from_secs(2 * 365 * 24 * 3600);

/// A few minutes' grace before a new secret's creation, as Entra gives, for clocks slightly
/// behind.
const SECRET_GRACE_SECONDS: i64 = 300;

/// What [`register_application`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredApplication {
    /// The application's client (app) id.
    pub client_id: ClientId,
    /// Its service principal's object id.
    pub object_id: ObjectId,
    /// The client secret, in the clear: the directory keeps only its digest, so this is the
    /// one chance to hand it out.
    pub client_secret: ClientSecret,
}

/// Registers an application named `display_name` in `tenant_id`: the application, its
/// service principal and a new client secret valid for two years from `now` (unix seconds),
/// in the caller's transaction.
pub async fn register_application(
    conn: &mut Connection,
    tenant_id: &str,
    display_name: &str,
    now: i64,
) -> Result<RegisteredApplication, StoreError> {
    let client_id = ClientId::new_random();
    let object_id = ObjectId::new_random();
    let client_secret = ClientSecret::generate();
    insert_application(
        conn,
        &Application {
            app_id: client_id.to_string(),
            tenant_id: tenant_id.to_owned(),
            display_name: display_name.to_owned(),
            created_at: now,
        },
    )
    .await?;
    insert_service_principal(
        conn,
        &ServicePrincipal {
            object_id: object_id.to_string(),
            tenant_id: tenant_id.to_owned(),
            app_id: client_id.to_string(),
            application_id: Some(client_id.to_string()),
            display_name: display_name.to_owned(),
            principal_type: PrincipalType::Application,
            managed_identity_resource_id: None,
            created_at: now,
        },
    )
    .await?;
    add_client_secret(conn, object_id.as_str(), &client_secret, now).await?;
    Ok(RegisteredApplication {
        client_id,
        object_id,
        client_secret,
    })
}

/// Replaces every client secret of the service principal `object_id` with a new one valid
/// for two years from `now`, as `az ad sp credential reset` does without `--append`: whoever
/// held an old secret can no longer sign in with it. Returns the new secret in the clear (the
/// directory keeps only its digest, so this is the one chance to hand it out).
pub async fn reset_client_secret(
    conn: &mut Connection,
    object_id: &str,
    now: i64,
) -> Result<ClientSecret, StoreError> {
    for old in list_secret_credentials(conn, object_id).await? {
        delete_credential(conn, &old.credential_id).await?;
    }
    let client_secret = ClientSecret::generate();
    add_client_secret(conn, object_id, &client_secret, now).await?;
    Ok(client_secret)
}

/// Whether `secret` is a client secret of the service principal `object_id` valid at `now`.
pub async fn is_valid_client_secret(
    conn: &mut Connection,
    object_id: &str,
    secret: &ClientSecret,
    now: i64,
) -> Result<bool, StoreError> {
    Ok(list_secret_credentials(conn, object_id)
        .await?
        .iter()
        .any(|credential| {
            credential.not_before <= now
                && now < credential.not_after
                && secret.verify(&credential.secret_sha256)
        }))
}

/// Stores `secret`'s digest as a credential of `object_id`, valid for two years from `now`.
async fn add_client_secret(
    conn: &mut Connection,
    object_id: &str,
    secret: &ClientSecret,
    now: i64,
) -> Result<(), StoreError> {
    insert_secret_credential(
        conn,
        &SecretCredential {
            credential_id: uuid::Uuid::new_v4().to_string(),
            object_id: object_id.to_owned(),
            secret_sha256: secret.digest(),
            not_before: now - SECRET_GRACE_SECONDS,
            not_after: now + i64::try_from(SECRET_VALIDITY.as_secs()).unwrap_or(i64::MAX),
            created_at: now,
        },
    )
    .await
}

/// Registers `certificate` as a credential of the service principal `object_id`, valid
/// exactly while the certificate is; `now` (unix seconds) is when it was added.
pub async fn add_certificate_credential(
    conn: &mut Connection,
    object_id: &str,
    certificate: &Certificate,
    now: i64,
) -> Result<CertificateCredential, StoreError> {
    let thumbprints = certificate.thumbprints();
    let credential = CertificateCredential {
        credential_id: uuid::Uuid::new_v4().to_string(),
        object_id: object_id.to_owned(),
        certificate_der: certificate.to_der(),
        thumbprint_sha1: thumbprints.sha1_hex(),
        thumbprint_sha256: thumbprints.sha256_hex(),
        not_before: certificate.not_before_unix(),
        not_after: certificate.not_after_unix(),
        created_at: now,
    };
    insert_certificate_credential(conn, &credential).await?;
    Ok(credential)
}

/// What a managed identity belongs to, which decides its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagedIdentityOwner<'a> {
    /// A VM's own (system-assigned) identity, which dies with the VM.
    SystemAssigned {
        /// The VM's row.
        vm_row: i64,
    },
    /// A user-assigned identity: a resource of its own in a resource group.
    UserAssigned {
        /// Its resource group's row.
        resource_group_row: i64,
        /// Its name, with the casing given at creation.
        name: &'a str,
    },
}

/// A managed identity to create, with its principal.
#[derive(Debug, Clone, Copy)]
pub struct NewManagedIdentityPrincipal<'a> {
    /// The principal's object id (the identity's `principalId`, the token's `oid`).
    pub object_id: &'a ObjectId,
    /// The principal's client id (the identity's `clientId`, the token's `appid`).
    pub client_id: &'a ClientId,
    /// The tenant the principal lives in: the one the subscription trusts.
    pub tenant_id: &'a str,
    /// The VM or resource group the identity belongs to.
    pub owner: ManagedIdentityOwner<'a>,
    /// The identity's ARM id (the VM's for a system-assigned one); stored in the `xms_mirid`
    /// form tokens carry.
    pub resource_id: &'a ResourceId,
    /// The principal's display name (the VM's or the identity's name).
    pub display_name: &'a str,
    /// The identity's normalised region.
    pub location: &'a str,
    /// The identity's tags.
    pub tags: &'a Map<String, Value>,
    /// The certificate the identity signs client assertions with, registered as the
    /// principal's credential.
    pub certificate: &'a Certificate,
    /// The current time (unix seconds).
    pub now: i64,
}

/// Creates a managed identity's service principal (type `ManagedIdentity`, `xms_mirid` = its
/// resource id), its identity row and its certificate credential, in the caller's
/// transaction. Returns the identity's row.
pub async fn create_managed_identity_principal(
    conn: &mut Connection,
    identity: &NewManagedIdentityPrincipal<'_>,
) -> Result<i64, StoreError> {
    let mirid = identity.resource_id.mirid();
    insert_service_principal(
        conn,
        &ServicePrincipal {
            object_id: identity.object_id.to_string(),
            tenant_id: identity.tenant_id.to_owned(),
            app_id: identity.client_id.to_string(),
            application_id: None,
            display_name: identity.display_name.to_owned(),
            principal_type: PrincipalType::ManagedIdentity,
            managed_identity_resource_id: Some(mirid.clone()),
            created_at: identity.now,
        },
    )
    .await?;
    let (kind, vm_row, resource_group_row, name) = match identity.owner {
        ManagedIdentityOwner::SystemAssigned { vm_row } => {
            (IdentityKind::SystemAssigned, Some(vm_row), None, None)
        }
        ManagedIdentityOwner::UserAssigned {
            resource_group_row,
            name,
        } => (
            IdentityKind::UserAssigned,
            None,
            Some(resource_group_row),
            Some(name),
        ),
    };
    let identity_row = insert_managed_identity(
        conn,
        &NewManagedIdentity {
            kind,
            vm_row,
            resource_group_row,
            name,
            resource_id: &mirid,
            tenant_id: identity.tenant_id,
            principal_id: identity.object_id.as_str(),
            client_id: identity.client_id.as_str(),
            location: identity.location,
            tags: identity.tags,
            created_at: identity.now,
        },
    )
    .await?;
    add_certificate_credential(
        conn,
        identity.object_id.as_str(),
        identity.certificate,
        identity.now,
    )
    .await?;
    Ok(identity_row)
}

#[cfg(test)]
mod tests;
