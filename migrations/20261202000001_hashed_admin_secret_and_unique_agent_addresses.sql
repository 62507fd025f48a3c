-- The administrator's client secret was kept in the clear in `cloud_settings`. Like every
-- client secret it is now stored only as its digest (its credential row); the secret itself
-- lives in `endpoints.json` (owner-only), from which the next start reads it.
DELETE FROM cloud_settings WHERE key = 'admin_client_secret';

-- Two VMs never share a metadata agent address: otherwise a workload on one VM is sent to the
-- other VM's agent and gets that VM's tokens. An older azsim could record one address for two
-- VMs; both forget it, and their agents get fresh addresses at the next start.
UPDATE virtual_machines SET imds_address = NULL
WHERE imds_address IN (
    SELECT imds_address FROM virtual_machines
    WHERE imds_address IS NOT NULL
    GROUP BY imds_address HAVING count(*) > 1
);
-- NULL (no agent yet) is not an address.
CREATE UNIQUE INDEX virtual_machines_imds_address ON virtual_machines (imds_address)
    WHERE imds_address IS NOT NULL;
