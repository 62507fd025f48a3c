//! Serving a router on a bound listener, in plain HTTP or over TLS, until a shutdown signal.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::tls::{ServerTls, TlsListener};

/// A running HTTP server.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    task: JoinHandle<io::Result<()>>,
}

impl ServerHandle {
    /// The address the server listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Waits until the server has stopped (after its shutdown signal fired and open requests
    /// finished).
    pub async fn stopped(self) -> io::Result<()> {
        match self.task.await {
            Ok(result) => result,
            Err(join_error) => Err(io::Error::other(join_error)),
        }
    }

    /// Stops the server at once, dropping open connections (a crash, as tests simulate it).
    pub fn abort(&self) {
        self.task.abort();
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes open requests.
///
/// The caller binds the listener, so tests can bind port 0 and learn the port before any
/// request is sent, and nothing races for a fixed port.
pub fn serve(
    router: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<ServerHandle> {
    let local_addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    });
    Ok(ServerHandle { local_addr, task })
}

/// Serves `router` over TLS with `tls` on `listener` until `shutdown` completes, then finishes
/// open requests. A client speaking plain HTTP to it gets its connection closed.
pub fn serve_tls(
    router: Router,
    listener: TcpListener,
    tls: ServerTls,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<ServerHandle> {
    let local_addr = listener.local_addr()?;
    // `tap_io` does nothing to the stream; it is what lets axum hand handlers the peer's
    // `SocketAddr` (`ConnectInfo`) for a listener type of our own, as it does for TCP.
    let listener = TlsListener::new(listener, tls)?.tap_io(|_| {});
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    });
    Ok(ServerHandle { local_addr, task })
}
