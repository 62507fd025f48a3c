//! The flow-event log: every hop of the managed-identity flow, in the order it happened, and
//! [`StoreEventSink`], which appends to it in bounded memory.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use azsim_core::{EventSink, FlowEvent, FlowStep, SharedClock};
use sqlx::FromRow;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{Notify, watch};

use crate::{Connection, ReadConnection, Store, StoreError};

/// A flow event as stored, with its position and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the log (increasing).
    pub event_row: i64,
    /// When it was recorded, by the cloud's clock.
    pub recorded_at: OffsetDateTime,
    /// The event itself.
    pub event: FlowEvent,
}

/// Appends one event.
pub async fn insert_event(
    conn: &mut Connection,
    recorded_at: OffsetDateTime,
    event: &FlowEvent,
) -> Result<(), StoreError> {
    let recorded_at = recorded_at
        .format(&Rfc3339)
        .map_err(|error| StoreError::Corrupt(format!("event time: {error}")))?;
    sqlx::query(
        "INSERT INTO events (recorded_at, source, target, step, correlation_id, summary) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(recorded_at)
    .bind(&event.source)
    .bind(&event.target)
    .bind(event.step.map(FlowStep::number))
    .bind(&event.correlation_id)
    .bind(&event.summary)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("recording a flow event"))?;
    Ok(())
}

/// Events after position `after`, oldest first, at most `limit` of them.
pub async fn list_events(
    conn: &mut Connection,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query_as::<_, EventRow>(
        "SELECT event_row, recorded_at, source, target, step, correlation_id, summary \
         FROM events WHERE event_row > ? ORDER BY event_row LIMIT ?",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("listing flow events"))?;
    rows.into_iter().map(StoredEvent::try_from).collect()
}

/// An `events` row as read, before its time and step are decoded.
#[derive(FromRow)]
struct EventRow {
    event_row: i64,
    recorded_at: String,
    source: String,
    target: String,
    step: Option<i64>,
    correlation_id: String,
    summary: String,
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        Ok(Self {
            event_row: row.event_row,
            recorded_at: OffsetDateTime::parse(&row.recorded_at, &Rfc3339)
                .map_err(|error| StoreError::Corrupt(format!("event time: {error}")))?,
            event: FlowEvent {
                source: row.source,
                target: row.target,
                step: row
                    .step
                    .and_then(|step| u8::try_from(step).ok())
                    .and_then(FlowStep::from_number),
                correlation_id: row.correlation_id,
                summary: row.summary,
            },
        })
    }
}

/// How many cache-hit events (a metadata agent answering from its cache, one per request)
/// may wait for the writer. Past this they are counted instead of queued, and the writer
/// records one summary per agent ("N cache hits not recorded one by one").
pub const CACHE_HIT_QUEUE_LIMIT: usize = 4096;

/// How many life-cycle events may wait for the writer before it is worth a warning. They are
/// never dropped: each follows a committed store write (at least one fsync of its own), while
/// the writer appends a whole batch per fsync, so the writer outpaces any producer of them
/// and this lane stays far below the number; the warning says if it ever does not.
pub const LIFECYCLE_QUEUE_WARNING: usize = 4096;

/// The most events the writer appends in one transaction.
pub const BATCH_LIMIT: usize = 1024;

/// Which lane an event came in by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// Never dropped.
    Lifecycle,
    /// Counted and summarised when its lane is full.
    CacheHit,
}

/// What waits for the writer.
#[derive(Debug, Default)]
struct Pending {
    /// Events in the order they were recorded, each with its sequence number.
    queue: VecDeque<Queued>,
    /// How many of `queue` are cache hits.
    queued_cache_hits: usize,
    /// Cache hits not queued, per (source, target): one summary each at the next write.
    unrecorded_cache_hits: BTreeMap<(String, String), u64>,
    /// Sequence number of the last event recorded (queued or counted).
    recorded: u64,
    /// Set when the last sink handle is dropped: the writer finishes and ends.
    closed: bool,
}

