//! The real `azsim up` process for the suite, stopped whatever happens to the test.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long `azsim up` may take to write `endpoints.json` (a cold debug build included).
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// A running `azsim up --port 0` over a temporary data directory; dropping it kills the process.
pub(crate) struct RunningCloud {
    child: Child,
    data_dir: TempDir,
}

impl RunningCloud {
    /// Starts `binary --data-dir <temp> up --port 0` and waits for its `endpoints.json`.
    pub(crate) fn start(binary: &Path) -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary data directory");
        let log = File::create(data_dir.path().join("azsim.log")).expect("a log file");
        let child = Command::new(binary)
            .arg("--data-dir")
            .arg(data_dir.path())
            .args(["up", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a second log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        // From here on, a panic drops the guard and so stops the process.
        let mut cloud = Self { child, data_dir };
        cloud.wait_until_ready();
        cloud
    }

    /// The data directory (`endpoints.json`, the database).
    pub(crate) fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    fn wait_until_ready(&mut self) {
        let endpoints = self.data_dir().join("endpoints.json");
        let deadline = Instant::now() + STARTUP_LIMIT;
        // The file is written atomically once every listener is ready, so existing means ready.
        while !endpoints.is_file() {
            if let Some(status) = self.child.try_wait().expect("the process can be polled") {
                panic!(
                    "azsim up exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "azsim up wrote no endpoints.json within {STARTUP_LIMIT:?}:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the process printed so far.
    pub(crate) fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.data_dir().join("azsim.log")
    }
}

impl Drop for RunningCloud {
    fn drop(&mut self) {
        // Killing an already exited process is an error worth nothing here; wait reaps it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Crashing and restarting the process over the same data directory (the crash suite).
// Each test binary that includes this file compiles it whole; only the crash suite calls these.
#[allow(dead_code)]
impl RunningCloud {
    /// Kills the process with SIGKILL (`kill -9`: no shutdown code runs) and reaps it.
    pub(crate) fn kill_hard(&mut self) {
        // `Child::kill` is SIGKILL on Unix; an already exited process is fine here too.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts `binary` again on the same data directory (after [`RunningCloud::kill_hard`])
    /// and waits for the new `endpoints.json`; the log keeps what the first process wrote.
    pub(crate) fn restart(&mut self, binary: &Path) {
        self.kill_hard();
        // The killed process left its endpoints behind; the new one writes its own when ready.
        let endpoints = self.data_dir().join("endpoints.json");
        if endpoints.exists() {
            fs::remove_file(&endpoints).expect("the old endpoints.json can be removed");
        }
        let log = File::options()
            .append(true)
            .open(self.log_path())
            .expect("the log file");
        self.child = Command::new(binary)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args(["up", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a second log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot restart {}: {error}", binary.display()));
        self.wait_until_ready();
    }
}
