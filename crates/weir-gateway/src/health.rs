//! What weir has learnt about each vendor while running: whether it has served a request (so a
//! later 401/403 reads as a cut-off, not a typo in a key) and until when it is skipped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use weir_protocol::ErrorKind;

/// Per-vendor state shared by all requests.
#[derive(Debug, Default)]
pub struct Health {
    vendors: Mutex<HashMap<String, VendorHealth>>,
}

#[derive(Debug, Default, Clone)]
struct VendorHealth {
    served: bool,
    cooling_until: Option<Instant>,
    reason: String,
    kind: Option<ErrorKind>,
}

/// Why and for how long a vendor is being skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cooling {
    /// Time left.
    pub left: Duration,
    /// Why, for people.
    pub reason: String,
    /// The error that started the cool-down, so a client turned away meanwhile gets the same kind
    /// of error (a rate limit stays a rate limit).
    pub kind: ErrorKind,
}

impl Health {
    /// Records that `vendor` answered a request successfully.
    pub fn served(&self, vendor: &str) {
        let mut map = self.lock();
        let h = map.entry(vendor.to_owned()).or_default();
        h.served = true;
        h.cooling_until = None;
    }

    /// Whether `vendor` has answered successfully since weir started.
    pub fn has_served(&self, vendor: &str) -> bool {
        self.lock().get(vendor).is_some_and(|h| h.served)
    }

    /// Skips `vendor` for `for_` (extending, never shortening, a current cool-down).
    pub fn cool(
        &self,
        vendor: &str,
        for_: Duration,
        reason: impl Into<String>,
        kind: ErrorKind,
        now: Instant,
    ) {
        let mut map = self.lock();
        let h = map.entry(vendor.to_owned()).or_default();
        let until = now + for_;
        if h.cooling_until.is_none_or(|u| u < until) {
            h.cooling_until = Some(until);
            h.reason = reason.into();
            h.kind = Some(kind);
        }
    }

    /// If `vendor` is cooling down at `now`: how much longer, why, and after which kind of error.
    pub fn cooling(&self, vendor: &str, now: Instant) -> Option<Cooling> {
        let map = self.lock();
        let h = map.get(vendor)?;
        let until = h.cooling_until?;
        (until > now).then(|| Cooling {
            left: until - now,
            reason: h.reason.clone(),
            kind: h.kind.unwrap_or(ErrorKind::Unavailable),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VendorHealth>> {
        // A panic while holding this lock cannot leave the map inconsistent (each update is one
        // field write), so a poisoned lock is still usable.
        self.vendors.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cooldown_expires_and_never_shortens() {
        let h = Health::default();
        let t0 = Instant::now();
        h.cool(
            "a",
            Duration::from_secs(10),
            "rate limited",
            ErrorKind::RateLimited,
            t0,
        );
        h.cool(
            "a",
            Duration::from_secs(1),
            "refused",
            ErrorKind::BadGateway,
            t0,
        );
        let c = h.cooling("a", t0 + Duration::from_secs(5)).unwrap();
        assert_eq!(c.left, Duration::from_secs(5));
        assert_eq!(c.reason, "rate limited");
        assert_eq!(c.kind, ErrorKind::RateLimited);
        assert!(h.cooling("a", t0 + Duration::from_secs(10)).is_none());
        assert!(h.cooling("b", t0).is_none());
    }

    #[test]
    fn serving_clears_cooldown_and_is_remembered() {
        let h = Health::default();
        let t0 = Instant::now();
        assert!(!h.has_served("a"));
        h.cool("a", Duration::from_secs(10), "x", ErrorKind::Overloaded, t0);
        h.served("a");
        assert!(h.has_served("a"));
        assert!(h.cooling("a", t0).is_none());
    }
}
