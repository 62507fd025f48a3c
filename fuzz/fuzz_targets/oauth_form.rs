//! The token service's OAuth endpoints, v1 `POST /{tenant}/oauth2/token` and v2
//! `POST /{tenant}/oauth2/v2.0/token`: an input is the path on its first line and the form
//! body after it. Never a server error; every refusal is an OAuth error object.
#![no_main]

use azsim_fuzz::wire::answered_or_not_a_path;
use azsim_fuzz::wire::first_line;
use azsim_fuzz::{harness, send};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let data = harness.fill(data);
    let (path, body) = first_line(&data);
    let headers = [b"Content-Type: application/x-www-form-urlencoded".to_vec()];
    let response = send(harness.entra, b"POST", path, &headers, body);
    assert!(
        answered_or_not_a_path(&response, path) && response.status < 500,
        "the token service answered {}:\n{}",
        response.status,
        response.describe()
    );
    // A request line hyper cannot parse is refused before the token service runs; what
    // reached it carries its request id and answers with an OAuth error.
    let reached_service = response.header("x-ms-request-id").is_some();
    if reached_service && matches!(response.status, 400 | 401) {
        let error = response
            .json()
            .and_then(|body| body["error"].as_str().map(str::to_owned));
        assert!(
            error.is_some(),
            "a refusal without an OAuth error:\n{}",
            response.describe()
        );
    }
});
