//! [`Authorizer`]: the decision the resource API and the vault ask for on every request.

use azsim_core::ResourceId;
use azsim_store::Store;
use azsim_store::role_assignments::{StoredRoleAssignment, list_role_assignments_for_principal};

use crate::RbacError;
use crate::evaluate::is_allowed_by;
use crate::roles::PermissionKind;

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

    /// Whether `principal_id` may perform `action` at `scope`.
    pub async fn is_allowed(
        &self,
        principal_id: &str,
        action: &str,
        kind: PermissionKind,
        scope: &ResourceId,
    ) -> Result<bool, RbacError> {
        let assignments = self.assignments_of(principal_id).await?;
        let allowed = is_allowed_by(&assignments, principal_id, action, kind, scope);
        tracing::debug!(
            principal_id,
            action,
            ?kind,
            %scope,
            allowed,
            "authorization decision"
        );
        Ok(allowed)
    }

    /// The role assignments that name `principal_id` (one indexed query), for callers that
    /// decide several questions about the same principal in memory with
    /// [`is_allowed_by`](crate::evaluate::is_allowed_by).
    pub async fn assignments_of(
        &self,
        principal_id: &str,
    ) -> Result<Vec<StoredRoleAssignment>, RbacError> {
        let mut conn = self.store.read().await?;
        Ok(list_role_assignments_for_principal(&mut conn, principal_id).await?)
    }
}
