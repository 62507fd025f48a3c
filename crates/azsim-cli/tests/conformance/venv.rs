//! The Python environment the conformance suite runs in, built once per requirements file.
//!
//! It lives under Cargo's target directory, keyed by a hash of the requirements and of the
//! Python version, so a second run installs nothing and a changed pin gets a new environment.
//! It is built in a staging folder and renamed into place only after a successful install, so
//! an interrupted install never leaves a half-filled environment that later runs would trust.

use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The file written into a complete environment.
const COMPLETE_MARKER: &str = "azsim-complete";

/// Returns the interpreter of an environment with `requirements` installed, building it under
/// `cache_root` if it is not there yet. Panics (with pip's output) when it cannot be built.
pub(crate) fn ensure(requirements: &Path, cache_root: &Path) -> PathBuf {
    let pins = fs::read(requirements)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", requirements.display()));
    let version = run(
        Command::new("python3").arg("--version"),
        "python3 --version",
    )
    .unwrap_or_else(|failure| panic!("{failure}"));
    let mut hasher = DefaultHasher::new();
    pins.hash(&mut hasher);
    version.stdout.hash(&mut hasher);
    version.stderr.hash(&mut hasher);
    let key = format!("{:016x}", hasher.finish());

    let root = cache_root.join("conformance-venv");
    let home = root.join(&key);
    if home.join(COMPLETE_MARKER).is_file() {
        return interpreter(&home);
    }
    fs::create_dir_all(&root)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", root.display()));
    let staging = root.join(format!("{key}.staging-{}", std::process::id()));
    if staging.exists() {
        remove(&staging);
    }
    let built = run(
        Command::new("python3").arg("-m").arg("venv").arg(&staging),
        "python3 -m venv",
    )
    .and_then(|_| {
        run(
            Command::new(interpreter(&staging))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .arg("-r")
                .arg(requirements),
            "pip install -r tests/conformance/requirements.txt",
        )
    });
    if let Err(failure) = built {
        // Leave nothing half-built behind, then fail the test with the tool's own words.
        if staging.exists() {
            remove(&staging);
        }
        panic!("{failure}");
    }
    fs::write(staging.join(COMPLETE_MARKER), &pins)
        .unwrap_or_else(|error| panic!("cannot mark {} complete: {error}", staging.display()));
    if home.exists() && !home.join(COMPLETE_MARKER).is_file() {
        // Not ours and not complete (left by hand, or by an older layout): replace it.
        remove(&home);
    }
    if let Err(error) = fs::rename(&staging, &home) {
        // Another run finished the same environment first: use theirs.
        remove(&staging);
        assert!(
            home.join(COMPLETE_MARKER).is_file(),
            "cannot move the environment into {}: {error}",
            home.display()
        );
    }
    interpreter(&home)
}

fn interpreter(home: &Path) -> PathBuf {
    if cfg!(windows) {
        home.join("Scripts").join("python.exe")
    } else {
        home.join("bin").join("python")
    }
}

fn remove(path: &Path) {
    fs::remove_dir_all(path)
        .unwrap_or_else(|error| panic!("cannot remove {}: {error}", path.display()));
}

/// Runs a command to completion; a failure to start or a non-zero exit is an error carrying
/// everything the command printed.
fn run(command: &mut Command, what: &str) -> Result<Output, String> {
    let output = command
        .output()
        .map_err(|error| format!("{what}: cannot start ({error}); is python3 installed?"))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!(
            "{what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
