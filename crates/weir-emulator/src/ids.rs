//! Vendor-style identifiers and timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// `prefix` followed by `len` random alphanumeric characters.
pub fn alnum(prefix: &str, len: usize) -> String {
    from_alphabet(prefix, len, ALNUM)
}

/// `prefix` followed by `len` random lower-case hex digits.
pub fn hex(prefix: &str, len: usize) -> String {
    from_alphabet(prefix, len, HEX)
}

fn from_alphabet(prefix: &str, len: usize, alphabet: &[u8]) -> String {
    let mut id = String::with_capacity(prefix.len() + len);
    id.push_str(prefix);
    for _ in 0..len {
        id.push(char::from(alphabet[fastrand::usize(..alphabet.len())]));
    }
    id
}

/// An Anthropic request id (`req_...`), also used as OpenAI's `x-request-id`.
pub fn request_id() -> String {
    alnum("req_", 24)
}

/// A fake thinking signature (base64-looking).
pub fn signature() -> String {
    let mut sig = alnum("Eq", 94);
    sig.push_str("==");
    sig
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `unix_secs` as an RFC 3339 UTC timestamp, e.g. `2024-01-02T03:04:05Z`.
pub fn rfc3339(unix_secs: u64) -> String {
    let days = unix_secs / 86_400;
    let rem = unix_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Converts days since 1970-01-01 to a (year, month, day) civil date.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Howard Hinnant's algorithm, restricted to dates after the epoch.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn ids_have_prefix_and_length() {
        let id = alnum("msg_", 24);
        assert!(id.starts_with("msg_"));
        assert_eq!(id.len(), 28);
        assert!(id[4..].chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
