"""Keeping secrets out of errors: redaction of text, and sanitized copies of httpx objects.

A secret (the client secret, an access token) can reach an error's text in many spellings:
raw, URL-encoded in either case (``a%2Bb%2fc%3D%3D``), form-encoded (``+`` for a space),
double-encoded (``%252B``), JSON-escaped (``\\u002b``, ``\\/``) or HTML-escaped. One pattern
per secret matches every one of them, character by character, so a partly encoded echo is
caught too. A secret shorter than :data:`WHOLE_TOKEN_BELOW` characters is redacted only
where it stands as a whole token (``client_secret=abc``, ``'abc'``), never inside a word:
a one-letter secret must not turn "answered" into "an***wered". Requests and responses attached to errors are replaced by copies without
credential headers and with redacted bodies, so nothing reachable from an error (and
nothing in its pickle) holds a secret.
"""

from __future__ import annotations

import contextlib
import functools
import html
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

REDACTED = "***"

#: Request headers that carry credentials: their values are never kept.
_CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "apikey"}
)
#: Response headers not worth keeping on an error (cookies), or wrong after a copy.
_DROP_RESPONSE_HEADERS = frozenset(
    {"set-cookie", "set-cookie2", "content-encoding", "content-length", "transfer-encoding"}
)
#: Form fields whose values are credentials, whatever their text.
_CREDENTIAL_FIELDS = frozenset(
    {"client_secret", "access_token", "refresh_token", "password", "assertion", "code"}
)


def _char_pattern(ch: str) -> str:
    spellings = {re.escape(ch)}
    # Percent-encoding of each UTF-8 byte, hex in any case, "%" itself possibly encoded.
    spellings.add("".join(f"%(?:25)?{b:02x}" for b in ch.encode("utf-8")))
    if ch == " ":
        spellings.add(r"\+")
    code = ord(ch)
    if code <= 0xFFFF:
        spellings.add(re.escape(f"\\u{code:04x}"))
    else:  # JSON writes astral characters as a surrogate pair
        high, low = divmod(code - 0x10000, 0x400)
        spellings.add(re.escape(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"))
    if ch in '/"\\':
        spellings.add(re.escape("\\" + ch))
    escaped = html.escape(ch)
    if escaped != ch:
        spellings.add(re.escape(escaped))
    spellings.add(f"&#0*{code};")
    spellings.add(f"&#x0*{code:x};")
    return "(?:" + "|".join(sorted(spellings, key=len, reverse=True)) + ")"


#: A secret this long is redacted wherever it appears, even inside a longer word: text
#: does not hold 8 given characters in a row by chance. A shorter one (a test double, a
#: misconfiguration) would mask pieces of ordinary words ("an***wered" for "s"), so it is
#: redacted only as a whole token: not touching a letter or digit on either side.
WHOLE_TOKEN_BELOW = 8


@functools.lru_cache(maxsize=64)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    if not secrets:
        return None
    # Longest first, so a token that contains another secret is removed whole.
    alternatives = []
    for secret in secrets:
        spelled = "".join(_char_pattern(ch) for ch in secret)
        if len(secret) < WHOLE_TOKEN_BELOW:
            spelled = f"(?<![^\\W_])(?:{spelled})(?![^\\W_])"
        alternatives.append(spelled)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def normalize(secrets: Iterable[str | None]) -> tuple[str, ...]:
    """The distinct non-empty secrets, longest first."""
    unique = {s for s in secrets if isinstance(s, str) and s}
    return tuple(sorted(unique, key=lambda s: (-len(s), s)))


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every spelling of every secret replaced by ``***``."""
    pattern = _pattern(normalize(secrets))
    if pattern is None or not text:
        return text
    return pattern.sub(REDACTED, text)


def redact_value(value: Any, secrets: tuple[str, ...]) -> Any:
    """A JSON-like value with every string in it redacted."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact_value(k, secrets): redact_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v, secrets) for v in value)
    return value


def bearer_token(request: httpx.Request | None) -> str | None:
    """The token in ``request``'s ``Authorization: Bearer`` header, if any."""
    if request is None:
        return None
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _content(message: httpx.Request | httpx.Response) -> bytes:
    try:
        return message.content
    except (httpx.RequestNotRead, httpx.ResponseNotRead):
        return b""


def _redact_form(content: bytes, secrets: tuple[str, ...]) -> bytes:
    try:
        pairs = parse_qsl(content.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return redact(content.decode("utf-8", "replace"), secrets).encode()
    return urlencode(
        [(k, REDACTED if k.lower() in _CREDENTIAL_FIELDS else redact(v, secrets)) for k, v in pairs]
    ).encode()


def sanitize_request(request: httpx.Request, secrets: Iterable[str | None] = ()) -> httpx.Request:
    """A copy of ``request`` without credentials: credential headers and form fields
    replaced by ``***``, and ``secrets`` (plus the request's own bearer token) redacted
    from the URL, the other headers and the body."""
    all_secrets = normalize([*secrets, bearer_token(request)])
    headers = [
        (k, REDACTED if k.lower() in _CREDENTIAL_HEADERS else redact(v, all_secrets))
        for k, v in request.headers.multi_items()
        if k.lower() != "content-length"
    ]
    content = _content(request)
    if content:
        if "x-www-form-urlencoded" in request.headers.get("content-type", ""):
            content = _redact_form(content, all_secrets)
        else:
            text = content.decode("utf-8", "replace")
            redacted = redact(text, all_secrets)
            if redacted != text:
                content = redacted.encode("utf-8")
    return httpx.Request(
        request.method,
        redact(str(request.url), all_secrets),
        headers=headers,
        content=content,
    )


def sanitize_response(
    response: httpx.Response, secrets: Iterable[str | None] = ()
) -> httpx.Response:
    """A copy of ``response`` that holds no secret: its body and headers redacted, no
    cookies, and a sanitized request."""
    original: httpx.Request | None = getattr(response, "_request", None)
    all_secrets = normalize([*secrets, bearer_token(original)])
    content = _content(response)
    text = response.text if content else ""
    redacted = redact(text, all_secrets)
    if redacted != text:
        content = redacted.encode(response.encoding or "utf-8", "replace")
    headers = [
        (k, redact(v, all_secrets))
        for k, v in response.headers.multi_items()
        if k.lower() not in _DROP_RESPONSE_HEADERS
    ]
    extensions = {
        k: v
        for k, v in response.extensions.items()
        if k in ("reason_phrase", "http_version") and isinstance(v, bytes)
    }
    copy = httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=sanitize_request(original, all_secrets) if original is not None else None,
        extensions=extensions,
    )
    with contextlib.suppress(RuntimeError):  # only set once a response was read
        copy.elapsed = response.elapsed
    return copy


def scrub_exception(exc: BaseException, secrets: Iterable[str | None] = ()) -> None:
    """Replace the request an httpx exception holds by a sanitized copy, in place."""
    if isinstance(exc, httpx.RequestError):
        request = getattr(exc, "_request", None)
        if isinstance(request, httpx.Request):
            exc.request = sanitize_request(request, secrets)
