//! Known placeholders: text shaped like a secret that is not one (`EXAMPLE`, `xxxx`,
//! `your-key-here`, template variables). A reported part containing one is dropped, whatever
//! the rule.

/// Substrings (compared ASCII case-insensitively) that mark a placeholder.
const MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "your-",
    "your_",
    "yourkey",
    "yourapi",
    "yoursecret",
    "yourtoken",
    "yourpass",
    "placeholder",
    "changeme",
    "change-me",
    "change_me",
    "dummy",
    "redacted",
    "replace-me",
    "replace_me",
    "insert-",
    "insert_",
    "****",
    "....",
    "${",
    "{{",
    "<",
    "%s",
    "abcdefghij",
    "0123456789abcdef",
    "1234567890",
];

/// Whether `part` is a placeholder rather than a real value.
pub fn is_placeholder(part: &[u8]) -> bool {
    if part.len() >= 8 && part.iter().all(|&b| b == part[0]) {
        return true;
    }
    MARKERS.iter().any(|m| contains_ignore_case(part, m.as_bytes()))
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::is_placeholder;

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "sk-ant-api03-xxxxxxxxxxxxxxxx",
            "your-api-key-here",
            "${OPENAI_API_KEY}",
            "{{ secrets.TOKEN }}",
            "<YOUR_TOKEN>",
            "aaaaaaaaaaaaaaaa",
            "ghp_************************************",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for real in ["q8Zr2LxP0vT6mN4bW1cY", "AKIAZ3MHQ6T2LZ4RX7PB"] {
            assert!(!is_placeholder(real.as_bytes()), "{real}");
        }
    }
}
