//! One runtime for the whole binary and one cloud per family of attacks.
//!
//! Starting a cloud (a fresh RSA signing key, a CA, the schema) and building a family's
//! scene costs more than most attacks, so the cases of a family share one scene. Its servers
//! run on the runtime that started them, hence one runtime that outlives every test. The
//! cases of a family take turns ([`Family::turn`]): each snapshots the state before and after
//! its attack, and a neighbour's legitimate token request in between would show as a change.
//! Families run in parallel with each other.
//!
//! The last case of a family to finish stops its cloud, which deletes its data directory.
//! After a failed case the directory is kept (the count never completes) and its path
//! printed, as `FakeCloud` keeps a failed test's data for inspection; it is kept too when a
//! filter runs only part of a family.

use std::future::Future;
use std::ops::Deref;
use std::sync::LazyLock;

use azsim_testkit::FakeCloud;
use tokio::runtime::Runtime;
use tokio::sync::{Mutex, MutexGuard};

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
});

/// Runs one case to completion on the binary's runtime.
pub(crate) fn run(case: impl Future<Output = ()>) {
    RUNTIME.block_on(case);
}

/// How many `#[test]` functions `source` (a family's file, by `include_str!`) defines.
pub(crate) const fn count_cases(source: &str) -> usize {
    let bytes = source.as_bytes();
    let needle = b"#[test]";
    let mut count = 0;
    let mut start = 0;
    while start + needle.len() <= bytes.len() {
        let mut matched = 0;
        while matched < needle.len() && bytes[start + matched] == needle[matched] {
            matched += 1;
        }
        if matched == needle.len() {
            count += 1;
        }
        start += 1;
    }
    count
}

/// A family's scene: what the cases act on, and the cloud under it.
pub(crate) trait Scene {
    /// The cloud the scene is built on.
    fn cloud(&self) -> &FakeCloud;

    /// The cloud, to stop when the family is done.
    fn into_cloud(self) -> FakeCloud;
}

/// The scene a family's `cases` share, built by the first case and stopped by the last.
pub(crate) struct Family<S> {
    cases: usize,
    slot: Mutex<Slot<S>>,
}

struct Slot<S> {
    scene: Option<S>,
    finished: usize,
}

impl<S: Scene> Family<S> {
    /// A family of `cases` cases (see [`count_cases`]).
    pub(crate) const fn new(cases: usize) -> Self {
        Family {
            cases,
            slot: Mutex::const_new(Slot {
                scene: None,
                finished: 0,
            }),
        }
    }

    /// Waits until no other case of the family runs, and builds the scene if this is the
    /// first. A failed case releases its turn as it unwinds (the lock does not poison), so
    /// one failure does not fail its neighbours.
    pub(crate) async fn turn<F>(&self, build: impl FnOnce() -> F) -> Turn<'_, S>
    where
        F: Future<Output = S>,
    {
        let mut slot = self.slot.lock().await;
        if slot.scene.is_none() {
            slot.scene = Some(build().await);
        }
        Turn {
            slot,
            cases: self.cases,
        }
    }
}

/// One case's turn on its family's scene.
pub(crate) struct Turn<'a, S: Scene> {
    slot: MutexGuard<'a, Slot<S>>,
    cases: usize,
}

impl<S: Scene> Turn<'_, S> {
    /// Ends a case that passed; the last one stops the cloud.
    pub(crate) async fn finish(mut self) {
        self.slot.finished += 1;
        if self.slot.finished == self.cases
            && let Some(scene) = self.slot.scene.take()
        {
            scene.into_cloud().stop().await;
        }
    }
}

impl<S: Scene> Drop for Turn<'_, S> {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(scene) = &self.slot.scene
        {
            eprintln!(
                "case failed; the family's cloud data stays in {}",
                scene.cloud().data_dir().display()
            );
        }
    }
}

impl<S: Scene> Deref for Turn<'_, S> {
    type Target = S;

    fn deref(&self) -> &S {
        self.slot.scene.as_ref().expect("the scene is built")
    }
}
