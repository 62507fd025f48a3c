//! The App Service flavour of the managed-identity endpoint, as workloads find it:
//! `IDENTITY_ENDPOINT=http://<agent address>/msi/token` and `IDENTITY_HEADER=<the VM's secret>`,
//! the pair every Azure SDK honours (the Rust, Go and .NET ones ignore
//! `AZURE_POD_IDENTITY_AUTHORITY_HOST`).

use std::net::SocketAddr;

/// The path of the endpoint on every agent, the one App Service documents.
pub const APP_SERVICE_TOKEN_PATH: &str = "/msi/token";

/// The one `api-version` the endpoint accepts.
pub(crate) const APP_SERVICE_API_VERSION: &str = "2019-08-01";

/// The header a workload sends the secret in.
pub(crate) const IDENTITY_HEADER_NAME: &str = "X-IDENTITY-HEADER";

/// `IDENTITY_ENDPOINT` for the agent listening on `address`.
pub fn identity_endpoint(address: SocketAddr) -> String {
    format!("http://{address}{APP_SERVICE_TOKEN_PATH}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_endpoint_is_the_agent_address_and_path() {
        let address: SocketAddr = "127.0.0.1:41564".parse().unwrap();
        assert_eq!(
            identity_endpoint(address),
            "http://127.0.0.1:41564/msi/token"
        );
    }
}
