//! Bodies: reading a client's request under the size limit, and the response body type.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};

/// The body of every response weir sends.
pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// A complete body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed_unsync()
}

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Larger than the limit.
    #[error("request body is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The client stopped sending, or the connection broke.
    #[error("request body could not be read: {0}")]
    Broken(String),
    /// The client sent too slowly.
    #[error("request body was not received within {0:?}")]
    Slow(Duration),
}

/// Reads a whole body of at most `limit` bytes within `timeout`.
pub async fn read_limited<B>(body: B, limit: usize, timeout: Duration) -> Result<Bytes, ReadError>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let collect = Limited::new(body, limit).collect();
    match tokio::time::timeout(timeout, collect).await {
        Err(_) => Err(ReadError::Slow(timeout)),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(ReadError::TooLarge { limit })
            } else {
                Err(ReadError::Broken(e.to_string()))
            }
        }
    }
}
