//! Registering an application in the directory: the application, its service principal and a
//! client secret, as Entra creates them for an app registration. The bootstrap administrator
//! and `azsim ad app create` are both made this way.

use std::time::Duration;

use azsim_store::directory::{
    Application, PrincipalType, SecretCredential, ServicePrincipal, insert_application,
    insert_secret_credential, insert_service_principal,
};
use azsim_store::{Connection, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A client secret lives as long as a real one may (two years).
const SECRET_VALIDITY: Duration = Duration::from_secs(2 * 365 * 24 * 3600);

/// What [`register_application`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredApplication {
    /// The application's client (app) id.
    pub client_id: String,
    /// Its service principal's object id.
    pub object_id: String,
    /// The client secret, in the clear (the directory keeps only its SHA-256).
    pub client_secret: String,
}

/// Creates an application named `display_name` in `tenant_id`, its service principal and a new
/// client secret, in the caller's transaction.
pub async fn register_application(
    conn: &mut Connection,
    tenant_id: &str,
    display_name: &str,
    now: i64,
) -> Result<RegisteredApplication, StoreError> {
    let client_id = uuid::Uuid::new_v4().to_string();
    let object_id = uuid::Uuid::new_v4().to_string();
    let client_secret = new_client_secret();
    insert_application(
        conn,
        &Application {
            app_id: client_id.clone(),
            tenant_id: tenant_id.to_owned(),
            display_name: display_name.to_owned(),
            created_at: now,
        },
    )
    .await?;
    insert_service_principal(
        conn,
        &ServicePrincipal {
            object_id: object_id.clone(),
            tenant_id: tenant_id.to_owned(),
            app_id: client_id.clone(),
            application_id: Some(client_id.clone()),
            display_name: display_name.to_owned(),
            principal_type: PrincipalType::Application,
            managed_identity_resource_id: None,
            created_at: now,
        },
    )
    .await?;
    insert_secret_credential(
        conn,
        &SecretCredential {
            credential_id: uuid::Uuid::new_v4().to_string(),
            object_id: object_id.clone(),
            secret_sha256: hex::encode(Sha256::digest(client_secret.as_bytes())),
            // A few minutes' grace, as Entra gives, for clocks slightly behind.
            not_before: now - 300,
            not_after: now + i64::try_from(SECRET_VALIDITY.as_secs()).unwrap_or(i64::MAX),
            created_at: now,
        },
    )
    .await?;
    Ok(RegisteredApplication {
        client_id,
        object_id,
        client_secret,
    })
}

/// A client secret in the style of Entra's: 40 characters of base64url randomness.
fn new_client_secret() -> String {
    let mut bytes = [0u8; 30];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
