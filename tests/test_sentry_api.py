"""connectors.sentry_api against a real local HTTP server that answers like Sentry."""

from __future__ import annotations

import logging
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import ConnectorError, InputError
from connectors.sentry_api import (
    DEFAULT_URL,
    IssueRef,
    SentryAuthError,
    SentryClient,
    SentryConfigError,
    SentryConnectionError,
    SentryNotFoundError,
    SentryOrgNotFoundError,
    SentryPermissionError,
    SentryRateLimitError,
    SentryServerError,
    SentryTimeoutError,
    parse_issue_ref,
    parse_link_header,
)
from tests.sentry_api_server import (
    ISSUE_ID,
    LEAK_MARKER,
    NO_SCOPE_TOKEN,
    ORG,
    SHORT_ID,
    TOKEN,
    FakeSentry,
    load_fixture,
)

LATEST_ID = "9999aaaaca8b46d797c23c6077c6ff01"
SELF_HOSTED = "https://sentry.example.com"


class Sleeps(list[float]):
    """An injected sleep that records the delay instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sentry_server: FakeSentry, sleeps: Sleeps):
    with SentryClient(sentry_server.url, token=TOKEN, org=ORG, sleep=sleeps, timeout=5) as c:
        yield c


def make_client(server: FakeSentry, sleeps: Sleeps, **kw) -> SentryClient:
    return SentryClient(server.url, **{"token": TOKEN, "org": ORG, "sleep": sleeps,
                                       "timeout": 5, **kw})


def assert_clean(message: str) -> None:
    """No token, no response body (its marker or Sentry's detail text) in a message."""
    for secret in (TOKEN, NO_SCOPE_TOKEN, LEAK_MARKER, "does not exist", "Invalid token",
                   "permission to perform", "hell@boy.cat"):
        assert secret not in message


# -- parse_issue_ref ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("12345", IssueRef(DEFAULT_URL, "acme", "12345")),
    ("SHOP-1A2", IssueRef(DEFAULT_URL, "acme", "SHOP-1A2")),
    ("  shop-1a2\n", IssueRef(DEFAULT_URL, "acme", "SHOP-1A2")),
    ("https://acme.sentry.io/issues/12345/?project=1", IssueRef(DEFAULT_URL, "acme", "12345")),
    ("https://sentry.io/organizations/acme/issues/12345/", IssueRef(DEFAULT_URL, "acme", "12345")),
    ("https://de.sentry.io/organizations/acme/issues/12345/",
     IssueRef("https://de.sentry.io", "acme", "12345")),
    (f"{SELF_HOSTED}/organizations/acme/issues/12345/events/{LATEST_ID}/",
     IssueRef(SELF_HOSTED, "acme", "12345", LATEST_ID)),
    ("<https://acme.sentry.io/issues/12345/events/latest/?environment=prod>",
     IssueRef(DEFAULT_URL, "acme", "12345", "latest")),
    ("<https://acme.sentry.io/issues/12345/|ZeroDivisionError>",
     IssueRef(DEFAULT_URL, "acme", "12345")),
    ("http://sentry.internal:9000/sentry/organizations/ops/issues/7/activity/",
     IssueRef("http://sentry.internal:9000/sentry", "ops", "7")),
])
def test_each_issue_reference_form_parses(text: str, expected: IssueRef) -> None:
    assert parse_issue_ref(text, default_url=DEFAULT_URL, default_org="acme") == expected


def test_bare_id_uses_the_default_url_and_org() -> None:
    ref = parse_issue_ref("12345", default_url=SELF_HOSTED + "/", default_org="ops")
    assert ref == IssueRef(SELF_HOSTED, "ops", "12345")


def test_bare_id_without_an_organization_says_to_set_sentry_org() -> None:
    with pytest.raises(InputError, match="SENTRY_ORG"):
        parse_issue_ref("12345", default_url=DEFAULT_URL, default_org=None)


