//! `azsim events`: the recorded hops of the managed-identity flow, for a person.

use std::path::Path;

use azsim_cloud::DATABASE_FILE;
use azsim_store::Store;
use azsim_store::events::list_events;
use time::format_description::well_known::Rfc3339;

use crate::args::EventsArgs;

pub(crate) async fn run(data_dir: &Path, args: EventsArgs) -> anyhow::Result<()> {
    let database = data_dir.join(DATABASE_FILE);
    anyhow::ensure!(
        database.exists(),
        "no cloud in {} (start one with `azsim up`)",
        data_dir.display()
    );
    let store = Store::open_existing(&database).await?;
    let mut conn = store.read().await?;
    let mut events = list_events(&mut conn, 0, i64::MAX).await?;
    if let Some(correlation_id) = &args.correlation_id {
        events.retain(|stored| &stored.event.correlation_id == correlation_id);
    }
    if args.last > 0 && events.len() > args.last {
        events.drain(..events.len() - args.last);
    }
    for stored in &events {
        let event = &stored.event;
        let step = event
            .step
            .map(|step| format!("step {}", step.number()))
            .unwrap_or_else(|| "      ".into());
        println!(
            "{}  {step}  {} -> {}  {}  [{}]",
            stored.recorded_at.format(&Rfc3339)?,
            event.source,
            event.target,
            event.summary,
            event.correlation_id
        );
    }
    if events.is_empty() {
        println!("no events recorded yet");
    }
    Ok(())
}
