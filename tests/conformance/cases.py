"""The conformance cases: unmodified client-library code against a running azsim.

Each case runs alone in a fresh Python process (``python cases.py NAME FACTS_FILE``) whose
environment holds only what a user pointing the library at an emulator would set. A case
asserts on the values it gets back (token claims, expiry, error kind and text) and exits 0 on
success; on failure it prints one line saying why and exits 1.
"""

import json
import re
import sys
import time
import traceback
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
import msal
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    ManagedIdentityCredential,
)
from azure.keyvault.secrets import SecretClient
from azure.mgmt.resource.resources import ResourceManagementClient

from checks import (
    EXPIRY_TOLERANCE,
    CheckFailed,
    expect_entra_error,
    expect_equal,
    expect_managed_identity_expiry,
    expect_managed_identity_token,
    expect_same_id,
    expect_true,
    unverified_claims,
)

MANAGEMENT_RESOURCE = "https://management.azure.com"
MANAGEMENT_SCOPE = f"{MANAGEMENT_RESOURCE}/.default"
VAULT_RESOURCE = "https://vault.azure.net"
POD_IDENTITY_HOST = "AZURE_POD_IDENTITY_AUTHORITY_HOST"


APP_SERVICE_VARIABLES = ("IDENTITY_ENDPOINT", "IDENTITY_HEADER")


def pod_identity(vm):
    """The variable that points the Python clients at a VM's metadata agent."""
    return {POD_IDENTITY_HOST: vm["env"][POD_IDENTITY_HOST]}


def app_service(vm):
    """The App Service pair (and nothing else) that points every SDK at a VM's agent."""
    return {name: vm["env"][name] for name in APP_SERVICE_VARIABLES}


def system_assigned_identity(facts):
    """azure-identity, no arguments: the VM's system-assigned identity."""
    vm = facts["vm_system"]
    token = ManagedIdentityCredential().get_token(f"{MANAGEMENT_RESOURCE}/.default")
    claims = unverified_claims(token.token)
    expect_managed_identity_token(claims, facts, vm["principal_id"], vm["id"], MANAGEMENT_RESOURCE)
    expect_true("a system-assigned token carries no xms_az_rid", "xms_az_rid" not in claims)
    expect_managed_identity_expiry("expires_on", token.expires_on, claims)


def expect_user_assigned_token(token, facts):
    """The checks shared by every way of asking for the user-assigned identity on vm-both."""
    uami = facts["uami"]
    claims = unverified_claims(token.token)
    expect_managed_identity_token(claims, facts, uami["principal_id"], uami["id"], MANAGEMENT_RESOURCE)
    expect_equal("appid", claims.get("appid"), uami["client_id"])
    expect_same_id("xms_az_rid", claims.get("xms_az_rid"), facts["vm_both"]["id"])
    expect_managed_identity_expiry("expires_on", token.expires_on, claims)


def user_assigned_by_client_id(facts):
    """azure-identity with ``client_id``: the user-assigned identity beside a system one."""
    credential = ManagedIdentityCredential(client_id=facts["uami"]["client_id"])
    expect_user_assigned_token(credential.get_token(f"{MANAGEMENT_RESOURCE}/.default"), facts)


def user_assigned_by_object_id(facts):
    """azure-identity with ``identity_config={"object_id": ...}``."""
    credential = ManagedIdentityCredential(identity_config={"object_id": facts["uami"]["principal_id"]})
    expect_user_assigned_token(credential.get_token(f"{MANAGEMENT_RESOURCE}/.default"), facts)


def default_credential_with_client_id(facts):
    """DefaultAzureCredential with ``AZURE_CLIENT_ID``: its managed-identity link answers."""
    credential = DefaultAzureCredential()
    expect_user_assigned_token(credential.get_token(f"{MANAGEMENT_RESOURCE}/.default"), facts)


