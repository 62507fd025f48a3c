-- Per-VM secrets of the metadata agents (written by MSRP).
--
-- `identity_header` is what a workload sends as `X-IDENTITY-HEADER` to the agent's App Service
-- endpoint (`IDENTITY_HEADER` in its environment). It is created once, when the VM's agent is
-- first configured, and kept across restarts; it dies with its VM.

CREATE TABLE agent_secrets (
    vm_row          INTEGER PRIMARY KEY
        REFERENCES virtual_machines (vm_row) ON DELETE CASCADE,
    identity_header TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
