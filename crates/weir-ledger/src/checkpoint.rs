//! Signed checkpoints: a statement, signed with the ledger's Ed25519 key, that the chain had a
//! given head at a given sequence number.
//!
//! # Format
//!
//! A checkpoint is a signed note (the text format of transparency-log checkpoints):
//!
//! ```text
//! <origin>\n
//! <seq>\n
//! <head, standard base64>\n
//! time <unix milliseconds>\n
//! \n
//! — <origin> <base64(key id ‖ 64-byte Ed25519 signature)>\n
//! ```
//!
//! The signature covers the text above the blank line, final newline included. The key id is
//! the first 4 bytes of `SHA-256(origin ‖ "\n" ‖ 0x01 ‖ public key)`. The public key is written
//! as `<origin>+<key id, hex>+<base64(0x01 ‖ public key)>` (a verifier key).
//!
//! A checkpoint kept outside the database is what detects a truncated or rolled-back ledger:
//! the database can be replaced, the signed statement of what it held cannot be forged without
//! the key.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest as _, Sha256};

use crate::entry::Digest;

/// The em dash that starts a signature line.
const DASH: &str = "\u{2014}";

/// What a checkpoint states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The ledger's name (also the key's name).
    pub origin: String,
    /// The sequence number of the last entry covered.
    pub seq: u64,
    /// The chain's head after it.
    pub head: Digest,
    /// When it was signed, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}

impl Checkpoint {
    fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.seq,
            B64.encode(self.head.0),
            self.at_ms
        )
    }
}

/// Why a checkpoint or key could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The note is not a checkpoint.
    #[error("not a weir checkpoint: {0}")]
    Malformed(String),
    /// No signature by the expected key, or a signature that does not verify.
    #[error("checkpoint for seq {seq} is not signed by the ledger's key ({key})")]
    BadSignature {
        /// The checkpoint's sequence number.
        seq: u64,
        /// The key expected.
        key: String,
    },
    /// The key file could not be read or written.
    #[error("ledger key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// The ledger's signing key.
pub struct Signer {
    origin: String,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key never reaches a log line.
        f.debug_struct("Signer")
            .field("public", &self.public().to_string())
            .finish()
    }
}

impl Signer {
    /// A signer for `origin` from a 32-byte seed.
    pub fn from_seed(origin: &str, seed: [u8; 32]) -> Signer {
        Signer {
            origin: origin.to_owned(),
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// Reads the key at `path`, or creates it (mode 0600) with a fresh random seed when the
    /// file does not exist. The file holds the seed in base64 on one line.
    pub fn load_or_create(path: &Path, origin: &str) -> Result<Signer, CheckpointError> {
        let err = |reason: String| CheckpointError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let seed = B64
                    .decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| err("does not hold a base64 Ed25519 seed".into()))?;
                Ok(Signer::from_seed(origin, seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(|e| err(format!("no randomness: {e}")))?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
                }
                write_private(path, format!("{}\n", B64.encode(seed)).as_bytes())
                    .map_err(|e| err(e.to_string()))?;
                Ok(Signer::from_seed(origin, seed))
            }
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// The verifier key that checks this signer's checkpoints.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            origin: self.origin.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The signed note for `checkpoint`.
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        let body = checkpoint.body();
        let signature = self.key.sign(body.as_bytes());
        let mut blob = key_id(&self.origin, &self.key.verifying_key()).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{body}\n{DASH} {} {}\n", self.origin, B64.encode(blob))
    }
}

/// Writes `bytes` to a new file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn key_id(origin: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(origin.as_bytes());
    h.update(b"\n\x01");
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A key that checks checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    origin: String,
    key: VerifyingKey,
}

impl PublicKey {
    /// The ledger name the key signs for.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = key_id(&self.origin, &self.key);
        let mut blob = vec![0x01];
        blob.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{:02x}{:02x}{:02x}{:02x}+{}",
            self.origin,
            id[0],
            id[1],
            id[2],
            id[3],
            B64.encode(blob)
        )
    }
}

impl std::str::FromStr for PublicKey {
    type Err = CheckpointError;

    fn from_str(s: &str) -> Result<PublicKey, CheckpointError> {
        let bad = || CheckpointError::Malformed(format!("`{s}` is not a verifier key"));
        let s = s.trim();
        let mut parts = s.rsplitn(3, '+');
        let blob = parts.next().ok_or_else(bad)?;
        let id = parts.next().ok_or_else(bad)?;
        let origin = parts.next().ok_or_else(bad)?;
        let blob = B64.decode(blob).map_err(|_| bad())?;
        let (&[0x01], key) = blob.split_at_checked(1).ok_or_else(bad)? else {
            return Err(bad());
        };
        let key = <[u8; 32]>::try_from(key).map_err(|_| bad())?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| bad())?;
        let public = PublicKey {
            origin: origin.to_owned(),
            key,
        };
        let expected = key_id(origin, &key);
        if id.len() != 8 || !id.eq_ignore_ascii_case(&hex4(expected)) {
            return Err(bad());
        }
        Ok(public)
    }
}