def unknown_client_id_is_refused(facts):
    """azure-identity with a client id no identity on the VM has: the agent's refusal surfaces."""
    credential = ManagedIdentityCredential(client_id=str(uuid.uuid4()))
    try:
        token = credential.get_token(f"{MANAGEMENT_RESOURCE}/.default")
    except ClientAuthenticationError as error:
        # The agent's OAuth error code and description, as the SDK reports them.
        expect_true(
            f"the error does not carry the agent's '(invalid_request) Identity not found': {error.message!r}",
            "(invalid_request) Identity not found" in str(error),
        )
        return
    raise CheckFailed(f"got a token for an unknown client id (oid {unverified_claims(token.token).get('oid')})")


def app_service_system_assigned(facts):
    """azure-identity, no arguments, App Service source: the VM's system-assigned identity."""
    vm = facts["vm_system"]
    token = ManagedIdentityCredential().get_token(f"{VAULT_RESOURCE}/.default")
    claims = unverified_claims(token.token)
    expect_managed_identity_token(claims, facts, vm["principal_id"], vm["id"], VAULT_RESOURCE)
    expect_true("a system-assigned token carries no xms_az_rid", "xms_az_rid" not in claims)
    expect_managed_identity_expiry("expires_on", token.expires_on, claims)


def app_service_user_assigned_by_client_id(facts):
    """azure-identity with ``client_id``, App Service source: the user-assigned identity."""
    credential = ManagedIdentityCredential(client_id=facts["uami"]["client_id"])
    expect_user_assigned_token(credential.get_token(f"{MANAGEMENT_RESOURCE}/.default"), facts)


def app_service_user_assigned_by_object_id(facts):
    """azure-identity with ``identity_config={"object_id": ...}``, App Service source."""
    credential = ManagedIdentityCredential(identity_config={"object_id": facts["uami"]["principal_id"]})
    expect_user_assigned_token(credential.get_token(f"{MANAGEMENT_RESOURCE}/.default"), facts)


def jwks_client_verifies_token(facts):
    """PyJWT's PyJWKClient verifies a managed-identity token with the tenant's published keys."""
    vm = facts["vm_system"]
    tenant = facts["tenant_id"]
    token = ManagedIdentityCredential().get_token(f"{MANAGEMENT_RESOURCE}/.default").token
    discovery = requests.get(facts["openid_configuration"], timeout=30)
    expect_equal("discovery document status", discovery.status_code, 200)
    jwks_uri = discovery.json()["jwks_uri"]
    signing_key = jwt.PyJWKClient(jwks_uri).get_signing_key_from_jwt(token)
    issuer = f"https://sts.windows.net/{tenant}/"
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience=MANAGEMENT_RESOURCE,
        issuer=issuer,
    )
    expect_equal("verified oid", claims.get("oid"), vm["principal_id"])
    # The check must be able to say no: the same token for another audience is refused.
    try:
        jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=VAULT_RESOURCE, issuer=issuer)
    except jwt.InvalidAudienceError:
        return
    raise CheckFailed("a management token was accepted for the vault audience")


def msal_managed_identity_client(facts):
    """msal's ManagedIdentityClient (system-assigned), ``acquire_token_for_client``."""
    vm = facts["vm_system"]
    client = msal.ManagedIdentityClient(msal.SystemAssignedManagedIdentity(), http_client=requests.Session())
    result = client.acquire_token_for_client(resource=VAULT_RESOURCE)
    expect_true(f"msal returned no token: {result.get('error')} {result.get('error_description')}", "access_token" in result)
    claims = unverified_claims(result["access_token"])
    expect_managed_identity_token(claims, facts, vm["principal_id"], vm["id"], VAULT_RESOURCE)
    expect_equal("token_type", result.get("token_type"), "Bearer")
    expect_equal("token_source", result.get("token_source"), "identity_provider")
    expect_true(f"expires_in is not an int: {result.get('expires_in')!r}", isinstance(result.get("expires_in"), int))
    expect_managed_identity_expiry("now + expires_in", int(time.time()) + result["expires_in"], claims)
    again = client.acquire_token_for_client(resource=VAULT_RESOURCE)
    expect_equal("second call's token_source", again.get("token_source"), "cache")
    expect_equal("second call's token", again.get("access_token"), result["access_token"])


