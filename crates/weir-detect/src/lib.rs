//! weir's detectors, pure: given bytes, what secrets and personal data they hold.
//!
//! - [`rule`]: rules as data (id, name, category, pattern, anchors, entropy, checks,
//!   examples), loaded from TOML.
//! - [`builtin`]: the rules that ship with weir.
//! - [`engine`]: the two-stage matching engine ([`anchor`] DFA and [`number`] trigger, then
//!   windowed regexes and filters).
//! - [`capture`]: the capture file format (`weir capture` writes it, `weir inspect` reads it).
//! - [`check`], [`entropy`], [`allow`]: the filters that keep findings precise.

pub mod allow;
pub mod anchor;
pub mod body;
pub mod builtin;
pub mod capture;
pub mod check;
pub mod engine;
pub mod entropy;
pub mod json;
pub mod number;
pub mod paths;
pub mod request;
pub mod rule;
pub mod stream;
pub mod vault;

pub use engine::{Detector, Finding, Rule, Scratch};
pub use request::{Field, Request, Role};
pub use rule::{Category, RuleError, RuleSpec};
pub use stream::Stream;
