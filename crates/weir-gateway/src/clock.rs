//! The one clock policy dates are read from. The gateway asks it for today's UTC date on every
//! request; tests and `weir serve --policy-date` put a [`SetClock`] in its place to move time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use weir_policy::Date;

/// Where the gateway learns today's date.
pub trait Clock: Send + Sync {
    /// Today, in UTC.
    fn today(&self) -> Date;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn today(&self) -> Date {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Date::from_unix_seconds(seconds)
    }
}

/// A clock that says what it was told, until told otherwise: for trying a policy as of another
/// day, and for tests that move time while the gateway runs.
#[derive(Debug)]
pub struct SetClock {
    days: AtomicI64,
}

impl SetClock {
    /// A clock standing at `date`.
    pub fn new(date: Date) -> SetClock {
        SetClock {
            days: AtomicI64::new(date.days()),
        }
    }

    /// Moves the clock to `date`; requests decided after this see it.
    pub fn set(&self, date: Date) {
        self.days.store(date.days(), Ordering::Relaxed);
    }
}

impl Clock for SetClock {
    fn today(&self) -> Date {
        Date::from_days(self.days.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_moves_when_told() {
        let d = Date::parse("2026-07-09").unwrap();
        let c = SetClock::new(d);
        assert_eq!(c.today(), d);
        c.set(d.succ());
        assert_eq!(c.today().to_string(), "2026-07-10");
    }

    #[test]
    fn the_system_clock_is_after_this_code_was_written() {
        assert!(SystemClock.today() >= Date::parse("2026-01-01").unwrap());
    }
}
