//! `ResourceId` as written in bodies and headers (`ResourceId::parse`) and as split from a
//! request path (`ResourceId::from_path_segments`): whatever parses displays in ARM's casing
//! and re-parses to an equal id, covers itself and is covered by its parent.
#![no_main]

use azsim_core::ResourceId;
use libfuzzer_sys::fuzz_target;

/// `ResourceId::parse` as a re-parser.
fn parse(text: &str) -> Result<ResourceId, String> {
    ResourceId::parse(text).map_err(|error| error.to_string())
}

/// `ResourceId::from_path_segments` as a re-parser: a path's segments may hold characters
/// `parse` refuses (a name's rule is its type's, checked later), so such an id re-parses the
/// way it was made.
fn from_path(text: &str) -> Result<ResourceId, String> {
    let segments: Vec<&str> = text.trim_matches('/').split('/').collect();
    ResourceId::from_path_segments(&segments).map_err(str::to_owned)
}

fn check(id: &ResourceId, reparse: fn(&str) -> Result<ResourceId, String>) {
    let shown = id.to_string();
    let again = reparse(&shown)
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
    if let Ok(id) = parse(text) {
        check(&id, parse);
    }
    if let Ok(id) = from_path(text) {
        check(&id, from_path);
    }
});