@pytest.mark.parametrize("text", [
    "", "   ", "foo bar", "12345/", "https://example.com/",
    "ftp://sentry.io/organizations/acme/issues/1/",
    "https://o1.ingest.sentry.io/api/1/envelope/",
    "e4874d66-4c35-40c1-a32e-ab185f12c5ab",
    "https://acme.sentry.io/issues/12345/events/nope/",
    "https://user:pw@sentry.example.com/organizations/acme/issues/1/",
    "https://acme.sentry.io/organizations/other/issues/1/",
    "https://sentry.example.com/acme/shop/issues/1/",
    "https://sentry.example.com/organizations/acme/issues/",
    "https://[::1/organizations/acme/issues/1/",
    "https://sentry.example.com:99999/organizations/acme/issues/1/",
])
def test_anything_else_is_a_clear_input_error(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_issue_ref(text, default_url=DEFAULT_URL, default_org="acme")
    assert str(info.value)


_URLISH = st.lists(st.sampled_from([
    "https://", "http://", "acme.", "sentry.io", "sentry.example.com", ":9000", ":x", "[::1]",
    "/organizations/", "acme", "/issues/", "12345", "SHOP-1A2", "/events/", LATEST_ID, "/",
    "?project=1", "#x", "@", "..", "%2F", " ", "\u00e9", "\x00", "<", ">",
]), max_size=12).map("".join)


@given(text=st.one_of(st.text(), _URLISH), org=st.one_of(st.none(), st.text(max_size=12)))
def test_parse_issue_ref_only_ever_raises_input_error(text: str, org: str | None) -> None:
    try:
        ref = parse_issue_ref(text, default_url=DEFAULT_URL, default_org=org)
    except InputError:
        return
    assert ref.org and ref.issue and ref.base_url.startswith(("http://", "https://"))


# -- fetching events ---------------------------------------------------------------------

def test_fetch_latest_sends_the_bearer_token_and_asks_for_the_full_event(
        client: SentryClient, sentry_server: FakeSentry) -> None:
    event = client.fetch_event(ISSUE_ID, "latest")

    assert event == load_fixture("api/issue-event-latest.json") | {"groupID": ISSUE_ID}
    [request] = sentry_server.requests
    assert request.path == sentry_server.event_path("latest")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.query == {"full": "true"}


def test_fetched_latest_event_normalizes_to_a_stored_event_with_a_request(
        client: SentryClient) -> None:
    event = client.fetch_normalized(ISSUE_ID)

    assert event["event_id"] == LATEST_ID
    assert "entries" not in event
    assert event["request"]["url"] == "https://sentry.io/organizations/hellboy-meowmeow/issues/"
    assert event["request"]["query"] == [["project", "5236886"]]


@pytest.mark.parametrize(("which", "index"), [("oldest", -1), ("recommended", 2)])
def test_oldest_and_recommended_are_fetched_by_name(
        client: SentryClient, sentry_server: FakeSentry, which: str, index: int) -> None:
    assert client.fetch_event(ISSUE_ID, which)["eventID"] == sentry_server.events[index]["eventID"]


def test_an_event_id_from_a_pasted_url_is_fetched(
        client: SentryClient, sentry_server: FakeSentry) -> None:
    wanted = sentry_server.events[3]["eventID"]
    ref = parse_issue_ref(f"{SELF_HOSTED}/organizations/acme/issues/{ISSUE_ID}/events/{wanted}/",
                          default_url=DEFAULT_URL, default_org=None)

    assert client.fetch_event(ref.issue, ref.event_id or "latest")["eventID"] == wanted


def test_a_bad_event_choice_fails_before_any_request(
        client: SentryClient, sentry_server: FakeSentry) -> None:
    for which in ("newest", "../../users", "all"):
        with pytest.raises(InputError):
            client.fetch_event(ISSUE_ID, which)
    assert sentry_server.requests == []


def test_short_ids_resolve_through_the_shortids_endpoint(
        client: SentryClient, sentry_server: FakeSentry) -> None:
    assert client.resolve_issue("shop-1a2") == ISSUE_ID
    assert client.fetch_event(SHORT_ID)["eventID"] == LATEST_ID
    assert [r.path for r in sentry_server.requests] == [
        sentry_server.shortid_path(), sentry_server.shortid_path(),
        sentry_server.event_path("latest")]


def test_numeric_ids_need_no_lookup(client: SentryClient, sentry_server: FakeSentry) -> None:
    assert client.resolve_issue(12345) == ISSUE_ID
    assert sentry_server.requests == []


def test_unknown_short_id_is_not_found(client: SentryClient) -> None:
    with pytest.raises(SentryNotFoundError, match="short id NOPE-1") as info:
        client.resolve_issue("NOPE-1")
    assert not isinstance(info.value, SentryOrgNotFoundError)


# -- pagination ------------------------------------------------------------------------------

def test_iter_events_follows_link_cursors_over_every_page(
        client: SentryClient, sentry_server: FakeSentry) -> None:
    events = list(client.iter_events(ISSUE_ID))

    assert [e["eventID"] for e in events] == [e["eventID"] for e in sentry_server.events]
    assert all("entries" in e for e in events)
    pages = sentry_server.requests_to(sentry_server.events_path())
    assert [r.query.get("cursor") for r in pages] == [None, "0:2:0", "0:4:0"]
    assert all(r.query["full"] == "true" for r in pages)
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in pages)


