-- The resource API's own tables: subscriptions, resource groups, virtual machines.
-- Names are stored with the casing given at creation and compared case-insensitively.

CREATE TABLE subscriptions (
    subscription_id TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
    tenant_id       TEXT NOT NULL REFERENCES tenants (tenant_id),
    display_name    TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'Enabled',
    created_at      INTEGER NOT NULL
);

CREATE TABLE resource_groups (
    resource_group_row INTEGER PRIMARY KEY,
    subscription_id    TEXT NOT NULL COLLATE NOCASE
        REFERENCES subscriptions (subscription_id) ON DELETE CASCADE,
    name               TEXT NOT NULL COLLATE NOCASE,
    location           TEXT NOT NULL,
    tags               TEXT NOT NULL DEFAULT '{}',
    created_at         INTEGER NOT NULL,
    UNIQUE (subscription_id, name)
);

CREATE TABLE virtual_machines (
    vm_row             INTEGER PRIMARY KEY,
    resource_group_row INTEGER NOT NULL
        REFERENCES resource_groups (resource_group_row) ON DELETE CASCADE,
    name               TEXT NOT NULL COLLATE NOCASE,
    -- properties.vmId: a GUID that never changes for this VM.
    vm_id              TEXT NOT NULL UNIQUE,
    location           TEXT NOT NULL,
    tags               TEXT NOT NULL DEFAULT '{}',
    -- The caller's properties (hardwareProfile, osProfile, ...), as JSON.
    properties         TEXT NOT NULL DEFAULT '{}',
    -- Where this VM's metadata agent listens ("127.0.0.1:port"), kept so a restart reuses it.
    imds_address       TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (resource_group_row, name)
);
