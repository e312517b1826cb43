//! Shannon entropy, the usual gate for keyword-found secrets: a random token scores high, a
//! word or an identifier low.

/// Entropy of `bytes` in bits per byte (0 for empty input).
pub fn shannon(bytes: &[u8]) -> f32 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f32;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::shannon;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaa"), 0.0);
        assert!((shannon(b"abab") - 1.0).abs() < 1e-6);
        assert!((shannon(b"0123456789abcdef") - 4.0).abs() < 1e-6);
        assert!(shannon(b"password") < 3.0);
        assert!(shannon(b"q8Zr2LxP0vT6mN4b") > 3.5);
    }
}