def expect_app_token(claims, facts):
    """Fails unless the claims are those of a v1 ARM token of the administrator's application,
    signed in with its client secret (``appidacr`` 1)."""
    tenant = facts["tenant_id"]
    expect_equal("appid", claims.get("appid"), facts["admin"]["client_id"])
    expect_equal("tid", claims.get("tid"), tenant)
    expect_equal("aud", claims.get("aud"), MANAGEMENT_RESOURCE)
    expect_equal("iss", claims.get("iss"), f"https://sts.windows.net/{tenant}/")
    expect_equal("ver", claims.get("ver"), "1.0")
    expect_equal("appidacr", claims.get("appidacr"), "1")
    expect_true("an application token carries an oid", isinstance(claims.get("oid"), str))


def admin_secret_credential(facts):
    """azure-identity's ClientSecretCredential for the administrator, pointed at azsim."""
    return ClientSecretCredential(
        facts["tenant_id"],
        facts["admin"]["client_id"],
        facts["admin"]["client_secret"],
        authority=facts["authority_host"],
        disable_instance_discovery=True,
    )


def client_secret_credential(facts):
    """azure-identity's ClientSecretCredential: the administrator's ARM token."""
    token = admin_secret_credential(facts).get_token(MANAGEMENT_SCOPE)
    claims = unverified_claims(token.token)
    expect_app_token(claims, facts)
    expect_true(
        f"expires_on {token.expires_on} is more than {EXPIRY_TOLERANCE} s from the token's exp {claims.get('exp')}",
        abs(token.expires_on - claims["exp"]) <= EXPIRY_TOLERANCE,
    )


def msal_confidential_client_secret(facts):
    """msal's ConfidentialClientApplication with a client secret, ``acquire_token_for_client``."""
    app = msal.ConfidentialClientApplication(
        facts["admin"]["client_id"],
        client_credential=facts["admin"]["client_secret"],
        authority=f"{facts['authority_host']}/{facts['tenant_id']}",
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[MANAGEMENT_SCOPE])
    expect_true(f"msal returned no token: {result.get('error')} {result.get('error_description')}", "access_token" in result)
    expect_app_token(unverified_claims(result["access_token"]), facts)
    expect_equal("token_type", result.get("token_type"), "Bearer")
    expect_equal("token_source", result.get("token_source"), "identity_provider")
    again = app.acquire_token_for_client(scopes=[MANAGEMENT_SCOPE])
    expect_equal("second call's token_source", again.get("token_source"), "cache")


def expect_developer_app_token(claims, facts, appidacr):
    """Fails unless the claims are those of a v1 ARM token of the app ``azsim ad app create``
    made, signed in by ``appidacr`` ("1" secret, "2" certificate)."""
    app = facts["app"]
    tenant = facts["tenant_id"]
    expect_equal("tenant the app was created in", app["tenant_id"], tenant)
    expect_equal("appid", claims.get("appid"), app["client_id"])
    expect_equal("appidacr", claims.get("appidacr"), appidacr)
    expect_equal("oid", claims.get("oid"), app["object_id"])
    expect_equal("sub", claims.get("sub"), app["object_id"])
    expect_equal("tid", claims.get("tid"), tenant)
    expect_equal("aud", claims.get("aud"), MANAGEMENT_RESOURCE)
    expect_equal("iss", claims.get("iss"), f"https://sts.windows.net/{tenant}/")


def developer_app_client_secret(facts):
    """azure-identity's ClientSecretCredential with the secret ``azsim ad app create`` printed."""
    app = facts["app"]
    credential = ClientSecretCredential(
        facts["tenant_id"],
        app["client_id"],
        app["client_secret"],
        authority=facts["authority_host"],
        disable_instance_discovery=True,
    )
    expect_developer_app_token(unverified_claims(credential.get_token(MANAGEMENT_SCOPE).token), facts, "1")


