//! The architecture's rules that the compiler cannot see, checked against `cargo metadata`.
//!
//! `docs/ARCHITECTURE.md` states them; each failure message quotes the rule it breaks.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The layers of `docs/ARCHITECTURE.md`, lowest first. A crate may depend (normal and build
/// dependencies) only on crates of a lower layer, so dependencies point one way and no cycle
/// is possible; dev-dependencies may point anywhere (a test may use the harness).
const LAYERS: &[&[&str]] = &[
    &["azsim-core"],
    &["azsim-pki"],
    &["azsim-http", "azsim-store"],
    &["azsim-entra", "azsim-imds", "azsim-rbac"],
    &["azsim-msrp", "azsim-vault"],
    &["azsim-arm"],
    &["azsim-cloud"],
    &["azsim-cli", "azsim-bench", "azsim-testkit"],
    &["azsim-e2e"],
];

/// The workspace's packages and their dependencies, by name, with each dependency's kind
/// (`normal`, `dev` or `build`).
fn workspace() -> BTreeMap<String, Vec<(String, String)>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(&root)
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|package| {
            let dependencies = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .map(|dependency| {
                    let kind = dependency["kind"].as_str().unwrap_or("normal").to_owned();
                    (
                        dependency["name"].as_str().expect("a name").to_owned(),
                        kind,
                    )
                })
                .collect();
            (
                package["name"].as_str().expect("a name").to_owned(),
                dependencies,
            )
        })
        .collect()
}

fn layer_of(name: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&name))
}

#[test]
fn every_workspace_crate_has_a_layer() {
    for name in workspace().keys() {
        assert!(
            layer_of(name).is_some(),
            "{name} is not in the layers of docs/ARCHITECTURE.md (and of LAYERS here): give it one"
        );
    }
}

#[test]
fn dependencies_point_one_way_down_the_layers() {
    let workspace = workspace();
    let mut violations = Vec::new();
    for (name, dependencies) in &workspace {
        let Some(layer) = layer_of(name) else {
            continue;
        };
        for (dependency, kind) in dependencies {
            if kind == "dev" || !workspace.contains_key(dependency) {
                continue;
            }
            match layer_of(dependency) {
                Some(below) if below < layer => {}
                _ => violations.push(format!("{name} -> {dependency} ({kind})")),
            }
        }
    }
    assert!(
        violations.is_empty(),
        "\"Dependencies point one way\" (docs/ARCHITECTURE.md): these point sideways or up: {violations:#?}"
    );
}

#[test]
fn only_the_store_knows_sqlx() {
    let offenders: Vec<String> = workspace()
        .into_iter()
        .filter(|(name, dependencies)| {
            name != "azsim-store"
                && dependencies
                    .iter()
                    .any(|(dependency, _)| dependency == "sqlx")
        })
        .map(|(name, _)| name)
        .collect();
    assert!(
        offenders.is_empty(),
        "\"Only the store knows SQL\" (docs/ARCHITECTURE.md): {offenders:?} depend on sqlx; go through azsim-store"
    );
}

#[test]
fn the_metadata_agents_never_open_the_database() {
    let workspace = workspace();
    let imds = &workspace["azsim-imds"];
    assert!(
        !imds
            .iter()
            .any(|(dependency, kind)| dependency == "azsim-store" && kind != "dev"),
        "\"The metadata agents never open the database\" (docs/ARCHITECTURE.md): azsim-imds depends on azsim-store"
    );
}

#[test]
fn protocol_crates_know_no_http_framework_below_the_services() {
    // The domain crates (the store, RBAC, the PKI, the core vocabulary) return domain errors;
    // each service maps them to its wire format.
    let workspace = workspace();
    let mut offenders = Vec::new();
    for name in ["azsim-core", "azsim-pki", "azsim-store", "azsim-rbac"] {
        for (dependency, kind) in &workspace[name] {
            if kind != "dev"
                && ["axum", "http", "reqwest", "azsim-http"].contains(&dependency.as_str())
            {
                offenders.push(format!("{name} -> {dependency}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "\"Domain crates know nothing of HTTP\" (docs/ARCHITECTURE.md): {offenders:?}"
    );
}
