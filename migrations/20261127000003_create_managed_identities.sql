-- MSRP's tables: managed identities, their certificates, and MSRP's certificate authority.
--
-- Life-cycle rules live here, so that no code path can break them:
-- * a system-assigned identity belongs to exactly one VM and dies with it (vm_row UNIQUE,
--   ON DELETE CASCADE), and so with the VM's resource group;
-- * a user-assigned identity belongs to a resource group, not to a VM;
-- * deleting an identity deletes its service principal (trigger below), which deletes the
--   principal's credentials (cascade); its certificates cascade from the identity.

CREATE TABLE managed_identities (
    identity_row       INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('SystemAssigned', 'UserAssigned')),
    vm_row             INTEGER UNIQUE REFERENCES virtual_machines (vm_row) ON DELETE CASCADE,
    resource_group_row INTEGER
        REFERENCES resource_groups (resource_group_row) ON DELETE CASCADE,
    -- The user-assigned identity's name; NULL for a system-assigned one.
    name               TEXT COLLATE NOCASE,
    -- The ARM id of the identity: the VM's id for a system-assigned identity.
    resource_id        TEXT NOT NULL,
    tenant_id          TEXT NOT NULL,
    principal_id       TEXT NOT NULL UNIQUE
        REFERENCES service_principals (object_id) ON DELETE CASCADE,
    client_id          TEXT NOT NULL UNIQUE,
    location           TEXT NOT NULL,
    tags               TEXT NOT NULL DEFAULT '{}',
    created_at         INTEGER NOT NULL,
    CHECK ((kind = 'SystemAssigned') = (vm_row IS NOT NULL)),
    CHECK ((kind = 'UserAssigned') = (resource_group_row IS NOT NULL AND name IS NOT NULL)),
    UNIQUE (resource_group_row, name)
);

CREATE TRIGGER managed_identity_deletes_its_service_principal
AFTER DELETE ON managed_identities
BEGIN
    DELETE FROM service_principals WHERE object_id = OLD.principal_id;
END;

-- Which VMs carry which user-assigned identities; a row dies with either side.
CREATE TABLE identity_attachments (
    vm_row       INTEGER NOT NULL REFERENCES virtual_machines (vm_row) ON DELETE CASCADE,
    identity_row INTEGER NOT NULL REFERENCES managed_identities (identity_row) ON DELETE CASCADE,
    attached_at  INTEGER NOT NULL,
    PRIMARY KEY (vm_row, identity_row)
);
CREATE INDEX identity_attachments_by_identity ON identity_attachments (identity_row);

-- Only user-assigned identities can be attached.
CREATE TRIGGER identity_attachments_only_user_assigned
BEFORE INSERT ON identity_attachments
WHEN (SELECT kind FROM managed_identities WHERE identity_row = NEW.identity_row) <> 'UserAssigned'
BEGIN
    SELECT RAISE(ABORT, 'only a user-assigned identity can be attached to a VM');
END;

-- The certificate (and its private key) that an identity authenticates with. The metadata
-- agents of the identity's VMs are given it; the same certificate is registered as a
-- credential of the identity's service principal.
CREATE TABLE identity_certificates (
    certificate_row   INTEGER PRIMARY KEY,
    identity_row      INTEGER NOT NULL
        REFERENCES managed_identities (identity_row) ON DELETE CASCADE,
    certificate_pem   TEXT NOT NULL,
    private_key_pem   TEXT NOT NULL,
    thumbprint_sha256 TEXT NOT NULL,
    not_before        INTEGER NOT NULL,
    not_after         INTEGER NOT NULL,
    -- When MSRP rolls it (45 days after issue, as in Azure).
    renew_after       INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
);
CREATE INDEX identity_certificates_by_identity ON identity_certificates (identity_row);

-- MSRP's own certificate authority (one row; kept across restarts).
CREATE TABLE certificate_authorities (
    name            TEXT PRIMARY KEY NOT NULL,
    certificate_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
