//! The SDK side: what a user's program does with `ManagedIdentityCredential`, run in the child
//! process that has the App Service variables, printing its outcome as one JSON line.

use azure_core::credentials::TokenCredential;
use azure_identity::{ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId};
use serde_json::{Value, json};

use crate::sdk_process::{CLIENT_ID_VAR, OUTCOME_PREFIX, SCOPE_VAR};

/// Not a scenario of its own: the scenarios run it in a child process (see the crate docs).
#[tokio::test]
#[ignore = "run by the scenarios in a child process that has the App Service variables"]
async fn managed_identity_credential_in_child() {
    let Ok(scope) = std::env::var(SCOPE_VAR) else {
        // Run by hand (`--ignored`) without the variables: there is nothing to ask for.
        eprintln!("{SCOPE_VAR} is not set: this helper only runs as a scenario's child");
        return;
    };
    let client_id = std::env::var(CLIENT_ID_VAR).ok();
    let outcome = get_token(&scope, client_id).await;
    println!("{OUTCOME_PREFIX}{outcome}");
}

/// Builds the credential from the environment, as the SDK documents, and asks for `scope`.
async fn get_token(scope: &str, client_id: Option<String>) -> Value {
    let options = ManagedIdentityCredentialOptions {
        user_assigned_id: client_id.map(UserAssignedId::ClientId),
        ..Default::default()
    };
    let credential = match ManagedIdentityCredential::new(Some(options)) {
        Ok(credential) => credential,
        Err(error) => return error_outcome(&error),
    };
    match credential.get_token(&[scope], None).await {
        Ok(token) => json!({"token": {
            "access_token": token.token.secret(),
            "expires_on": token.expires_on.unix_timestamp(),
        }}),
        Err(error) => error_outcome(&error),
    }
}

/// The error's kind and text, the HTTP status it wraps, and the text of each source.
fn error_outcome(error: &azure_core::Error) -> Value {
    // The credential wraps the request's error (which carries the status) in a `Credential` one.
    let status = error.http_status().or_else(|| {
        error
            .downcast_ref::<azure_core::Error>()
            .and_then(azure_core::Error::http_status)
    });
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    json!({"error": {
        "kind": error.kind().to_string(),
        "message": error.to_string(),
        "status": status.map(u16::from),
        "causes": causes,
    }})
}
