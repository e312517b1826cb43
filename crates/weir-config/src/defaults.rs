//! Every default weir ships with, as a named constant. Tests pin each one, so changing a default
//! is a reviewed diff.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

/// The default port: 9347 (W-E-I-R on a phone keypad), which no popular tool uses.
pub const PORT: u16 = 9347;

/// The default listener, loopback only.
pub const LISTEN: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, PORT));

/// Largest request body: 32 MiB, what Anthropic accepts on Messages.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Time allowed to read a client's request headers (slow-loris defence).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed to connect to a vendor.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed until a vendor's response headers. Non-streaming requests generate the whole
/// answer before their headers, so this is long.
pub const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(300);

/// Longest silence tolerated inside a vendor's response body.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Longest exchange with a vendor (a long agent answer at a slow token rate).
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Most vendor attempts per client request, across targets.
pub const MAX_ATTEMPTS: u32 = 4;

/// Longest `Retry-After` weir waits out itself.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// How long a cut-off target (401/403 after serving) is skipped.
pub const CUTOFF_COOLDOWN: Duration = Duration::from_secs(300);

/// How long an unreachable or overloaded target is skipped.
pub const FAILURE_COOLDOWN: Duration = Duration::from_secs(10);

/// Whether catalogue vendors whose key variable is set are enabled without a `[vendors.*]`
/// table (`auto_vendors`), and Ollama probed on its default address.
pub const AUTO_VENDORS: bool = true;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_pinned() {
        assert_eq!(PORT, 9347);
        assert_eq!(LISTEN.to_string(), "127.0.0.1:9347");
        assert!(LISTEN.ip().is_loopback());
        assert_eq!(MAX_BODY_BYTES, 33_554_432);
        assert_eq!(HEADER_READ_TIMEOUT, Duration::from_secs(10));
        assert_eq!(CONNECT_TIMEOUT, Duration::from_secs(10));
        assert_eq!(FIRST_BYTE_TIMEOUT, Duration::from_secs(300));
        assert_eq!(IDLE_TIMEOUT, Duration::from_secs(120));
        assert_eq!(TOTAL_TIMEOUT, Duration::from_secs(1800));
        assert_eq!(MAX_ATTEMPTS, 4);
        assert_eq!(MAX_RETRY_WAIT, Duration::from_secs(10));
        assert_eq!(CUTOFF_COOLDOWN, Duration::from_secs(300));
        assert_eq!(FAILURE_COOLDOWN, Duration::from_secs(10));
        const { assert!(AUTO_VENDORS) };
    }
}
