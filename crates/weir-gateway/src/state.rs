//! What every request handler shares.

use std::time::SystemTime;

use weir_config::{Config, Router};

use crate::guard::Guard;
use crate::health::Health;
use crate::keys::Keys;
use crate::record::Recorder;
use crate::upstream::UpstreamClient;

/// The gateway's shared, read-mostly state.
pub struct Shared {
    /// The configuration in force.
    pub config: Config,
    /// Model routing built from it.
    pub router: Router,
    /// Vendor keys.
    pub keys: Keys,
    /// Access rules.
    pub guard: Guard,
    /// What weir has learnt about vendors.
    pub health: Health,
    /// The vendor client.
    pub client: UpstreamClient,
    /// The gateway's side of the ledger.
    pub recorder: Recorder,
    /// Client identification, environment facts and hidden markers.
    pub inspector: std::sync::Arc<crate::inspect::Inspector>,
    /// Secret and personal-data scanning, and the redaction vault.
    pub dlp: std::sync::Arc<crate::dlp::Dlp>,
    /// The address weir listens on (a proxy request naming it is an ordinary request).
    pub listen: std::net::SocketAddr,
    /// When this gateway started (reported as models' creation time).
    pub started: SystemTime,
}
