//! The resource API's request path: an input is `METHOD target` on its first line (the
//! path and query as sent, percent-encoding included) and a JSON body after it, sent as the
//! administrator. Never a server error; a created resource's `id` is a `ResourceId` that
//! reads back (a name never swallows a separator); what a request created is deleted again.
#![no_main]

use azsim_fuzz::arm::{admin_request, check_created};
use azsim_fuzz::harness;
use azsim_fuzz::wire::{first_line, method_and_target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let data = harness.fill(data);
    let (line, body) = first_line(&data);
    let (method, target) = method_and_target(line);
    let response = admin_request(method, target, body);
    check_created(method, &response);
});
