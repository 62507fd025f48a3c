//! The one source of time: every component asks a [`Clock`], so tests can move time forward.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

/// A source of the current time.
///
/// Token expiry, certificate validity and event timestamps all read this, never the system
/// clock directly, so a [`ManualClock`] can expire tokens or roll certificates in a test
/// without sleeping.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current UTC time.
    fn now(&self) -> OffsetDateTime;

    /// The current time as whole seconds since the Unix epoch (the unit of JWT claims).
    fn unix_seconds(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

/// A clock shared by every component of one cloud.
pub type SharedClock = Arc<dyn Clock>;

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A manual clock reading `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// A manual clock reading the current wall-clock time, truncated to whole seconds so that
    /// times written as JWT claims round-trip exactly.
    pub fn starting_now() -> Self {
        let now = OffsetDateTime::now_utc();
        Self::new(now.replace_nanosecond(0).unwrap_or(now))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now += by;
    }

    /// Sets the clock to `to` (which may be in the past: tests of skew use it).
    pub fn set(&self, to: OffsetDateTime) {
        *self.lock() = to;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OffsetDateTime> {
        // A poisoned lock only means another thread panicked while holding it; the time value
        // itself is always valid.
        self.now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::starting_now();
        let before = clock.now();
        assert_eq!(clock.now(), before);
        clock.advance(Duration::from_secs(86_400));
        assert_eq!(clock.unix_seconds(), before.unix_timestamp() + 86_400);
    }
}
