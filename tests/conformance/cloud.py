"""Prepares a running azsim for the conformance cases, as an administrator would.

Everything goes through the cloud's public surfaces: the token endpoint (client-credentials
grant with the administrator's secret), the resource API (plain ``requests``), and the
``azsim vm env`` command for each VM's metadata-agent address, which the resource API does not
expose (nor does Azure's).
"""

import datetime
import json
import os
import subprocess
import uuid

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

RESOURCE_GROUP = "conformance"
LOCATION = "westeurope"
COMPUTE_API_VERSION = "2024-11-01"
RESOURCES_API_VERSION = "2024-11-01"
IDENTITY_API_VERSION = "2024-11-30"
KEY_VAULT_API_VERSION = "2026-05-15"
AUTHORIZATION_API_VERSION = "2022-04-01"
KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
VAULT_NAME = "kv-conformance"
# The one secret of the vault the system-assigned VM identity is granted; any other is not.
GRANTED_SECRET = "granted-secret"
MANAGEMENT_SCOPE = "https://management.azure.com/.default"
HTTP_TIMEOUT = 30


class SetupError(Exception):
    """The cloud refused or failed a step of the preparation."""


def ca_bundle(endpoints):
    """What ``requests`` should verify the cloud's certificates with: its CA bundle (absent
    when the cloud runs with ``--insecure-http``, then the default trust)."""
    return endpoints.get("ca_bundle") or True


def trust_ca_bundle(endpoints):
    """Sets the variables ``azsim env`` prints for the CA bundle in this process's environment,
    which every case process inherits: what a user pointing clients at azsim does."""
    bundle = endpoints.get("ca_bundle")
    if bundle:
        os.environ["REQUESTS_CA_BUNDLE"] = bundle
        os.environ["SSL_CERT_FILE"] = bundle


def read_endpoints(data_dir):
    """Returns the cloud's ``endpoints.json`` as a dict."""
    with open(os.path.join(data_dir, "endpoints.json"), encoding="utf-8") as file:
        return json.load(file)


def admin_token(endpoints):
    """Signs the administrator in with its client secret and returns an ARM access token."""
    response = requests.post(
        endpoints["token_endpoint"],
        data={
            "grant_type": "client_credentials",
            "client_id": endpoints["admin"]["client_id"],
            "client_secret": endpoints["admin"]["client_secret"],
            "scope": MANAGEMENT_SCOPE,
        },
        timeout=HTTP_TIMEOUT,
        verify=ca_bundle(endpoints),
    )
    if response.status_code != 200:
        raise SetupError(f"admin sign-in answered {response.status_code}: {response.text}")
    return response.json()["access_token"]


