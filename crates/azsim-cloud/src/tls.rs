//! azsim as its own certificate authority: the root CA kept in the data directory, and the
//! server certificate issued from it on every start for the HTTPS listeners.
//!
//! The CA lives in two files rather than in the store: `ca.pem` is what every client is told
//! to trust (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`), so it must be a plain file anyway, and the
//! key beside it gets owner-only permissions, which a row in the shared database cannot have.

use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use azsim_core::SharedClock;
use azsim_http::ServerTls;
use azsim_pki::{CertificateAuthority, CertificateRequest, CertificateUsage, KeyPair};
use time::{Duration, OffsetDateTime};

use crate::CloudError;
use crate::data_dir::{OWNER_ONLY_FILE, write_atomically};

/// The CA certificate inside the data directory (readable by all: clients trust it).
pub const CA_CERTIFICATE_FILE: &str = "ca.pem";
/// The CA's private key inside the data directory (mode 0600).
pub const CA_KEY_FILE: &str = "ca-key.pem";

/// The CA's subject.
const CA_COMMON_NAME: &str = "azsim Root CA";
/// How long a new CA is valid: long enough that nobody has to re-trust it.
const CA_LIFETIME: Duration = Duration::days(10 * 365);
/// How long a server certificate is valid; a new one is issued on every start anyway.
const SERVER_LIFETIME: Duration = Duration::days(365);
/// Backdating of a new CA, for clients whose clock runs a little behind.
const CLOCK_SKEW: Duration = Duration::days(1);

/// The TLS material of a running cloud.
#[derive(Debug, Clone)]
pub(crate) struct CloudTls {
    /// The CA certificate, PEM (what clients trust).
    pub(crate) ca_pem: String,
    /// The absolute path of `ca.pem`.
    pub(crate) ca_path: PathBuf,
    /// The server identity every HTTPS listener presents.
    pub(crate) server: ServerTls,
}

/// Loads the data directory's CA (creating it on first start) and issues a server certificate
/// for `localhost`, the loopback addresses and `bind_host`.
pub(crate) fn prepare(
    data_dir: &Path,
    bind_host: IpAddr,
    clock: &SharedClock,
) -> Result<CloudTls, CloudError> {
    let now = clock.now();
    let ca = load_or_create_ca(data_dir, now)?;
    let key = KeyPair::generate_ec_p256().map_err(CloudError::Certificate)?;
    // The leaf starts when its CA does: a test clock moved ahead of the wall clock must not
    // yield a certificate that real TLS clients (which read the wall clock) see as not yet
    // valid.
    let not_before = OffsetDateTime::from_unix_timestamp(ca.certificate().not_before_unix())
        .unwrap_or(now - CLOCK_SKEW);
    let ca_not_after = OffsetDateTime::from_unix_timestamp(ca.certificate().not_after_unix())
        .unwrap_or(now + SERVER_LIFETIME);
    let leaf = ca
        .issue(&CertificateRequest {
            subject_common_name: "localhost",
            public_key: &key,
            not_before,
            not_after: (now + SERVER_LIFETIME).min(ca_not_after),
            usage: CertificateUsage::ServerAuth {
                dns_names: vec!["localhost".to_owned()],
                ip_addresses: server_addresses(bind_host),
            },
        })
        .map_err(CloudError::Certificate)?;
    let ca_pem = ca.certificate().to_pem();
    // The chain includes the CA so clients that are handed only the leaf's issuer name can
    // still build the path.
    let server = ServerTls::from_pem(&(leaf.to_pem() + &ca_pem), &key.private_key_pem())
        .map_err(CloudError::Tls)?;
    let ca_path = data_dir.join(CA_CERTIFICATE_FILE);
    let ca_path = std::path::absolute(&ca_path).map_err(|source| CloudError::DataDir {
        path: ca_path.clone(),
        source,
    })?;
    Ok(CloudTls {
        ca_pem,
        ca_path,
        server,
    })
}

/// The addresses the server certificate names: both loopbacks, and the bind address when it
/// is a concrete one.
fn server_addresses(bind_host: IpAddr) -> Vec<IpAddr> {
    let mut addresses = vec![
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ];
    if !bind_host.is_unspecified() && !addresses.contains(&bind_host) {
        addresses.push(bind_host);
    }
    addresses
}

/// The CA of the data directory: read when both files exist, created otherwise.
fn load_or_create_ca(
    data_dir: &Path,
    now: OffsetDateTime,
) -> Result<CertificateAuthority, CloudError> {
    let certificate_path = data_dir.join(CA_CERTIFICATE_FILE);
    let key_path = data_dir.join(CA_KEY_FILE);
    if certificate_path.exists() && key_path.exists() {
        let certificate = read(&certificate_path)?;
        let key = read(&key_path)?;
        return CertificateAuthority::from_pem(&certificate, &key).map_err(CloudError::Certificate);
    }
    if certificate_path.exists() || key_path.exists() {
        tracing::warn!(
            data_dir = %data_dir.display(),
            "half of the certificate authority is missing; creating a new one (clients must trust the new ca.pem)"
        );
    }
    let ca = CertificateAuthority::generate(CA_COMMON_NAME, now - CLOCK_SKEW, now + CA_LIFETIME)
        .map_err(CloudError::Certificate)?;
    // The key first: a crash in between leaves no certificate without its key.
    write_atomically(&key_path, &ca.private_key_pem(), OWNER_ONLY_FILE)?;
    write_atomically(&certificate_path, &ca.certificate().to_pem(), 0o644)?;
    tracing::info!(path = %certificate_path.display(), "created the certificate authority");
    Ok(ca)
}

fn read(path: &Path) -> Result<String, CloudError> {
    fs::read_to_string(path).map_err(|source| CloudError::DataDir {
        path: path.to_path_buf(),
        source,
    })
}
