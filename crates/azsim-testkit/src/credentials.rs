//! Applications that authenticate with a certificate: the client assertions of RFC 7523.

use azsim_entra::directory::add_certificate_credential;
use azsim_pki::Certificate;

use crate::FakeCloud;
use crate::fixtures::{self, Client, TestCertificate};

impl FakeCloud {
    /// Registers a new application in the cloud's tenant with a client secret and, as its
    /// certificate credential, a fresh self-signed EC P-256 certificate (`CN=common_name`);
    /// returns the client and the certificate with its private key.
    pub async fn register_application_with_certificate(
        &self,
        common_name: &str,
    ) -> (Client, TestCertificate) {
        let client = self.register_application().await;
        let certificate = fixtures::self_signed_certificate(common_name);
        let parsed =
            Certificate::from_pem(&certificate.certificate_pem).expect("the certificate parses");
        let mut transaction = self
            .cloud()
            .store()
            .write()
            .await
            .expect("a store transaction");
        add_certificate_credential(
            &mut transaction,
            &client.object_id,
            &parsed,
            self.clock_now(),
        )
        .await
        .expect("the certificate credential is added");
        transaction.commit().await.expect("the credential commits");
        (client, certificate)
    }

    /// The v2 token endpoint of `tenant_id` at this cloud's authority: where a client
    /// assertion is posted, and the `aud` it names.
    pub fn token_endpoint_of(&self, tenant_id: &str) -> String {
        format!(
            "{}/{tenant_id}/oauth2/v2.0/token",
            self.cloud().endpoints().authority_host
        )
    }
}
