//! Metadata agent helpers.

use std::net::SocketAddr;

use crate::{ApiResponse, FakeCloud};

impl FakeCloud {
    /// The address of the metadata agent of the VM with `vm_id`; panics if it has none.
    pub async fn agent_address(&self, vm_id: &str) -> SocketAddr {
        self.cloud()
            .agent_address(vm_id)
            .await
            .unwrap_or_else(|| panic!("VM {vm_id} has no metadata agent"))
    }

    /// `GET /metadata/identity/oauth2/token` on an agent, as a workload on the VM would, with
    /// `Metadata: true`, `api-version=2018-02-01`, the given resource and extra query pairs.
    pub async fn get_imds_token(
        &self,
        agent: SocketAddr,
        resource: &str,
        extra_query: &[(&str, &str)],
    ) -> ApiResponse {
        let mut query = vec![("api-version", "2018-02-01"), ("resource", resource)];
        query.extend_from_slice(extra_query);
        let response = self
            .http()
            .get(format!("http://{agent}/metadata/identity/oauth2/token"))
            .query(&query)
            .header("Metadata", "true")
            .send()
            .await
            .expect("metadata agent request");
        ApiResponse::read(response).await
    }
}
