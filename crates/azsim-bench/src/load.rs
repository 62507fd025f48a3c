//! A bounded closed-loop load: `concurrency` clients send `requests` requests in all.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The outcome of one measurement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Throughput {
    pub(crate) requests: usize,
    pub(crate) elapsed: Duration,
}

impl Throughput {
    pub(crate) fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `request(i)` for i in 0..requests on `concurrency` tasks; each call must succeed.
pub(crate) async fn measure<F, Fut>(
    requests: usize,
    concurrency: usize,
    request: F,
) -> anyhow::Result<Throughput>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let request = Arc::new(request);
    let started = Instant::now();
    let mut clients = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let next = next.clone();
        let request = request.clone();
        clients.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    return anyhow::Ok(());
                }
                request(i).await?;
            }
        }));
    }
    for client in clients {
        client.await??;
    }
    Ok(Throughput {
        requests,
        elapsed: started.elapsed(),
    })
}
