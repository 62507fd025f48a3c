//! The flow-event log: every hop of the managed-identity flow, in the order it happened.

use azsim_core::{EventSink, FlowEvent, FlowStep, SharedClock};
use sqlx::FromRow;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{mpsc, oneshot};

use crate::{Connection, Store, StoreError};

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

enum SinkMessage {
    Record(OffsetDateTime, FlowEvent),
    Flush(oneshot::Sender<()>),
}

/// An [`EventSink`] that appends to the store.
///
/// Recording only stamps the time and queues the event, so a request never waits on the log;
/// one writer task appends them in the order they were recorded.
#[derive(Debug, Clone)]
pub struct StoreEventSink {
    clock: SharedClock,
    sender: mpsc::UnboundedSender<SinkMessage>,
}

impl std::fmt::Debug for SinkMessage {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Record(_, event) => formatter.debug_tuple("Record").field(event).finish(),
            Self::Flush(_) => formatter.write_str("Flush"),
        }
    }
}

impl StoreEventSink {
    /// Starts the writer task on the current runtime. It ends when every sink clone is dropped.
    pub fn spawn(store: Store, clock: SharedClock) -> Self {
        let (sender, mut receiver) = mpsc::unbounded_channel::<SinkMessage>();
        tokio::spawn(async move {
            while let Some(message) = receiver.recv().await {
                match message {
                    SinkMessage::Record(recorded_at, event) => {
                        let result = async {
                            let mut connection = store.read().await?;
                            insert_event(&mut connection, recorded_at, &event).await
                        }
                        .await;
                        if let Err(error) = result {
                            tracing::warn!(
                                error = &error as &dyn std::error::Error,
                                "flow event lost"
                            );
                        }
                    }
                    SinkMessage::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Self { clock, sender }
    }

    /// Waits until every event recorded before this call is in the store.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.sender.send(SinkMessage::Flush(done)).is_ok() {
            let _ = written.await;
        }
    }
}

impl EventSink for StoreEventSink {
    fn record(&self, event: FlowEvent) {
        tracing::debug!(
            source = %event.source,
            target = %event.target,
            step = event.step.map(FlowStep::number),
            correlation_id = %event.correlation_id,
            "{}",
            event.summary
        );
        // The writer only stops when the runtime shuts down; an event recorded then is lost,
        // which is acceptable for a log of hops.
        let _ = self
            .sender
            .send(SinkMessage::Record(self.clock.now(), event));
    }
}