def developer_app_certificate_credential(facts):
    """azure-identity's CertificateCredential with a PEM holding the key and the certificate
    given to ``azsim ad app create --cert-file``."""
    app = facts["app"]
    credential = CertificateCredential(
        facts["tenant_id"],
        app["client_id"],
        certificate_path=app["certificate_path"],
        authority=facts["authority_host"],
        disable_instance_discovery=True,
    )
    expect_developer_app_token(unverified_claims(credential.get_token(MANAGEMENT_SCOPE).token), facts, "2")


def msal_confidential_client_certificate(facts):
    """msal's ConfidentialClientApplication with a private key and the certificate's SHA-1
    thumbprint, ``acquire_token_for_client``."""
    app = facts["app"]
    client = msal.ConfidentialClientApplication(
        app["client_id"],
        client_credential={"private_key": app["private_key"], "thumbprint": app["thumbprint"]},
        authority=f"{facts['authority_host']}/{facts['tenant_id']}",
        instance_discovery=False,
    )
    result = client.acquire_token_for_client(scopes=[MANAGEMENT_SCOPE])
    expect_true(f"msal returned no token: {result.get('error')} {result.get('error_description')}", "access_token" in result)
    expect_developer_app_token(unverified_claims(result["access_token"]), facts, "2")
    expect_equal("token_source", result.get("token_source"), "identity_provider")


def key_vault_refuses_ungranted_secret(facts):
    """azure-keyvault-secrets with ManagedIdentityCredential: after the vault's challenge and a
    managed-identity token, a secret outside the identity's grant is refused with
    ``ForbiddenByRbac``."""
    client = SecretClient(
        vault_url=facts["vault"]["uri"],
        credential=ManagedIdentityCredential(),
        verify_challenge_resource=False,
    )
    try:
        secret = client.get_secret("not-granted")
    except HttpResponseError as error:
        expect_equal("status code", error.status_code, 403)
        expect_equal("error code", error.error.code if error.error else None, "Forbidden")
        inner = error.error.innererror if error.error else None
        expect_equal("inner error code", (inner or {}).get("code"), "ForbiddenByRbac")
        expect_true(
            f"the message does not name the caller's principal: {error.error.message!r}",
            facts["vm_system"]["principal_id"] in (error.error.message or ""),
        )
        return
    raise CheckFailed(f"read a secret the identity was not granted (version {secret.properties.version})")


def key_vault_secret_round_trip(facts):
    """azure-keyvault-secrets with ManagedIdentityCredential: the identity sets the one secret
    it was granted and reads it back, and the client parses every id the vault returns."""
    vault_uri = facts["vault"]["uri"]
    granted = facts["vault"]["granted_secret"]
    client = SecretClient(
        vault_url=vault_uri,
        credential=ManagedIdentityCredential(),
        verify_challenge_resource=False,
    )
    value = f"value-{uuid.uuid4()}"
    written = client.set_secret(granted, value, content_type="text/plain")
    expect_equal("value set", written.value, value)
    expect_equal("name set", written.name, granted)
    expect_equal("vault_url", written.properties.vault_url, vault_uri.rstrip("/"))
    expect_true(
        f"version is not 32 hex digits: {written.properties.version!r}",
        len(written.properties.version or "") == 32
        and all(c in "0123456789abcdef" for c in written.properties.version),
    )
    expect_equal(
        "id",
        written.id,
        f"{vault_uri}secrets/{granted}/{written.properties.version}",
    )

    read = client.get_secret(granted)
    expect_equal("value read", read.value, value)
    expect_equal("version read", read.properties.version, written.properties.version)
    expect_equal("content type", read.properties.content_type, "text/plain")
    expect_true("the secret is enabled", read.properties.enabled is True)

    newer = client.set_secret(granted, value + "-2")
    expect_equal("latest value", client.get_secret(granted).value, value + "-2")
    expect_equal(
        "the first version still reads",
        client.get_secret(granted, written.properties.version).value,
        value,
    )
    versions = {
        properties.version
        for properties in client.list_properties_of_secret_versions(granted)
    }
    expect_true(
        f"the versions listed miss one of the two set: {sorted(versions)}",
        {written.properties.version, newer.properties.version} <= versions,
    )


