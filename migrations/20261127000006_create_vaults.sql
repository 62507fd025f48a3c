-- Key Vault: vaults (written by the resource API) and their secrets (written by the vault's
-- data plane).
--
-- Life-cycle rules live here: deleting a resource group deletes its vaults, and deleting a
-- vault deletes every version of every secret in it (soft delete is not simulated).

CREATE TABLE vaults (
    vault_row          INTEGER PRIMARY KEY,
    resource_group_row INTEGER NOT NULL
        REFERENCES resource_groups (resource_group_row) ON DELETE CASCADE,
    -- Vault names are global DNS names: unique across the whole cloud, ignoring case.
    name               TEXT NOT NULL UNIQUE COLLATE NOCASE,
    location           TEXT NOT NULL,
    -- The tenant whose tokens the vault's data plane accepts (properties.tenantId).
    tenant_id          TEXT NOT NULL,
    -- The caller's properties (sku, enableRbacAuthorization, ...), as JSON.
    properties         TEXT NOT NULL DEFAULT '{}',
    tags               TEXT NOT NULL DEFAULT '{}',
    -- properties.vaultUri: where the vault's data plane answers, ending in '/'.
    vault_uri          TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX vaults_by_resource_group ON vaults (resource_group_row);

-- One row per secret version; the newest row of a name is the secret's current version.
CREATE TABLE secrets (
    secret_row   INTEGER PRIMARY KEY,
    vault_row    INTEGER NOT NULL REFERENCES vaults (vault_row) ON DELETE CASCADE,
    -- Secret names compare case-insensitively; every version keeps the first version's casing.
    name         TEXT NOT NULL COLLATE NOCASE
        CHECK (length(name) BETWEEN 1 AND 127 AND name NOT GLOB '*[^0-9A-Za-z-]*'),
    -- 32 lower-case hex digits, as Key Vault writes versions.
    version      TEXT NOT NULL
        CHECK (length(version) = 32 AND version NOT GLOB '*[^0-9a-f]*'),
    value        TEXT NOT NULL,
    content_type TEXT,
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- attributes.nbf and attributes.exp (unix seconds), when the caller set them.
    not_before   INTEGER,
    expires      INTEGER,
    tags         TEXT NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (vault_row, name, version)
);
CREATE INDEX secrets_by_vault_and_name ON secrets (vault_row, name, secret_row);
