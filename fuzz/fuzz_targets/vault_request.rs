//! A vault's data plane: an input is `METHOD target` on its first line and the JSON body
//! after it, sent with a token of a Key Vault Secrets Officer of that vault. Never a server
//! error.
#![no_main]

use azsim_fuzz::wire::{first_line, method_and_target};
use azsim_fuzz::{harness, send};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let data = harness.fill(data);
    let (line, body) = first_line(&data);
    let (method, target) = method_and_target(line);
    let headers = [
        format!("Authorization: Bearer {}", harness.admin_vault_token).into_bytes(),
        b"Content-Type: application/json".to_vec(),
    ];
    let response = send(harness.vault, method, target, &headers, body);
    assert!(
        response.status != 0 && response.status < 500,
        "the vault answered {}:\n{}",
        response.status,
        response.describe()
    );
    // Not yet checked: refusals in Key Vault's error format. A path segment that is not
    // UTF-8 once decoded (`/secrets/fuzz%A2`) gets axum's plain-text rejection; see
    // `fuzz/findings/vault_request/` and docs/FUZZING.md.
});
