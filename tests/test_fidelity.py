"""Request fidelity: what QA receives is what production received, minus personal data."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from replay.request import rebuild_request
from replay.send import send
from replay.target import target_from_url


def event(**request) -> dict:
    return {"event_id": "f" * 32, "request": {"url": "https://shop.example.com/api/search", "method": "GET", **request}}


def test_header_order_duplicates_query_order_and_body_bytes_are_kept(shop) -> None:
    qa_url, qa_log = shop()
    spec = rebuild_request(event(
        method="POST", url="https://shop.example.com/api/search",
        headers=[["X-B", "2"], ["X-A", "1"], ["X-A", "3"], ["Host", "shop.example.com"], ["Content-Length", "999"],
                 ["Connection", "keep-alive"], ["Content-Type", "application/json"]],
        query_string="z=1&a=2&z=3", data='{"q": "mugs",  "page":2}'))
    outcome = send(spec, target_from_url(qa_url))
    assert outcome.status is not None
    received = json.loads(qa_log.read_text().splitlines()[-1])
    assert received["query_string"] == "z=1&a=2&z=3"
    assert received["body"] == '{"q": "mugs",  "page":2}'
    names = [k for k in received["headers"]]
    assert names.index("X-B") < names.index("X-A")
    assert received["headers"]["Host"] == qa_url.split("//")[1]
    assert received["headers"]["Content-Length"] == str(len('{"q": "mugs",  "page":2}'))


def test_duplicate_headers_reach_qa_as_duplicates(tmp_path: Path) -> None:
    seen: list[list[tuple[bytes, bytes]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.raw)
        return httpx.Response(200)

    spec = rebuild_request(event(headers=[["X-A", "1"], ["X-A", "3"]]))
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        send(spec, target_from_url("http://qa.internal:8080"), client=client)
    assert [v for k, v in seen[0] if k.lower() == b"x-a"] == [b"1", b"3"]


def test_origin_and_referer_are_rewritten_for_qa(shop) -> None:
    qa_url, qa_log = shop()
    spec = rebuild_request(event(headers=[["Origin", "https://shop.example.com"],
                                          ["Referer", "https://shop.example.com/cart?step=2"],
                                          ["X-Other", "https://shop.example.com/keep"]]))
    send(spec, target_from_url(qa_url))
    headers = json.loads(qa_log.read_text().splitlines()[-1])["headers"]
    assert headers["Origin"] == qa_url and headers["Referer"] == f"{qa_url}/cart?step=2"
    assert headers["X-Other"] == "https://shop.example.com/keep"


def test_a_body_the_sdk_removed_is_reported_as_a_hole(fixtures_dir: Path) -> None:
    from connectors import normalize_event

    doc = normalize_event(json.loads((fixtures_dir / "events" / "python-omittedbody.json").read_text()))
    spec = rebuild_request(doc)
    assert spec.holes == ["body: removed before capture (!config, original length 5); replayed without it"]
