//! A detection rule as written in a rules file, and its compiled form.
//!
//! Rules are data (TOML, `[[rule]]` tables): the built-in ones ship inside the binary, an
//! organisation adds its own in `weir.toml`. Every rule carries its own examples and negative
//! examples, which the test suite runs, so a rule cannot land untested.

use serde::Deserialize;

use crate::check::Check;

/// What kind of data a rule finds; policy picks an action per category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// An API key, access token or other credential issued by a service.
    Secret,
    /// Private key material (PEM, OpenSSH, PGP, age, ...).
    PrivateKey,
    /// A password or secret assigned in code or config, found by shape and entropy, or a
    /// connection string with a password in it.
    Password,
    /// An email address.
    Email,
    /// A telephone number.
    Phone,
    /// A national identity number (validated by its checksum or structure).
    NationalId,
    /// A payment card number (Luhn-valid).
    PaymentCard,
    /// An international bank account number (mod-97 valid).
    Iban,
    /// A term or pattern the organisation marks as its own (code names, internal hosts).
    Organisation,
    /// The content of a file that should never leave (`.env`, `id_rsa`, `*.pem`, ...).
    Path,
}

impl Category {
    /// Every category, in a fixed order.
    pub const ALL: [Category; 10] = [
        Category::Secret,
        Category::PrivateKey,
        Category::Password,
        Category::Email,
        Category::Phone,
        Category::NationalId,
        Category::PaymentCard,
        Category::Iban,
        Category::Organisation,
        Category::Path,
    ];

    /// The name used in rules files, configuration and findings.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secret => "secret",
            Category::PrivateKey => "private-key",
            Category::Password => "password",
            Category::Email => "email",
            Category::Phone => "phone",
            Category::NationalId => "national-id",
            Category::PaymentCard => "payment-card",
            Category::Iban => "iban",
            Category::Organisation => "organisation",
            Category::Path => "path",
        }
    }

    /// Parses a category name as written in configuration.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether this is personal data (as opposed to a credential or an organisation's own).
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            Category::Email
                | Category::Phone
                | Category::NationalId
                | Category::PaymentCard
                | Category::Iban
        )
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule as written in a rules file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable identifier, kebab-case (`anthropic-api-key`); findings and configuration name it.
    pub id: String,
    /// Human name (`Anthropic API key`).
    pub name: String,
    /// What it finds.
    pub category: Category,
    /// A `regex`-crate pattern, matched on bytes with ASCII classes (`\w`, `\d`, `\b` are
    /// ASCII). The capture group named `secret`, else group 1, else the whole match is what is
    /// reported and redacted.
    pub pattern: String,
    /// Literals one of which every match contains (matched ASCII case-insensitively): the
    /// engine runs the pattern only near them. A rule needs anchors or `digits`.
    #[serde(default)]
    pub anchors: Vec<String>,
    /// For number-shaped personal data without a literal: the inclusive range of how many
    /// digits the number has. The engine runs the pattern only around runs of digits (with
    /// spaces, dashes, dots, slashes or parentheses between them) of that many digits.
    #[serde(default)]
    pub digits: Option<[u8; 2]>,
    /// How far before the anchor (or number) a match may start, in bytes. Default 0: the match
    /// starts at the anchor.
    #[serde(default)]
    pub before: usize,
    /// The longest match, in bytes (default 256): bounds where the pattern is run.
    #[serde(default = "default_max_len")]
    pub max_len: usize,
    /// Minimum Shannon entropy of the reported part, in bits per byte.
    #[serde(default)]
    pub entropy: Option<f32>,
    /// A validation of the reported part (checksum, date, structure).
    #[serde(default)]
    pub check: Option<Check>,
    /// A broad rule (keyword plus entropy) that yields to a specific rule on the same text.
    #[serde(default)]
    pub generic: bool,
    /// Patterns for known non-secrets of this shape; a reported part matching one is dropped.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Texts the rule must find.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts the rule must not find (near misses: wrong length, wrong prefix, bad checksum).
    #[serde(default)]
    pub negatives: Vec<String>,
}

fn default_max_len() -> usize {
    256
}

/// A rules file: a list of `[[rule]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// The rules, in file order.
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
}

/// Why a rule could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The rules file is not valid TOML or has unknown fields.
    #[error("rules file {file}: {message}")]
    File {
        /// Which file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// The pattern does not compile.
    #[error("rule `{id}`: pattern does not compile: {message}")]
    Pattern {
        /// The rule.
        id: String,
        /// The regex compiler's message.
        message: String,
    },
    /// The rule gives the engine nothing to look for.
    #[error("rule `{id}`: {message}")]
    Invalid {
        /// The rule.
        id: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Two rules share an id.
    #[error("rule id `{0}` is used twice; ids must be unique")]
    Duplicate(String),
}

/// Parses a rules file.
pub fn parse_file(file: &str, text: &str) -> Result<Vec<RuleSpec>, RuleError> {
    toml::from_str::<RulesFile>(text)
        .map(|f| f.rule)
        .map_err(|e| RuleError::File {
            file: file.to_owned(),
            message: e.to_string(),
        })
}
