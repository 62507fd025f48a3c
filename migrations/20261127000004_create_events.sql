-- Flow events: every hop of the managed-identity flow, in order.
CREATE TABLE events (
    event_row      INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at    TEXT NOT NULL,  -- RFC 3339 with sub-second precision
    source         TEXT NOT NULL,
    target         TEXT NOT NULL,
    step           INTEGER CHECK (step BETWEEN 1 AND 7),
    correlation_id TEXT NOT NULL,
    summary        TEXT NOT NULL
);
CREATE INDEX events_by_correlation ON events (correlation_id);

-- Settings of this cloud fixed at first start (tenant, subscription, admin client id, ...).
CREATE TABLE cloud_settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
