//! Random identifiers for token claims (`uti`, `aio`, `rh`).

use openssl::error::ErrorStack;

use crate::jws;

/// `len` random bytes as unpadded base64url (16 bytes make the 22 characters of a `uti`).
pub(crate) fn random_base64url(len: usize) -> Result<String, ErrorStack> {
    let mut bytes = vec![0u8; len];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(jws::encode(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_random_bytes_make_a_22_character_uti() {
        let uti = random_base64url(16).unwrap();
        assert_eq!(uti.len(), 22);
        assert_ne!(uti, random_base64url(16).unwrap());
    }
}
