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

#[path = "conformance/running_cloud.rs"]
mod running_cloud;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use azsim_cloud::{DATABASE_FILE, Endpoints};
use azsim_store::Store;
use azsim_store::invariants::check_invariants;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use running_cloud::RunningCloud;
use serde_json::{Value, json};

const DEFAULT_TRIALS: u64 = 3;
/// Concurrent writers in the storm.
const WRITERS: usize = 6;
/// The storm runs this long at most before the kill comes (at a seeded moment within it).
const LONGEST_STORM: Duration = Duration::from_millis(2500);
const SHORTEST_STORM: Duration = Duration::from_millis(300);

/// Few names, so that writers collide on the same resources.
const VMS: usize = 6;
const IDENTITIES: usize = 3;
const SECRETS: usize = 4;
/// One role per assignment name: the unique (scope, role, principal) rule never makes two
/// names fight over one assignment.
const ROLES: [&str; 3] = [
    "acdd72a7-3385-48ef-bd42-f606fba81ae7", // Reader
    "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
    "4633458b-17de-408a-b874-0445c86b69e6", // Key Vault Secrets User
];
const KEY_VAULT_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

const GROUP: &str = "storm";
const VAULT: &str = "stormkv";
const COMPUTE_API: &str = "2024-11-01";
const IDENTITY_API: &str = "2024-11-30";
const VAULT_API: &str = "2023-07-01";
const AUTHORIZATION_API: &str = "2022-04-01";
const SECRETS_API: &str = "7.5";
const MANAGEMENT: &str = "https://management.azure.com/";

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
/// Ignored because it fails: `Msrp::sync_vm_agent` runs after the write's commit, outside any
/// transaction, and races concurrent deletes. When a delete of the VM commits in between, the
/// insert into `agent_secrets` fails (FOREIGN KEY constraint failed); when a delete of a
/// user-assigned identity the VM carries commits between `list_vm_identities` and
/// `current_identity_certificate`, MSRP reports "identity ... has no certificate". Either way
/// a write that did commit is answered 500 (VM writes mostly, user-assigned identity writes
/// sometimes). Run it with `--ignored` once agents are started and stopped by the transaction
/// that changed their VM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fails until a VM write no longer syncs the agent of a VM deleted meanwhile"]
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
    let fixed = admin.prepare(&mut rng).await;

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
    let observed = admin.observe(&fixed).await;
    failures.extend(admin.fixed_resources_failures(&fixed).await);
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

// === the storm ===

/// A resource the storm writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Vm(usize),
    Identity(usize),
    Secret(usize),
    Assignment(usize),
}

/// What a resource holds: absent, or present with the token of the write that put it there
/// (a tag for VMs and identities, the value for secrets, nothing for role assignments).
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Absent,
    Present(String),
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A 2xx answer: the write committed before it was answered.
    Acknowledged { at: Instant },
    /// A 4xx answer: the write was refused and changed nothing.
    Refused(u16),
    /// No answer (the kill) or a 5xx: it may or may not have committed.
    Unknown(String),
}

#[derive(Debug, Clone)]
struct Op {
    key: Key,
    /// What the resource holds if this write took effect.
    effect: State,
    started: Instant,
    outcome: Outcome,
}

/// Every request of the storm, and when the kill was over.
#[derive(Default)]
struct Journal {
    ops: Mutex<Vec<Op>>,
    killed_at: Mutex<Option<Instant>>,
}

impl Journal {
    fn killed(&self, at: Instant) {
        *self.killed_at.lock().unwrap() = Some(at);
    }

    fn is_over(&self) -> bool {
        self.killed_at.lock().unwrap().is_some()
    }

    fn record(&self, op: Op) {
        // A request sent after the process was dead cannot have changed anything.
        let killed_at = *self.killed_at.lock().unwrap();
        if killed_at.is_some_and(|killed_at| op.started > killed_at) {
            return;
        }
        self.ops.lock().unwrap().push(op);
    }
}

