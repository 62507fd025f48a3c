//! Role assignments (written by role-based access control).
//!
//! An assignment grants one role to one principal at one scope. Scopes are matched through
//! `scope_key`, the scope in lower case without a trailing `/` (the root scope `/` has the
//! empty key), so "at or below" is a range over the key and "at or above" is a list of keys.
//! Assignments reference neither the directory nor the resources: they outlive the principal
//! (orphans, as in Azure) and the resource they name, until they are deleted.

use sqlx::FromRow;

use crate::{Connection, StoreError};

/// A stored role assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRoleAssignment {
    /// The assignment's name: a lower-case GUID, unique across all scopes.
    pub name: String,
    /// The full id (`{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`).
    pub assignment_id: String,
    /// The scope with the casing given at creation.
    pub scope: String,
    /// The scope's matching key: lower case, no trailing `/`, empty for the root scope.
    pub scope_key: String,
    /// The role definition's GUID, lower case.
    pub role_definition_id: String,
    /// The principal's object id, lower case.
    pub principal_id: String,
    /// `ServicePrincipal`, `User`, `Group`, ... as recorded at creation.
    pub principal_type: String,
    /// The caller's description, if any.
    pub description: Option<String>,
    /// When it was created (unix seconds).
    pub created_at: i64,
    /// When it was last written (unix seconds).
    pub updated_at: i64,
    /// The object id of the caller that created it.
    pub created_by: Option<String>,
    /// The object id of the caller that last wrote it.
    pub updated_by: Option<String>,
}

const COLUMNS: &str = "name, assignment_id, scope, scope_key, role_definition_id, principal_id, \
     principal_type, description, created_at, updated_at, created_by, updated_by";

/// Inserts an assignment. [`StoreError::Conflict`] if its name is taken, or if the same
/// (scope, role, principal) is already assigned under another name.
pub async fn insert_role_assignment(
    conn: &mut Connection,
    assignment: &StoredRoleAssignment,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO role_assignments (name, assignment_id, scope, scope_key, role_definition_id,
             principal_id, principal_type, description, created_at, updated_at, created_by,
             updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .bind(&assignment.name)
    .bind(&assignment.assignment_id)
    .bind(&assignment.scope)
    .bind(&assignment.scope_key)
    .bind(&assignment.role_definition_id)
    .bind(&assignment.principal_id)
    .bind(&assignment.principal_type)
    .bind(&assignment.description)
    .bind(assignment.created_at)
    .bind(assignment.updated_at)
    .bind(&assignment.created_by)
    .bind(&assignment.updated_by)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("inserting a role assignment"))?;
    Ok(())
}

/// Replaces the description of the assignment `name` and records who wrote it when.
/// Returns whether it existed.
pub async fn update_role_assignment_description(
    conn: &mut Connection,
    name: &str,
    description: Option<&str>,
    updated_at: i64,
    updated_by: Option<&str>,
) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "UPDATE role_assignments SET description = ?2, updated_at = ?3, updated_by = ?4
         WHERE name = lower(?1)",
    )
    .bind(name)
    .bind(description)
    .bind(updated_at)
    .bind(updated_by)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::query("updating a role assignment"))?;
    Ok(result.rows_affected() > 0)
}

/// The assignment named `name` (any casing), whatever its scope.
pub async fn find_role_assignment(
    conn: &mut Connection,
    name: &str,
) -> Result<Option<StoredRoleAssignment>, StoreError> {
    let row = sqlx::query_as::<_, RoleAssignmentRow>(&format!(
        "SELECT {COLUMNS} FROM role_assignments WHERE name = lower(?1)"
    ))
    .bind(name)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("reading a role assignment"))?;
    Ok(row.map(StoredRoleAssignment::from))
}

/// The assignment of role `role_definition_id` to `principal_id` exactly at `scope_key`, if
/// any (all three compared in lower case).
pub async fn find_role_assignment_by_grant(
    conn: &mut Connection,
    scope_key: &str,
    role_definition_id: &str,
    principal_id: &str,
) -> Result<Option<StoredRoleAssignment>, StoreError> {
    let row = sqlx::query_as::<_, RoleAssignmentRow>(&format!(
        "SELECT {COLUMNS} FROM role_assignments
         WHERE scope_key = lower(?1) AND role_definition_id = lower(?2)
             AND principal_id = lower(?3)"
    ))
    .bind(scope_key)
    .bind(role_definition_id)
    .bind(principal_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::query("finding a role assignment by grant"))?;
    Ok(row.map(StoredRoleAssignment::from))
}

/// Deletes the assignment named `name` (any casing). Returns whether it existed.
pub async fn delete_role_assignment(conn: &mut Connection, name: &str) -> Result<bool, StoreError> {
    let result = sqlx::query("DELETE FROM role_assignments WHERE name = lower(?1)")
        .bind(name)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::query("deleting a role assignment"))?;
    Ok(result.rows_affected() > 0)
}

