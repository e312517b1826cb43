//! The HTTP client weir uses toward vendors: pooled, HTTP/1.1 and HTTP/2 over rustls with the
//! webpki roots, `TCP_NODELAY` on every socket, a connect timeout, and no proxy, redirects or
//! decompression (weir must see the vendor's bytes as they are).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The pooled vendor client.
pub type UpstreamClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Builds the vendor client with `connect_timeout` for TCP connects.
pub fn client(connect_timeout: Duration) -> UpstreamClient {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    http.enforce_http(false);
    http.set_keepalive(Some(Duration::from_secs(60)));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .build(https)
}

/// Whether a client error happened while connecting (nothing was sent; safe to try elsewhere).
pub fn is_connect_error(err: &hyper_util::client::legacy::Error) -> bool {
    err.is_connect()
}

/// A short description of a client error for a person, without internals.
pub fn describe(err: &hyper_util::client::legacy::Error) -> String {
    let mut msg = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
