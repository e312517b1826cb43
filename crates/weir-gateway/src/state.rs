//! What every request handler shares, and how it is swapped on reload.
//!
//! A request takes the [`Shared`] in force when it arrives and keeps it to the end: a reload
//! builds a new one and puts it in place, so requests already running finish under the
//! configuration and policy they started with and nothing in flight is dropped. The parts that
//! outlive a configuration (the ledger writer, what weir learnt about vendors, the vendor
//! connection pool, the redaction vault while `[dlp]` is unchanged) are shared between the old
//! and the new.

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use weir_config::{Config, Router};
use weir_policy::Policy;

use crate::clock::Clock;
use crate::guard::Guard;
use crate::health::Health;
use crate::keys::Keys;
use crate::record::Recorder;
use crate::upstream::UpstreamClient;

/// The gateway's state for one configuration: read-only while requests use it.
#[derive(Clone)]
pub struct Shared {
    /// The configuration in force.
    pub config: Arc<Config>,
    /// Model routing built from it.
    pub router: Router,
    /// Vendor keys.
    pub keys: Keys,
    /// Access rules.
    pub guard: Guard,
    /// What weir has learnt about vendors (kept across reloads).
    pub health: Arc<Health>,
    /// The vendor client (kept across reloads).
    pub client: UpstreamClient,
    /// The gateway's side of the ledger (kept across reloads).
    pub recorder: Arc<Recorder>,
    /// Client identification, environment facts and hidden markers.
    pub inspector: Arc<crate::inspect::Inspector>,
    /// Secret and personal-data scanning, and the redaction vault.
    pub dlp: Arc<crate::dlp::Dlp>,
    /// The organisation's policy, when there is one.
    pub policy: Option<Arc<Policy>>,
    /// Where policy dates come from.
    pub clock: Arc<dyn Clock>,
    /// The address weir listens on (a proxy request naming it is an ordinary request).
    pub listen: std::net::SocketAddr,
    /// When this gateway started (reported as models' creation time).
    pub started: SystemTime,
}

/// The [`Shared`] in force, swapped whole on reload.
pub struct Live {
    current: RwLock<Arc<Shared>>,
}

impl Live {
    /// Starts with `shared` in force.
    pub fn new(shared: Shared) -> Live {
        Live {
            current: RwLock::new(Arc::new(shared)),
        }
    }

    /// The state in force now; a request keeps it until it ends.
    pub fn get(&self) -> Arc<Shared> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts `shared` in force for requests that arrive from now on.
    pub fn set(&self, shared: Shared) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(shared);
    }
}
