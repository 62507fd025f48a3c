//! The conformance suite: unmodified Azure client libraries (Python) against the real binary.
//!
//! The test builds (or reuses) a pinned Python environment, starts `azsim up --port 0`, and
//! runs `tests/conformance/run.py`, which prints one line per case and `N passed, N failed`.

/// The helpers, in `tests/conformance/` beside this file.
mod conformance {
    pub(crate) mod running_cloud;
    pub(crate) mod venv;
}

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use conformance::running_cloud::RunningCloud;

/// How long the whole suite may run once the environment exists.
const SUITE_LIMIT: Duration = Duration::from_secs(600);

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance")
}

#[test]
fn unmodified_python_clients_get_and_verify_managed_identity_tokens() {
    let suite = suite_dir();
    let python = conformance::venv::ensure(
        &suite.join("requirements.txt"),
        Path::new(env!("CARGO_TARGET_TMPDIR")),
    );
    let binary = Path::new(env!("CARGO_BIN_EXE_azsim"));
    let cloud = RunningCloud::start(binary);

    let output_path = cloud.data_dir().join("conformance.out");
    let output = File::create(&output_path).expect("an output file");
    let mut runner = Command::new(&python)
        .arg(suite.join("run.py"))
        .current_dir(&suite)
        .env("AZSIM_DATA_DIR", cloud.data_dir())
        .env("AZSIM_BIN", binary)
        // Keep the source tree free of `__pycache__` folders.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(output.try_clone().expect("a second output handle"))
        .stderr(output)
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {}: {error}", python.display()));
    let deadline = Instant::now() + SUITE_LIMIT;
    let status = loop {
        if let Some(status) = runner.try_wait().expect("the suite can be polled") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = runner.kill();
            let _ = runner.wait();
            panic!(
                "the suite did not finish within {SUITE_LIMIT:?}:\n{}",
                fs::read_to_string(&output_path).unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(100));
    };
    let printed = fs::read_to_string(&output_path).expect("the suite's output");
    println!("{printed}");
    assert!(
        status.success(),
        "the conformance suite failed ({status}):\n{printed}\nazsim's log:\n{}",
        cloud.log()
    );
    let summary = printed.lines().last().unwrap_or_default();
    let counts: Vec<&str> = summary.split(' ').collect();
    assert!(
        matches!(counts.as_slice(), [passed, "passed,", "0", "failed"] if passed.parse::<u32>().is_ok_and(|n| n > 0)),
        "the suite's last line is not 'N passed, 0 failed': {summary:?}"
    );
}