def resource_group_lifecycle(facts):
    """azure-mgmt-resource with ClientSecretCredential: create, list and delete a group."""
    client = ResourceManagementClient(
        admin_secret_credential(facts),
        facts["subscription_id"],
        base_url=facts["resource_manager"],
        credential_scopes=[MANAGEMENT_SCOPE],
    )
    name = f"conformance-{uuid.uuid4().hex[:8]}"
    created = client.resource_groups.create_or_update(name, {"location": "westeurope", "tags": {"case": "mgmt"}})
    expect_equal("created name", created.name, name)
    expect_equal("created location", created.location, "westeurope")
    expect_equal("created tags", created.tags, {"case": "mgmt"})
    expect_equal("provisioning state", created.properties.provisioning_state, "Succeeded")
    expect_same_id("created id", created.id, f"/subscriptions/{facts['subscription_id']}/resourceGroups/{name}")
    listed = [group.name for group in client.resource_groups.list()]
    expect_true(f"{name} is not in the listed groups {listed}", name in listed)
    client.resource_groups.begin_delete(name).result()
    listed = [group.name for group in client.resource_groups.list()]
    expect_true(f"{name} is still listed after delete: {listed}", name not in listed)
    expect_equal("check_existence after delete", client.resource_groups.check_existence(name), False)


class RecordingSession(requests.Session):
    """A plain ``requests`` session, given to msal as its documented ``http_client``, that
    notes each exchange as a proxy in front of the cloud would see it: method, URL, status and
    the ``client-request-id`` msal sent."""

    def __init__(self):
        super().__init__()
        self.exchanges = []
        self.hooks["response"].append(self._record)

    def _record(self, response, *_args, **_kwargs):
        self.exchanges.append(
            {
                "method": response.request.method,
                "url": response.request.url.split("?", 1)[0],
                "status": response.status_code,
                "client_request_id": response.request.headers.get("client-request-id"),
            }
        )

    def only(self, method, url):
        """The one exchange for ``method url``; fails when there are none or several."""
        matching = [item for item in self.exchanges if item["method"] == method and item["url"] == url]
        if len(matching) != 1:
            seen = [f"{item['method']} {item['url']} {item['status']}" for item in self.exchanges]
            raise CheckFailed(f"expected one {method} {url}, saw {seen}")
        return matching[0]


# What an interactive app asks for; msal adds the OpenID scopes itself.
PUBLIC_CLIENT_REDIRECT_URI = "http://localhost:8400"
OPENID_SCOPES = {"openid", "profile", "offline_access"}


