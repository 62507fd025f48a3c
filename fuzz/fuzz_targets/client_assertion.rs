//! Client assertions (RFC 7523) at the v2 token endpoint, for an application with a
//! certificate credential. An input is either a compact JWS as sent, or three lines: header
//! JSON, payload JSON, and `{SIGN}` (signed with the application's real key, so the claims
//! checks are reached) or a base64url signature. A token is issued only for an assertion the
//! key signed whose claims Entra accepts (issuer = subject = client id, unexpired), and a
//! `jti` is accepted once.
#![no_main]

use azsim_fuzz::{harness, send};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::{MessageDigest, hash};

fn sign_es256(signing_input: &str) -> String {
    let digest = hash(MessageDigest::sha256(), signing_input.as_bytes()).expect("a digest");
    let key = harness().assertion_key.pkey().ec_key().expect("an EC key");
    let signature = EcdsaSig::sign(&digest, &key).expect("a signature");
    let mut raw = signature.r().to_vec_padded(32).expect("r");
    raw.extend(signature.s().to_vec_padded(32).expect("s"));
    URL_SAFE_NO_PAD.encode(raw)
}

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let data = harness.fill(data);
    let Ok(text) = std::str::from_utf8(&data) else {
        return;
    };
    let lines: Vec<&str> = text.splitn(3, '\n').collect();
    let (assertion, signed_here) = if let [header, payload, signature] = lines[..] {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signed_here = signature.trim() == "{SIGN}";
        let signature = if signed_here {
            sign_es256(&signing_input)
        } else {
            signature.trim().to_owned()
        };
        (format!("{signing_input}.{signature}"), signed_here)
    } else {
        (text.to_owned(), false)
    };
    let client_id = &harness.assertion_client.client_id;
    let body = format!(
        "client_id={client_id}&grant_type=client_credentials\
         &scope=https%3A%2F%2Fmanagement.azure.com%2F.default\
         &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
         &client_assertion={}",
        percent_encode(&assertion)
    );
    let path = format!("/{}/oauth2/v2.0/token", harness.assertion_client.tenant_id);
    let headers = [b"Content-Type: application/x-www-form-urlencoded".to_vec()];
    let response = send(
        harness.entra,
        b"POST",
        path.as_bytes(),
        &headers,
        body.as_bytes(),
    );
    assert!(
        response.status != 0 && response.status < 500,
        "the token service answered {}:\n{}",
        response.status,
        response.describe()
    );
    if response.status == 200 {
        assert!(
            signed_here,
            "a token for an assertion the key did not sign: {assertion}"
        );
        let payload: serde_json::Value =
            serde_json::from_str(lines[1]).expect("an accepted payload is JSON");
        assert!(
            payload["iss"]
                .as_str()
                .is_some_and(|iss| iss.eq_ignore_ascii_case(client_id))
                && payload["sub"] == payload["iss"],
            "accepted with issuer/subject {} / {}",
            payload["iss"],
            payload["sub"]
        );
        let jti = payload["jti"].as_str().expect("an accepted jti").to_owned();
        let fresh = harness
            .accepted_jtis
            .lock()
            .expect("the jti set")
            .insert(jti.clone());
        assert!(fresh, "assertion id {jti} accepted twice");
    }
});

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
