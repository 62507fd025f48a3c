//! The vault the token and body families attack: in a new group `rg`, with the administrator
//! Key Vault Secrets Officer on it and one secret, `db-password`, set.

use azsim_testkit::FakeCloud;
use azsim_testkit::authorization::roles;

/// What a family needs of its vault.
pub(crate) struct AttackedVault {
    /// `properties.vaultUri`.
    pub(crate) uri: String,
    /// The administrator's token for the vault.
    pub(crate) admin_token: String,
    /// The administrator's object id.
    pub(crate) admin_object_id: String,
}

/// Creates group `rg` and vault `name` in it, grants the administrator Secrets Officer on it
/// and sets one secret, checking each step.
pub(crate) async fn vault_with_one_secret(cloud: &FakeCloud, name: &str) -> AttackedVault {
    cloud.create_resource_group("rg").await.assert_status(201);
    let vault = cloud.put_key_vault("rg", name).await;
    vault.assert_status(201);
    let uri = vault.str_at("/properties/vaultUri").to_owned();
    let admin_object_id = cloud.admin_principal_id().await;
    cloud
        .create_role_assignment(
            &cloud.vault_id("rg", name),
            roles::KEY_VAULT_SECRETS_OFFICER,
            &admin_object_id,
        )
        .await
        .assert_status(201);
    let admin_token = cloud.admin_vault_token().await;
    cloud
        .set_secret(&uri, "db-password", "s3cr3t", &admin_token)
        .await
        .assert_status(200);
    AttackedVault {
        uri,
        admin_token,
        admin_object_id,
    }
}
