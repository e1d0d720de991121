"""oidc-provider-mock, as `oidc-provider-mock` runs it, with the control
plane's client registered.

The control plane is a confidential client of each directory (it brokers
every sign-in: doc/adr/0042-the-control-plane-as-openid-provider.md); the
browser never talks to a directory's API. This launcher registers the local
OAuth client with its redirect URIs (the control plane's callback and the
token helper's), so any other redirect URI is refused as Entra ID refuses an
unregistered one. The client accepts any secret.

Usage: python oidc_server.py HOST PORT CLIENT_ID REDIRECT_URI...
"""

import logging
import os
import sys

import uvicorn
from oidc_provider_mock import _app
from oidc_provider_mock._storage import Client, ClientAllowAny, storage


def main():
    host, port, client_id, *redirect_uris = sys.argv[1:]
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
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
        flask_app,
        interface="wsgi",
        host=host,
        port=int(port),
        log_config=None,
    )


if __name__ == "__main__":
    main()
