"""An example managed application whose users sign in through the control
plane, its OpenID Provider, with Authlib unchanged, and are signed out here
as soon as the control plane ends their session (back-channel logout).

    ISSUER=http://127.0.0.1:8080 CLIENT_ID=<application id> \
    CLIENT_SECRET=<client secret> BASE_URL=http://127.0.0.1:8090 python app.py

Register BASE_URL/callback as its redirect URI, BASE_URL/ as its
post-logout redirect URI and BASE_URL/backchannel-logout as its
back-channel logout URI (doc/how-to-sign-in-users.md)."""

import os
from urllib.parse import urlencode, urlparse

from authlib.integrations.flask_client import OAuth
from authlib.jose import JsonWebKey, jwt
from flask import Flask, abort, redirect, request, session
from markupsafe import escape

env = os.environ
ISSUER, BASE_URL = env["ISSUER"], env["BASE_URL"]
app = Flask(__name__)
app.secret_key = os.urandom(32)
control_plane = OAuth(app).register(
    "control_plane",
    client_id=env["CLIENT_ID"],
    client_secret=env["CLIENT_SECRET"],
    server_metadata_url=f"{ISSUER}/.well-known/openid-configuration",
    client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
)
ended_sessions = set()  # the control plane's sessions it told us ended (use your store)


@app.get("/")
def home():
    user = session.get("user")
    if user and user["sid"] in ended_sessions:
        session.clear()
        user = None
    if not user:
        return '<p>Signed out. <a href="/login">Sign in</a></p>'
    return f"<p>Signed in as {escape(user['email'])}, {escape(user['role'])} of {escape(user['tid'])}</p>"


@app.get("/login")
def login():
    return control_plane.authorize_redirect(f"{BASE_URL}/callback")


@app.get("/callback")
def callback():
    token = control_plane.authorize_access_token()  # checks state, PKCE, the ID token and its nonce
    claims = token["userinfo"]
    session["user"] = {k: claims.get(k) for k in ("sub", "tid", "role", "sid", "email")}
    session["id_token"] = token["id_token"]
    return redirect("/")


@app.get("/logout")
def logout():
    hint = session.pop("id_token", "")
    session.clear()
    query = urlencode({"id_token_hint": hint, "post_logout_redirect_uri": f"{BASE_URL}/"})
    return redirect(f"{control_plane.load_server_metadata()['end_session_endpoint']}?{query}")


@app.post("/backchannel-logout")
def backchannel_logout():
    # OpenID Connect Back-Channel Logout 1.0 §2.6: a logout token of this
    # issuer, for this client, typed, with the event, a sid and no nonce.
    keys = JsonWebKey.import_key_set(control_plane.fetch_jwk_set())
    try:
        token = request.form["logout_token"]
        claims = jwt.decode(token, keys, claims_options={
            "iss": {"essential": True, "value": ISSUER},
            "aud": {"essential": True, "value": env["CLIENT_ID"]},
            "sid": {"essential": True},
        })
        claims.validate(leeway=30)
        typed = claims.header.get("typ") == "logout+jwt"
        if not typed or "nonce" in claims or "http://schemas.openid.net/event/backchannel-logout" not in claims.get("events", {}):
            raise ValueError("not a logout token")
    except Exception:  # noqa: BLE001 - any fault means: not a logout token
        abort(400)
    ended_sessions.add(claims["sid"])
    return "", 200, {"Cache-Control": "no-store"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=urlparse(BASE_URL).port or 8090)