/// What the storm relies on and never deletes: set up (and acknowledged) before it starts.
#[derive(Clone)]
struct Fixed {
    subscription_id: String,
    admin_object_id: String,
    vault_uri: String,
    /// The role assignment names of the storm, one per role of [`ROLES`].
    assignment_names: Vec<String>,
}

impl Fixed {
    fn group_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{GROUP}",
            self.subscription_id
        )
    }

    fn vm_id(&self, index: usize) -> String {
        format!(
            "{}/providers/Microsoft.Compute/virtualMachines/vm{index}",
            self.group_id()
        )
    }

    fn identity_id(&self, index: usize) -> String {
        format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id{index}",
            self.group_id()
        )
    }

    fn vault_id(&self) -> String {
        format!(
            "{}/providers/Microsoft.KeyVault/vaults/{VAULT}",
            self.group_id()
        )
    }

    fn assignment_id(&self, index: usize) -> String {
        format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{}",
            self.group_id(),
            self.assignment_names[index]
        )
    }

    fn every_key() -> impl Iterator<Item = Key> {
        (0..VMS)
            .map(Key::Vm)
            .chain((0..IDENTITIES).map(Key::Identity))
            .chain((0..SECRETS).map(Key::Secret))
            .chain((0..ROLES.len()).map(Key::Assignment))
    }
}

/// One writer of the storm: picks a seeded random write, sends it, records how it ended.
struct Writer {
    admin: Admin,
    fixed: Fixed,
    journal: Arc<Journal>,
    writer: usize,
}

