//! The flow-event sink under a flood: its queue stays bounded, life-cycle events are all
//! written, cache hits over the bound are counted and written as one summary, and a flush
//! finishes in bounded time.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use azsim_core::{EventSink, FlowEvent, FlowStep, ManualClock, SharedClock};
use azsim_store::Store;
use azsim_store::events::{CACHE_HIT_QUEUE_LIMIT, StoreEventSink, list_events};
use time::OffsetDateTime;

/// Far more cache hits than the queue holds.
const FLOOD: usize = 50_000;
/// Life-cycle events recorded in the middle of the flood.
const LIFECYCLE: usize = 20;

fn event(source: &str, summary: String) -> FlowEvent {
    FlowEvent {
        source: source.to_owned(),
        target: "imds:vm".to_owned(),
        step: Some(FlowStep::RequestToken),
        correlation_id: "flood".to_owned(),
        summary,
    }
}

#[tokio::test]
async fn a_flood_of_cache_hits_stays_bounded_and_is_summarised_while_life_cycle_events_are_all_kept()
 {
    // Arrange: a store and its sink. The test's runtime has one thread and the loop below
    // never yields, so the writer cannot drain anything while the flood comes in.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
    let clock: SharedClock = Arc::new(ManualClock::new(OffsetDateTime::UNIX_EPOCH));
    let sink = StoreEventSink::spawn(store.clone(), clock);

    // Act: the flood, with life-cycle events among it.
    for request in 0..FLOOD {
        sink.record_cache_hit(event("workload", format!("cache hit {request}")));
        if request % (FLOOD / LIFECYCLE) == 0 {
            sink.record(event("msrp", format!("life cycle {request}")));
        }
    }
    let queued = sink.queued();
    let unrecorded = sink.unrecorded_cache_hits();
    let flushing = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), sink.flush())
        .await
        .expect("a flush of a bounded queue finishes in bounded time");
    let flush_time = flushing.elapsed();

    // Assert: bounded queue, everything accounted for, one summary with the count.
    println!("queued {queued}, unrecorded {unrecorded}, flush {flush_time:?}");
    assert_eq!(queued, CACHE_HIT_QUEUE_LIMIT + LIFECYCLE);
    assert_eq!(unrecorded, (FLOOD - CACHE_HIT_QUEUE_LIMIT) as u64);
    let mut conn = store.read().await.unwrap();
    let events = list_events(&mut conn, 0, i64::MAX).await.unwrap();
    let lifecycle = events
        .iter()
        .filter(|stored| stored.event.source == "msrp")
        .count();
    let hits = events
        .iter()
        .filter(|stored| stored.event.summary.starts_with("cache hit "))
        .count();
    let summaries: Vec<_> = events
        .iter()
        .filter(|stored| stored.event.summary.contains("not recorded one by one"))
        .collect();
    assert_eq!(lifecycle, LIFECYCLE);
    assert_eq!(hits, CACHE_HIT_QUEUE_LIMIT);
    assert_eq!(summaries.len(), 1, "one summary for the one agent");
    assert!(
        summaries[0]
            .event
            .summary
            .starts_with(&format!("{} cache hits", FLOOD - CACHE_HIT_QUEUE_LIMIT)),
        "{}",
        summaries[0].event.summary
    );
    assert_eq!(summaries[0].event.target, "imds:vm");
    assert!(
        flush_time < Duration::from_secs(2),
        "the flush took {flush_time:?}"
    );
}
