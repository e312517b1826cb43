use std::fmt;
use std::str::FromStr;

/// One of the three model APIs weir accepts from clients and speaks to vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// Anthropic Messages (`POST /v1/messages`).
    Anthropic,
    /// OpenAI Chat Completions (`POST /v1/chat/completions`).
    OpenAiChat,
    /// OpenAI Responses (`POST /v1/responses`).
    OpenAiResponses,
}

impl Protocol {
    /// Every protocol, in a fixed order.
    pub const ALL: [Protocol; 3] = [
        Protocol::Anthropic,
        Protocol::OpenAiChat,
        Protocol::OpenAiResponses,
    ];

    /// The name used in configuration files and logs (`anthropic`, `openai-chat`,
    /// `openai-responses`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Anthropic => "anthropic",
            Protocol::OpenAiChat => "openai-chat",
            Protocol::OpenAiResponses => "openai-responses",
        }
    }

    /// The header that carries weir's request id back to this protocol's clients: the Anthropic
    /// SDK reads `request-id`, the OpenAI SDK `x-request-id`.
    pub fn request_id_header(self) -> &'static str {
        match self {
            Protocol::Anthropic => "request-id",
            Protocol::OpenAiChat | Protocol::OpenAiResponses => "x-request-id",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protocol name that is not one of `anthropic`, `openai-chat`, `openai-responses`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown protocol `{0}`; expected one of: anthropic, openai-chat, openai-responses")]
pub struct UnknownProtocol(pub String);

impl FromStr for Protocol {
    type Err = UnknownProtocol;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Protocol::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownProtocol(s.to_owned()))
    }
}

/// A vendor-facing operation: which path of a vendor's base URL a request goes to.
///
/// Base URLs follow the SDK conventions: an Anthropic base URL has no `/v1` (the SDK appends
/// `/v1/messages`), an OpenAI base URL ends in `/v1` (the SDK appends `/chat/completions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST {base}/v1/messages`.
    Messages,
    /// `POST {base}/v1/messages/count_tokens`.
    CountTokens,
    /// `POST {base}/chat/completions`.
    ChatCompletions,
    /// `POST {base}/responses`.
    Responses,
}

impl Endpoint {
    /// The protocol this endpoint belongs to.
    pub fn protocol(self) -> Protocol {
        match self {
            Endpoint::Messages | Endpoint::CountTokens => Protocol::Anthropic,
            Endpoint::ChatCompletions => Protocol::OpenAiChat,
            Endpoint::Responses => Protocol::OpenAiResponses,
        }
    }

    /// The endpoint that generates an answer in protocol `p` (Messages, Chat Completions,
    /// Responses).
    pub fn generation(p: Protocol) -> Endpoint {
        match p {
            Protocol::Anthropic => Endpoint::Messages,
            Protocol::OpenAiChat => Endpoint::ChatCompletions,
            Protocol::OpenAiResponses => Endpoint::Responses,
        }
    }

    /// The path appended to a vendor's base URL for this endpoint.
    pub fn path_suffix(self) -> &'static str {
        match self {
            Endpoint::Messages => "/v1/messages",
            Endpoint::CountTokens => "/v1/messages/count_tokens",
            Endpoint::ChatCompletions => "/chat/completions",
            Endpoint::Responses => "/responses",
        }
    }

    /// Joins a base URL (with or without a trailing `/`) and this endpoint's path.
    pub fn url(self, base_url: &str) -> String {
        format!("{}{}", base_url.trim_end_matches('/'), self.path_suffix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_round_trip() {
        for p in Protocol::ALL {
            assert_eq!(p.as_str().parse::<Protocol>(), Ok(p));
        }
        assert!("openai".parse::<Protocol>().is_err());
    }

    #[test]
    fn generation_endpoints_speak_their_protocol() {
        for p in Protocol::ALL {
            assert_eq!(Endpoint::generation(p).protocol(), p);
        }
    }

    #[test]
    fn endpoint_urls_follow_sdk_conventions() {
        assert_eq!(
            Endpoint::Messages.url("https://api.anthropic.com/"),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(
            Endpoint::ChatCompletions.url("https://api.openai.com/v1"),
            "https://api.openai.com/v1/chat/completions"
        );
    }
}