@pytest.mark.parametrize(("limit", "pages"), [(1, 1), (2, 1), (3, 2), (5, 3), (50, 3)])
def test_iter_events_respects_limit_and_fetches_no_extra_page(
        client: SentryClient, sentry_server: FakeSentry, limit: int, pages: int) -> None:
    assert len(list(client.iter_events(ISSUE_ID, limit))) == min(limit, 5)
    assert len(sentry_server.requests_to(sentry_server.events_path())) == pages


def test_select_events_covers_the_cli_choices(client: SentryClient) -> None:
    assert [e["eventID"] for e in client.select_events(SHORT_ID, "latest")] == [LATEST_ID]
    assert len(list(client.select_events(ISSUE_ID, "all", limit=4))) == 4


def test_limit_below_one_is_an_input_error(client: SentryClient) -> None:
    with pytest.raises(InputError, match="limit"):
        client.iter_events(ISSUE_ID, 0)


def test_link_header_parsing() -> None:
    header = ('<https://sentry.io/api/0/x/?&cursor=0:0:1>; rel="previous"; results="false"; '
              'cursor="0:0:1", <https://sentry.io/api/0/x/?&cursor=0:100:0>; rel="next"; '
              'results="true"; cursor="0:100:0"')
    links = parse_link_header(header)
    assert links["next"] == {"url": "https://sentry.io/api/0/x/?&cursor=0:100:0", "rel": "next",
                             "results": "true", "cursor": "0:100:0"}
    assert links["previous"]["results"] == "false"
    assert parse_link_header(None) == {} == parse_link_header("garbage")


# -- rate limits -------------------------------------------------------------------------------

