"""A managed application signing its users in with Authlib, an OpenID
Connect relying-party library, unchanged. Driven by the OpenID Provider
tests (tests/tests/e2e/oauth/relying_parties.rs): it prints the
authorization URL, reads back the URL the browser was redirected to, and
prints one JSON line per step: signed in, refreshed, userinfo,
introspected, revoked.

Environment: ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI."""

import json
import os
import sys

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

env = os.environ


def say(**line):
    print(json.dumps(line), flush=True)


metadata = requests.get(f"{env['ISSUER']}/.well-known/openid-configuration", timeout=10).json()
assert metadata["issuer"] == env["ISSUER"], metadata["issuer"]
keys = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())

# how-to: begin
client = OAuth2Session(
    env["CLIENT_ID"],
    env["CLIENT_SECRET"],
    scope="openid email profile offline_access",
    redirect_uri=env["REDIRECT_URI"],
    code_challenge_method="S256",
    token_endpoint_auth_method="client_secret_basic",
)
# how-to: end
verifier = os.urandom(32).hex()
nonce = os.urandom(16).hex()
url, state = client.create_authorization_url(
    metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier
)
say(step="authorize", url=url)

redirected = sys.stdin.readline().strip()
token = client.fetch_token(
    metadata["token_endpoint"],
    authorization_response=redirected,
    state=state,
    code_verifier=verifier,
)


def validated(id_token, nonce):
    claims = jwt.decode(
        id_token,
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": metadata["issuer"]}},
        claims_params={"nonce": nonce, "client_id": env["CLIENT_ID"]},
    )
    claims.validate()
    return claims


claims = validated(token["id_token"], nonce)
say(
    step="signed_in",
    sub=claims["sub"],
    tid=claims.get("tid"),
    role=claims.get("role"),
    email=claims.get("email"),
    sid=claims.get("sid"),
    has_refresh_token="refresh_token" in token,
)

refreshed = client.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
again = jwt.decode(
    refreshed["id_token"],
    keys,
    claims_options={"iss": {"essential": True, "value": metadata["issuer"]}},
)
again.validate()
say(
    step="refreshed",
    sub=again["sub"],
    sid=again.get("sid"),
    rotated=refreshed["refresh_token"] != token["refresh_token"],
)

# Authlib keeps the refreshed token: userinfo is called with it.
info = client.get(metadata["userinfo_endpoint"]).json()
say(step="userinfo", sub=info["sub"], email=info.get("email"), role=info.get("role"))

status = client.introspect_token(
    metadata["introspection_endpoint"], token=refreshed["access_token"]
).json()
say(step="introspected", active=status["active"], sub=status.get("sub"), sid=status.get("sid"))

revoked = client.revoke_token(
    metadata["revocation_endpoint"],
    token=refreshed["refresh_token"],
    token_type_hint="refresh_token",
)
after = client.introspect_token(
    metadata["introspection_endpoint"], token=refreshed["refresh_token"]
).json()
say(step="revoked", status=revoked.status_code, active=after["active"])
