//! A listener that holds a permit for every open connection, so one listener never serves
//! more than [`MAX_CONNECTIONS_PER_LISTENER`](crate::limits::MAX_CONNECTIONS_PER_LISTENER)
//! connections at once.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Wraps a listener: `accept` first waits for a free permit, and the connection it yields
/// gives the permit back when it is dropped (closed).
pub(crate) struct ConnectionLimit<L> {
    inner: L,
    permits: Arc<Semaphore>,
}

impl<L> ConnectionLimit<L> {
    pub(crate) fn new(inner: L, max_connections: usize) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(max_connections)),
        }
    }
}

impl<L: axum::serve::Listener> axum::serve::Listener for ConnectionLimit<L> {
    type Io = Permitted<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // The semaphore is never closed, so acquiring only waits.
        let permit = match Arc::clone(&self.permits).acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => std::future::pending().await,
        };
        let (io, address) = self.inner.accept().await;
        (
            Permitted {
                io,
                _permit: permit,
            },
            address,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection holding its listener's permit.
pub(crate) struct Permitted<Io> {
    io: Io,
    _permit: OwnedSemaphorePermit,
}

impl<Io: AsyncRead + Unpin> AsyncRead for Permitted<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(context, buffer)
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Permitted<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(context, buffer)
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(context)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(context)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffers: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(context, buffers)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::serve::Listener;
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    #[tokio::test]
    async fn a_listener_at_its_limit_accepts_again_only_when_a_connection_closes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut limited = ConnectionLimit::new(listener, 1);
        let _first_client = TcpStream::connect(address).await.unwrap();
        let (first, _) = limited.accept().await;
        // The kernel completes the second handshake; the listener must not take it yet.
        let _second_client = TcpStream::connect(address).await.unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(200), limited.accept()).await;
        assert!(
            waiting.is_err(),
            "a second connection was accepted past the limit"
        );
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(5), limited.accept()).await;
        assert!(
            second.is_ok(),
            "the freed permit was not given to the next connection"
        );
    }
}
