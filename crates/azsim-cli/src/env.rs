//! `azsim env`: the environment variables that point a shell's Azure clients at the running
//! cloud, as `KEY=value` lines read from `endpoints.json`.

use std::path::Path;

use azsim_cloud::Endpoints;

/// Prints the variables; `eval "$(azsim env)"` sets them in a POSIX shell.
pub(crate) fn run(data_dir: &Path) -> anyhow::Result<()> {
    let endpoints = Endpoints::read(data_dir)?;
    for (key, value) in variables(&endpoints) {
        println!("{key}={}", quote(&value));
    }
    Ok(())
}

/// The variables, in print order. The CA bundle ones are left out for a plain-HTTP cloud.
fn variables(endpoints: &Endpoints) -> Vec<(&'static str, String)> {
    let mut variables = Vec::new();
    if let Some(ca_bundle) = &endpoints.ca_bundle {
        // Python `requests` reads the first, OpenSSL-based clients (urllib, curl) the second.
        variables.push(("REQUESTS_CA_BUNDLE", ca_bundle.clone()));
        variables.push(("SSL_CERT_FILE", ca_bundle.clone()));
    }
    variables.push(("AZURE_AUTHORITY_HOST", endpoints.authority_host.clone()));
    variables.push(("AZURE_TENANT_ID", endpoints.tenant_id.clone()));
    variables.push(("AZURE_CLIENT_ID", endpoints.admin.client_id.clone()));
    variables.push(("AZURE_CLIENT_SECRET", endpoints.admin.client_secret.clone()));
    variables.push(("AZURE_SUBSCRIPTION_ID", endpoints.subscription_id.clone()));
    variables
}

/// The value as is when a shell reads it unchanged, single-quoted otherwise (a data
/// directory path with spaces).
fn quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@+=,".contains(c));
    if plain && !value.is_empty() {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn quote_leaves_urls_and_paths_bare_and_quotes_spaces() {
        assert_eq!(quote("https://127.0.0.1:7781"), "https://127.0.0.1:7781");
        assert_eq!(quote("/data dir/ca.pem"), "'/data dir/ca.pem'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