/// Every assignment of one principal (object id in any casing), oldest first. This is what
/// an authorization decision reads: one indexed lookup, however many assignments exist.
pub async fn list_role_assignments_for_principal(
    conn: &mut Connection,
    principal_id: &str,
) -> Result<Vec<StoredRoleAssignment>, StoreError> {
    // Lower-casing the argument (not the column) keeps the principal index usable.
    let rows = sqlx::query_as::<_, RoleAssignmentRow>(&format!(
        "SELECT {COLUMNS} FROM role_assignments WHERE principal_id = ?1
         ORDER BY created_at, name"
    ))
    .bind(principal_id.to_lowercase())
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("listing a principal's role assignments"))?;
    Ok(rows.into_iter().map(StoredRoleAssignment::from).collect())
}

/// The assignments whose scope key is one of `scope_keys` (each already normalised), oldest
/// first. Listing "at or above a scope" passes the scope's ancestors.
pub async fn list_role_assignments_at_scopes(
    conn: &mut Connection,
    scope_keys: &[String],
) -> Result<Vec<StoredRoleAssignment>, StoreError> {
    if scope_keys.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; scope_keys.len()].join(", ");
    let sql = format!(
        "SELECT {COLUMNS} FROM role_assignments WHERE scope_key IN ({placeholders})
         ORDER BY created_at, name"
    );
    let mut query = sqlx::query_as::<_, RoleAssignmentRow>(&sql);
    for key in scope_keys {
        query = query.bind(key);
    }
    let rows = query
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::query("listing role assignments at scopes"))?;
    Ok(rows.into_iter().map(StoredRoleAssignment::from).collect())
}

/// The assignments strictly below the scope with key `scope_key` (already normalised),
/// oldest first: those whose key starts with `scope_key + "/"`.
pub async fn list_role_assignments_below(
    conn: &mut Connection,
    scope_key: &str,
) -> Result<Vec<StoredRoleAssignment>, StoreError> {
    // A range instead of LIKE: it uses the scope index and needs no escaping of `%` or `_`.
    // '0' is the character after '/', so [key + "/", key + "0") is exactly the descendants.
    let rows = sqlx::query_as::<_, RoleAssignmentRow>(&format!(
        "SELECT {COLUMNS} FROM role_assignments WHERE scope_key >= ?1 AND scope_key < ?2
         ORDER BY created_at, name"
    ))
    .bind(format!("{scope_key}/"))
    .bind(format!("{scope_key}0"))
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::query("listing role assignments below a scope"))?;
    Ok(rows.into_iter().map(StoredRoleAssignment::from).collect())
}

/// How many assignments exist in all.
pub async fn count_role_assignments(conn: &mut Connection) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT count(*) FROM role_assignments")
        .fetch_one(&mut *conn)
        .await
        .map_err(StoreError::query("counting role assignments"))
}

#[derive(FromRow)]
struct RoleAssignmentRow {
    name: String,
    assignment_id: String,
    scope: String,
    scope_key: String,
    role_definition_id: String,
    principal_id: String,
    principal_type: String,
    description: Option<String>,
    created_at: i64,
    updated_at: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

impl From<RoleAssignmentRow> for StoredRoleAssignment {
    fn from(row: RoleAssignmentRow) -> Self {
        Self {
            name: row.name,
            assignment_id: row.assignment_id,
            scope: row.scope,
            scope_key: row.scope_key,
            role_definition_id: row.role_definition_id,
            principal_id: row.principal_id,
            principal_type: row.principal_type,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
            created_by: row.created_by,
            updated_by: row.updated_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    async fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("azsim.db")).await.unwrap();
        (dir, store)
    }

    fn assignment(name: &str, scope: &str, principal_id: &str) -> StoredRoleAssignment {
        let scope_key = scope.trim_end_matches('/').to_lowercase();
        StoredRoleAssignment {
            name: name.to_owned(),
            assignment_id: format!(
                "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
                scope.trim_end_matches('/')
            ),
            scope: scope.to_owned(),
            scope_key,
            role_definition_id: "acdd72a7-3385-48ef-bd42-f606fba81ae7".to_owned(),
            principal_id: principal_id.to_owned(),
            principal_type: "ServicePrincipal".to_owned(),
            description: None,
            created_at: 1_000,
            updated_at: 1_000,
            created_by: Some("admin".to_owned()),
            updated_by: Some("admin".to_owned()),
        }
    }

    const SUB_1: &str = "/subscriptions/1";
    const SUB_12: &str = "/subscriptions/12";
    const RG: &str = "/subscriptions/1/resourceGroups/RG-A";

