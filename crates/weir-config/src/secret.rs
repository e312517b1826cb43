//! Keys are named in the configuration, never written in it: `env:NAME` or `file:PATH`.

use std::fmt;
use std::path::PathBuf;

/// Where a secret (a vendor key, the access token) comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable.
    Env(String),
    /// A file whose content (trimmed) is the secret.
    File(PathBuf),
}

impl SecretSource {
    /// Parses `env:NAME` or `file:PATH`. Anything else is an error whose message explains the
    /// two forms and never repeats the input (it may be a pasted key).
    ///
    /// The message starts with `must be`, so that it reads on after the field's name
    /// (`api_key must be ...`). `NAME` is a variable name: ASCII letters, digits and `_`, not
    /// starting with a digit. `PATH` is any non-empty path; a relative one is relative to the
    /// directory weir runs in.
    pub fn parse(s: &str) -> Result<SecretSource, String> {
        if let Some(name) = s.strip_prefix("env:") {
            let name = name.trim();
            return if is_variable_name(name) {
                Ok(SecretSource::Env(name.to_owned()))
            } else {
                Err(
                    "must be `env:NAME` with NAME an environment variable name (ASCII letters, \
                     digits and `_`, not starting with a digit)"
                        .to_owned(),
                )
            };
        }
        if let Some(path) = s.strip_prefix("file:") {
            let path = path.trim();
            return if path.is_empty() {
                Err("must be `file:PATH` with a non-empty PATH".to_owned())
            } else {
                Ok(SecretSource::File(PathBuf::from(path)))
            };
        }
        Err(
            "must be `env:NAME` or `file:PATH`; weir never reads keys from the configuration \
             text. Put the key in an environment variable or a file and name it here."
                .to_owned(),
        )
    }
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => write!(f, "env:{name}"),
            SecretSource::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A secret value. `Debug` and `Display` show only a fingerprint, so it cannot leak into a log
/// line or an error message by accident; [`ApiKey::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        ApiKey(secret.into())
    }

    /// The secret itself, for the one header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short, stable fingerprint safe to log: `fp:` and the first 8 hex digits of its SHA-256.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        use std::fmt::Write as _;
        let digest = sha2::Sha256::digest(self.0.as_bytes());
        let mut out = String::with_capacity(11);
        out.push_str("fp:");
        for byte in &digest[..4] {
            let _ = write!(out, "{byte:02x}");
        }
        out
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.fingerprint())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fingerprint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_two_forms() {
        assert_eq!(
            SecretSource::parse("env:WEIR_TOKEN"),
            Ok(SecretSource::Env("WEIR_TOKEN".into()))
        );
        assert_eq!(
            SecretSource::parse("env:_x1"),
            Ok(SecretSource::Env("_x1".into()))
        );
        assert_eq!(
            SecretSource::parse("file:/run/secrets/key"),
            Ok(SecretSource::File("/run/secrets/key".into()))
        );
        assert_eq!(
            SecretSource::parse("file:keys/a b.txt"),
            Ok(SecretSource::File("keys/a b.txt".into()))
        );
        for s in ["env:WEIR_TOKEN", "file:/run/secrets/key"] {
            assert_eq!(SecretSource::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn errors_never_repeat_the_input() {
        let key = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        for s in [
            key.to_owned(),
            format!("env:{key}"),
            format!("ENV:{key}"),
            "env:".to_owned(),
            "env:1ABC".to_owned(),
            "file:".to_owned(),
            "file:   ".to_owned(),
            String::new(),
        ] {
            let err = SecretSource::parse(&s).unwrap_err();
            assert!(err.starts_with("must be `"), "{err}");
            assert!(!err.contains("sk-ant"), "{err}");
            assert!(!err.contains("AbCd"), "{err}");
        }
        assert_eq!(
            SecretSource::parse(key).unwrap_err(),
            "must be `env:NAME` or `file:PATH`; weir never reads keys from the configuration \
             text. Put the key in an environment variable or a file and name it here."
        );
    }

    #[test]
    fn fingerprint_is_stable_and_hides_the_key() {
        let key = ApiKey::new("sk-ant-api03-secret-value");
        let fp = key.fingerprint();
        assert_eq!(fp.len(), 11);
        assert!(fp.starts_with("fp:"));
        assert!(
            fp[3..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(fp, ApiKey::new("sk-ant-api03-secret-value").fingerprint());
        assert_ne!(fp, ApiKey::new("sk-ant-api03-secret-valuf").fingerprint());
        // SHA-256("abc") = ba7816bf...
        assert_eq!(ApiKey::new("abc").fingerprint(), "fp:ba7816bf");
        assert_eq!(format!("{key}"), fp);
        assert_eq!(format!("{key:?}"), format!("ApiKey({fp})"));
        assert!(!format!("{key:?}").contains("secret"));
        assert!(!format!("{key}").contains("sk-ant"));
        assert_eq!(key.expose(), "sk-ant-api03-secret-value");
    }
}