#[derive(Debug)]
struct Queued {
    sequence: u64,
    lane: Lane,
    recorded_at: OffsetDateTime,
    event: FlowEvent,
}

/// What the sink handles and the writer share.
#[derive(Debug)]
struct Shared {
    pending: Mutex<Pending>,
    wake: Notify,
    /// The sequence number up to which every event is written (or summarised and written).
    written: watch::Sender<u64>,
    /// Cache hits counted instead of recorded one by one, since start.
    unrecorded_total: AtomicU64,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        // Every change to `Pending` is complete under the lock, so a poisoned one is whole.
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The handle every clone of a sink shares; dropping the last one lets the writer finish.
#[derive(Debug)]
struct Handle {
    shared: Arc<Shared>,
    clock: SharedClock,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.pending().closed = true;
        self.shared.wake.notify_one();
    }
}

/// An [`EventSink`] that appends to the store, in bounded memory.
///
/// Recording only stamps the time and queues the event, so a request never waits on the log.
/// One writer task appends queued events in the order they were recorded, up to
/// [`BATCH_LIMIT`] per transaction (one fsync per batch, not per event). Life-cycle events
/// ([`EventSink::record`]) are always queued; cache hits ([`EventSink::record_cache_hit`]) are
/// queued while fewer than [`CACHE_HIT_QUEUE_LIMIT`] wait, and counted otherwise, the count
/// written as one summary event per agent with the next batch.
#[derive(Debug, Clone)]
pub struct StoreEventSink {
    handle: Arc<Handle>,
}

impl StoreEventSink {
    /// Starts the writer task on the current runtime. It ends when every sink clone is
    /// dropped, after writing what was queued.
    pub fn spawn(store: Store, clock: SharedClock) -> Self {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Notify::new(),
            written: watch::channel(0).0,
            unrecorded_total: AtomicU64::new(0),
        });
        tokio::spawn(write_events(store, clock.clone(), Arc::clone(&shared)));
        Self {
            handle: Arc::new(Handle { shared, clock }),
        }
    }

    /// Waits until every event recorded before this call is in the store (cache hits over
    /// the queue's bound as their summary). The queue is bounded, so this is bounded too.
    pub async fn flush(&self) {
        let shared = &self.handle.shared;
        let target = shared.pending().recorded;
        let mut written = shared.written.subscribe();
        shared.wake.notify_one();
        let _ = written.wait_for(|written| *written >= target).await;
    }

    /// How many events wait for the writer now.
    pub fn queued(&self) -> usize {
        self.handle.shared.pending().queue.len()
    }

    /// How many cache hits were counted instead of recorded one by one, since start.
    pub fn unrecorded_cache_hits(&self) -> u64 {
        self.handle.shared.unrecorded_total.load(Ordering::Relaxed)
    }

    fn enqueue(&self, lane: Lane, event: FlowEvent) {
        tracing::debug!(
            source = %event.source,
            target = %event.target,
            step = event.step.map(FlowStep::number),
            correlation_id = %event.correlation_id,
            "{}",
            event.summary
        );
        let shared = &self.handle.shared;
        let recorded_at = self.handle.clock.now();
        let mut pending = shared.pending();
        pending.recorded += 1;
        let sequence = pending.recorded;
        match lane {
            Lane::CacheHit if pending.queued_cache_hits >= CACHE_HIT_QUEUE_LIMIT => {
                *pending
                    .unrecorded_cache_hits
                    .entry((event.source, event.target))
                    .or_default() += 1;
                shared.unrecorded_total.fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                if lane == Lane::CacheHit {
                    pending.queued_cache_hits += 1;
                }
                pending.queue.push_back(Queued {
                    sequence,
                    lane,
                    recorded_at,
                    event,
                });
                let lifecycle = pending.queue.len() - pending.queued_cache_hits;
                if lane == Lane::Lifecycle && lifecycle == LIFECYCLE_QUEUE_WARNING {
                    tracing::warn!(
                        queued = lifecycle,
                        "life-cycle flow events are queued faster than they are written"
                    );
                }
            }
        }
        drop(pending);
        shared.wake.notify_one();
    }
}

