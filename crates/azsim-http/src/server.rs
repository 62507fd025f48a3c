//! Serving a router on a bound listener, in plain HTTP or over TLS, until a shutdown signal.
//!
//! Every listener holds at most [`MAX_CONNECTIONS_PER_LISTENER`] connections, and a stop takes
//! at most [`STOP_GRACE`] after its signal: the listener closes at once, idle keep-alive
//! connections are closed, open requests may finish within the grace, and whatever is still
//! running then is cut off.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::connection_limit::ConnectionLimit;
use crate::limits::{MAX_CONNECTIONS_PER_LISTENER, STOP_GRACE};
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
    // `tap_io` does nothing to the stream; it is what lets axum hand handlers the peer's
    // `SocketAddr` (`ConnectInfo`) for a listener type of our own, as it does for TCP.
    let listener = ConnectionLimit::new(listener, MAX_CONNECTIONS_PER_LISTENER).tap_io(|_| {});
    let (stopping, stop_grace) = stop_signal(shutdown);
    let task = tokio::spawn(async move {
        let serving = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopping);
        tokio::select! {
            result = serving => result,
            () = stop_grace => Ok(()),
        }
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
    let listener = ConnectionLimit::new(
        TlsListener::new(listener, tls)?,
        MAX_CONNECTIONS_PER_LISTENER,
    )
    .tap_io(|_| {});
    let (stopping, stop_grace) = stop_signal(shutdown);
    let task = tokio::spawn(async move {
        let serving = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopping);
        tokio::select! {
            result = serving => result,
            () = stop_grace => Ok(()),
        }
    });
    Ok(ServerHandle { local_addr, task })
}

/// Splits `shutdown` in two: a future that completes when it fires (axum's graceful stop
/// starts then) and one that completes [`STOP_GRACE`] later (the server gives up waiting).
fn stop_signal(
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> (
    impl Future<Output = ()> + Send + 'static,
    impl Future<Output = ()> + Send + 'static,
) {
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let mut for_graceful = stopped.clone();
    let mut for_grace = stopped;
    (
        async move {
            // A dropped sender means the signal can never fire; that is no stop.
            if for_graceful.wait_for(|stop| *stop).await.is_err() {
                std::future::pending::<()>().await;
            }
        },
        async move {
            if for_grace.wait_for(|stop| *stop).await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(STOP_GRACE).await;
        },
    )
}
