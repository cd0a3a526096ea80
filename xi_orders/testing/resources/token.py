"""The token endpoint: OAuth2 client credentials (POST form, the legacy GET query, or HTTP
Basic), answered as the API does (``expires_in`` as a string). Its errors follow the
realism option ``token_errors``: the spec's ``{"message"}`` (default) or OAuth's
``{"error", "error_description"}`` (RFC 6749 section 5.2).

Imports ``_http`` only (and the core for its type); never the SDK's models.
"""

from __future__ import annotations

import base64
import hmac
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from .._http import CoreResponse, json_response

if TYPE_CHECKING:
    from .._context import RequestContext
    from .._core import Core
    from . import Handler


def handle(core: Core, ctx: RequestContext) -> CoreResponse:
    """POST /oauth/oauth30/token (and GET /oauth/oauth20/token)."""
    req = ctx.req
    source = req.body.decode("utf-8", "replace") if req.method == "POST" else req.query
    form = dict(parse_qsl(source, keep_blank_values=True))
    client_id = form.get("client_id")
    client_secret = form.get("client_secret")
    auth = req.headers.get("authorization", "")
    if auth.lower().startswith("basic ") and client_id is None:
        try:
            decoded = base64.b64decode(auth[6:].strip()).decode("utf-8")
            client_id, _, client_secret = decoded.partition(":")
        except ValueError:
            pass
    oauth = core.cfg.realism.token_errors == "oauth"

    def error(status: int, code: str, message: str) -> CoreResponse:
        if oauth:
            return json_response(
                status,
                {"error": code, "error_description": message},
                [("Cache-Control", "no-store")],
            )
        return json_response(status, {"message": message})

    if form.get("grant_type") != "client_credentials":
        return error(
            400, "unsupported_grant_type", "Invalid grant_type: expected client_credentials"
        )
    if not client_id or not client_secret:
        return error(400, "invalid_request", "client_id and client_secret are required")
    if not (
        hmac.compare_digest(client_id, core.cfg.client_id)
        and hmac.compare_digest(client_secret, core.cfg.client_secret)
    ):
        return error(401, "invalid_client", "Invalid client credentials")
    token = core.tokens.issue(ctx.now)
    return json_response(
        200,
        {"access_token": token, "token_type": "Bearer", "expires_in": str(core.cfg.token_ttl)},
        [("Cache-Control", "no-store")],
    )


HANDLERS: dict[str, Handler] = {"token": handle}
