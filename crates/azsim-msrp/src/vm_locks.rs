//! One lock per VM, held while MSRP reads a VM and starts, updates or stops its metadata
//! agent: a create's sync and a delete's stop of the same VM then run one after the other, and
//! whichever runs last sees what was committed last, so they converge.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

/// The locks of the VMs that someone is working on, by VM row.
#[derive(Debug, Default)]
pub(crate) struct VmLocks {
    // A std mutex around the map (held for a lookup only, never across an await); each VM's
    // lock is a tokio mutex, held across the agent's start or stop.
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

/// Holds one VM's lock; dropping it releases the lock and forgets it when nobody waits.
pub(crate) struct VmLockGuard<'a> {
    locks: &'a VmLocks,
    vm_row: i64,
    guard: Option<OwnedMutexGuard<()>>,
}

impl VmLocks {
    /// Waits for the VM's lock.
    pub(crate) async fn lock(&self, vm_row: i64) -> VmLockGuard<'_> {
        let lock = Arc::clone(
            self.locks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(vm_row)
                .or_default(),
        );
        VmLockGuard {
            locks: self,
            vm_row,
            guard: Some(lock.lock_owned().await),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for VmLockGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut locks = self
            .locks
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Only the map holds it: nobody holds or waits for this VM's lock, so forget it (the
        // map stays as small as the number of VMs being worked on).
        if locks
            .get(&self.vm_row)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            locks.remove(&self.vm_row);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::VmLocks;

    #[tokio::test]
    async fn one_vm_is_worked_on_by_one_caller_at_a_time_and_others_are_free() {
        let locks = Arc::new(VmLocks::default());
        let held = locks.lock(1).await;

        let waiting = {
            let locks = Arc::clone(&locks);
            tokio::spawn(async move {
                let _second = locks.lock(1).await;
            })
        };
        // Another VM's lock is free meanwhile.
        drop(locks.lock(2).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !waiting.is_finished(),
            "the second caller waits for the first"
        );

        drop(held);
        waiting.await.unwrap();
        assert_eq!(locks.len(), 0, "released locks are forgotten");
    }
}
