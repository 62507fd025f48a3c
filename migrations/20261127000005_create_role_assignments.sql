-- Role assignments (Microsoft.Authorization/roleAssignments), owned by role-based access
-- control. Role definitions are built in and live in code, not here.
--
-- Life-cycle rules:
-- * an assignment does NOT reference the directory: deleting a principal leaves its
--   assignments in place (orphans, as in Azure), and they keep naming the old object id, so a
--   principal created later (a new object id) gets nothing from them;
-- * an assignment does NOT reference the resource at its scope either: it stays until it is
--   deleted, even when the subscription, resource group or resource it names is gone.

CREATE TABLE role_assignments (
    -- The assignment's name: a GUID, stored lower-case; unique across all scopes.
    name               TEXT PRIMARY KEY NOT NULL,
    -- The full id: "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", with
    -- the scope's casing as given at creation.
    assignment_id      TEXT NOT NULL,
    -- The scope as given at creation (echoed back) ...
    scope              TEXT NOT NULL,
    -- ... and its lower-case form without a trailing '/', which every match uses.
    scope_key          TEXT NOT NULL,
    -- The role definition's GUID (lower-case): the last segment of its id. The full id is
    -- rebuilt at the subscription of the scope when the assignment is shown.
    role_definition_id TEXT NOT NULL,
    -- The principal's object id, lower-case.
    principal_id       TEXT NOT NULL,
    principal_type     TEXT NOT NULL,
    description        TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    -- The object id of the caller that created / last wrote it.
    created_by         TEXT,
    updated_by         TEXT,
    CHECK (name = lower(name)),
    CHECK (scope_key = lower(scope_key)),
    CHECK (principal_id = lower(principal_id)),
    CHECK (role_definition_id = lower(role_definition_id))
);

-- One assignment per (scope, role, principal), whatever its name. Led by scope_key, the same
-- index serves listing at a scope: the scope's ancestors are read by equality and its
-- descendants by a range.
CREATE UNIQUE INDEX role_assignments_by_scope
    ON role_assignments (scope_key, role_definition_id, principal_id);

-- Authorization loads one principal's assignments per decision.
CREATE INDEX role_assignments_by_principal ON role_assignments (principal_id);
