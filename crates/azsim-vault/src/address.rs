//! The vault URL scheme: every vault on an origin of its own, `{scheme}://{host}:{port}/`.
//!
//! In Azure a vault is `https://{name}.vault.azure.net/` and its secrets are under the root:
//! `.../secrets/db-password/{version}`. Clients rely on that shape, not only on the URL they
//! were given: `azure-keyvault-secrets` parses the `id` of every secret it gets back as
//! `{scheme}://{host}[:port]/secrets/{name}[/{version}]` and refuses anything with a path
//! before `/secrets` (`ValueError: ... is not a valid ID`). So each vault gets its own
//! listener, and its URI is that listener's origin.
//!
//! Why a port per vault and not a host name per vault: host names need DNS (or a resolver
//! override in every client) and a wildcard certificate, and `*.localhost` does not resolve
//! everywhere. A port needs nothing from the machine: the vault's listener is bound when the
//! vault is created, stopped when it is deleted, and bound again to the same port on restart
//! (the port is part of the stored `vaultUri`), so a URI handed out stays valid.
//!
//! The challenge names `resource="https://vault.azure.net"`, the audience every real client
//! asks a token for. The SDK checks by default that the vault's host ends with
//! `.vault.azure.net`; no simulator host does, so clients pass `verify_challenge_resource=False`.

use std::net::SocketAddr;

use url::Url;

/// The URI of the vault whose listener is bound to `address`: `{scheme}://{address}/`.
pub(crate) fn vault_uri(scheme: &str, address: SocketAddr) -> String {
    format!("{scheme}://{address}/")
}

/// The address a stored vault URI was served at, if it has this scheme and host and nothing
/// after the origin: the port to bind again on restart. A URI of another shape (another
/// scheme after a switch to or from plain HTTP, another host) gives `None`, and the vault
/// moves to a fresh port.
pub(crate) fn previous_address(
    vault_uri: &str,
    scheme: &str,
    host: std::net::IpAddr,
) -> Option<SocketAddr> {
    let url = Url::parse(vault_uri).ok()?;
    let same_host = match url.host()? {
        url::Host::Ipv4(ip) => std::net::IpAddr::V4(ip) == host,
        url::Host::Ipv6(ip) => std::net::IpAddr::V6(ip) == host,
        url::Host::Domain(_) => false,
    };
    (url.scheme() == scheme && same_host && url.path() == "/" && url.query().is_none())
        .then(|| SocketAddr::new(host, url.port_or_known_default().unwrap_or_default()))
        .filter(|address| address.port() != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn a_vault_uri_is_the_origin_of_its_listener() {
        let address = SocketAddr::new(LOOPBACK, 41234);
        assert_eq!(vault_uri("https", address), "https://127.0.0.1:41234/");
        let v6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 8443);
        assert_eq!(vault_uri("http", v6), "http://[::1]:8443/");
    }

    #[test]
    fn the_previous_port_is_reused_only_for_the_same_scheme_and_host() {
        assert_eq!(
            previous_address("https://127.0.0.1:41234/", "https", LOOPBACK),
            Some(SocketAddr::new(LOOPBACK, 41234))
        );
        for stored in [
            "http://127.0.0.1:41234/",
            "https://127.0.0.2:41234/",
            "https://localhost:41234/",
            // The path-based URIs of earlier versions: one listener for every vault.
            "https://127.0.0.1:7782/kv-app/",
            "not a url",
        ] {
            assert_eq!(
                previous_address(stored, "https", LOOPBACK),
                None,
                "{stored}"
            );
        }
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert_eq!(
            previous_address("http://[::1]:8443/", "http", v6),
            Some(SocketAddr::new(v6, 8443))
        );
    }
}
