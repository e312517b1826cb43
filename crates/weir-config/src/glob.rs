//! Globs on model names: `*` matches any run of characters (including none), `?` one character;
//! everything else matches itself. Matching is case-sensitive, like vendors' model ids.

/// A compiled model-name glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: String,
}

impl Glob {
    /// Compiles `pattern`. Empty patterns are an error.
    pub fn new(pattern: &str) -> Result<Glob, String> {
        if pattern.is_empty() {
            return Err("a model glob cannot be empty; use \"*\" to match every model".to_owned());
        }
        Ok(Glob {
            pattern: pattern.to_owned(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether the pattern has no wildcard (it names exactly one model).
    pub fn is_literal(&self) -> bool {
        !self.pattern.contains(['*', '?'])
    }

    /// Whether `name` matches. Linear in `name.len() * pattern.len()` at worst.
    pub fn matches(&self, name: &str) -> bool {
        weir_policy::glob::matches(&self.pattern, name)
    }
}

impl std::fmt::Display for Glob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(pattern: &str, name: &str) -> bool {
        Glob::new(pattern).unwrap().matches(name)
    }

    #[test]
    fn empty_pattern_is_an_error() {
        assert!(Glob::new("").is_err());
    }

    #[test]
    fn literal_detection() {
        assert!(Glob::new("gpt-4o").unwrap().is_literal());
        assert!(Glob::new("qwen2.5-coder:7b").unwrap().is_literal());
        assert!(!Glob::new("gpt-*").unwrap().is_literal());
        assert!(!Glob::new("o?").unwrap().is_literal());
        assert_eq!(Glob::new("claude-*").unwrap().as_str(), "claude-*");
        assert_eq!(Glob::new("claude-*").unwrap().to_string(), "claude-*");
    }

    #[test]
    fn examples() {
        assert!(m("claude-*", "claude-sonnet-4-5"));
        assert!(m("claude-*", "claude-"));
        assert!(!m("claude-*", "claude"));
        assert!(!m("claude-*", "Claude-x"));
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("*/*", "anthropic/claude-sonnet-4"));
        assert!(!m("*/*", "gpt-4o"));
        assert!(m("o1*", "o1"));
        assert!(m("o1*", "o1-mini"));
        assert!(!m("o1*", "xo1"));
        assert!(m("gpt-4?", "gpt-4o"));
        assert!(!m("gpt-4?", "gpt-4"));
        assert!(!m("gpt-4?", "gpt-4oo"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("*a*a*a", "aaaa"));
        assert!(m("gpt-4o", "gpt-4o"));
        assert!(!m("gpt-4o", "gpt-4o-mini"));
        assert!(m("?", "é"));
        assert!(m("??", "日本"));
        assert!(!m("?", "日本"));
        assert!(m("*本", "日本"));
        assert!(m("日*", "日本語"));
        assert!(m("**", ""));
    }

    /// Obviously-correct dynamic programming over characters.
    fn reference(pattern: &str, name: &str) -> bool {
        let p: Vec<char> = pattern.chars().collect();
        let n: Vec<char> = name.chars().collect();
        // dp[i][j]: p[..i] matches n[..j]
        let mut dp = vec![vec![false; n.len() + 1]; p.len() + 1];
        dp[0][0] = true;
        for i in 1..=p.len() {
            for j in 0..=n.len() {
                dp[i][j] = match p[i - 1] {
                    '*' => dp[i - 1][j] || (j > 0 && dp[i][j - 1]),
                    '?' => j > 0 && dp[i - 1][j - 1],
                    c => j > 0 && n[j - 1] == c && dp[i - 1][j - 1],
                };
            }
        }
        dp[p.len()][n.len()]
    }

    proptest! {
        #[test]
        fn matches_like_the_reference(
            pattern in "[ab*?é]{1,8}",
            name in "[abé]{0,10}",
        ) {
            prop_assert_eq!(m(&pattern, &name), reference(&pattern, &name));
        }

        #[test]
        fn matches_like_the_reference_on_model_names(
            pattern in "[a-z0-9.:/*?-]{1,12}",
            name in "[a-z0-9.:/-]{0,16}",
        ) {
            prop_assert_eq!(m(&pattern, &name), reference(&pattern, &name));
        }

        #[test]
        fn literal_globs_match_only_themselves(name in "[a-z0-9.:/-]{1,16}", other in "[a-z0-9.:/-]{0,16}") {
            let g = Glob::new(&name).unwrap();
            prop_assert!(g.is_literal());
            prop_assert!(g.matches(&name));
            prop_assert_eq!(g.matches(&other), other == name);
        }
    }
}
