//! The token service: construction and its HTTP routes.

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use azsim_core::{SharedClock, SharedEventSink};
use azsim_http::with_request_context;
use azsim_store::Store;

use crate::config::TokenServiceConfig;
use crate::signing::ActiveSigningKey;
use crate::state::ServiceState;
use crate::validation::AccessTokenValidator;
use crate::{EntraError, discovery, jwks, token_endpoint};

/// The Entra-like token service; cheap to clone.
#[derive(Clone)]
pub struct TokenService {
    state: Arc<ServiceState>,
}

impl fmt::Debug for TokenService {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TokenService")
            .field(
                "public_base_url",
                &self.state.config.public_base_url.as_str(),
            )
            .field("kid", &self.state.signing_key.kid())
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// Loads the signing keys, generating the first one (RSA 2048, self-signed certificate
    /// `CN=accounts.accesscontrol.windows.net`, about five years) if the store has none.
    pub async fn new(
        store: Store,
        clock: SharedClock,
        events: SharedEventSink,
        config: TokenServiceConfig,
    ) -> Result<Self, EntraError> {
        let signing_key = ActiveSigningKey::load_or_create(&store, &clock).await?;
        let validator = AccessTokenValidator::new(store.clone(), clock.clone());
        Ok(Self {
            state: Arc::new(ServiceState {
                store,
                clock,
                events,
                config,
                signing_key,
                validator,
            }),
        })
    }

    /// The routes: token endpoints (v1, v2), discovery documents, JWKS and MSAL's instance
    /// discovery, each request wrapped in the `entra` request context.
    pub fn router(&self) -> Router {
        let routes = Router::new()
            .route("/{tenant}/oauth2/token", post(token_endpoint::token_v1))
            .route(
                "/{tenant}/oauth2/v2.0/token",
                post(token_endpoint::token_v2),
            )
            .route(
                "/{tenant}/.well-known/openid-configuration",
                get(discovery::openid_configuration_v1),
            )
            .route(
                "/{tenant}/v2.0/.well-known/openid-configuration",
                get(discovery::openid_configuration_v2),
            )
            .route("/{tenant}/discovery/keys", get(jwks::keys_v1))
            .route("/{tenant}/discovery/v2.0/keys", get(jwks::keys_v2))
            .route(
                "/{tenant}/discovery/instance",
                get(discovery::instance_discovery),
            )
            .with_state(self.state.clone());
        let state = self.state.clone();
        azsim_http::limit_request_bodies(
            routes,
            azsim_http::limits::TOKEN_SERVICE_BODY_LIMIT,
            move |too_large| {
                crate::oauth_error::body_too_large(
                    too_large.limit,
                    state.clock.now(),
                    &too_large.context,
                    state.config.base(),
                )
            },
        )
        .layer(middleware::from_fn(|request, next| {
            with_request_context("entra", request, next)
        }))
    }

    /// A validator for the tokens this service issues (sharing its store and clock).
    pub fn validator(&self) -> AccessTokenValidator {
        self.state.validator.clone()
    }

    /// The id of the key that signs new tokens.
    pub fn signing_key_id(&self) -> &str {
        self.state.signing_key.kid()
    }
}
