//! The vault URL scheme: one listener serves every vault, each under a path of its own.
//!
//! A vault's URI is `{public_base_url}{vault name}/`, e.g. `http://127.0.0.1:41234/kv-app/`,
//! and its secrets are under it: `.../kv-app/secrets/db-password/{version}`.
//!
//! Why the vault name is a path segment rather than a port per vault or the host name:
//! - It works now, over plain HTTP on one listener at an IP address: a host-name scheme
//!   (`kv-app.vault.example`) needs DNS (or a resolver override in every client) and a
//!   wildcard certificate, and a port per vault needs a listener per vault, started and
//!   stopped with the vault, and a port kept across restarts.
//! - It works later, over HTTPS behind a real host name: only the base URL changes
//!   (`https://vault.sim.test:8443/kv-app/`).
//! - The Azure SDK keeps the vault URL's path when it sends requests: azure-core appends each
//!   operation's path to the base path (`_urljoin`), so `SecretClient(vault_url=".../kv-app/")`
//!   sends `/kv-app/secrets/...`, and it follows the absolute `nextLink` URLs built here.
//!   But `azure-keyvault-secrets` parses the `id` of a returned secret as
//!   `{scheme}://{host}[:port]/secrets/{name}[/{version}]` and refuses one with a path prefix
//!   (`ValueError: ... is not a valid ID`), so `get_secret`/`set_secret` through the SDK need
//!   each vault on an origin of its own (a listener per vault, or host names): the scheme has
//!   to change for the SDK to read secrets, and requests and authorization are unaffected.
//! - The challenge names `resource="https://vault.azure.net"`, the audience every real client
//!   asks a token for. The SDK checks by default that the vault's host ends with
//!   `.vault.azure.net`; no simulator host does, whatever the scheme (a host-name scheme would
//!   have to name its own DNS suffix as the resource, which real clients never request tokens
//!   for), so clients pass `verify_challenge_resource=False`.

use url::Url;

/// The URI of vault `vault_name` under `base`: `{base}{vault_name}/`.
pub(crate) fn vault_uri(base: &Url, vault_name: &str) -> String {
    let base = base.as_str();
    let separator = if base.ends_with('/') { "" } else { "/" };
    format!("{base}{separator}{vault_name}/")
}

/// The path prefix under which the router must be mounted, when the base URL has one
/// (`https://host/kv/` gives `/kv`); `None` when vaults sit at the root.
pub(crate) fn mount_path(base: &Url) -> Option<String> {
    let path = base.path().trim_end_matches('/');
    (!path.is_empty()).then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_uri_appends_the_name_and_a_slash_to_the_base() {
        let base: Url = "http://127.0.0.1:4000/".parse().expect("url");
        assert_eq!(vault_uri(&base, "kv-app"), "http://127.0.0.1:4000/kv-app/");
        let nested: Url = "https://vault.sim.test:8443/vaults".parse().expect("url");
        assert_eq!(
            vault_uri(&nested, "Kv"),
            "https://vault.sim.test:8443/vaults/Kv/"
        );
    }

    #[test]
    fn the_router_is_mounted_under_the_base_path_only_when_there_is_one() {
        let root: Url = "http://127.0.0.1:4000".parse().expect("url");
        assert_eq!(mount_path(&root), None);
        let nested: Url = "https://vault.sim.test/vaults/".parse().expect("url");
        assert_eq!(mount_path(&nested).as_deref(), Some("/vaults"));
    }
}