class ResourceApi:
    """The few resource-API calls the preparation needs, as the administrator."""

    def __init__(self, endpoints, token):
        self._base = endpoints["resource_manager"].rstrip("/")
        self._subscription = endpoints["subscription_id"]
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"
        self._session.verify = ca_bundle(endpoints)

    def group_id(self, group):
        """The ARM id of a resource group."""
        return f"/subscriptions/{self._subscription}/resourceGroups/{group}"

    def put(self, resource_id, api_version, body):
        """PUTs a resource and returns the answer's JSON; a non-2xx answer raises."""
        response = self._session.put(
            f"{self._base}{resource_id}",
            params={"api-version": api_version},
            json=body,
            timeout=HTTP_TIMEOUT,
        )
        if response.status_code not in (200, 201):
            raise SetupError(f"PUT {resource_id} answered {response.status_code}: {response.text}")
        return response.json()

    def create_group(self, group):
        """Creates (or updates) a resource group."""
        return self.put(self.group_id(group), RESOURCES_API_VERSION, {"location": LOCATION})

    def create_user_assigned_identity(self, group, name):
        """Creates a user-assigned identity and returns the resource (``properties`` hold ids)."""
        resource_id = (
            f"{self.group_id(group)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        )
        return self.put(resource_id, IDENTITY_API_VERSION, {"location": LOCATION})

    def create_vault(self, group, name, tenant_id):
        """Creates an RBAC-authorised key vault and returns the resource (``vaultUri`` in it)."""
        resource_id = f"{self.group_id(group)}/providers/Microsoft.KeyVault/vaults/{name}"
        body = {
            "location": LOCATION,
            "properties": {
                "tenantId": tenant_id,
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": True,
            },
        }
        return self.put(resource_id, KEY_VAULT_API_VERSION, body)

    def assign_role(self, scope, role_id, principal_id):
        """Grants the built-in role ``role_id`` to ``principal_id`` at ``scope``."""
        definition = (
            f"/subscriptions/{self._subscription}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"
        )
        body = {"properties": {"roleDefinitionId": definition, "principalId": principal_id}}
        resource_id = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
        return self.put(resource_id, AUTHORIZATION_API_VERSION, body)

    def create_vm(self, group, name, identity):
        """Creates a VM with the given ``identity`` property and returns the resource."""
        resource_id = f"{self.group_id(group)}/providers/Microsoft.Compute/virtualMachines/{name}"
        body = {
            "location": LOCATION,
            "identity": identity,
            "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}},
        }
        return self.put(resource_id, COMPUTE_API_VERSION, body)


def vm_environment(azsim_bin, data_dir, group, name):
    """Runs ``azsim vm env`` and returns the variables it prints as a dict."""
    result = subprocess.run(
        [azsim_bin, "--data-dir", data_dir, "vm", "env", "-g", group, "-n", name],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise SetupError(f"azsim vm env for {name} failed: {result.stderr.strip()}")
    variables = {}
    for line in result.stdout.splitlines():
        key, separator, value = line.partition("=")
        if separator:
            variables[key.strip()] = value.strip()
    if "AZURE_POD_IDENTITY_AUTHORITY_HOST" not in variables:
        raise SetupError(f"azsim vm env for {name} printed no agent address: {result.stdout!r}")
    return variables


def write_certificate(directory, name):
    """Generates an RSA 2048 key and a self-signed certificate for it, as a developer would for
    an app's certificate credential. Writes ``NAME.pem`` (key, then certificate: what
    ``CertificateCredential`` reads) and ``NAME.crt`` (certificate alone: what is uploaded);
    returns their paths, the key's PEM and the certificate's SHA-1 thumbprint in hex."""
    os.makedirs(directory, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    combined_path = os.path.join(directory, f"{name}.pem")
    certificate_path = os.path.join(directory, f"{name}.crt")
    with open(combined_path, "w", encoding="utf-8") as file:
        file.write(key_pem + certificate_pem)
    with open(certificate_path, "w", encoding="utf-8") as file:
        file.write(certificate_pem)
    return {
        "combined_path": combined_path,
        "certificate_path": certificate_path,
        "private_key": key_pem,
        "thumbprint": certificate.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - x5t is SHA-1
    }


def create_app(azsim_bin, data_dir, name, cert_file):
    """Runs ``azsim ad app create`` and returns the JSON it prints (client id, secret, ...)."""
    result = subprocess.run(
        [azsim_bin, "--data-dir", data_dir, "ad", "app", "create", "--name", name, "--cert-file", cert_file],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise SetupError(f"azsim ad app create failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def prepare(data_dir, azsim_bin):
    """Builds the world the cases run in and returns the facts they assert against.

    A resource group holding: ``vm-system`` with a system-assigned identity; ``shared-id``, a
    user-assigned identity; ``vm-both`` carrying a system identity and ``shared-id``; and the
    vault ``kv-conformance``, on whose secret ``granted-secret`` (alone) ``vm-system``'s
    identity holds Key Vault Secrets Officer. Beside them, ``developer-app``: an application
    made with ``azsim ad app create`` with a client secret and a self-signed certificate.
    """
    endpoints = read_endpoints(data_dir)
    trust_ca_bundle(endpoints)
    api = ResourceApi(endpoints, admin_token(endpoints))
    api.create_group(RESOURCE_GROUP)
    uami = api.create_user_assigned_identity(RESOURCE_GROUP, "shared-id")
    vm_system = api.create_vm(RESOURCE_GROUP, "vm-system", {"type": "SystemAssigned"})
    vm_both = api.create_vm(
        RESOURCE_GROUP,
        "vm-both",
        {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {uami["id"]: {}}},
    )
    vault = api.create_vault(RESOURCE_GROUP, VAULT_NAME, endpoints["tenant_id"])
    api.assign_role(
        f"{vault['id']}/secrets/{GRANTED_SECRET}",
        KEY_VAULT_SECRETS_OFFICER,
        vm_system["identity"]["principalId"],
    )
    certificate = write_certificate(os.path.join(data_dir, "developer-app"), "developer-app")
    app = create_app(azsim_bin, data_dir, "developer-app", certificate["certificate_path"])
    return {
        "tenant_id": endpoints["tenant_id"],
        "authority_host": endpoints["authority_host"],
        "openid_configuration": endpoints["openid_configuration"],
        "resource_manager": endpoints["resource_manager"],
        "subscription_id": endpoints["subscription_id"],
        "admin": {
            "client_id": endpoints["admin"]["client_id"],
            "client_secret": endpoints["admin"]["client_secret"],
        },
        "vault": {"uri": vault["properties"]["vaultUri"], "granted_secret": GRANTED_SECRET},
        "vm_system": {
            "id": vm_system["id"],
            "principal_id": vm_system["identity"]["principalId"],
            "env": vm_environment(azsim_bin, data_dir, RESOURCE_GROUP, "vm-system"),
        },
        "vm_both": {
            "id": vm_both["id"],
            "principal_id": vm_both["identity"]["principalId"],
            "env": vm_environment(azsim_bin, data_dir, RESOURCE_GROUP, "vm-both"),
        },
        "uami": {
            "id": uami["id"],
            "principal_id": uami["properties"]["principalId"],
            "client_id": uami["properties"]["clientId"],
        },
        "app": {
            "client_id": app["client_id"],
            "object_id": app["object_id"],
            "tenant_id": app["tenant_id"],
            "client_secret": app["client_secret"],
            "certificate_path": certificate["combined_path"],
            "private_key": certificate["private_key"],
            "thumbprint": certificate["thumbprint"],
        },
    }
