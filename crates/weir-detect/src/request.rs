//! A request as the inspection detectors see it: what a coding tool sent, with every place a
//! finding can point at.
//!
//! Client identification, environment facts and hidden markers all report *where* they saw
//! something (a header, a JSON path, the URL) and *who wrote* the text there (the tool's own
//! boilerplate, the person, a tool result), because the same character means different things
//! in a system prompt and in a user's own sentence.

/// One HTTP request, owned: what `weir capture` writes and `weir inspect` reads, and what the
/// gateway hands the detectors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `POST`, `GET`, ...
    pub method: String,
    /// Path and query, as the client sent them (`/v1/messages?beta=true`).
    pub path: String,
    /// Header names in lowercase, values as sent, in order (a name may repeat).
    pub headers: Vec<(String, String)>,
    /// The body bytes as sent.
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Where in a request something was seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// A header, by its lowercase name.
    Header(String),
    /// The URL path or query.
    Path,
    /// A string value of the JSON body, by its path as people read it
    /// (`messages[3].content[0].text`, see [`crate::json::render`]).
    Body(String),
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Header(name) => write!(f, "header {name}"),
            Field::Path => f.write_str("URL"),
            Field::Body(path) => f.write_str(path),
        }
    }
}

/// Who wrote a piece of text, as far as the request's shape tells.
///
/// The tool's own text (system prompt, instructions, tool descriptions, environment blocks it
/// injects) is boilerplate: it is the same for every user, so variation in it is suspicious.
/// What a person typed, or a file a tool read, is prose: curly quotes there are nobody's marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The tool's instructions: `system`, `instructions`, `systemInstruction`, tool and
    /// function descriptions, developer messages.
    System,
    /// A user turn (which may still hold blocks the tool injected, such as reminders).
    User,
    /// An earlier model answer sent back.
    Assistant,
    /// The result of a tool call (file contents, command output).
    ToolResult,
    /// Request metadata: `metadata`, `user`, ids, headers.
    Meta,
    /// Anything else.
    Other,
}

impl Role {
    /// The role's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::ToolResult => "tool-result",
            Role::Meta => "meta",
            Role::Other => "other",
        }
    }
}
