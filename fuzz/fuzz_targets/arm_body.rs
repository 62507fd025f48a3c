//! The resource API's JSON bodies for each kind it creates: an input is the kind on its
//! first line (`resourceGroup`, `virtualMachine`, `userAssignedIdentity`, `vault`) and the
//! body of a `PUT` after it. Never a server error; what is created reads back and is deleted.
#![no_main]

use azsim_fuzz::arm::{admin_request, check_created};
use azsim_fuzz::harness;
use azsim_fuzz::wire::first_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let data = harness.fill(data);
    let (kind, body) = first_line(&data);
    let group = "/subscriptions/{SUBSCRIPTION}/resourceGroups";
    let target = match kind {
        b"resourceGroup" => format!("{group}/fuzz-body?api-version=2024-11-01"),
        b"virtualMachine" => format!(
            "{group}/fuzz/providers/Microsoft.Compute/virtualMachines/fuzz-body?api-version=2024-11-01"
        ),
        b"userAssignedIdentity" => format!(
            "{group}/fuzz/providers/Microsoft.ManagedIdentity/userAssignedIdentities/fuzz-body?api-version=2024-11-30"
        ),
        b"vault" => format!(
            "{group}/fuzz/providers/Microsoft.KeyVault/vaults/fuzz-body?api-version=2026-05-15"
        ),
        _ => return,
    };
    let target = harness.fill(target.as_bytes());
    for method in [b"PUT".as_slice(), b"PATCH".as_slice()] {
        let response = admin_request(method, &target, body);
        check_created(method, &response);
    }
});
