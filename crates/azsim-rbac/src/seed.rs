//! Many seeded role assignments whose right answers are known by construction, for the
//! benchmark's "authorization decisions per second" and for the tests that check decisions
//! stay right at that size.
//!
//! Principal `p` gets every one of its assignments inside resource group `rg-{p}`: Reader on
//! the group, Contributor on VM `vm-{p}`, and Key Vault Secrets User on single secrets
//! `secret-2`, `secret-3`, ... of vault `kv-{p}`. Group names are chosen so that `rg-1` is a
//! string prefix of `rg-10`: the segment-wise scope rule is exercised on every run. The
//! principals need not exist in the directory: assignments name object ids only (like
//! orphans), which is all a decision reads.

use azsim_core::{ResourceId, SharedClock};
use azsim_store::Store;
use azsim_store::role_assignments::{StoredRoleAssignment, insert_role_assignment};

use crate::actions::{
    KEY_VAULT_SECRET_GET, KEY_VAULT_SECRET_READ_METADATA, KEY_VAULT_SECRET_SET,
    ROLE_ASSIGNMENTS_WRITE,
};
use crate::roles::{CONTRIBUTOR, KEY_VAULT_SECRETS_USER, READER};
use crate::scope::role_assignment_id;
use crate::{Authorizer, PermissionKind, RbacError};

/// Seeded principals' object ids are this plus the principal's index.
const PRINCIPAL_BASE: u128 = 0x5eed_0000_0000_4000_8000_0000_0000_0000;
/// Seeded assignments' names are this plus the assignment's index.
const ASSIGNMENT_BASE: u128 = 0x5eed_a551_0000_4000_8000_0000_0000_0000;

const VM_READ: &str = "Microsoft.Compute/virtualMachines/read";
const VM_WRITE: &str = "Microsoft.Compute/virtualMachines/write";

/// One authorization question and its right answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionCase {
    /// Who asks.
    pub principal_id: String,
    /// The action.
    pub action: String,
    /// Management or data.
    pub kind: PermissionKind,
    /// Where.
    pub scope: ResourceId,
    /// The right answer.
    pub expected: bool,
}

/// What [`seed_role_assignments`] wrote.
#[derive(Debug, Clone)]
pub struct SeededAssignments {
    /// How many assignments were written.
    pub assignments: usize,
    /// The principals that hold them.
    pub principals: Vec<String>,
    /// Questions about them with their right answers, about a dozen per principal, half of
    /// them refusals.
    pub cases: Vec<DecisionCase>,
}

/// How [`run_decisions`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionTally {
    /// Decisions made.
    pub decisions: usize,
    /// Decisions that differed from the expected answer (0 when all is well).
    pub wrong: usize,
}

/// Writes `assignments` role assignments in subscription `subscription_id`, spread evenly
/// over `principals` principals (at most one principal per three assignments, at least one),
/// in one transaction. Names are fixed, so seed a given store once.
pub async fn seed_role_assignments(
    store: &Store,
    clock: &SharedClock,
    subscription_id: &str,
    assignments: usize,
    principals: usize,
) -> Result<SeededAssignments, RbacError> {
    let principal_count = principals.clamp(1, (assignments / 3).max(1));
    let now = clock.unix_seconds();
    let mut seeded = SeededAssignments {
        assignments: 0,
        principals: Vec::with_capacity(principal_count),
        cases: Vec::new(),
    };
    let mut transaction = store.write().await?;
    for p in 0..principal_count {
        let principal_id = guid(PRINCIPAL_BASE, p);
        let count = assignments / principal_count + usize::from(p < assignments % principal_count);
        let layout = Layout::new(subscription_id, p, principal_count);
        for k in 0..count {
            let (role, scope) = match k {
                0 => (READER, layout.group.clone()),
                1 => (CONTRIBUTOR, layout.vm(&format!("vm-{p}"))),
                _ => (KEY_VAULT_SECRETS_USER, layout.secret(k)),
            };
            let name = guid(ASSIGNMENT_BASE, seeded.assignments);
            let stored = StoredRoleAssignment {
                assignment_id: role_assignment_id(&scope, &name).to_string(),
                name,
                scope_key: scope.scope_key().to_owned(),
                scope: scope.to_string(),
                role_definition_id: role.to_owned(),
                principal_id: principal_id.clone(),
                principal_type: "ServicePrincipal".to_owned(),
                description: None,
                created_at: now,
                updated_at: now,
                created_by: None,
                updated_by: None,
            };
            insert_role_assignment(&mut transaction, &stored).await?;
            seeded.assignments += 1;
        }
        seeded.cases.extend(layout.cases(&principal_id, count));
        seeded.principals.push(principal_id);
    }
    transaction.commit().await?;
    Ok(seeded)
}