def auth_code_flow_at(alias=None):
    """A case: msal's PublicClientApplication for ``{authority_host}/{alias}`` (``organizations``
    or ``common``; the tenant's id when ``None``) fetches that v2 discovery document and builds
    its sign-in URL on the document's ``authorization_endpoint``."""

    def case(facts):
        segment = alias or facts["tenant_id"]
        host = facts["authority_host"]
        authority = f"{host}/{segment}"
        discovery_url = f"{authority}/v2.0/.well-known/openid-configuration"
        authorize = f"{authority}/oauth2/v2.0/authorize"
        document = requests.get(discovery_url, timeout=30).json()
        expect_equal("discovery authorization_endpoint", document.get("authorization_endpoint"), authorize)
        expect_equal("discovery token_endpoint", document.get("token_endpoint"), f"{authority}/oauth2/v2.0/token")
        # Entra names the real tenant in a tenant's issuer, and a placeholder for the aliases.
        issuer_tenant = segment if segment == facts["tenant_id"] else "{tenantid}"
        expect_equal("discovery issuer", document.get("issuer"), f"{host}/{issuer_tenant}/v2.0")

        session = RecordingSession()
        client_id = facts["app"]["client_id"]
        app = msal.PublicClientApplication(
            client_id, authority=authority, instance_discovery=False, http_client=session
        )
        expect_equal("msal's discovery request status", session.only("GET", discovery_url)["status"], 200)
        flow = app.initiate_auth_code_flow(
            [MANAGEMENT_SCOPE], redirect_uri=PUBLIC_CLIENT_REDIRECT_URI, response_mode="form_post"
        )
        uri = urlsplit(flow["auth_uri"])
        expect_equal("the sign-in URL's endpoint", f"{uri.scheme}://{uri.netloc}{uri.path}", authorize)
        query = parse_qs(uri.query)
        expect_equal("client_id", query.get("client_id"), [client_id])
        expect_equal("response_type", query.get("response_type"), ["code"])
        expect_equal("response_mode", query.get("response_mode"), ["form_post"])
        expect_equal("redirect_uri", query.get("redirect_uri"), [PUBLIC_CLIENT_REDIRECT_URI])
        expect_equal("state", query.get("state"), [flow["state"]])
        expect_equal("code_challenge_method", query.get("code_challenge_method"), ["S256"])
        expect_equal("scope", set(query.get("scope", [""])[0].split()), {MANAGEMENT_SCOPE, *OPENID_SCOPES})

    return case


def msal_unknown_tenant_is_refused(facts):
    """msal with an authority whose tenant the cloud does not have: the discovery document's
    ``invalid_tenant`` AADSTS90002 refusal stops the app's construction."""
    tenant = str(uuid.uuid4())
    authority = f"{facts['authority_host']}/{tenant}"
    try:
        msal.PublicClientApplication(facts["app"]["client_id"], authority=authority, instance_discovery=False)
    except ValueError as error:
        expect_true(
            f"the error does not name the authority: {error}",
            str(error).startswith(f"Unable to get authority configuration for {authority}."),
        )
        # msal raises its own sentence while handling the discovery failure, which holds the answer.
        cause = str(error.__context__)
        expect_true(f"the discovery failure is not a 400: {cause!r}", "HTTP status: 400, Error: " in cause)
        body = json.loads(cause.split("HTTP status: 400, Error: ", 1)[1])
        expect_entra_error(
            body,
            "invalid_tenant",
            90002,
            re.escape(f"Tenant '{tenant}' not found. ") + ".*",
        )
        return
    raise CheckFailed(f"msal accepted the authority {authority}")


def msal_client_credentials_result(facts, client_id, secret, tenant_segment, session):
    """msal's ConfidentialClientApplication with a client secret, as a user pointing it at the
    cloud builds it; returns what ``acquire_token_for_client`` returned."""
    app = msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{facts['authority_host']}/{tenant_segment}",
        instance_discovery=False,
        http_client=session,
    )
    return app.acquire_token_for_client(scopes=[MANAGEMENT_SCOPE])


def expect_token_post(session, facts, tenant_segment, result, status):
    """Fails unless msal posted once to the tenant's v2 token endpoint, got ``status``, and the
    error's ``correlation_id`` is the ``client-request-id`` msal sent."""
    post = session.only("POST", f"{facts['authority_host']}/{tenant_segment}/oauth2/v2.0/token")
    expect_equal("the token request's status", post["status"], status)
    expect_equal("correlation_id (msal's client-request-id)", result.get("correlation_id"), post["client_request_id"])


def wrong_secret(facts):
    """The administrator's secret with its last character changed: a plausible typo."""
    secret = facts["admin"]["client_secret"]
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


def invalid_client_secret_message(client_id):
    """AADSTS7000215's message for ``client_id``, as a regular expression."""
    return re.escape(
        "Invalid client secret provided. Ensure the secret being sent in the request is the client "
        f"secret value, not the client secret ID, for a secret added to app '{client_id}'."
    )


