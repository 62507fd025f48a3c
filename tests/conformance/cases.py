"""The conformance cases: unmodified client-library code against a running azsim.

Each case runs alone in a fresh Python process (``python cases.py NAME FACTS_FILE``) whose
environment holds only what a user pointing the library at an emulator would set. A case
asserts on the values it gets back (token claims, expiry, error kind and text) and exits 0 on
success; on failure it prints one line saying why and exits 1.
"""

import json
import sys
import time
import traceback
import uuid

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
    "azure-keyvault-secrets SecretClient ForbiddenByRbac": (
        key_vault_refuses_ungranted_secret,
        lambda facts: pod_identity(facts["vm_system"]),
    ),
    "azure-mgmt-resource ResourceManagementClient resource groups": (
        resource_group_lifecycle,
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
