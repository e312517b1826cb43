//! IANA time zone names (`Area/Location`), from the tz database (public domain), as a sorted
//! list: a name in this list is a time zone wherever it is written.

use std::sync::LazyLock;

/// `Area/Location` names of the tz database, one a line, sorted.
const NAMES: &str = include_str!("zones.txt");

static LIST: LazyLock<Vec<&'static str>> = LazyLock::new(|| NAMES.lines().collect());

/// Whether `v` is an IANA zone name with a geographic area (`Asia/Kuala_Lumpur`).
pub fn is_iana(v: &str) -> bool {
    LIST.binary_search(&v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_holds_real_zones() {
        assert!(LIST.windows(2).all(|w| w[0] < w[1]));
        assert!(is_iana("Asia/Kuala_Lumpur"));
        assert!(is_iana("America/Argentina/Buenos_Aires"));
        assert!(!is_iana("Asia/Atlantis"));
        assert!(!is_iana("asia/kuala_lumpur"));
    }
}
