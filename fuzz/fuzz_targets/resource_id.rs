//! `ResourceId` as written in bodies and headers (`ResourceId::parse`) and as split from a
//! request path (`ResourceId::from_path_segments`): whatever parses displays in ARM's casing
//! and re-parses to an equal id, covers itself and is covered by its parent.
#![no_main]

use azsim_core::ResourceId;
use libfuzzer_sys::fuzz_target;

fn check(id: &ResourceId) {
    let shown = id.to_string();
    let again = ResourceId::parse(&shown)
        .unwrap_or_else(|error| panic!("{shown:?} was displayed but does not parse: {error}"));
    assert_eq!(&again, id, "{shown:?} re-parses to another id");
    assert_eq!(again.to_string(), shown, "display is not stable");
    assert!(id.covers(id), "{shown:?} does not cover itself");
    if let Some(parent) = id.parent() {
        assert!(
            parent.covers(id),
            "{parent} does not cover its child {shown}"
        );
        assert!(
            !id.covers(&parent) || parent == *id,
            "{shown} covers its parent {parent}"
        );
    }
    let _ = (id.resource_type(), id.name(), id.subscription_id());
    let _ = (id.resource_group_name(), id.ancestor_keys());
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = ResourceId::parse(text) {
        check(&id);
    }
    let segments: Vec<&str> = text.trim_matches('/').split('/').collect();
    if let Ok(id) = ResourceId::from_path_segments(&segments) {
        check(&id);
    }
});
