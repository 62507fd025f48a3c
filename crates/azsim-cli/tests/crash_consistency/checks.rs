//! The checks after the restart: durability of acknowledged writes, the store's invariants, the
//! agents; and the trial's summary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use azsim_store::Store;
use azsim_store::invariants::check_invariants;
use serde_json::Value;

use crate::admin::{Admin, Observed, claims};
use crate::storm::{GROUP, Key, MANAGEMENT, Op, Outcome, State};

pub(crate) async fn invariant_failures(database: &Path, when: &str) -> Vec<String> {
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
pub(crate) fn durability_failures(ops: &[Op], observed: &BTreeMap<Key, Observed>) -> Vec<String> {
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
pub(crate) async fn agent_failures(
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
pub(crate) struct AgentChecks {
    pub(crate) failures: Vec<String>,
    pub(crate) tokens: usize,
    pub(crate) by_client_id: usize,
}

pub(crate) fn summarise(
    ops: &[Op],
    storm_length: Duration,
    observed: &BTreeMap<Key, Observed>,
) -> String {
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

pub(crate) fn server_errors(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .filter_map(|op| match &op.outcome {
            Outcome::Unknown(why) if why.starts_with('5') => Some(format!("{:?}: {why}", op.key)),
            _ => None,
        })
        .collect()
}
