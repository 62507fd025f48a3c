"""Small assertion helpers shared by the conformance cases.

A failed check raises ``CheckFailed`` with a sentence naming the value that was wrong, which
the runner prints on the case's ``FAIL`` line.
"""

import time

import jwt

# Managed-identity tokens live 24 hours; a client's notion of expiry may trail the token's own
# ``exp`` by the seconds the request took and by whatever the agent's cache already used up.
MANAGED_IDENTITY_LIFETIME = 24 * 3600
EXPIRY_TOLERANCE = 120


class CheckFailed(AssertionError):
    """A value differed from what the real service would give."""


def unverified_claims(token):
    """The claims of a JWT, signature not checked (the PyJWKClient case checks it)."""
    return jwt.decode(token, options={"verify_signature": False})


def expect_equal(what, actual, expected):
    """Fails unless ``actual == expected``."""
    if actual != expected:
        raise CheckFailed(f"{what} is {actual!r}, expected {expected!r}")


def expect_same_id(what, actual, expected):
    """Fails unless two ARM ids are equal ignoring case, as ARM compares them."""
    if not isinstance(actual, str) or actual.lower() != expected.lower():
        raise CheckFailed(f"{what} is {actual!r}, expected {expected!r} (any case)")


def expect_true(what, condition):
    """Fails with ``what`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(what)


def expect_managed_identity_expiry(what, expires_on, claims):
    """Fails unless a client's expiry (unix seconds) is about 24 h ahead and matches ``exp``."""
    now = time.time()
    expect_true(
        f"{what} {expires_on} is not within the next 24 hours (now {int(now)})",
        now + MANAGED_IDENTITY_LIFETIME - 3600 < expires_on <= now + MANAGED_IDENTITY_LIFETIME + EXPIRY_TOLERANCE,
    )
    expect_true(
        f"{what} {expires_on} is more than {EXPIRY_TOLERANCE} s from the token's exp {claims.get('exp')}",
        isinstance(claims.get("exp"), int) and abs(expires_on - claims["exp"]) <= EXPIRY_TOLERANCE,
    )


def expect_managed_identity_token(claims, facts, principal_id, mirid, audience):
    """Fails unless the claims are those of a v1 managed-identity token of ``principal_id``."""
    tenant = facts["tenant_id"]
    expect_equal("oid", claims.get("oid"), principal_id)
    expect_equal("sub", claims.get("sub"), principal_id)
    expect_equal("tid", claims.get("tid"), tenant)
    expect_equal("aud", claims.get("aud"), audience)
    expect_equal("iss", claims.get("iss"), f"https://sts.windows.net/{tenant}/")
    expect_equal("ver", claims.get("ver"), "1.0")
    expect_equal("appidacr", claims.get("appidacr"), "2")
    expect_same_id("xms_mirid", claims.get("xms_mirid"), mirid)
