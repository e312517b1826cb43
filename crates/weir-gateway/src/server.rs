//! Accepting connections: HTTP/1.1 and HTTP/2, `TCP_NODELAY`, a header-read timeout against slow
//! clients, and a graceful shutdown that lets in-flight answers finish.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::front;
use crate::state::Live;

/// How long shutdown waits for in-flight requests before closing them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves `listener` until `shutdown` completes, then drains.
pub async fn serve(
    live: Arc<Live>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(live.get().config.timeouts.header_read)
        .max_buf_size(256 * 1024);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Running out of file descriptors must not spin the loop.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let live = live.clone();
                let service = service_fn(move |req| {
                    // Each request keeps the state in force when it arrived.
                    let shared = live.get();
                    async move { Ok::<_, Infallible>(front::handle(shared, req).await) }
                });
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("shutdown grace period over; closing the remaining connections");
        }
    }
    Ok(())
}
