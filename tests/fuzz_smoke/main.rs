//! The fuzz smoke run by `cargo test`: installs the pinned `cargo-fuzz` under `target/tools`
//! (once), builds every target of `fuzz/` in one `cargo fuzz build` into `target/fuzz` (its own
//! target directory, so it never waits on the outer cargo's lock), replays every regression
//! and seed input, then fuzzes each target for `AZSIM_FUZZ_SECONDS` seconds (default 4; 0
//! replays only). A crash fails the test with the path of the input that crashed.
//! `docs/FUZZING.md` says how a crash becomes a regression.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// The `cargo-fuzz` the smoke installs; bump it here only.
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Seconds each target is fuzzed when `AZSIM_FUZZ_SECONDS` is unset.
const DEFAULT_SECONDS: u64 = 4;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package is inside the workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn run(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what}: cannot start: {error}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The pinned `cargo-fuzz`, installed under `target/tools` unless it is there already.
fn cargo_fuzz() -> PathBuf {
    let root = target_dir().join("tools");
    let binary = root.join("bin").join("cargo-fuzz");
    let installed = Command::new(&binary)
        .arg("--version")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains(CARGO_FUZZ_VERSION));
    if !installed {
        run(
            Command::new(cargo())
                .args([
                    "install",
                    "cargo-fuzz",
                    "--locked",
                    "--version",
                    CARGO_FUZZ_VERSION,
                ])
                .arg("--root")
                .arg(&root),
            "installing cargo-fuzz",
        );
    }
    binary
}

/// The names of the targets: one `fuzz/fuzz_targets/<name>.rs` each.
fn targets(fuzz_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(fuzz_dir.join("fuzz_targets"))
        .expect("fuzz/fuzz_targets")
        .filter_map(|entry| {
            let path = entry.expect("a directory entry").path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    names
}

/// The regular, non-hidden files of `dir` (none if it does not exist).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.is_file()
                && !path
                    .file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Where `cargo fuzz build` put `name` (under the host triple's directory).
fn binary(build_dir: &Path, name: &str) -> PathBuf {
    fs::read_dir(build_dir)
        .expect("the fuzz build directory")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .path()
                .join("debug")
                .join(name)
        })
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("cargo fuzz built no {name} under {}", build_dir.display()))
}

/// A scratch directory under `target/fuzz/work/<target>/`, emptied first.
fn scratch(work: &Path, name: &str) -> PathBuf {
    let dir = work.join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn last_line_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    text.lines()
        .rev()
        .find_map(|line| line.split_once(marker).map(|(_, rest)| rest.trim()))
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[test]
fn every_fuzz_target_replays_its_regressions_and_survives_a_short_run() {
    let seconds: u64 = std::env::var("AZSIM_FUZZ_SECONDS")
        .ok()
        .map(|value| {
            value
                .parse()
                .expect("AZSIM_FUZZ_SECONDS is a number of seconds")
        })
        .unwrap_or(DEFAULT_SECONDS);
    let fuzz_dir = workspace().join("fuzz");
    let build_dir = target_dir().join("fuzz");

    let started = Instant::now();
    let cargo_fuzz = cargo_fuzz();
    let installed = started.elapsed();
    // `--sanitizer none`: our code forbids `unsafe`, and the stable toolchain has no
    // AddressSanitizer; coverage instrumentation alone is what guides the fuzzer.
    // `RUSTC_BOOTSTRAP=1` lets cargo-fuzz pass its flags to the stable compiler. `--dev`: a
    // smoke of a few seconds per target gains less from optimised code than a cold build of
    // the whole cloud loses to optimising it (the long runs of the `justfile` build release).
    run(
        Command::new(&cargo_fuzz)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["build", "--dev", "--sanitizer", "none", "--fuzz-dir"])
            .arg(&fuzz_dir)
            .arg("--target-dir")
            .arg(&build_dir)
            .current_dir(&fuzz_dir),
        "cargo fuzz build",
    );
    let built = started.elapsed();

    let work = build_dir.join("work");
    for name in targets(&fuzz_dir) {
        let binary = binary(&build_dir, &name);
        let dir = scratch(&work, &name);
        let artifacts = scratch(&dir, "artifacts");
        let corpus = scratch(&dir, "corpus");
        // Each process keeps one cloud in a temporary directory for its life; they all land
        // here and are removed with the next run's scratch.
        let tmp = scratch(&dir, "tmp");
        let regressions = fuzz_dir.join("regressions").join(&name);
        let seeds = fuzz_dir.join("corpus").join(&name);

        let replayed: Vec<PathBuf> = inputs(&regressions)
            .into_iter()
            .chain(inputs(&seeds))
            .collect();
        // Without inputs, libFuzzer would fuzz without end instead of replaying.
        assert!(
            !replayed.is_empty(),
            "{name} has no seed corpus in {}",
            seeds.display()
        );
        let output = Command::new(&binary)
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args(&replayed)
            .env("TMPDIR", &tmp)
            .output()
            .expect("the fuzz target runs");
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{name} crashed replaying {}:\n{}",
            last_line_after(&log, "Running: ").unwrap_or("(unknown input)"),
            tail(&log, 40)
        );

        if seconds > 0 {
            let output = Command::new(&binary)
                .arg(format!("-max_total_time={seconds}"))
                .arg("-timeout=30")
                .arg("-rss_limit_mb=2048")
                .arg("-print_final_stats=1")
                .arg(format!("-artifact_prefix={}/", artifacts.display()))
                .arg(&corpus)
                .arg(&seeds)
                .env("TMPDIR", &tmp)
                .output()
                .expect("the fuzz target runs");
            let log = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success(),
                "{name} crashed on {} (copy it to {} to keep it as a regression):\n{}",
                last_line_after(&log, "Test unit written to ").unwrap_or("(no artifact)"),
                regressions.display(),
                tail(&log, 40)
            );
            let executions = last_line_after(&log, "stat::number_of_executed_units:");
            eprintln!(
                "fuzz {name}: {} regression and seed inputs replayed, {} executions in {seconds} s",
                replayed.len(),
                executions.unwrap_or("?")
            );
        }
    }
    eprintln!(
        "fuzz smoke: cargo-fuzz ready after {:.1?}, targets built after {:.1?}, done after {:.1?}",
        installed,
        built,
        started.elapsed()
    );
}
