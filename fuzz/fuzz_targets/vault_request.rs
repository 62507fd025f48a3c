//! A vault's data plane: an input is `METHOD target` on its first line and the JSON body
//! after it, sent with a token of a Key Vault Secrets Officer of that vault. Never a server
//! error; refusals are Key Vault error objects.
#![no_main]

use azsim_fuzz::wire::answered_or_not_a_path;
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
        answered_or_not_a_path(&response, target) && response.status < 500,
        "the vault answered {}:\n{}",
        response.status,
        response.describe()
    );
    // Refusals are Key Vault error objects (but the 401 challenge, and what hyper refused
    // before the vault ran), a path segment that is not UTF-8 once decoded included.
    let reached_service = response.header("x-ms-request-id").is_some();
    if reached_service
        && response.status >= 400
        && response.status != 401
        && !response.body.is_empty()
    {
        let code = response
            .json()
            .and_then(|body| body["error"]["code"].as_str().map(str::to_owned));
        assert!(
            code.is_some(),
            "a refusal without a Key Vault error:\n{}",
            response.describe()
        );
    }
});
