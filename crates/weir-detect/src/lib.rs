//! weir's detectors, pure: given bytes, what secrets and personal data they hold.
//!
//! - [`rule`]: rules as data (id, name, category, pattern, anchors, entropy, checks,
//!   examples), loaded from TOML.
//! - [`builtin`]: the rules that ship with weir.
//! - [`engine`]: the two-stage matching engine ([`anchor`] DFA and [`number`] trigger, then
//!   windowed regexes and filters).
//! - [`capture`]: the capture file format (`weir capture` writes it, `weir inspect` reads it).
//! - [`check`], [`entropy`], [`allow`]: the filters that keep findings precise.
//! - [`marker`]: hidden markers (invisible characters, tag text, bidi controls, variation
//!   selectors, look-alikes, boilerplate lines rendered otherwise), with strip and normalize.
//! - [`mod@identify`]: which coding tool sent a request (a table of signals, `clients.toml`).
//! - [`environ`]: the environment facts a request discloses (time zone, OS, user, paths, ids).
//! - [`texts`] and [`mod@inspect`]: a request's texts with who wrote them, and the three
//!   inspections run over them together, with the rewrite the organisation chose.

pub mod allow;
pub mod anchor;
pub mod body;
pub mod builtin;
pub mod capture;
pub mod check;
pub mod engine;
pub mod entropy;
pub mod environ;
pub mod identify;
pub mod inspect;
pub mod json;
pub mod marker;
pub mod number;
pub mod paths;
pub mod request;
pub mod rule;
pub mod stream;
pub mod texts;
pub mod vault;

pub use engine::{Detector, Finding, Rule, Scratch};
pub use identify::{ClientId, identify};
pub use request::{Field, Request, Role};
pub use rule::{Category, RuleError, RuleSpec};
pub use stream::Stream;
