//! One runtime for the whole binary and one cloud per family of attacks.
//!
//! Starting a cloud (a fresh RSA signing key, a CA, the schema) and building a family's
//! scene costs more than most attacks, so the cases of a family share one cloud. Its servers
//! run on the runtime that started them, hence one runtime that outlives every test. The
//! cases of a family take turns ([`Turn`]): each snapshots the state before and after its
//! attack, and a neighbour's legitimate token request in between would show as a change.
//! Families run in parallel with each other.

use std::future::Future;
use std::sync::LazyLock;

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

/// The right to act on a family's cloud alone.
#[derive(Debug, Default)]
pub(crate) struct Turn(Mutex<()>);

impl Turn {
    /// Waits until no other case of the family runs. A failed case releases its turn as it
    /// unwinds (the lock does not poison), so one failure does not fail its neighbours.
    pub(crate) async fn take(&self) -> MutexGuard<'_, ()> {
        self.0.lock().await
    }
}
