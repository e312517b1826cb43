//! The HTTP server: accepting connections and dispatching requests to the control API or the
//! model endpoints.

use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::body::{Body, BoxError};
use crate::request::RecordedRequest;
use crate::state::State;
use crate::{control, vendor};

/// Accepts connections until `stop` fires (or its sender is dropped). Connections still open
/// then are aborted.
pub async fn serve(listener: TcpListener, state: Arc<State>, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, Arc::clone(&state)));
                }
                // E.g. out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(stream: TcpStream, state: Arc<State>) {
    // Best effort: a socket that refuses TCP_NODELAY still works.
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let state = Arc::clone(&state);
        handle(state, request)
    });
    // Errors here are the client's (or an emulated drop): nothing to report.
    let _ = auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Body>, BoxError> {
    let (parts, incoming) = request.into_parts();
    let body = match incoming.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return Err(Box::new(e)),
    };
    let path = parts.uri.path().to_string();
    if path.starts_with("/_emulator/") || path == "/_emulator" {
        return Ok(control::handle(&state, &parts.method, &path, &body));
    }
    state.record(RecordedRequest {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| path.clone(), |pq| pq.as_str().to_string()),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
    });
    match vendor::handle(&state, &parts.method, &path, &parts.headers, body).await {
        Ok(response) => Ok(response),
        Err(dropped) => Err(Box::new(dropped)),
    }
}