impl EventSink for StoreEventSink {
    fn record(&self, event: FlowEvent) {
        self.enqueue(Lane::Lifecycle, event);
    }

    fn record_cache_hit(&self, event: FlowEvent) {
        self.enqueue(Lane::CacheHit, event);
    }
}

/// One batch taken from the queue.
struct Batch {
    events: Vec<(OffsetDateTime, FlowEvent)>,
    /// Every event up to this sequence number is in `events` or summarised in it.
    up_to: u64,
}

/// Takes the next batch: up to [`BATCH_LIMIT`] queued events, then a summary per agent of
/// the cache hits counted so far.
fn take_batch(shared: &Shared, clock: &SharedClock) -> Option<Batch> {
    let mut pending = shared.pending();
    if pending.queue.is_empty() && pending.unrecorded_cache_hits.is_empty() {
        return None;
    }
    let count = pending.queue.len().min(BATCH_LIMIT);
    let mut events = Vec::with_capacity(count + pending.unrecorded_cache_hits.len());
    let mut up_to = 0;
    for queued in pending.queue.drain(..count).collect::<Vec<_>>() {
        if queued.lane == Lane::CacheHit {
            pending.queued_cache_hits -= 1;
        }
        up_to = queued.sequence;
        events.push((queued.recorded_at, queued.event));
    }
    if pending.queue.is_empty() {
        up_to = pending.recorded;
    }
    let now = clock.now();
    for ((source, target), count) in std::mem::take(&mut pending.unrecorded_cache_hits) {
        events.push((
            now,
            FlowEvent {
                source,
                target,
                step: Some(FlowStep::RequestToken),
                correlation_id: String::new(),
                summary: format!(
                    "{count} cache hits not recorded one by one (the event queue was full)"
                ),
            },
        ));
    }
    Some(Batch { events, up_to })
}

/// The writer: appends batches until the last sink handle is dropped and the queue is empty.
///
/// While there is work it keeps one connection of the pool (rather than taking any of them
/// for each batch), so under sustained load only that connection's page cache grows with the
/// log; it gives the connection back whenever the queue is empty, so the store can close.
async fn write_events(store: Store, clock: SharedClock, shared: Arc<Shared>) {
    loop {
        let mut connection: Option<ReadConnection> = None;
        while let Some(batch) = take_batch(&shared, &clock) {
            let appended = async {
                if connection.is_none() {
                    connection = Some(store.read().await?);
                }
                match connection.as_mut() {
                    Some(connection) => append_batch(connection, &batch.events).await,
                    None => Ok(()),
                }
            }
            .await;
            if let Err(error) = appended {
                // A failed connection is not reused.
                connection = None;
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    lost = batch.events.len(),
                    "flow events lost"
                );
            }
            shared.written.send_replace(batch.up_to);
        }
        drop(connection);
        if shared.pending().closed && shared.pending().queue.is_empty() {
            return;
        }
        shared.wake.notified().await;
    }
}

/// Appends `events` in one transaction (rolled back if any insert fails).
async fn append_batch(
    connection: &mut Connection,
    events: &[(OffsetDateTime, FlowEvent)],
) -> Result<(), StoreError> {
    let mut transaction = sqlx::Connection::begin(&mut *connection)
        .await
        .map_err(StoreError::query("starting a flow-event batch"))?;
    for (recorded_at, event) in events {
        insert_event(&mut transaction, *recorded_at, event).await?;
    }
    transaction
        .commit()
        .await
        .map_err(StoreError::query("committing a flow-event batch"))
}
