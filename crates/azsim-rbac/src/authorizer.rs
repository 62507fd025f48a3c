//! [`Authorizer`]: the decision the resource API and the vault ask for on every request.

use azsim_store::Store;
use azsim_store::role_assignments::list_role_assignments_for_principal;

use crate::RbacError;
use crate::evaluate::{PermissionKind, is_allowed_by};

/// Decides whether a principal may perform an action at a scope.
///
/// Each decision reads only the principal's own assignments (one indexed query), then
/// matches them in memory: its cost does not grow with the number of assignments in the
/// tenant. Nothing is cached, so a new or deleted assignment counts from the next request.
#[derive(Debug, Clone)]
pub struct Authorizer {
    store: Store,
}

impl Authorizer {
    /// An authorizer reading assignments from `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Whether `principal_id` may perform `action` at `scope` (an ARM id).
    pub async fn is_allowed(
        &self,
        principal_id: &str,
        action: &str,
        kind: PermissionKind,
        scope: &str,
    ) -> Result<bool, RbacError> {
        let mut conn = self.store.read().await?;
        let assignments = list_role_assignments_for_principal(&mut conn, principal_id).await?;
        let allowed = is_allowed_by(&assignments, principal_id, action, kind, scope);
        tracing::debug!(
            principal_id,
            action,
            ?kind,
            scope,
            allowed,
            "authorization decision"
        );
        Ok(allowed)
    }
}