def msal_wrong_client_secret(facts):
    """msal with a wrong client secret: the result dict is Entra's 401 ``invalid_client``
    AADSTS7000215, with msal's correlation id echoed."""
    session = RecordingSession()
    client_id = facts["admin"]["client_id"]
    result = msal_client_credentials_result(facts, client_id, wrong_secret(facts), facts["tenant_id"], session)
    expect_entra_error(result, "invalid_client", 7000215, invalid_client_secret_message(client_id))
    expect_token_post(session, facts, facts["tenant_id"], result, 401)


def msal_unknown_client_id(facts):
    """msal with a client id the tenant does not have: ``unauthorized_client`` AADSTS700016."""
    session = RecordingSession()
    client_id = str(uuid.uuid4())
    result = msal_client_credentials_result(facts, client_id, wrong_secret(facts), facts["tenant_id"], session)
    message = (
        re.escape(f"Application with identifier '{client_id}' was not found in the directory '")
        + "[^']+"
        + re.escape(
            "'. This can happen if the application has not been installed by the administrator of "
            "the tenant or consented to by any user in the tenant. You may have sent your "
            "authentication request to the wrong tenant."
        )
    )
    expect_entra_error(result, "unauthorized_client", 700016, message)
    expect_token_post(session, facts, facts["tenant_id"], result, 400)


def msal_client_credentials_on_common(facts):
    """msal with the right secret but authority ``/common``: msal posts to the token endpoint
    of the ``common`` discovery document, which refuses the grant with AADSTS9001023."""
    session = RecordingSession()
    admin = facts["admin"]
    result = msal_client_credentials_result(facts, admin["client_id"], admin["client_secret"], "common", session)
    message = re.escape(
        "The grant type isn't supported over the /common or /consumers endpoints. Please use the "
        "/organizations or tenant-specific endpoint."
    )
    expect_entra_error(result, "invalid_request", 9001023, message)
    expect_token_post(session, facts, "common", result, 400)


def client_secret_credential_wrong_secret(facts):
    """azure-identity's ClientSecretCredential with a wrong secret raises
    ``ClientAuthenticationError`` carrying Entra's AADSTS7000215 description."""
    client_id = facts["admin"]["client_id"]
    credential = ClientSecretCredential(
        facts["tenant_id"],
        client_id,
        wrong_secret(facts),
        authority=facts["authority_host"],
        disable_instance_discovery=True,
    )
    try:
        token = credential.get_token(MANAGEMENT_SCOPE)
    except ClientAuthenticationError as error:
        lines = (error.message or "").split("\r\n")
        prefix = "Authentication failed: AADSTS7000215: "
        expect_true(f"the message does not start with {prefix!r}: {lines[0]!r}", lines[0].startswith(prefix))
        expect_true(
            f"the message does not carry AADSTS7000215's text for {client_id}: {lines[0]!r}",
            re.fullmatch(invalid_client_secret_message(client_id), lines[0][len(prefix):]) is not None,
        )
        expect_equal(
            "the message's trailer names",
            [line.split(":", 1)[0] for line in lines[1:]],
            ["Trace ID", "Correlation ID", "Timestamp"],
        )
        return
    raise CheckFailed(f"got a token with a wrong secret (appid {unverified_claims(token.token).get('appid')})")


