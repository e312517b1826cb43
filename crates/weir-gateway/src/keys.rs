//! Reading vendor keys and the access token from where the configuration names them.

use std::collections::HashMap;
use std::path::Path;

use weir_config::{ApiKey, Config, Env, SecretSource};

/// A vendor's key as found at start.
#[derive(Debug, Clone)]
pub enum VendorKey {
    /// The vendor needs no key.
    NotNeeded,
    /// The key was read.
    Present(ApiKey),
    /// The key is configured but could not be read; the vendor is skipped, with this reason.
    Missing(String),
}

/// Every vendor's key, by vendor name.
pub type Keys = HashMap<String, VendorKey>;

/// A secret that must exist for weir to start could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The access token is configured but unavailable.
    #[error("the access token ({source_name}) could not be read: {reason}")]
    AccessToken {
        /// Where it was configured to come from.
        source_name: String,
        /// Why it could not be read.
        reason: String,
    },
}

/// Reads one secret. Files must not be readable by group or others.
pub fn read(source: &SecretSource, env: &dyn Env) -> Result<ApiKey, String> {
    match source {
        SecretSource::Env(name) => env
            .var(name)
            .map(|v| ApiKey::new(v.trim()))
            .ok_or_else(|| format!("environment variable {name} is not set")),
        SecretSource::File(path) => read_file(path),
    }
}

fn read_file(path: &Path) -> Result<ApiKey, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta =
            std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(format!(
                "{} is readable by other users; run `chmod 600 {}`",
                path.display(),
                path.display()
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let key = text.trim();
    if key.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(ApiKey::new(key))
}

/// Reads every enabled vendor's key. A vendor whose key cannot be read is not an error here: it
/// is skipped at routing time with the reason, so one missing key does not stop weir.
pub fn vendor_keys(config: &Config, env: &dyn Env) -> Keys {
    config
        .vendors
        .iter()
        .chain(config.probe.iter())
        .map(|v| {
            let key = match &v.key {
                None => VendorKey::NotNeeded,
                Some(source) => match read(source, env) {
                    Ok(k) => VendorKey::Present(k),
                    Err(reason) if v.is_local() => {
                        tracing::debug!(vendor = %v.name, %reason, "local vendor without a key");
                        VendorKey::NotNeeded
                    }
                    Err(reason) => VendorKey::Missing(reason),
                },
            };
            (v.name.clone(), key)
        })
        .collect()
}

/// Reads the access token, if one is configured.
pub fn access_token(config: &Config, env: &dyn Env) -> Result<Option<ApiKey>, KeyError> {
    let Some(source) = &config.access_token else {
        return Ok(None);
    };
    read(source, env)
        .map(Some)
        .map_err(|reason| KeyError::AccessToken {
            source_name: source.to_string(),
            reason,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_keys_are_read_and_missing_ones_explained() {
        let env: HashMap<String, String> = [("K".to_string(), " sk-test \n".to_string())].into();
        assert_eq!(
            read(&SecretSource::Env("K".into()), &env).unwrap().expose(),
            "sk-test"
        );
        let err = read(&SecretSource::Env("NOPE".into()), &env).unwrap_err();
        assert!(err.contains("NOPE is not set"));
    }

    #[cfg(unix)]
    #[test]
    fn key_files_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("weir-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        std::fs::write(&path, "sk-file-key\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read(
            &SecretSource::File(path.clone()),
            &HashMap::<String, String>::new(),
        )
        .unwrap_err();
        assert!(err.contains("chmod 600"), "{err}");
        assert!(!err.contains("sk-file-key"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let key = read(&SecretSource::File(path), &HashMap::<String, String>::new()).unwrap();
        assert_eq!(key.expose(), "sk-file-key");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
