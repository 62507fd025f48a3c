//! The App Service flavour of the agents (`GET /msi/token` with `X-IDENTITY-HEADER`): the
//! secret of another VM, a wrong one, none at all, and a right one asking for another VM's
//! identity. Refusals are in the App Service shape (`statusCode`, `message`).

use azsim_testkit::{ApiResponse, MANAGEMENT_RESOURCE};

use crate::cross_vm::{VmScene, refused};

async fn msi_token(scene: &VmScene, header: Option<&str>, client_id: Option<&str>) -> ApiResponse {
    let mut query = vec![
        ("api-version", "2019-08-01"),
        ("resource", MANAGEMENT_RESOURCE),
    ];
    if let Some(client_id) = client_id {
        query.push(("client_id", client_id));
    }
    let headers: Vec<(&str, &str)> = header
        .map(|value| ("X-IDENTITY-HEADER", value))
        .into_iter()
        .collect();
    scene.ask_a("/msi/token", &query, &headers).await
}

#[track_caller]
fn header_refused(response: &ApiResponse) {
    assert_eq!(response.body["statusCode"], 401, "{}", response.text);
    assert_eq!(
        response.str_at("/message"),
        "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER"
    );
}

#[test]
fn agent_of_a_refuses_the_identity_header_of_vm_b() {
    refused(
        401,
        async |scene| msi_token(scene, Some(&scene.header_b), None).await,
        header_refused,
    );
}

#[test]
fn agent_refuses_a_guessed_identity_header() {
    refused(
        401,
        async |scene| {
            // The real secret with its last character changed: one character off.
            let (kept, last) = scene.header_a.split_at(scene.header_a.len() - 1);
            let guessed = format!("{kept}{}", if last == "0" { '1' } else { '0' });
            msi_token(scene, Some(&guessed), None).await
        },
        header_refused,
    );
}

#[test]
fn agent_refuses_the_app_service_endpoint_without_an_identity_header() {
    refused(
        401,
        async |scene| msi_token(scene, None, None).await,
        header_refused,
    );
}

#[test]
fn agent_of_a_with_its_own_header_refuses_vm_bs_identity() {
    refused(
        400,
        async |scene| {
            msi_token(
                scene,
                Some(&scene.header_a),
                Some(&scene.b_system.client_id),
            )
            .await
        },
        |response| {
            assert_eq!(
                response.str_at("/message"),
                "Unable to load the proper Managed Identity."
            );
        },
    );
}
