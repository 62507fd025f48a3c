//! Crash consistency: `kill -9` of a real `azsim up` in the middle of a storm of concurrent
//! creates, updates and deletes, then a restart on the same data directory, and the checks a
//! crash must never break:
//!
//! - every acknowledged write is there (with its content or a later acknowledged one's), every
//!   acknowledged delete stays done: the resource API answers deletes 200/204 once committed,
//!   never 202, so there is no pending delete to allow for;
//! - the store's invariants hold on the crashed file and after the restart
//!   (`azsim_store::invariants`);
//! - every VM's agent, at the address `azsim vm env` gives, serves that VM's identity (and each
//!   attached user-assigned identity by `client_id`), and no two VMs share an agent address.
//!
//! `AZSIM_CRASH_TRIALS` sets the number of trials (3 by default), `AZSIM_CRASH_SEED` the first
//! trial's seed (random by default; each trial prints its seed, so a failure can be replayed
//! with `AZSIM_CRASH_SEED=<seed> AZSIM_CRASH_TRIALS=1`).

#![allow(clippy::unwrap_used)]

#[path = "crash_consistency/admin.rs"]
mod admin;
#[path = "crash_consistency/checks.rs"]
mod checks;
#[path = "conformance/running_cloud.rs"]
mod running_cloud;
#[path = "crash_consistency/storm.rs"]
mod storm;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azsim_cloud::DATABASE_FILE;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use running_cloud::RunningCloud;

use admin::Admin;
use checks::{agent_failures, durability_failures, invariant_failures, server_errors, summarise};
use storm::{Journal, Writer};

const DEFAULT_TRIALS: u64 = 3;
/// Concurrent writers in the storm.
const WRITERS: usize = 6;
/// The storm runs this long at most before the kill comes (at a seeded moment within it).
const LONGEST_STORM: Duration = Duration::from_millis(2500);
const SHORTEST_STORM: Duration = Duration::from_millis(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_and_the_store_stays_consistent() {
    let trials = std::env::var("AZSIM_CRASH_TRIALS")
        .map(|value| {
            value
                .parse::<u64>()
                .expect("AZSIM_CRASH_TRIALS is a number")
        })
        .unwrap_or(DEFAULT_TRIALS);
    let first_seed = std::env::var("AZSIM_CRASH_SEED")
        .map(|value| value.parse::<u64>().expect("AZSIM_CRASH_SEED is a number"))
        .unwrap_or_else(|_| rand::random::<u64>() >> 12);
    let binary = Path::new(env!("CARGO_BIN_EXE_azsim"));
    let started = Instant::now();
    let mut failed = Vec::new();
    for trial in 0..trials {
        let seed = first_seed + trial;
        println!("crash trial {trial}: seed {seed}");
        let report = run_trial(binary, seed).await;
        println!("  {}", report.summary);
        if !report.failures.is_empty() {
            println!("  FAILED:\n    {}", report.failures.join("\n    "));
            failed.push((seed, report));
        }
    }
    println!("{trials} crash trials in {:?}", started.elapsed());
    if let Some((seed, report)) = failed.first() {
        panic!(
            "{} of {trials} crash trials failed; first (replay with AZSIM_CRASH_SEED={seed} \
             AZSIM_CRASH_TRIALS=1):\n  {}\n{}\nazsim's log (both runs):\n{}",
            failed.len(),
            report.failures.join("\n  "),
            report.summary,
            report.log
        );
    }
}

/// A write is answered with what happened to it: a committed write is never answered 5xx. Runs
/// one storm (and kill) and looks at the answers given before the kill.
///
/// It failed before `Msrp::sync_vm_agent` ran in one write transaction: a delete of the VM, or
/// of a user-assigned identity it carries, committing between the sync's reads and writes
/// made a write that had committed answer 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_write_is_answered_with_a_server_error_during_the_storm() {
    let seed = std::env::var("AZSIM_CRASH_SEED")
        .map(|value| value.parse::<u64>().expect("AZSIM_CRASH_SEED is a number"))
        .unwrap_or_else(|_| rand::random::<u64>() >> 12);
    let report = run_trial(Path::new(env!("CARGO_BIN_EXE_azsim")), seed).await;
    assert!(
        report.server_errors.is_empty(),
        "seed {seed}: {} answers were 5xx before the kill, the first: {}",
        report.server_errors.len(),
        report.server_errors[0]
    );
}

/// What one trial saw.
struct TrialReport {
    summary: String,
    failures: Vec<String>,
    /// The 5xx answers before the kill, with the resource each was about.
    server_errors: Vec<String>,
    log: String,
}

async fn run_trial(binary: &Path, seed: u64) -> TrialReport {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut cloud = RunningCloud::start(binary);
    let admin = Admin::sign_in(cloud.data_dir()).await;
    let mut fixed = admin.prepare(&mut rng).await;

    // The storm, and the kill at a seeded moment inside it.
    let journal = Arc::new(Journal::default());
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let storm = Writer {
                admin: admin.clone(),
                fixed: fixed.clone(),
                journal: journal.clone(),
                writer,
            };
            let rng = StdRng::seed_from_u64(rng.r#gen());
            tokio::spawn(storm.run(rng))
        })
        .collect();
    let storm_length = rng.gen_range(SHORTEST_STORM..LONGEST_STORM);
    tokio::time::sleep(storm_length).await;
    // From this instant on, a request cannot commit any more: sending it and committing take
    // milliseconds, the signal microseconds.
    journal.killed(Instant::now());
    cloud.kill_hard();
    for writer in writers {
        writer.await.unwrap();
    }
    let ops = journal.ops.lock().unwrap().clone();

    let mut failures = Vec::new();
    let database = cloud.data_dir().join(DATABASE_FILE);
    failures.extend(invariant_failures(&database, "the crashed file").await);

    cloud.restart(binary);
    let admin = Admin::sign_in(cloud.data_dir()).await;
    failures.extend(invariant_failures(&database, "after the restart").await);
    failures.extend(admin.fixed_resources_failures(&fixed).await);
    // The vault may have moved: its old port can have gone to another listener of the new
    // process (the token service and the resource API bind any free port before the vaults
    // and agents take back their stored ones).
    fixed.vault_uri = admin.vault_uri(&fixed).await;
    let observed = admin.observe(&fixed).await;
    failures.extend(durability_failures(&ops, &observed));
    let agents = agent_failures(&admin, cloud.data_dir(), &observed).await;
    failures.extend(agents.failures.iter().cloned());

    TrialReport {
        summary: format!(
            "{}; {} agent tokens checked, {} of them by client_id",
            summarise(&ops, storm_length, &observed),
            agents.tokens,
            agents.by_client_id
        ),
        failures,
        server_errors: server_errors(&ops),
        log: cloud.log(),
    }
}
