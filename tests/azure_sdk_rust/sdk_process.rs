//! Running the SDK in a child process that has the App Service variables, and reading back the
//! one outcome line it prints.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;

use crate::app_service_env::AppServiceEnv;

/// The scope the child asks for; its presence is what marks a run as a child run.
pub(crate) const SCOPE_VAR: &str = "AZSIM_SDK_SCOPE";
/// The client id of the user-assigned identity the child names, when there is one.
pub(crate) const CLIENT_ID_VAR: &str = "AZSIM_SDK_CLIENT_ID";
/// What starts the child's outcome line on its standard output.
pub(crate) const OUTCOME_PREFIX: &str = "azsim-sdk-outcome: ";

/// The helper test the child runs, by its path in this test binary.
const CHILD_TEST: &str = "child::managed_identity_credential_in_child";
/// Variables that would make the SDK choose another managed-identity source (Service Fabric,
/// Azure Arc, Azure ML, Cloud Shell); a developer's shell must not change what is tested.
const OTHER_SOURCE_VARS: [&str; 4] = [
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
];
/// Ample for a process start and one token request; a hung child fails the test instead.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// What the SDK gave: a token or an error.
pub(crate) enum SdkOutcome {
    /// `get_token` succeeded.
    Token(SdkToken),
    /// `ManagedIdentityCredential::new` or `get_token` failed.
    Failed(SdkError),
}

/// A token as the SDK hands it to a user.
pub(crate) struct SdkToken {
    /// The bearer token.
    pub(crate) access_token: String,
    /// `AccessToken::expires_on`, in unix seconds: the SDK's reading of the response.
    pub(crate) expires_on: i64,
}

/// An SDK error as a user sees it.
#[derive(Debug)]
pub(crate) struct SdkError {
    /// The outer error's `ErrorKind`, as it displays (`Credential`).
    pub(crate) kind: String,
    /// The outer error's text.
    pub(crate) message: String,
    /// The HTTP status of the wrapped response error, if the failure was an HTTP answer.
    pub(crate) status: Option<u16>,
    /// The texts of the error's sources, outermost first.
    pub(crate) causes: Vec<String>,
}

impl SdkOutcome {
    /// The token; panics with the SDK's error otherwise.
    #[track_caller]
    pub(crate) fn expect_token(self) -> SdkToken {
        match self {
            Self::Token(token) => token,
            Self::Failed(error) => panic!("the SDK failed to get a token: {error:#?}"),
        }
    }

    /// The error; panics if the SDK got a token (without printing it).
    #[track_caller]
    pub(crate) fn expect_error(self) -> SdkError {
        match self {
            Self::Failed(error) => error,
            Self::Token(token) => panic!(
                "the SDK got a token (expires_on {}) where an error was expected",
                token.expires_on
            ),
        }
    }
}

/// Runs `ManagedIdentityCredential::get_token(&[scope])` in a child process whose environment
/// is `env` (plus `client_id` as the user-assigned identity, when given).
pub(crate) async fn run_sdk(
    env: &AppServiceEnv,
    scope: &str,
    client_id: Option<&str>,
) -> SdkOutcome {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command
        .args([CHILD_TEST, "--exact", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env("IDENTITY_ENDPOINT", &env.identity_endpoint)
        .env("IDENTITY_HEADER", &env.identity_header)
        // The agent is on loopback; a proxy configured for the machine must not see the request.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env(SCOPE_VAR, scope)
        .env_remove(CLIENT_ID_VAR)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for name in OTHER_SOURCE_VARS {
        command.env_remove(name);
    }
    if let Some(client_id) = client_id {
        command.env(CLIENT_ID_VAR, client_id);
    }
    let output = tokio::time::timeout(CHILD_TIMEOUT, command.output())
        .await
        .expect("the SDK child finishes in time")
        .expect("the SDK child starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The test harness prints the helper's name on the same line, before its output.
    let Some(line) = stdout
        .lines()
        .find_map(|line| line.split_once(OUTCOME_PREFIX).map(|(_, outcome)| outcome))
    else {
        panic!(
            "the SDK child printed no outcome ({}); stdout:\n{stdout}\nstderr:\n{stderr}",
            output.status
        );
    };
    assert!(
        output.status.success(),
        "the SDK child failed ({}); stderr:\n{stderr}",
        output.status
    );
    parse_outcome(line)
}

fn parse_outcome(line: &str) -> SdkOutcome {
    let outcome: Value = serde_json::from_str(line).expect("the outcome line is JSON");
    if let Some(token) = outcome.get("token") {
        return SdkOutcome::Token(SdkToken {
            access_token: token["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            expires_on: token["expires_on"].as_i64().expect("expires_on"),
        });
    }
    let error = &outcome["error"];
    let text = |name: &str| error[name].as_str().unwrap_or_default().to_owned();
    SdkOutcome::Failed(SdkError {
        kind: text("kind"),
        message: text("message"),
        status: error["status"]
            .as_u64()
            .and_then(|status| u16::try_from(status).ok()),
        causes: error["causes"]
            .as_array()
            .map(|causes| {
                causes
                    .iter()
                    .filter_map(|cause| cause.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    })
}
