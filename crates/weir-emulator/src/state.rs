//! State shared by the server's connections: the script, rule counters, the rate-limit window
//! and the recorded requests.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::request::{Parsed, RecordedRequest};
use crate::script::{RateLimit, Reply, Script};

/// The script and how often each rule has applied.
struct Scripted {
    script: Script,
    used: Vec<u32>,
}

/// Everything the server shares.
pub struct State {
    scripted: Mutex<Scripted>,
    window: Mutex<VecDeque<Instant>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

/// The outcome of a rate-limit check.
#[derive(Debug, Clone, Copy)]
pub struct RateCheck {
    /// The configured limit.
    pub limit: RateLimit,
    /// Whether the request is admitted.
    pub allowed: bool,
    /// Requests left in the window after this one.
    pub remaining: u32,
    /// Time until a slot frees up.
    pub reset: Duration,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    /// State running `script`.
    pub fn new(script: Script) -> State {
        State {
            scripted: Mutex::new(Scripted {
                used: vec![0; script.rules.len()],
                script,
            }),
            window: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
        }
    }

    /// Replaces the script; rule counters and the rate-limit window start afresh.
    pub fn set_script(&self, script: Script) {
        *lock(&self.scripted) = Scripted {
            used: vec![0; script.rules.len()],
            script,
        };
        lock(&self.window).clear();
    }

    /// A copy of the current script.
    pub fn script(&self) -> Script {
        lock(&self.scripted).script.clone()
    }

    /// The required API key, if any.
    pub fn require_key(&self) -> Option<String> {
        lock(&self.scripted).script.require_key.clone()
    }

    /// Checks (and, when admitted, counts) one request against the rate limit.
    pub fn rate_check(&self) -> Option<RateCheck> {
        let limit = lock(&self.scripted).script.rate_limit?;
        let window = Duration::from_millis(limit.window_ms);
        let now = Instant::now();
        let mut admitted = lock(&self.window);
        while admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            admitted.pop_front();
        }
        let allowed = admitted.len() < limit.requests as usize;
        if allowed {
            admitted.push_back(now);
        }
        let reset = admitted.front().map_or(Duration::ZERO, |oldest| {
            window.saturating_sub(now.duration_since(*oldest))
        });
        let remaining = (limit.requests as usize).saturating_sub(admitted.len());
        Some(RateCheck {
            limit,
            allowed,
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            reset,
        })
    }

    /// The reply for `request`: the first matching rule with uses left, else the default.
    pub fn pick(&self, request: &Parsed, raw: &[u8]) -> Reply {
        let mut guard = lock(&self.scripted);
        let Scripted { script, used } = &mut *guard;
        for (rule, used) in script.rules.iter().zip(used.iter_mut()) {
            if rule.times.is_some_and(|times| *used >= times) {
                continue;
            }
            if request.matches(&rule.when, raw) {
                *used += 1;
                return rule.reply.clone();
            }
        }
        script.default.clone()
    }

    /// Records a request.
    pub fn record(&self, request: RecordedRequest) {
        lock(&self.requests).push(request);
    }

    /// The recorded requests in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.requests).clear();
    }
}