impl Writer {
    async fn run(self, mut rng: StdRng) {
        let mut sequence = 0;
        while !self.journal.is_over() {
            sequence += 1;
            let token = format!("w{}-{sequence}", self.writer);
            let (key, effect, request) = self.pick(&mut rng, token);
            let started = Instant::now();
            let outcome = match request.send().await {
                Ok(response) if response.status().is_success() => {
                    Outcome::Acknowledged { at: Instant::now() }
                }
                Ok(response) if response.status().is_client_error() => {
                    Outcome::Refused(response.status().as_u16())
                }
                Ok(response) => Outcome::Unknown(format!(
                    "{}: {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                )),
                Err(error) => Outcome::Unknown(error.to_string()),
            };
            self.journal.record(Op {
                key,
                effect,
                started,
                outcome,
            });
        }
    }

    fn pick(&self, rng: &mut StdRng, token: String) -> (Key, State, reqwest::RequestBuilder) {
        let admin = &self.admin;
        let fixed = &self.fixed;
        match rng.gen_range(0..100) {
            0..30 => {
                let index = rng.gen_range(0..VMS);
                let mut identity = json!({"type": "SystemAssigned"});
                if rng.gen_bool(0.5) {
                    let attached: serde_json::Map<String, Value> = (0..IDENTITIES)
                        .filter(|_| rng.gen_bool(0.5))
                        .map(|identity| (fixed.identity_id(identity), json!({})))
                        .collect();
                    if !attached.is_empty() {
                        identity = json!({
                            "type": "SystemAssigned, UserAssigned",
                            "userAssignedIdentities": attached
                        });
                    }
                }
                let body = json!({
                    "location": "westeurope",
                    "tags": {"w": token},
                    "identity": identity,
                    "properties": {
                        "hardwareProfile": {"vmSize": "Standard_B1s"},
                        "storageProfile": {"osDisk": {"osType": "Linux"}}
                    }
                });
                (
                    Key::Vm(index),
                    State::Present(token),
                    admin
                        .arm(Method::PUT, &fixed.vm_id(index), COMPUTE_API)
                        .json(&body),
                )
            }
            30..45 => {
                let index = rng.gen_range(0..VMS);
                (
                    Key::Vm(index),
                    State::Absent,
                    admin.arm(Method::DELETE, &fixed.vm_id(index), COMPUTE_API),
                )
            }
            45..60 => {
                let index = rng.gen_range(0..IDENTITIES);
                (
                    Key::Identity(index),
                    State::Present(token.clone()),
                    admin
                        .arm(Method::PUT, &fixed.identity_id(index), IDENTITY_API)
                        .json(&json!({"location": "westeurope", "tags": {"w": token}})),
                )
            }
            60..67 => {
                let index = rng.gen_range(0..IDENTITIES);
                (
                    Key::Identity(index),
                    State::Absent,
                    admin.arm(Method::DELETE, &fixed.identity_id(index), IDENTITY_API),
                )
            }
            67..82 => {
                let index = rng.gen_range(0..SECRETS);
                (
                    Key::Secret(index),
                    State::Present(token.clone()),
                    admin
                        .secret(Method::PUT, &fixed.vault_uri, index)
                        .json(&json!({"value": token})),
                )
            }
            82..87 => {
                let index = rng.gen_range(0..SECRETS);
                (
                    Key::Secret(index),
                    State::Absent,
                    admin.secret(Method::DELETE, &fixed.vault_uri, index),
                )
            }
            87..95 => {
                let index = rng.gen_range(0..ROLES.len());
                let body = json!({"properties": {
                    "roleDefinitionId": format!(
                        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}",
                        fixed.subscription_id, ROLES[index]
                    ),
                    "principalId": fixed.admin_object_id,
                }});
                (
                    Key::Assignment(index),
                    State::Present(String::new()),
                    admin
                        .arm(Method::PUT, &fixed.assignment_id(index), AUTHORIZATION_API)
                        .json(&body),
                )
            }
            _ => {
                let index = rng.gen_range(0..ROLES.len());
                (
                    Key::Assignment(index),
                    State::Absent,
                    admin.arm(
                        Method::DELETE,
                        &fixed.assignment_id(index),
                        AUTHORIZATION_API,
                    ),
                )
            }
        }
    }
}

// === the administrator's access ===

/// The administrator's HTTPS access to the resource API and the vault, as a script has it.
#[derive(Clone)]
struct Admin {
    endpoints: Endpoints,
    http: reqwest::Client,
    management_token: String,
    vault_token: String,
}

impl Admin {
    async fn sign_in(data_dir: &Path) -> Self {
        let endpoints = Endpoints::read(data_dir).unwrap();
        let pem = std::fs::read(endpoints.ca_bundle.as_ref().unwrap()).unwrap();
        let http = reqwest::Client::builder()
            .no_proxy()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let token = |scope: &'static str| {
            let request = http.post(&endpoints.token_endpoint).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", endpoints.admin.client_id.as_str()),
                ("client_secret", endpoints.admin.client_secret.as_str()),
                ("scope", scope),
            ]);
            async move {
                let body: Value = request.send().await.unwrap().json().await.unwrap();
                body["access_token"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no token for {scope}: {body}"))
                    .to_owned()
            }
        };
        let management_token = token("https://management.azure.com/.default").await;
        let vault_token = token("https://vault.azure.net/.default").await;
        Self {
            endpoints,
            http,
            management_token,
            vault_token,
        }
    }

    fn arm(&self, method: Method, id: &str, api_version: &str) -> reqwest::RequestBuilder {
        self.http
            .request(
                method,
                format!(
                    "{}{id}?api-version={api_version}",
                    self.endpoints.resource_manager
                ),
            )
            .bearer_auth(&self.management_token)
    }

    fn secret(&self, method: Method, vault_uri: &str, index: usize) -> reqwest::RequestBuilder {
        self.http
            .request(
                method,
                format!(
                    "{}/secrets/s{index}?api-version={SECRETS_API}",
                    vault_uri.trim_end_matches('/')
                ),
            )
            .bearer_auth(&self.vault_token)
    }

    /// Sends `request`, insisting on a 2xx answer, and returns the body (`null` if empty).
    async fn expect_success(what: &str, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{what}: {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// The resource group, the vault and the administrator's right to write its secrets.
    async fn prepare(&self, rng: &mut StdRng) -> Fixed {
        let subscription_id = self.endpoints.subscription_id.clone();
        let admin_object_id = claims(&self.management_token)["oid"]
            .as_str()
            .unwrap()
            .to_owned();
        let assignment_names = ROLES
            .iter()
            .map(|_| {
                uuid::Builder::from_random_bytes(rng.r#gen())
                    .into_uuid()
                    .to_string()
            })
            .collect();
        let mut fixed = Fixed {
            subscription_id,
            admin_object_id,
            vault_uri: String::new(),
            assignment_names,
        };
        Self::expect_success(
            "creating the resource group",
            self.arm(Method::PUT, &fixed.group_id(), COMPUTE_API)
                .json(&json!({"location": "westeurope"})),
        )
        .await;
        let vault = Self::expect_success(
            "creating the vault",
            self.arm(Method::PUT, &fixed.vault_id(), VAULT_API)
                .json(&json!({
                    "location": "westeurope",
                    "properties": {
                        "tenantId": self.endpoints.tenant_id,
                        "sku": {"family": "A", "name": "standard"},
                        "enableRbacAuthorization": true
                    }
                })),
        )
        .await;
        fixed.vault_uri = vault["properties"]["vaultUri"].as_str().unwrap().to_owned();
        let officer = format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{}",
            fixed.vault_id(),
            uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid()
        );
        Self::expect_success(
            "granting the administrator the vault's secrets",
            self.arm(Method::PUT, &officer, AUTHORIZATION_API)
                .json(&json!({"properties": {
                    "roleDefinitionId": format!(
                        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/\
                         {KEY_VAULT_SECRETS_OFFICER}",
                        fixed.subscription_id
                    ),
                    "principalId": fixed.admin_object_id,
                }})),
        )
        .await;
        fixed
    }

    /// What the restarted cloud holds for every key of the storm, as its APIs answer.
    async fn observe(&self, fixed: &Fixed) -> BTreeMap<Key, Observed> {
        let mut observed = BTreeMap::new();
        for key in Fixed::every_key() {
            let request = match key {
                Key::Vm(index) => self.arm(Method::GET, &fixed.vm_id(index), COMPUTE_API),
                Key::Identity(index) => {
                    self.arm(Method::GET, &fixed.identity_id(index), IDENTITY_API)
                }
                Key::Secret(index) => self.secret(Method::GET, &fixed.vault_uri, index),
                Key::Assignment(index) => {
                    self.arm(Method::GET, &fixed.assignment_id(index), AUTHORIZATION_API)
                }
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let state = match (status, key) {
                (404, _) => State::Absent,
                (200, Key::Vm(_) | Key::Identity(_)) => {
                    State::Present(body["tags"]["w"].as_str().unwrap_or("").to_owned())
                }
                (200, Key::Secret(_)) => {
                    State::Present(body["value"].as_str().unwrap_or("").to_owned())
                }
                (200, Key::Assignment(_)) => State::Present(String::new()),
                (status, key) => panic!("GET of {key:?} after the restart: {status}: {body}"),
            };
            observed.insert(key, Observed { state, body });
        }
        observed
    }

    /// The resources set up before the storm, which nothing deleted, must all be there.
    async fn fixed_resources_failures(&self, fixed: &Fixed) -> Vec<String> {
        let mut failures = Vec::new();
        for (id, api_version) in [
            (fixed.group_id(), COMPUTE_API),
            (fixed.vault_id(), VAULT_API),
        ] {
            let status = self
                .arm(Method::GET, &id, api_version)
                .send()
                .await
                .unwrap()
                .status();
            if status != 200 {
                failures.push(format!("{id}, created before the storm, answers {status}"));
            }
        }
        failures
    }
}

/// A storm resource as the restarted cloud shows it.
struct Observed {
    state: State,
    body: Value,
}

/// The claims of a JWT (not verified: the token service's own tests do that).
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

// === the checks ===

async fn invariant_failures(database: &Path, when: &str) -> Vec<String> {
    let store = Store::open_existing(database).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let violations = check_invariants(&mut conn).await.unwrap();
    drop(conn);
    store.close().await;
    violations
        .into_iter()
        .map(|violation| format!("{when}: {violation}"))
        .collect()
}

/// Every key's observed state must be the effect of a write that may have been the last to
/// commit: one that was acknowledged or whose fate is unknown, and that no acknowledged write
/// started after it had been answered (which would have to be later in commit order).
fn durability_failures(ops: &[Op], observed: &BTreeMap<Key, Observed>) -> Vec<String> {
    let mut failures = Vec::new();
    for (key, seen) in observed {
        let history: Vec<&Op> = ops.iter().filter(|op| op.key == *key).collect();
        let acknowledged: Vec<(Instant, Instant)> = history
            .iter()
            .filter_map(|op| match op.outcome {
                Outcome::Acknowledged { at } => Some((op.started, at)),
                _ => None,
            })
            .collect();
        // A write answered at `end` (or never) is superseded by an acknowledged write that
        // started after `end`.
        let may_be_last = |end: Option<Instant>| {
            acknowledged
                .iter()
                .all(|(started, _)| end.is_none_or(|end| *started <= end))
        };
        let explained = (seen.state == State::Absent && acknowledged.is_empty())
            || history.iter().any(|op| {
                let end = match op.outcome {
                    Outcome::Acknowledged { at } => Some(at),
                    Outcome::Unknown(_) => None,
                    Outcome::Refused(_) => return false,
                };
                op.effect == seen.state && may_be_last(end)
            });
        if !explained {
            let last_acknowledged = history
                .iter()
                .filter(|op| matches!(op.outcome, Outcome::Acknowledged { .. }))
                .max_by_key(|op| op.started)
                .map(|op| format!("{:?}", op.effect))
                .unwrap_or_default();
            failures.push(format!(
                "{key:?} is {:?} after the restart; the last acknowledged write made it \
                 {last_acknowledged} ({} writes to it, {} acknowledged)",
                seen.state,
                history.len(),
                acknowledged.len()
            ));
        }
    }
    failures
}

/// Every VM's agent, found as `azsim vm env` finds it, serves that VM's identity, and its
/// attached identities by client id; no two VMs share an address.
async fn agent_failures(
    admin: &Admin,
    data_dir: &Path,
    observed: &BTreeMap<Key, Observed>,
) -> AgentChecks {
    let mut failures = Vec::new();
    let mut by_client_id = 0;
    let mut tokens = 0;
    let mut addresses: BTreeMap<String, usize> = BTreeMap::new();
    for (key, seen) in observed {
        let (Key::Vm(index), State::Present(_)) = (key, &seen.state) else {
            continue;
        };
        let vm_name = format!("vm{index}");
        let output = Command::new(env!("CARGO_BIN_EXE_azsim"))
            .arg("--data-dir")
            .arg(data_dir)
            .args(["vm", "env", "-g", GROUP, "-n", &vm_name])
            .output()
            .expect("the azsim binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(host) = stdout
            .lines()
            .find_map(|line| line.strip_prefix("AZURE_POD_IDENTITY_AUTHORITY_HOST="))
        else {
            failures.push(format!(
                "azsim vm env for {vm_name}: {}{}",
                stdout,
                String::from_utf8_lossy(&output.stderr)
            ));
            continue;
        };
        if let Some(other) = addresses.insert(host.to_owned(), *index) {
            failures.push(format!("vm{other} and {vm_name} share the agent {host}"));
        }
        let vm_id = seen.body["id"].as_str().unwrap_or_default().to_owned();
        // Every write of the storm asked for a system-assigned identity.
        let Some(principal_id) = seen.body["identity"]["principalId"].as_str() else {
            failures.push(format!(
                "{vm_name} has no system-assigned identity: {}",
                seen.body["identity"]
            ));
            continue;
        };
        let mut expected = vec![(None, vm_id, principal_id.to_owned())];
        if let Some(attached) = seen.body["identity"]["userAssignedIdentities"].as_object() {
            for (id, identity) in attached {
                let client_id = identity["clientId"].as_str().unwrap_or_default().to_owned();
                let principal_id = identity["principalId"].as_str().unwrap_or_default();
                expected.push((Some(client_id), id.clone(), principal_id.to_owned()));
            }
        }
        for (client_id, resource_id, principal_id) in expected {
            let mut query = vec![("api-version", "2018-02-01"), ("resource", MANAGEMENT)];
            if let Some(client_id) = &client_id {
                query.push(("client_id", client_id));
            }
            let answer = admin
                .http
                .get(format!("{host}/metadata/identity/oauth2/token"))
                .query(&query)
                .header("Metadata", "true")
                .send()
                .await;
            let selector = client_id.as_deref().unwrap_or("the system identity");
            let body: Value = match answer {
                Ok(response) if response.status() == 200 => response.json().await.unwrap(),
                Ok(response) => {
                    failures.push(format!(
                        "{vm_name}'s agent at {host}, {selector}: {}: {}",
                        response.status(),
                        response.text().await.unwrap_or_default()
                    ));
                    continue;
                }
                Err(error) => {
                    failures.push(format!("{vm_name}'s agent at {host}: {error}"));
                    continue;
                }
            };
            let claims = claims(body["access_token"].as_str().unwrap_or_default());
            let mirid = claims["xms_mirid"].as_str().unwrap_or_default();
            let oid = claims["oid"].as_str().unwrap_or_default();
            tokens += 1;
            by_client_id += usize::from(client_id.is_some());
            if !mirid.eq_ignore_ascii_case(&resource_id) || !oid.eq_ignore_ascii_case(&principal_id)
            {
                failures.push(format!(
                    "{vm_name}'s agent at {host}, {selector}: a token for {mirid} (oid {oid}), \
                     not {resource_id} (principal {principal_id})"
                ));
            }
        }
    }
    AgentChecks {
        failures,
        tokens,
        by_client_id,
    }
}

/// What the agent checks did: the tokens they got, how many by `client_id`, what was wrong.
struct AgentChecks {
    failures: Vec<String>,
    tokens: usize,
    by_client_id: usize,
}

fn summarise(ops: &[Op], storm_length: Duration, observed: &BTreeMap<Key, Observed>) -> String {
    let acknowledged = ops
        .iter()
        .filter(|op| matches!(op.outcome, Outcome::Acknowledged { .. }))
        .count();
    let refused: BTreeSet<u16> = ops
        .iter()
        .filter_map(|op| match op.outcome {
            Outcome::Refused(status) => Some(status),
            _ => None,
        })
        .collect();
    let refused_count = ops
        .iter()
        .filter(|op| matches!(op.outcome, Outcome::Refused(_)))
        .count();
    let unknown = ops
        .iter()
        .filter(|op| matches!(op.outcome, Outcome::Unknown(_)))
        .count();
    let server_errors = server_errors(ops);
    let present = observed
        .values()
        .filter(|seen| seen.state != State::Absent)
        .count();
    format!(
        "killed after {storm_length:?}: {} writes, {acknowledged} acknowledged, \
         {refused_count} refused {refused:?}, {} unanswered ({} of them 5xx{}); \
         {present} of {} resources present after the restart",
        ops.len(),
        unknown,
        server_errors.len(),
        server_errors
            .first()
            .map(|why| format!(", the first: {why}"))
            .unwrap_or_default(),
        observed.len()
    )
}

fn server_errors(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .filter_map(|op| match &op.outcome {
            Outcome::Unknown(why) if why.starts_with('5') => Some(format!("{:?}: {why}", op.key)),
            _ => None,
        })
        .collect()
}
