//! `AccessTokenValidator`, what the resource API and the vaults run on every bearer token.
//! `{ADMIN_TOKEN}` in an input becomes a real token of this cloud, so mutations around it
//! reach the claims checks; whatever is accepted carries the signed part of a token the
//! cloud's key signed.
#![no_main]

use azsim_fuzz::harness;
use libfuzzer_sys::fuzz_target;

const AUDIENCES: [&str; 2] = ["https://management.azure.com/", "https://vault.azure.net"];

fn signing_input(token: &str) -> &str {
    token.rsplit_once('.').map_or(token, |(signed, _)| signed)
}

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let data = harness.fill(data);
    let Ok(token) = std::str::from_utf8(&data) else {
        return;
    };
    let validator = harness.validator();
    if let Ok(claims) = harness.block_on(validator.validate(token, &AUDIENCES)) {
        assert_eq!(
            signing_input(token),
            signing_input(&harness.admin_token),
            "accepted a token the cloud did not sign: {claims:?}"
        );
    }
});
