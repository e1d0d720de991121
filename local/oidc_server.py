"""oidc-provider-mock, as `oidc-provider-mock` runs it, made usable by a SPA.

Entra ID lets a single-page application (a public client, no secret) redeem
its authorization code from the browser: the token endpoint answers CORS
requests and accepts the client without a secret (PKCE instead). The mock
does neither out of the box, so this launcher adds the least that keeps the
browser's real path (see doc/adr/0036-console-served-by-the-gateway.md):

- CORS on the provider's endpoints for the console's origin only;
- `none` as a token endpoint authentication method (a public client);
- the local OAuth client registered with its redirect URIs (the console's
  callback and the token helper's), so any other redirect URI is refused as
  Entra ID refuses an unregistered one. The client keeps accepting any
  secret, as the token helper (`cp-local token`) authenticates with one.

Usage: python oidc_server.py HOST PORT CLIENT_ID CONSOLE_ORIGIN REDIRECT_URI...
"""

import logging
import os
import sys

import uvicorn
from oidc_provider_mock import _app
from oidc_provider_mock._storage import Client, ClientAllowAny, storage


def cors(app, origin):
    """WSGI middleware: answers preflights and marks responses for `origin`."""
    allow = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
        ("Access-Control-Max-Age", "600"),
        ("Vary", "Origin"),
    ]

    def middleware(environ, start_response):
        if environ.get("HTTP_ORIGIN") != origin:
            return app(environ, start_response)
        if environ["REQUEST_METHOD"] == "OPTIONS":
            start_response("204 No Content", allow)
            return [b""]

        def start(status, headers, exc_info=None):
            return start_response(status, headers + allow, exc_info)

        return app(environ, start)

    return middleware


def main():
    host, port, client_id, origin, *redirect_uris = sys.argv[1:]
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    methods = _app.AuthorizationCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS
    _app.AuthorizationCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS = [*methods, "none"]
    flask_app = _app.app()
    with flask_app.test_request_context():
        flask_app.preprocess_request()  # binds the provider's storage
        storage.store_client(
            Client(
                id=client_id,
                secret=ClientAllowAny(),
                redirect_uris=redirect_uris,
                allowed_scopes=Client.SCOPES_SUPPORTED,
                token_endpoint_auth_method=ClientAllowAny(),
            )
        )
    uvicorn.run(
        cors(flask_app, origin),
        interface="wsgi",
        host=host,
        port=int(port),
        log_config=None,
    )


if __name__ == "__main__":
    main()
