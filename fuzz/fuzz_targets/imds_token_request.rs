//! The metadata agent's token endpoints (`/metadata/identity/oauth2/token` and the App Service
//! flavour `/msi/token`): an input is the request target on its first line and header lines
//! after it. Whatever a workload sends, the agent answers in IMDS's format and never with a
//! server error.
#![no_main]

use azsim_fuzz::wire::answered_or_not_a_path;
use azsim_fuzz::wire::first_line;
use azsim_fuzz::{harness, send};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let data = harness.fill(data);
    let (target, rest) = first_line(&data);
    let headers: Vec<Vec<u8>> = rest
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    let response = send(harness.agent, b"GET", target, &headers, b"");
    assert!(
        answered_or_not_a_path(&response, target) && response.status < 500,
        "the agent answered {}:\n{}",
        response.status,
        response.describe()
    );
    let path = target.split(|&byte| byte == b'?').next().unwrap_or(target);
    let token_endpoint = matches!(path, b"/metadata/identity/oauth2/token" | b"/msi/token");
    if token_endpoint && response.status == 200 {
        let body = response.json().expect("a token response is JSON");
        for field in ["access_token", "expires_on", "resource", "token_type"] {
            assert!(body[field].is_string(), "{field} missing:\n{body}");
        }
    }
});