    #[tokio::test]
    async fn assignments_round_trip_and_are_found_by_name_in_any_case() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        let stored = assignment("00000000-0000-0000-0000-00000000000a", RG, "p1");
        insert_role_assignment(&mut conn, &stored).await.unwrap();
        assert_eq!(
            find_role_assignment(&mut conn, "00000000-0000-0000-0000-00000000000A")
                .await
                .unwrap(),
            Some(stored.clone())
        );
        assert_eq!(
            find_role_assignment_by_grant(
                &mut conn,
                "/subscriptions/1/resourcegroups/rg-a",
                "ACDD72A7-3385-48EF-BD42-F606FBA81AE7",
                "P1"
            )
            .await
            .unwrap(),
            Some(stored)
        );
    }

    #[tokio::test]
    async fn same_grant_under_another_name_is_a_conflict() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        insert_role_assignment(&mut conn, &assignment("a1", RG, "p1"))
            .await
            .unwrap();
        let error = insert_role_assignment(&mut conn, &assignment("a2", RG, "p1"))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Conflict { .. }), "{error:?}");
        let error = insert_role_assignment(&mut conn, &assignment("a1", SUB_1, "p2"))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Conflict { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn listing_below_a_scope_respects_segment_boundaries() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        insert_role_assignment(&mut conn, &assignment("a1", SUB_1, "p1"))
            .await
            .unwrap();
        insert_role_assignment(&mut conn, &assignment("a2", RG, "p1"))
            .await
            .unwrap();
        insert_role_assignment(&mut conn, &assignment("a3", SUB_12, "p1"))
            .await
            .unwrap();
        insert_role_assignment(&mut conn, &assignment("a4", "/", "p1"))
            .await
            .unwrap();

        let below = list_role_assignments_below(&mut conn, "/subscriptions/1")
            .await
            .unwrap();
        let names: Vec<_> = below.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a2"]);

        let below_root = list_role_assignments_below(&mut conn, "").await.unwrap();
        assert_eq!(below_root.len(), 3);

        let at = list_role_assignments_at_scopes(
            &mut conn,
            &["".to_owned(), "/subscriptions/1".to_owned()],
        )
        .await
        .unwrap();
        let names: Vec<_> = at.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a1", "a4"]);
    }

    #[tokio::test]
    async fn a_principals_assignments_are_listed_and_deleted_ones_vanish() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        insert_role_assignment(&mut conn, &assignment("a1", SUB_1, "p1"))
            .await
            .unwrap();
        insert_role_assignment(&mut conn, &assignment("a2", RG, "p2"))
            .await
            .unwrap();
        let mine = list_role_assignments_for_principal(&mut conn, "P1")
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].name, "a1");

        assert!(delete_role_assignment(&mut conn, "A1").await.unwrap());
        assert!(!delete_role_assignment(&mut conn, "a1").await.unwrap());
        assert!(
            list_role_assignments_for_principal(&mut conn, "p1")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(count_role_assignments(&mut conn).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn principal_and_scope_lookups_use_indexes_not_a_table_scan() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        let plans = [
            (
                "SELECT name FROM role_assignments WHERE principal_id = 'p1'",
                "role_assignments_by_principal",
            ),
            (
                "SELECT name FROM role_assignments WHERE scope_key >= '/a/' AND scope_key < '/a0'",
                "role_assignments_by_scope",
            ),
            (
                "SELECT name FROM role_assignments WHERE scope_key IN ('', '/a')",
                "role_assignments_by_scope",
            ),
        ];
        for (query, index) in plans {
            let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {query}"))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
            let plan: Vec<String> = rows
                .iter()
                .map(|row| sqlx::Row::get::<String, _>(row, "detail"))
                .collect();
            assert!(
                plan.iter().any(|step| step.contains(index)),
                "{query}: {plan:?}"
            );
        }
    }

    #[tokio::test]
    async fn description_update_records_the_writer() {
        let (_dir, store) = open().await;
        let mut conn = store.read().await.unwrap();
        insert_role_assignment(&mut conn, &assignment("a1", SUB_1, "p1"))
            .await
            .unwrap();
        assert!(
            update_role_assignment_description(&mut conn, "a1", Some("ops"), 2_000, Some("bob"))
                .await
                .unwrap()
        );
        let stored = find_role_assignment(&mut conn, "a1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.description.as_deref(), Some("ops"));
        assert_eq!(stored.updated_at, 2_000);
        assert_eq!(stored.updated_by.as_deref(), Some("bob"));
        assert_eq!(stored.created_at, 1_000);
        assert!(
            !update_role_assignment_description(&mut conn, "missing", None, 2_000, None)
                .await
                .unwrap()
        );
    }
}
