"""A short secret is redacted only where it can be told apart from text (issue 22, item 9).

A one-letter client secret used to mask that letter everywhere ("an***wered", "***he
***oken"). A secret shorter than ``WHOLE_TOKEN_BELOW`` characters is now redacted only as a
whole token; a long one (a real secret, a token) anywhere, in every spelling. With 1-, 3-
and 40-character secrets, on their own and in errors a scripted API sends over a socket.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.wire_support import scripted_api
from xi_orders import BadRequestError
from xi_orders._redact import REDACTED, WHOLE_TOKEN_BELOW, redact

PROSE = "the token was not accepted: the gateway answered 400, try again later"
LONG = "Zq8rT3vXw9Lm2Np5Kd7H" + "f4Gj6Bs1Yc0Ea8Ru3Ti9"


def test_the_secrets_of_the_test() -> None:
    assert len(LONG) == 40
    assert 3 < WHOLE_TOKEN_BELOW <= 16


@pytest.mark.parametrize("secret", ["t", "a", "e", "the", "ans", "wer"])
def test_a_short_secret_leaves_words_alone(secret: str) -> None:
    redacted = redact(PROSE, [secret])
    words = re.findall(r"\w+", PROSE)
    assert re.findall(r"\w+", redacted.replace(REDACTED, " ")) == [w for w in words if w != secret]
    assert redacted.count(REDACTED) == words.count(secret)


@pytest.mark.parametrize("secret", ["t", "abc"])
def test_a_short_secret_is_redacted_as_a_whole_token(secret: str) -> None:
    for shown, expected in (
        (f"client_secret={secret}", "client_secret=***"),
        (f"invalid secret '{secret}'", "invalid secret '***'"),
        (f'{{"client_secret": "{secret}"}}', '{"client_secret": "***"}'),
        (f"secret {secret}", "secret ***"),
        (secret, "***"),
        (f"{secret.upper()} given", "*** given"),  # any case, as for long secrets
        (f"{secret}x x{secret} 9{secret}", f"{secret}x x{secret} 9{secret}"),  # in words
    ):
        assert redact(shown, [secret]) == expected


def test_a_40_character_secret_is_redacted_anywhere_in_every_spelling() -> None:
    for shown in (
        f"Bearer {LONG}",
        f"prefix{LONG}suffix",  # inside a longer word too
        f"client_secret={LONG}&grant_type=client_credentials",
        json.dumps({"echo": LONG}),
        LONG.lower(),
    ):
        redacted = redact(shown, [LONG])
        assert LONG.lower() not in redacted.lower(), redacted
        assert REDACTED in redacted


@pytest.mark.anyio
@pytest.mark.parametrize("secret", ["t", "ans", LONG])
async def test_errors_of_a_client_with_that_secret(secret: str) -> None:
    message = f"{PROSE}; client_secret {secret} rejected"
    with scripted_api() as api:
        api.answer(400, {"errors": [{"message": message}]})
        async with api.client(client_secret=secret) as client:
            with pytest.raises(BadRequestError) as caught:
                await client.get_order("20-RD3QV")
    error = caught.value
    for text in (str(error), error.api_message or "", error.body):
        assert PROSE in text, text  # the words, whole
        assert f"client_secret {REDACTED} rejected" in text, text
        assert f" {secret} " not in text
