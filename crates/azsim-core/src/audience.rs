//! Resource URIs (token audiences) of the services azsim simulates.

/// The audiences Azure Resource Manager accepts, exactly as the real service lists them.
pub const MANAGEMENT_AUDIENCES: [&str; 4] = [
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
];

/// The audience of the Key Vault data plane.
pub const KEY_VAULT_AUDIENCE: &str = "https://vault.azure.net";

/// Whether `audience` is one of [`MANAGEMENT_AUDIENCES`].
pub fn is_management_audience(audience: &str) -> bool {
    MANAGEMENT_AUDIENCES.contains(&audience)
}
