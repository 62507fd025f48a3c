//! Random identifiers for token claims (`uti`, `aio`, `rh`) and client secrets: the token
//! service's one source of random bytes (`rand`'s thread generator, a CSPRNG seeded by the OS).

use rand::RngCore;

use crate::jws;

/// `len` random bytes as unpadded base64url (16 bytes make the 22 characters of a `uti`).
pub(crate) fn random_base64url(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::thread_rng().fill_bytes(&mut bytes);
    jws::encode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_random_bytes_make_a_22_character_uti() {
        let uti = random_base64url(16);
        assert_eq!(uti.len(), 22);
        assert_ne!(uti, random_base64url(16));
    }
}
