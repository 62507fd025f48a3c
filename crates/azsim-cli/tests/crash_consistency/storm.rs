//! The storm: writers sending seeded random creates, updates and deletes, and the journal of
//! how each request ended.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use rand::Rng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde_json::{Value, json};

use crate::admin::Admin;

/// Few names, so that writers collide on the same resources.
pub(crate) const VMS: usize = 6;
pub(crate) const IDENTITIES: usize = 3;
pub(crate) const SECRETS: usize = 4;
/// One role per assignment name: the unique (scope, role, principal) rule never makes two
/// names fight over one assignment.
pub(crate) const ROLES: [&str; 3] = [
    "acdd72a7-3385-48ef-bd42-f606fba81ae7", // Reader
    "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
    "4633458b-17de-408a-b874-0445c86b69e6", // Key Vault Secrets User
];
pub(crate) const KEY_VAULT_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

pub(crate) const GROUP: &str = "storm";
pub(crate) const VAULT: &str = "stormkv";
pub(crate) const COMPUTE_API: &str = "2024-11-01";
pub(crate) const IDENTITY_API: &str = "2024-11-30";
pub(crate) const VAULT_API: &str = "2023-07-01";
pub(crate) const AUTHORIZATION_API: &str = "2022-04-01";
pub(crate) const SECRETS_API: &str = "7.5";
pub(crate) const MANAGEMENT: &str = "https://management.azure.com/";

/// A resource the storm writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    Vm(usize),
    Identity(usize),
    Secret(usize),
    Assignment(usize),
}

/// What a resource holds: absent, or present with the token of the write that put it there
/// (a tag for VMs and identities, the value for secrets, nothing for role assignments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    Absent,
    Present(String),
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A 2xx answer: the write committed before it was answered.
    Acknowledged { at: Instant },
    /// A 4xx answer: the write was refused and changed nothing.
    Refused(u16),
    /// No answer (the kill) or a 5xx: it may or may not have committed.
    Unknown(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub(crate) key: Key,
    /// What the resource holds if this write took effect.
    pub(crate) effect: State,
    pub(crate) started: Instant,
    pub(crate) outcome: Outcome,
}

/// Every request of the storm, and when the kill was over.
#[derive(Default)]
pub(crate) struct Journal {
    pub(crate) ops: Mutex<Vec<Op>>,
    pub(crate) killed_at: Mutex<Option<Instant>>,
}

impl Journal {
    pub(crate) fn killed(&self, at: Instant) {
        *self.killed_at.lock().unwrap() = Some(at);
    }

    pub(crate) fn is_over(&self) -> bool {
        self.killed_at.lock().unwrap().is_some()
    }

    pub(crate) fn record(&self, op: Op) {
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
pub(crate) struct Fixed {
    pub(crate) subscription_id: String,
    pub(crate) admin_object_id: String,
    pub(crate) vault_uri: String,
    /// The role assignment names of the storm, one per role of [`ROLES`].
    pub(crate) assignment_names: Vec<String>,
}

impl Fixed {
    pub(crate) fn group_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{GROUP}",
            self.subscription_id
        )
    }

    pub(crate) fn vm_id(&self, index: usize) -> String {
        format!(
            "{}/providers/Microsoft.Compute/virtualMachines/vm{index}",
            self.group_id()
        )
    }

    pub(crate) fn identity_id(&self, index: usize) -> String {
        format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id{index}",
            self.group_id()
        )
    }

    pub(crate) fn vault_id(&self) -> String {
        format!(
            "{}/providers/Microsoft.KeyVault/vaults/{VAULT}",
            self.group_id()
        )
    }

    pub(crate) fn assignment_id(&self, index: usize) -> String {
        format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{}",
            self.group_id(),
            self.assignment_names[index]
        )
    }

    pub(crate) fn every_key() -> impl Iterator<Item = Key> {
        (0..VMS)
            .map(Key::Vm)
            .chain((0..IDENTITIES).map(Key::Identity))
            .chain((0..SECRETS).map(Key::Secret))
            .chain((0..ROLES.len()).map(Key::Assignment))
    }
}

/// One writer of the storm: picks a seeded random write, sends it, records how it ended.
pub(crate) struct Writer {
    pub(crate) admin: Admin,
    pub(crate) fixed: Fixed,
    pub(crate) journal: Arc<Journal>,
    pub(crate) writer: usize,
}

impl Writer {
    pub(crate) async fn run(self, mut rng: StdRng) {
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

    pub(crate) fn pick(
        &self,
        rng: &mut StdRng,
        token: String,
    ) -> (Key, State, reqwest::RequestBuilder) {
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
