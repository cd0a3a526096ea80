"""The shortcuts of xi_orders._http build what httpx itself would: requests (headers, URL,
query, timeout, body), URLs, and cookies when a response does set one."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from xi_orders import _http

CASES: list[dict[str, Any]] = [
    {
        "method": "GET",
        "url": "http://127.0.0.1:5/a/b%2Fc?x=1",
        "headers": {"Accept": "a/b", "X": "1"},
    },
    {"method": "GET", "url": httpx.URL("https://h.example/a"), "params": (("a", "1"), ("b", "2"))},
    {"method": "GET", "url": "https://h.example/a?z=9", "params": ()},
    {"method": "GET", "url": "https://h.example/resellers/v6.1/orders/20-RD3QV"},
    {
        "method": "POST",
        "url": "https://h.example/a",
        "content": b'{"a":1}',
        "headers": {"Content-Type": "application/json", "user-agent": "me"},
        "timeout": httpx.Timeout(5.0),
    },
    {"method": "PUT", "url": "https://h.example/a", "content": b"{}", "timeout": 7},
    {
        "method": "DELETE",
        "url": "https://h.example/a",
        "headers": httpx.Headers([("X", "1"), ("x", "2")]),
    },
    {"method": "GET", "url": "/relative"},
]


@pytest.mark.parametrize("case", CASES)
def test_build_request_matches_httpx(case: dict[str, Any]) -> None:
    client = _http.new_client(transport=None, timeout=30.0)
    if case["url"] == "/relative":
        client.base_url = httpx.URL("https://base.example/v1/")
    ours = client.build_request(**case)
    theirs = httpx.AsyncClient.build_request(client, **case)
    assert ours.method == theirs.method
    assert ours.url == theirs.url and ours.url.raw_path == theirs.url.raw_path
    assert ours.headers.raw == theirs.headers.raw
    assert ours.extensions == theirs.extensions
    assert ours.content == theirs.content


def test_url_shortcut_matches_httpx() -> None:
    cache = _http._URLCache()
    rnd = random.Random(12)
    chars = "abcXYZ09-._~%/ ?#:@!$&'()*+,;=é\t"
    paths = [
        "/resellers/v6.1/orders/20-RD3QV",
        "/a/./b",
        "/a/../b",
        "/a/.",
        "/a/..",
        "/.x",
        "/a//b",
        "/%2F%2e",
        "/a%zz",
        "/é",
        "",
        "/",
        "/a?x=1",
        "/a#f",
        "/..",
        "/%41",
    ]
    for _ in range(500):
        paths.append("/" + "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 12))))
        paths.append("/o/" + quote("".join(rnd.choice(chars) for _ in range(8)), safe=""))
    for base in (
        "http://127.0.0.1:5555",
        "https://api.example.com:443",
        "http://[::1]:8080",
        "https://u:p@h.example:8443",
        "HTTPS://Api.Example.COM",
    ):
        for path in paths:
            try:
                want = httpx.URL(base + path)
            except httpx.InvalidURL:
                with pytest.raises(httpx.InvalidURL):
                    cache.parse(base + path)
                continue
            got = cache.parse(base + path)
            assert (got, str(got), got.raw_path, got.netloc, got.path, got.query) == (
                want,
                str(want),
                want.raw_path,
                want.netloc,
                want.path,
                want.query,
            )
    assert cache.enabled


def test_cookies_still_extracted_when_set() -> None:
    client = _http.new_client(transport=None, timeout=30.0)
    request = httpx.Request("GET", "https://h.example/a")
    plain = httpx.Response(200, request=request)
    client.cookies.extract_cookies(plain)
    assert not client.cookies
    setting = httpx.Response(200, headers={"Set-Cookie": "a=1; Path=/"}, request=request)
    client.cookies.extract_cookies(setting)
    assert client.cookies.get("a") == "1"
