"""Small assertion helpers shared by the conformance cases.

A failed check raises ``CheckFailed`` with a sentence naming the value that was wrong, which
the runner prints on the case's ``FAIL`` line.
"""

import datetime
import re
import time
import uuid

import jwt

# Managed-identity tokens live 24 hours; a client's notion of expiry may trail the token's own
# ``exp`` by the seconds the request took and by whatever the agent's cache already used up.
MANAGED_IDENTITY_LIFETIME = 24 * 3600
EXPIRY_TOLERANCE = 120
# How far an error's ``timestamp`` may be from this machine's clock (the cloud runs beside it).
ERROR_TIMESTAMP_TOLERANCE = 300


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


def expect_uuid(what, value):
    """Fails unless ``value`` is a GUID in its usual hyphenated text form."""
    try:
        parsed = uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        raise CheckFailed(f"{what} {value!r} is not a GUID") from None
    expect_equal(f"{what} as text", str(parsed), value.lower())


def expect_entra_error(body, error, code, message_pattern):
    """Fails unless ``body`` (an error as the client hands it over) is Entra's AADSTS shape:
    ``error``, ``error_codes`` ``[code]``, GUID ``trace_id`` and ``correlation_id``, a
    ``timestamp`` of now, and an ``error_description`` whose first line is
    ``AADSTS<code>: <message>`` (``message_pattern`` a regular expression matching all of the
    message) followed by the trace id, correlation id and timestamp lines."""
    expect_true(f"the error answer carries an access token: {sorted(body)}", "access_token" not in body)
    expect_equal("error", body.get("error"), error)
    expect_equal("error_codes", body.get("error_codes"), [code])
    trace_id = body.get("trace_id")
    correlation_id = body.get("correlation_id")
    expect_uuid("trace_id", trace_id)
    expect_uuid("correlation_id", correlation_id)
    timestamp = body.get("timestamp")
    try:
        stamped = datetime.datetime.strptime(timestamp, "%Y-%m-%d %H:%M:%SZ")
    except (TypeError, ValueError):
        raise CheckFailed(f"timestamp {timestamp!r} is not in Entra's 'YYYY-MM-DD hh:mm:ssZ' form") from None
    skew = abs(stamped.replace(tzinfo=datetime.timezone.utc).timestamp() - time.time())
    expect_true(f"timestamp {timestamp} is {int(skew)} s from now", skew <= ERROR_TIMESTAMP_TOLERANCE)
    lines = str(body.get("error_description")).split("\r\n")
    expect_equal(
        "error_description's trailer",
        lines[1:],
        [f"Trace ID: {trace_id}", f"Correlation ID: {correlation_id}", f"Timestamp: {timestamp}"],
    )
    prefix = f"AADSTS{code}: "
    expect_true(f"error_description does not start with {prefix!r}: {lines[0]!r}", lines[0].startswith(prefix))
    expect_true(
        f"error_description's message {lines[0][len(prefix):]!r} is not {message_pattern!r}",
        re.fullmatch(message_pattern, lines[0][len(prefix):]) is not None,
    )
