//! TLS serving: a listener that completes each TLS handshake off the accept path and hands
//! axum only finished, encrypted connections.
//!
//! The server side runs on the platform's native TLS stack (openssl on Linux), the same
//! library the HTTP clients of azsim already link, so no second TLS implementation is built.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_native_tls::TlsStream;

/// How long a client may take to finish its handshake; a silent or plain-HTTP client must not
/// hold a task forever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many finished handshakes may wait for the server to pick them up.
const ACCEPT_BACKLOG: usize = 64;

/// Why a server identity could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate chain or key PEM was rejected by the TLS library.
    #[error("the server certificate or its private key cannot be used for TLS")]
    Identity(#[source] native_tls::Error),
    /// The TLS acceptor could not be built from the identity.
    #[error("cannot build a TLS acceptor")]
    Acceptor(#[source] native_tls::Error),
}

/// A server's TLS identity (its certificate chain and private key), ready to accept
/// connections. Cheap to clone: every listener of a cloud can share one.
#[derive(Clone)]
pub struct ServerTls {
    acceptor: tokio_native_tls::TlsAcceptor,
}

impl ServerTls {
    /// Loads a certificate chain (PEM, leaf first) and its PKCS#8 private key (PEM). Only
    /// TLS 1.2 and newer are offered, as Azure's endpoints do.
    pub fn from_pem(certificate_chain_pem: &str, private_key_pem: &str) -> Result<Self, TlsError> {
        let identity = native_tls::Identity::from_pkcs8(
            certificate_chain_pem.as_bytes(),
            private_key_pem.as_bytes(),
        )
        .map_err(TlsError::Identity)?;
        let acceptor = native_tls::TlsAcceptor::builder(identity)
            .min_protocol_version(Some(native_tls::Protocol::Tlsv12))
            .build()
            .map_err(TlsError::Acceptor)?;
        Ok(Self {
            acceptor: acceptor.into(),
        })
    }
}

// Written by hand: the acceptor holds the private key, which has no business in a log line.
impl fmt::Debug for ServerTls {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

/// A listener yielding TLS connections. A background task accepts TCP connections and runs
/// each handshake in its own task, so one slow client never delays the others; failed
/// handshakes (a plain-HTTP client, an untrusting client) are dropped and logged.
pub(crate) struct TlsListener {
    local_addr: SocketAddr,
    connections: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    accept_loop: JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener` with `tls`.
    pub(crate) fn new(listener: TcpListener, tls: ServerTls) -> io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (sender, connections) = mpsc::channel(ACCEPT_BACKLOG);
        let accept_loop = tokio::spawn(accept_loop(listener, tls, sender));
        Ok(Self {
            local_addr,
            connections,
            accept_loop,
        })
    }
}

impl Drop for TlsListener {
    // axum drops the listener when its shutdown signal fires; the port must close then too.
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.connections.recv().await {
            Some(connection) => connection,
            // The accept loop only ends when this listener drops it; until then, wait.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: ServerTls,
    sender: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    "accepting a connection failed"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if sender.is_closed() {
            return;
        }
        let acceptor = tls.acceptor.clone();
        let sender = sender.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => {
                    let _ = sender.send((stream, peer)).await;
                }
                Ok(Err(error)) => tracing::debug!(
                    %peer,
                    error = &error as &dyn std::error::Error,
                    "TLS handshake failed"
                ),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}
