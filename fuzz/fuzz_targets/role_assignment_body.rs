//! Role assignment bodies: an input is the scope on its first line (an ARM id, placeholders
//! allowed) and the body of `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/
//! {guid}` after it. Never a server error; a created assignment reads back and is deleted.
#![no_main]

use azsim_fuzz::arm::{admin_request, check_created};
use azsim_fuzz::harness;
use azsim_fuzz::wire::first_line;
use libfuzzer_sys::fuzz_target;

const ASSIGNMENT: &[u8] = b"/providers/Microsoft.Authorization/roleAssignments/\
    0a9a3e34-5f1b-4c43-9d6e-1f0d3b6c2a11?api-version=2022-04-01";

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let data = harness.fill(data);
    let (scope, body) = first_line(&data);
    let scope = scope.trim_ascii();
    let mut target = scope.strip_suffix(b"/").unwrap_or(scope).to_vec();
    target.extend_from_slice(ASSIGNMENT);
    let response = admin_request(b"PUT", &target, body);
    check_created(b"PUT", &response);
});