# name -> (case, environment builder). The builders return the only variables the case's
# process gets beyond the inherited non-Azure ones.
CASES = {
    "azure-identity ManagedIdentityCredential system-assigned": (
        system_assigned_identity,
        lambda facts: pod_identity(facts["vm_system"]),
    ),
    "azure-identity ManagedIdentityCredential client_id": (
        user_assigned_by_client_id,
        lambda facts: pod_identity(facts["vm_both"]),
    ),
    "azure-identity ManagedIdentityCredential object_id": (
        user_assigned_by_object_id,
        lambda facts: pod_identity(facts["vm_both"]),
    ),
    "azure-identity DefaultAzureCredential AZURE_CLIENT_ID": (
        default_credential_with_client_id,
        lambda facts: {**pod_identity(facts["vm_both"]), "AZURE_CLIENT_ID": facts["uami"]["client_id"]},
    ),
    "azure-identity ManagedIdentityCredential unknown client_id": (
        unknown_client_id_is_refused,
        lambda facts: pod_identity(facts["vm_both"]),
    ),
    "azure-identity ManagedIdentityCredential App Service system-assigned": (
        app_service_system_assigned,
        lambda facts: app_service(facts["vm_system"]),
    ),
    "azure-identity ManagedIdentityCredential App Service client_id": (
        app_service_user_assigned_by_client_id,
        lambda facts: app_service(facts["vm_both"]),
    ),
    "azure-identity ManagedIdentityCredential App Service object_id": (
        app_service_user_assigned_by_object_id,
        lambda facts: app_service(facts["vm_both"]),
    ),
    "PyJWT PyJWKClient verifies managed-identity token": (
        jwks_client_verifies_token,
        lambda facts: pod_identity(facts["vm_system"]),
    ),
    "msal ManagedIdentityClient system-assigned": (
        msal_managed_identity_client,
        lambda facts: pod_identity(facts["vm_system"]),
    ),
    "azure-identity ClientSecretCredential": (
        client_secret_credential,
        lambda facts: {},
    ),
    "msal ConfidentialClientApplication client secret": (
        msal_confidential_client_secret,
        lambda facts: {},
    ),
    "azure-identity ClientSecretCredential created app": (
        developer_app_client_secret,
        lambda facts: {},
    ),
    "azure-identity CertificateCredential created app": (
        developer_app_certificate_credential,
        lambda facts: {},
    ),
    "msal ConfidentialClientApplication certificate created app": (
        msal_confidential_client_certificate,
        lambda facts: {},
    ),
    "azure-keyvault-secrets SecretClient set and get": (
        key_vault_secret_round_trip,
        lambda facts: pod_identity(facts["vm_system"]),
    ),
    "azure-keyvault-secrets SecretClient ForbiddenByRbac": (
        key_vault_refuses_ungranted_secret,
        lambda facts: pod_identity(facts["vm_system"]),
    ),
    "azure-mgmt-resource ResourceManagementClient resource groups": (
        resource_group_lifecycle,
        lambda facts: {},
    ),
    "msal PublicClientApplication auth code flow /organizations": (
        auth_code_flow_at("organizations"),
        lambda facts: {},
    ),
    "msal PublicClientApplication auth code flow /common": (
        auth_code_flow_at("common"),
        lambda facts: {},
    ),
    "msal PublicClientApplication auth code flow tenant id": (
        auth_code_flow_at(),
        lambda facts: {},
    ),
    "msal PublicClientApplication unknown tenant": (
        msal_unknown_tenant_is_refused,
        lambda facts: {},
    ),
    "msal ConfidentialClientApplication wrong client secret": (
        msal_wrong_client_secret,
        lambda facts: {},
    ),
    "msal ConfidentialClientApplication unknown client id": (
        msal_unknown_client_id,
        lambda facts: {},
    ),
    "msal ConfidentialClientApplication client credentials on /common": (
        msal_client_credentials_on_common,
        lambda facts: {},
    ),
    "azure-identity ClientSecretCredential wrong client secret": (
        client_secret_credential_wrong_secret,
        lambda facts: {},
    ),
}


def main(argv):
    """Runs the case named in ``argv[1]`` with the facts in the file ``argv[2]``."""
    name, facts_path = argv[1], argv[2]
    with open(facts_path, encoding="utf-8") as file:
        facts = json.load(file)
    case, _ = CASES[name]
    try:
        case(facts)
    except Exception as error:  # noqa: BLE001 - any failure is the case's verdict
        traceback.print_exc(file=sys.stderr)
        why = f"{type(error).__name__}: {error}".strip().splitlines()
        print(why[0] if why else type(error).__name__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