fn hex4(b: [u8; 4]) -> String {
    format!("{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3])
}

/// Reads a checkpoint without checking its signature (to report what it claims).
pub fn parse(note: &str) -> Result<Checkpoint, CheckpointError> {
    let (body, _) = split_note(note)?;
    parse_body(body)
}

/// Reads a checkpoint and checks that `key` signed it.
pub fn open(note: &str, key: &PublicKey) -> Result<Checkpoint, CheckpointError> {
    let (body, signatures) = split_note(note)?;
    let checkpoint = parse_body(body)?;
    let id = key_id(&key.origin, &key.key);
    let signed = signatures.lines().any(|line| {
        let Some(rest) = line.strip_prefix(DASH).and_then(|r| r.strip_prefix(' ')) else {
            return false;
        };
        let Some((name, blob)) = rest.rsplit_once(' ') else {
            return false;
        };
        let Ok(blob) = B64.decode(blob) else {
            return false;
        };
        if name != key.origin || blob.len() != 68 || blob[..4] != id {
            return false;
        }
        let Ok(signature) = Signature::from_slice(&blob[4..]) else {
            return false;
        };
        key.key.verify(body.as_bytes(), &signature).is_ok()
    });
    if !signed || checkpoint.origin != key.origin {
        return Err(CheckpointError::BadSignature {
            seq: checkpoint.seq,
            key: key.to_string(),
        });
    }
    Ok(checkpoint)
}

fn split_note(note: &str) -> Result<(&str, &str), CheckpointError> {
    let at = note
        .find("\n\n")
        .ok_or_else(|| CheckpointError::Malformed("no signature block".into()))?;
    Ok((&note[..at + 1], &note[at + 2..]))
}

fn parse_body(body: &str) -> Result<Checkpoint, CheckpointError> {
    let bad = |what: &str| CheckpointError::Malformed(what.to_owned());
    let mut lines = body.lines();
    let origin = lines
        .next()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| bad("no origin line"))?;
    let seq = lines
        .next()
        .and_then(|l| l.parse::<u64>().ok())
        .ok_or_else(|| bad("no sequence number"))?;
    let head = lines
        .next()
        .and_then(|l| B64.decode(l).ok())
        .and_then(|b| Digest::from_slice(&b))
        .ok_or_else(|| bad("no head hash"))?;
    let at_ms = lines
        .next()
        .and_then(|l| l.strip_prefix("time "))
        .and_then(|l| l.parse::<i64>().ok())
        .ok_or_else(|| bad("no time line"))?;
    Ok(Checkpoint {
        origin: origin.to_owned(),
        seq,
        head,
        at_ms,
    })
}

/// Writes `note` to `path` atomically (a temporary file renamed over it) and durably.
pub fn write_file(path: &Path, note: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(note.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        // The rename itself is durable once the directory is.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "weir-ledger/test".into(),
            seq: 42,
            head: Digest([7; 32]),
            at_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_only() {
        let signer = Signer::from_seed("weir-ledger/test", [1; 32]);
        let note = signer.sign(&checkpoint());
        assert!(note.starts_with("weir-ledger/test\n42\n"), "{note}");
        assert_eq!(open(&note, &signer.public()).unwrap(), checkpoint());
        let other = Signer::from_seed("weir-ledger/test", [2; 32]);
        assert!(matches!(
            open(&note, &other.public()),
            Err(CheckpointError::BadSignature { seq: 42, .. })
        ));
        let forged = note.replace("\n42\n", "\n43\n");
        assert!(open(&forged, &signer.public()).is_err());
        assert_eq!(parse(&forged).unwrap().seq, 43);
    }

    #[test]
    fn verifier_keys_round_trip_and_reject_a_wrong_id() {
        let public = Signer::from_seed("weir-ledger/test", [1; 32]).public();
        let text = public.to_string();
        assert_eq!(text.parse::<PublicKey>().unwrap(), public);
        let mut wrong = text.clone();
        let at = text.find('+').unwrap() + 1;
        wrong.replace_range(at..at + 1, if &text[at..at + 1] == "0" { "1" } else { "0" });
        assert!(wrong.parse::<PublicKey>().is_err());
        assert!("nonsense".parse::<PublicKey>().is_err());
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("weir-key-{}", fastrand_hex()));
        let path = dir.join("ledger.key");
        let a = Signer::load_or_create(&path, "o").unwrap();
        let b = Signer::load_or_create(&path, "o").unwrap();
        assert_eq!(a.public(), b.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            !format!("{a:?}").contains(&std::fs::read_to_string(&path).unwrap().trim().to_string())
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn fastrand_hex() -> String {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).unwrap();
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