def test_429_is_retried_after_retry_after(
        client: SentryClient, sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    sentry_server.rate_limit(sentry_server.event_path("latest"), retry_after="2")

    assert client.fetch_event(ISSUE_ID)["eventID"] == LATEST_ID
    assert sleeps == [2.0]
    assert len(sentry_server.requests_to(sentry_server.event_path("latest"))) == 2


def test_429_without_retry_after_waits_for_the_rate_limit_reset(
        sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    sentry_server.rate_limit(sentry_server.events_path(), retry_after=None,
                             headers={"X-Sentry-Rate-Limit-Reset": "1000010"})
    with make_client(sentry_server, sleeps, clock=lambda: 1_000_000.0) as client:
        assert len(list(client.iter_events(ISSUE_ID, 2))) == 2
    assert sleeps == [10.0]


def test_persistent_429_backs_off_exponentially_then_fails_clearly(
        sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    sentry_server.rate_limit(sentry_server.event_path("latest"), retry_after="1", times=99)
    with make_client(sentry_server, sleeps, max_retries=3) as client:
        with pytest.raises(SentryRateLimitError, match="429") as info:
            client.fetch_event(ISSUE_ID)
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(sentry_server.requests) == 4
    assert_clean(str(info.value))


def test_a_wait_longer_than_the_cap_fails_at_once(
        client: SentryClient, sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    sentry_server.rate_limit(sentry_server.event_path("latest"), retry_after="3600")
    with pytest.raises(SentryRateLimitError, match="3600 s"):
        client.fetch_event(ISSUE_ID)
    assert sleeps == []


def test_an_exhausted_budget_delays_the_next_request_until_reset(
        sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    sentry_server.rate_headers.update({"X-Sentry-Rate-Limit-Remaining": "0",
                                       "X-Sentry-Rate-Limit-Reset": "1000007"})
    with make_client(sentry_server, sleeps, clock=lambda: 1_000_000.0) as client:
        client.fetch_event(ISSUE_ID)
        assert sleeps == []
        client.fetch_event(ISSUE_ID, "oldest")
    assert sleeps == [7.0]


# -- errors ------------------------------------------------------------------------------------

def test_wrong_token_names_the_env_var_and_not_the_token(
        sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    with make_client(sentry_server, sleeps, token="sntryu_wrong") as client:
        with pytest.raises(SentryAuthError, match="SENTRY_AUTH_TOKEN") as info:
            client.fetch_event(ISSUE_ID)
    assert info.value.status == 401
    assert "sntryu_wrong" not in str(info.value)
    assert_clean(str(info.value))


def test_missing_token_fails_before_any_request() -> None:
    with pytest.raises(SentryAuthError, match="SENTRY_AUTH_TOKEN"):
        SentryClient.from_env(environ={"SENTRY_ORG": ORG})


def test_a_pasted_token_loses_its_newline_and_a_garbled_one_is_refused_unquoted(
        sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    with make_client(sentry_server, sleeps, token=f" {TOKEN}\n") as client:
        assert client.fetch_event(ISSUE_ID)["eventID"]
    for garbled in ("tökén-77", "sntryu two words"):
        with pytest.raises(SentryAuthError, match="printable ASCII: check SENTRY_AUTH_TOKEN") as info:
            SentryClient.from_env(environ={"SENTRY_ORG": ORG, "SENTRY_AUTH_TOKEN": garbled})
        assert garbled not in str(info.value)


def test_token_without_event_read_scope_says_so(
        sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    with make_client(sentry_server, sleeps, token=NO_SCOPE_TOKEN) as client:
        with pytest.raises(SentryPermissionError, match="event:read") as info:
            client.fetch_event(ISSUE_ID)
    assert_clean(str(info.value))


def test_unknown_issue_is_not_found_in_a_known_org(
        client: SentryClient, sentry_server: FakeSentry) -> None:
    with pytest.raises(SentryNotFoundError, match="issue 99999") as info:
        client.fetch_event("99999")
    assert not isinstance(info.value, SentryOrgNotFoundError)
    assert sentry_server.requests[-1].path == sentry_server.org_path()
    assert_clean(str(info.value))


def test_unknown_event_id_is_named(client: SentryClient) -> None:
    with pytest.raises(SentryNotFoundError, match=f"event {'a' * 32} of issue {ISSUE_ID}"):
        client.fetch_event(ISSUE_ID, "a" * 32)


def test_wrong_org_says_the_org_is_wrong(sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    with make_client(sentry_server, sleeps, org="acme-typo") as client:
        with pytest.raises(SentryOrgNotFoundError, match="SENTRY_ORG") as info:
            client.fetch_event(ISSUE_ID)
    assert "'acme-typo'" in str(info.value)
    assert_clean(str(info.value))


def test_401_403_404_and_wrong_org_messages_are_distinct(
        sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    cases = [{"token": "sntryu_wrong"}, {"token": NO_SCOPE_TOKEN}, {}, {"org": "nope"}]
    messages = []
    for settings in cases:
        with make_client(sentry_server, sleeps, **settings) as client:
            with pytest.raises(ConnectorError) as info:
                client.fetch_event("99999" if not settings else ISSUE_ID)
        messages.append(str(info.value))
    assert len(set(messages)) == 4
    for message in messages:
        assert_clean(message)


def test_server_errors_are_reported_without_the_body(
        client: SentryClient, sentry_server: FakeSentry) -> None:
    sentry_server.fail(sentry_server.event_path("latest"), 500, times=None)
    with pytest.raises(SentryServerError, match="HTTP 500") as info:
        client.fetch_event(ISSUE_ID)
    assert len(sentry_server.requests) == 1  # a 500 is a bug, not a hiccup: no retry
    assert_clean(str(info.value))


def test_a_passing_503_is_retried(
        client: SentryClient, sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    sentry_server.fail(sentry_server.event_path("latest"), 503)
    assert client.fetch_event(ISSUE_ID)["eventID"] == LATEST_ID
    assert sleeps == [1.0]


def test_refused_connection_is_a_connection_error(sleeps: Sleeps) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with SentryClient(f"http://127.0.0.1:{port}", token=TOKEN, org=ORG, sleep=sleeps) as client:
        with pytest.raises(SentryConnectionError, match="could not connect") as info:
            client.fetch_event(ISSUE_ID)
    assert not isinstance(info.value, SentryTimeoutError)


def test_slow_answer_is_a_timeout(sentry_server: FakeSentry, sleeps: Sleeps) -> None:
    sentry_server.slow(sentry_server.event_path("latest"), 2.0, times=1)
    with make_client(sentry_server, sleeps, timeout=0.3) as client:
        with pytest.raises(SentryTimeoutError, match="did not answer within 0.3 s"):
            client.fetch_event(ISSUE_ID)


# -- settings ----------------------------------------------------------------------------------

def test_from_env_reads_the_three_variables(sentry_server: FakeSentry) -> None:
    env = {"SENTRY_AUTH_TOKEN": TOKEN, "SENTRY_URL": sentry_server.url + "/", "SENTRY_ORG": ORG}
    with SentryClient.from_env(environ=env, org=None, timeout=5) as client:
        assert client.fetch_event(ISSUE_ID)["eventID"] == LATEST_ID
    assert sentry_server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_from_env_refuses_to_send_the_token_to_another_host() -> None:
    env = {"SENTRY_AUTH_TOKEN": TOKEN, "SENTRY_ORG": ORG}
    with pytest.raises(SentryConfigError, match="evil.example.com") as info:
        SentryClient.from_env(environ=env, base_url="https://evil.example.com")
    assert TOKEN not in str(info.value)
    SentryClient.from_env(environ=env, base_url="https://de.sentry.io").close()  # sentry.io family


def test_from_env_without_an_org_says_which_variable(sentry_server: FakeSentry) -> None:
    with pytest.raises(SentryConfigError, match="SENTRY_ORG"):
        SentryClient.from_env(environ={"SENTRY_AUTH_TOKEN": TOKEN})


def test_the_token_stays_out_of_repr(client: SentryClient) -> None:
    assert TOKEN not in repr(client)


def test_the_raw_event_is_not_logged_printed_or_written(
        client: SentryClient, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.DEBUG):
        client.fetch_normalized(ISSUE_ID)
        list(client.iter_events(ISSUE_ID))
    captured = capsys.readouterr()
    assert "hell@boy.cat" not in caplog.text + captured.out + captured.err
    assert TOKEN not in caplog.text
    assert list(tmp_path.iterdir()) == []
