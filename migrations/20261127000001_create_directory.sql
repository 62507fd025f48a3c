-- The directory (owned by the token service): tenants, applications, service principals and
-- their credentials, the token signing keys, and the client-assertion ids already seen.
-- Times are unix seconds (INTEGER); ids are lower-case GUID strings.

CREATE TABLE tenants (
    tenant_id      TEXT PRIMARY KEY NOT NULL,
    display_name   TEXT NOT NULL,
    default_domain TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at     INTEGER NOT NULL
);

-- An application registration (only for ordinary applications: managed identities have a
-- service principal and no application object, as in Entra).
CREATE TABLE applications (
    app_id       TEXT PRIMARY KEY NOT NULL,
    tenant_id    TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE service_principals (
    object_id      TEXT PRIMARY KEY NOT NULL,
    tenant_id      TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    -- The client id. For an application's principal it is the application's app id, and the
    -- principal dies with the application.
    app_id         TEXT NOT NULL,
    application_id TEXT REFERENCES applications (app_id) ON DELETE CASCADE,
    display_name   TEXT NOT NULL,
    principal_type TEXT NOT NULL CHECK (principal_type IN ('Application', 'ManagedIdentity')),
    -- For a managed identity: the ARM id of the identity (the token's xms_mirid).
    managed_identity_resource_id TEXT,
    created_at     INTEGER NOT NULL,
    UNIQUE (tenant_id, app_id),
    CHECK ((principal_type = 'ManagedIdentity') = (managed_identity_resource_id IS NOT NULL)),
    CHECK (principal_type = 'ManagedIdentity' OR application_id = app_id)
);

CREATE TABLE credentials (
    credential_id     TEXT PRIMARY KEY NOT NULL,
    object_id         TEXT NOT NULL REFERENCES service_principals (object_id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('secret', 'certificate')),
    -- Secrets are kept as SHA-256 hex digests, never in the clear.
    secret_sha256     TEXT,
    certificate_der   BLOB,
    thumbprint_sha1   TEXT,
    thumbprint_sha256 TEXT,
    not_before        INTEGER NOT NULL,
    not_after         INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    CHECK ((kind = 'secret') = (secret_sha256 IS NOT NULL)),
    CHECK ((kind = 'certificate') = (certificate_der IS NOT NULL
        AND thumbprint_sha1 IS NOT NULL AND thumbprint_sha256 IS NOT NULL))
);
CREATE INDEX credentials_by_object_id ON credentials (object_id);
CREATE INDEX credentials_by_thumbprint_sha1 ON credentials (thumbprint_sha1);
CREATE INDEX credentials_by_thumbprint_sha256 ON credentials (thumbprint_sha256);

-- The RSA keys that sign access tokens; all are published in the JWKS, the newest signs.
CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY NOT NULL,
    private_key_pem TEXT NOT NULL,
    certificate_der BLOB NOT NULL,
    not_before      INTEGER NOT NULL,
    not_after       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);

-- Client-assertion ids already accepted, kept until the assertion expires (replay defence).
CREATE TABLE seen_assertions (
    jti        TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX seen_assertions_by_expiry ON seen_assertions (expires_at);
