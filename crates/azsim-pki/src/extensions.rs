//! The common skeleton of every certificate azsim makes: version, serial, names, validity.

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::pkey::{HasPublic, PKeyRef};
use openssl::x509::{X509Builder, X509Name};
use time::OffsetDateTime;

use crate::PkiError;

/// A builder with version 3, a random positive 128-bit serial, subject `CN=common_name`, the
/// public key and the validity window set. The caller sets the issuer, extensions and signs.
pub(crate) fn certificate_skeleton<T: HasPublic>(
    common_name: &str,
    public_key: &PKeyRef<T>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<(X509Builder, X509Name), PkiError> {
    let (not_before, not_after) = (not_before.unix_timestamp(), not_after.unix_timestamp());
    if not_after <= not_before {
        return Err(PkiError::InvalidValidity {
            not_before,
            not_after,
        });
    }
    let build = || -> Result<(X509Builder, X509Name), ErrorStack> {
        let mut builder = X509Builder::new()?;
        // The value 2 means X.509 version 3 (the field counts from zero).
        builder.set_version(2)?;
        let serial = random_serial()?.to_asn1_integer()?;
        builder.set_serial_number(&serial)?;
        let mut name = X509Name::builder()?;
        name.append_entry_by_text("CN", common_name)?;
        let name = name.build();
        builder.set_subject_name(&name)?;
        builder.set_pubkey(public_key)?;
        let (start, end) = (
            Asn1Time::from_unix(not_before)?,
            Asn1Time::from_unix(not_after)?,
        );
        builder.set_not_before(&start)?;
        builder.set_not_after(&end)?;
        Ok((builder, name))
    };
    build().map_err(|source| PkiError::Build {
        step: "setting the subject, key and validity",
        source,
    })
}

/// A random positive serial number of 128 bits (RFC 5280 allows up to 20 octets, and random
/// serials keep two certificates of the same second apart).
fn random_serial() -> Result<BigNum, ErrorStack> {
    let mut serial = BigNum::new()?;
    serial.rand(128, MsbOption::MAYBE_ZERO, false)?;
    Ok(serial)
}