/// Asks `authorizer` every case and counts the answers that differ from the expected one.
pub async fn run_decisions(
    authorizer: &Authorizer,
    cases: &[DecisionCase],
) -> Result<DecisionTally, RbacError> {
    let mut tally = DecisionTally {
        decisions: 0,
        wrong: 0,
    };
    for case in cases {
        let allowed = authorizer
            .is_allowed(&case.principal_id, &case.action, case.kind, &case.scope)
            .await?;
        tally.decisions += 1;
        if allowed != case.expected {
            tally.wrong += 1;
        }
    }
    Ok(tally)
}

/// The scopes of principal `p`.
struct Layout {
    subscription: ResourceId,
    group: ResourceId,
    vault: ResourceId,
    index: usize,
    principal_count: usize,
}

impl Layout {
    fn new(subscription_id: &str, index: usize, principal_count: usize) -> Self {
        let subscription = ResourceId::subscription(subscription_id);
        let group = ResourceId::resource_group(subscription_id, &format!("rg-{index}"));
        let vault = group.provider("Microsoft.KeyVault", "vaults", &format!("kv-{index}"));
        Self {
            subscription,
            group,
            vault,
            index,
            principal_count,
        }
    }

    fn vm(&self, name: &str) -> ResourceId {
        vm_in(&self.group, name)
    }

    fn secret(&self, k: usize) -> ResourceId {
        // A vault is a provider resource, so it always has children.
        self.vault
            .child("secrets", &format!("secret-{k}"))
            .unwrap_or_else(|| self.vault.clone())
    }

    /// Questions about a principal holding the first `count` assignments of this layout.
    fn cases(&self, principal_id: &str, count: usize) -> Vec<DecisionCase> {
        let case =
            |action: &str, kind: PermissionKind, scope: ResourceId, expected: bool| DecisionCase {
                principal_id: principal_id.to_owned(),
                action: action.to_owned(),
                kind,
                scope,
                expected,
            };
        let management = PermissionKind::Management;
        let data = PermissionKind::Data;
        let own_vm = self.vm(&format!("vm-{}", self.index));
        let subscription_id = self.subscription.subscription_id().unwrap_or_default();
        // `rg-{p}0` has `rg-{p}` as a string prefix but is another group.
        let prefix_trap = vm_in(
            &ResourceId::resource_group(subscription_id, &format!("rg-{}0", self.index)),
            "vm",
        );
        let neighbour = vm_in(
            &ResourceId::resource_group(
                subscription_id,
                &format!("rg-{}", (self.index + 1) % self.principal_count.max(2)),
            ),
            "vm",
        );
        let has_reader = count >= 1;
        let has_contributor = count >= 2;
        let has_secrets = count >= 3;
        vec![
            case(VM_READ, management, own_vm.clone(), has_reader),
            case(VM_READ, management, self.vm("other"), has_reader),
            case(VM_READ, management, self.subscription.clone(), false),
            case(VM_READ, management, prefix_trap, false),
            case(VM_READ, management, neighbour, false),
            case(VM_WRITE, management, own_vm.clone(), has_contributor),
            case(VM_WRITE, management, self.vm("other"), false),
            case(ROLE_ASSIGNMENTS_WRITE, management, own_vm, false),
            case(KEY_VAULT_SECRET_GET, data, self.secret(2), has_secrets),
            case(
                KEY_VAULT_SECRET_READ_METADATA,
                data,
                self.secret(count.max(3) - 1),
                has_secrets,
            ),
            case(KEY_VAULT_SECRET_GET, data, self.secret(count.max(2)), false),
            case(KEY_VAULT_SECRET_SET, data, self.secret(2), false),
            case(KEY_VAULT_SECRET_GET, data, self.vault.clone(), false),
            case(KEY_VAULT_SECRET_GET, management, self.secret(2), false),
        ]
    }
}

fn vm_in(group: &ResourceId, name: &str) -> ResourceId {
    group.provider("Microsoft.Compute", "virtualMachines", name)
}

fn guid(base: u128, index: usize) -> String {
    // usize always fits in u128.
    uuid::Uuid::from_u128(base + index as u128).to_string()
}
