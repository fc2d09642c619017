"""The parameters of `messages.batches`, `models`, `beta.models`, `files` and `beta.files`,
against the official SDK's, on asyncio and trio.

Every method (and its `with_raw_response` / `with_streaming_response` twin) is called
with every parameter the pinned official SDK's signature has, through our client and
through `anthropic.AsyncAnthropic` (and the blocking pair) against one FakeClaude: both
must send the same requests — path, query, the headers that carry parameters, and body.
Pages are walked through both clients too, and must hold the same items.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anthropic
import pytest

import anyio_claude
from anyio_claude import AsyncClaude, Claude
from anyio_claude.testing import FakeClaude, ModelSpec, RecordedRequest

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
FILES_BETA = "files-api-2025-04-14"
# Headers that carry a parameter, and those whose value says what the request is.
HEADERS = (
    "accept",
    "anthropic-beta",
    "anthropic-user-profile-id",
    "anthropic-workspace-id",
    "content-type",
    "x-extra",
)

RESOURCES = {
    "messages.batches": ("create", "retrieve", "list", "cancel", "delete", "results"),
    "beta.messages.batches": ("create", "retrieve", "list", "cancel", "delete", "results"),
    "models": ("retrieve", "list"),
    "beta.models": ("retrieve", "list"),
    "files": ("upload", "list", "retrieve_metadata", "download", "delete"),
    "beta.files": ("upload", "list", "retrieve_metadata", "download", "delete"),
}
VIEWS = ("plain", "with_raw_response", "with_streaming_response")
# `files.list`'s `ids` goes without `page` and `limit` (ours refuses the mix, the API too):
# the list is called once with each side.
WITHOUT = {"list": ({"ids"}, {"page", "limit"})}


def sent(requests: list[RecordedRequest]) -> list[tuple[Any, ...]]:
    """What a request says: method, path, query (each name's values, in order), the
    headers of `HEADERS` (a content type without its parameters) and the JSON body."""
    described = []
    for request in requests:
        target = urlsplit(request.path)
        query: dict[str, list[str]] = {}
        for name, value in parse_qsl(target.query, keep_blank_values=True):
            query.setdefault(name, []).append(value)
        headers = {k: v for k, v in request.headers.items() if k in HEADERS}
        if "content-type" in headers:
            headers["content-type"] = headers["content-type"].split(";")[0]
        described.append((request.method, target.path, query, headers, request.json))
    return described


def ours_as_theirs(method: str, requests: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Our requests, less what we send on purpose and the official SDK does not:
    `batches.results` looks the batch up with the call's `extra_headers` too, and
    `beta.messages.batches.results` with its `betas` (theirs only with `workspace_id`)."""
    if method == "results" and requests:
        method_, path, query, headers, body = requests[0]
        headers = {k: v for k, v in headers.items() if k not in ("x-extra", "anthropic-beta")}
        return [(method_, path, query, headers, body), *requests[1:]]
    return requests


def official_parameters(resource: str, method: str) -> list[str]:
    """The parameters of the official SDK's method, but `self`."""
    client = anthropic.AsyncAnthropic(api_key="k")
    target: Any = client
    for name in resource.split("."):
        target = getattr(target, name)
    return list(inspect.signature(getattr(target, method)).parameters)


class State:
    """What the calls refer to: an ended batch, an uploaded file, a generated one."""

    def __init__(self, fake: FakeClaude, batch_id: str, uploaded: str) -> None:
        self.batch_id = batch_id
        self.uploaded = uploaded
        self.generated = fake.files.add(b"generated", filename="out.txt", scope_id="sesn_1")["id"]

    def arguments(self, resource: str, method: str, names: list[str]) -> dict[str, Any]:
        """A value for each parameter `names` holds."""
        values: dict[str, Any] = {
            "message_batch_id": self.batch_id,
            "model_id": MODEL,
            "file_id": self.generated if method == "download" else self.uploaded,
            "requests": [
                {
                    "custom_id": "r1",
                    "params": {
                        "model": MODEL,
                        "max_tokens": 5,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                }
            ],
            "file": ("notes.txt", b"some notes", "text/plain"),
            "expires_in_seconds": 3600,
            "ids": [self.generated, self.uploaded],
            "limit": 2,
            "page": f"page_{self.generated}",
            "scope_id": "sesn_1",
            "after_id": "claude-opus-5" if resource.endswith("models") else "msgbatch_nope",
            "before_id": "claude-haiku-4-5" if resource.endswith("models") else "msgbatch_none",
            "lifecycle": ["active", "retired"],
            "betas": ["extra-beta", FILES_BETA],
            "user_profile_id": "uprof_01",
            "workspace_id": "wrkspc_01",
            "extra_headers": {"x-extra": "1"},
            "extra_query": {"q": ["a", "b"], "flag": True, "none": None},
            "extra_body": {"note": "x"},
            "timeout": 30.0,
        }
        return {name: values[name] for name in names}


def cases() -> list[Any]:
    found = []
    for resource, methods in RESOURCES.items():
        for method in methods:
            names = official_parameters(resource, method)
            for without in WITHOUT.get(method, (set(),)) if resource.endswith("files") else ((),):
                kept = [name for name in names if name not in without]
                for view in VIEWS:
                    label = f"{resource}.{method}-{view}" + (
                        f"-without-{'-'.join(sorted(without))}" if without else ""
                    )
                    found.append(pytest.param(resource, method, kept, view, id=label))
    return found


def target_of(client: Any, resource: str, view: str) -> Any:
    for name in resource.split("."):
        client = getattr(client, name)
    return client if view == "plain" else getattr(client, view)


# ------------------------------------------------------------------------------ async


async def call_async(method: Callable[..., Any], view: str, kwargs: dict[str, Any]) -> None:
    """Call `method` as its view is used, finish reading what it gives, and swallow the
    status errors (the requests sent are what is compared)."""
    try:
        if view == "with_streaming_response":
            async with method(**kwargs) as response:
                await response.read()
            return
        result = await method(**kwargs)  # a coroutine, a paginator or a download
        for closer in ("close", "aclose"):
            if hasattr(result, closer) and callable(getattr(result, closer)):
                await getattr(result, closer)()
                break
    except (anyio_claude.APIStatusError, anthropic.APIStatusError):
        pass


@pytest.fixture
async def fake() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(batch_seconds=0.0) as server:
        yield server


async def setup_state(fake: FakeClaude, ours: AsyncClaude) -> State:
    batch = await ours.messages.batches.create(
        requests=[
            {
                "custom_id": "r0",
                "params": {
                    "model": MODEL,
                    "max_tokens": 5,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            }
        ]
    )
    uploaded = await ours.files.upload(file=("doc.txt", b"doc"))
    await ours.messages.batches.wait(batch.id, poll_interval=0.01)
    state = State(fake, batch.id, uploaded.id)
    fake.requests.clear()
    return state


@pytest.mark.parametrize(("resource", "method", "names", "view"), cases())
async def test_every_official_parameter_is_taken_and_sent_alike(
    fake: FakeClaude, resource: str, method: str, names: list[str], view: str
) -> None:
    async with AsyncClaude(api_key="k", base_url=fake.url, max_retries=0) as ours:
        official = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        state = await setup_state(fake, ours)
        kwargs = state.arguments(resource, method, names)
        await call_async(getattr(target_of(official, resource, view), method), view, kwargs)
        theirs = sent(list(fake.requests))
        fake.requests.clear()
        await call_async(getattr(target_of(ours, resource, view), method), view, kwargs)
        assert ours_as_theirs(method, sent(list(fake.requests))) == theirs
        assert theirs  # something was sent
        await official.close()


# ---------------------------------------------------------------------------- blocking


def call_sync(method: Callable[..., Any], view: str, kwargs: dict[str, Any]) -> None:
    try:
        if view == "with_streaming_response":
            with method(**kwargs) as response:
                response.read()
            return
        result = method(**kwargs)
        if hasattr(result, "close") and callable(result.close):
            result.close()
    except (anyio_claude.APIStatusError, anthropic.APIStatusError):
        pass


@pytest.fixture(scope="module")
def fake_in_thread() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread("asyncio", batch_seconds=0.0) as server:
        yield server


@pytest.mark.parametrize(("resource", "method", "names", "view"), cases())
def test_every_official_parameter_is_taken_and_sent_alike_blocking(
    fake_in_thread: FakeClaude, resource: str, method: str, names: list[str], view: str
) -> None:
    fake = fake_in_thread
    with (
        Claude(api_key="k", base_url=fake.url, max_retries=0) as ours,
        anthropic.Anthropic(api_key="k", base_url=fake.url, max_retries=0) as official,
    ):
        batch = ours.messages.batches.create(
            requests=[
                {
                    "custom_id": "r0",
                    "params": {
                        "model": MODEL,
                        "max_tokens": 5,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                }
            ]
        )
        uploaded = ours.files.upload(file=("doc.txt", b"doc"))
        ours.messages.batches.wait(batch.id, poll_interval=0.01)
        state = State(fake, batch.id, uploaded.id)
        kwargs = state.arguments(resource, method, names)
        fake.requests.clear()
        call_sync(getattr(target_of(official, resource, view), method), view, kwargs)
        theirs = sent(list(fake.requests))
        fake.requests.clear()
        call_sync(getattr(target_of(ours, resource, view), method), view, kwargs)
        assert ours_as_theirs(method, sent(list(fake.requests))) == theirs
        assert theirs


# -------------------------------------------------------------------------- pagination


def page_ids(page: Any) -> list[str]:
    return [item.id for item in page.data]


async def walk_both(
    fake: FakeClaude,
    list_of: Callable[[Any], Any],
) -> tuple[list[list[str]], list[list[str]]]:
    """The pages `list_of(client)` gives, walked with `iter_pages()`, by the official
    client then ours; the requests each sent must be the same."""
    walked = []
    requests = []
    async with AsyncClaude(api_key="k", base_url=fake.url, max_retries=0) as ours:
        official = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        for client in (official, ours):
            fake.requests.clear()
            first = await list_of(client)
            walked.append([page_ids(page) async for page in first.iter_pages()])
            items = [item.id async for item in list_of(client)]
            assert items == [i for ids in walked[-1] for i in ids]
            requests.append(sent(list(fake.requests)))
        await official.close()
    assert requests[1] == requests[0]
    return walked[0], walked[1]


async def test_model_pages_forward_and_back_as_the_official_sdk_walks_them(
    fake: FakeClaude,
) -> None:
    theirs, ours = await walk_both(fake, lambda c: c.models.list(limit=4))
    assert ours == theirs and len(ours) > 2 and all(len(p) == 4 for p in ours[:-1])
    # With before_id the official SDK pages back (before the first id of each page).
    newest_last = theirs[-1][-1]
    theirs, ours = await walk_both(fake, lambda c: c.models.list(before_id=newest_last, limit=3))
    assert ours == theirs and len(ours) > 2 and newest_last not in ours[0]


async def test_file_pages_follow_next_page_as_the_official_sdk_does(fake: FakeClaude) -> None:
    for i in range(7):
        fake.files.add(b"x", filename=f"f{i}.txt", scope_id="sesn_1" if i % 2 else None)
    theirs, ours = await walk_both(fake, lambda c: c.files.list(limit=3))
    assert ours == theirs and [len(p) for p in ours] == [3, 3, 1]
    theirs, ours = await walk_both(
        fake, lambda c: c.beta.files.list(limit=2, scope_id="sesn_1", betas=[FILES_BETA])
    )
    assert ours == theirs and [len(p) for p in ours] == [2, 1]
    every = [i for ids in (await walk_both(fake, lambda c: c.files.list()))[1] for i in ids]
    wanted = [every[5], every[1], "file_gone"]
    theirs, ours = await walk_both(fake, lambda c: c.files.list(ids=wanted))
    assert ours == theirs == [[every[1], every[5]]]


async def test_a_file_page_has_the_next_page_token(fake: FakeClaude) -> None:
    for i in range(3):
        fake.files.add(b"x", filename=f"f{i}.txt")
    async with AsyncClaude(api_key="k", base_url=fake.url) as client:
        page = await client.files.list(limit=2)
        assert page.next_page == f"page_{page.data[-1].id}" and page.has_next_page()
        following = await client.files.list(page=page.next_page)
        assert following.next_page is None and not following.has_next_page()
        assert page_ids(following) == page_ids(await page.get_next_page())
        with pytest.raises(RuntimeError, match="no next page"):
            await following.get_next_page()
        raw = await client.files.with_raw_response.list(limit=2)
        assert page_ids(await raw.parse()) == page_ids(page)
        async with client.beta.files.with_streaming_response.list(limit=1) as response:
            listed = await response.parse()
            assert [page_ids(p) async for p in listed.iter_pages()] == [
                [i] for i in page_ids(page)
            ] + [page_ids(following)]


async def test_models_list_filters_by_lifecycle(fake: FakeClaude) -> None:
    models = [
        ModelSpec("m-active", "Active", created_at="2026-03-01T00:00:00Z"),
        ModelSpec("m-old", "Old", created_at="2026-02-01T00:00:00Z", lifecycle="deprecated"),
        ModelSpec("m-gone", "Gone", created_at="2026-01-01T00:00:00Z", lifecycle="retired"),
    ]
    async with (
        FakeClaude(models=models) as server,
        AsyncClaude(api_key="k", base_url=server.url) as client,
    ):
        assert [m.id async for m in client.models.list()] == ["m-active", "m-old"]
        retired = [m async for m in client.models.list(lifecycle=["retired"])]
        assert [(m.id, m.lifecycle) for m in retired] == [("m-gone", "retired")]
        every = client.models.list(lifecycle=("active", "deprecated", "retired"))
        assert [m.id async for m in every] == ["m-active", "m-old", "m-gone"]
        assert "lifecycle%5B%5D=retired" in server.requests[-1].path


# --------------------------------------------------------------------- refused early


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda c: c.models.list(workspace_id=7), TypeError, "workspace_id must be a str"),
        (lambda c: c.models.retrieve(MODEL, workspace_id=b"w"), TypeError, "workspace_id"),
        (lambda c: c.models.list(lifecycle="active"), TypeError, "lifecycle must be a list"),
        (lambda c: c.models.list(lifecycle=["active", 3]), TypeError, "lifecycle must hold"),
        (
            lambda c: c.messages.batches.create(requests=[], user_profile_id=1),
            TypeError,
            "user_profile_id must be a str",
        ),
        (lambda c: c.messages.batches.list(workspace_id=1), TypeError, "workspace_id"),
        (lambda c: c.messages.batches.cancel(""), ValueError, "message_batch_id"),
        (lambda c: c.messages.batches.results("b", workspace_id=1), TypeError, "workspace_id"),
        (lambda c: c.files.list(ids="file_1"), TypeError, "ids must be a list"),
        (lambda c: c.files.list(ids=["a"], limit=2), ValueError, "ids cannot be combined"),
        (lambda c: c.files.list(ids=["a"], page="page_x"), ValueError, "ids cannot be combined"),
        (
            lambda c: c.files.list(ids=[f"file_{i}" for i in range(101)]),
            ValueError,
            "at most 100",
        ),
        (lambda c: c.files.list(page=3), TypeError, "page must be a str"),
        (lambda c: c.beta.files.list(scope_id=["s"]), TypeError, "scope_id must be a str"),
        (lambda c: c.files.delete("f", workspace_id=1), TypeError, "workspace_id"),
        (lambda c: c.beta.files.download("f", workspace_id=1), TypeError, "workspace_id"),
        (lambda c: c.files.upload(file=b"x", workspace_id=1), TypeError, "workspace_id"),
    ],
)
async def test_wrong_arguments_are_refused_before_any_io(
    fake: FakeClaude, call: Callable[[Any], Any], error: type[Exception], match: str
) -> None:
    async with AsyncClaude(api_key="k", base_url=fake.url) as client:
        with pytest.raises(error, match=match):
            call(client)
        assert client._transport is None
    assert fake.requests == []


async def test_batches_wait_polls_with_the_workspace(fake: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=fake.url) as client:
        batch = await client.messages.batches.create(
            requests=[
                {
                    "custom_id": "r0",
                    "params": {
                        "model": MODEL,
                        "max_tokens": 5,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                }
            ],
            workspace_id="wrkspc_01",
        )
        ended = await client.messages.batches.wait(
            batch.id, poll_interval=0.01, workspace_id="wrkspc_01"
        )
        assert ended.processing_status == "ended"
        assert {r.headers.get("anthropic-workspace-id") for r in fake.requests} == {"wrkspc_01"}
        with pytest.raises(TypeError, match="workspace_id"):
            await client.messages.batches.wait(batch.id, workspace_id=1)  # type: ignore[arg-type]


def test_blocking_pages_iter_pages_and_next_page() -> None:
    with (
        FakeClaude.run_in_thread("trio", batch_seconds=0.0) as fake,
        Claude(api_key="k", base_url=fake.url, backend="trio") as client,
    ):
        for i in range(5):
            fake.files.add(b"x", filename=f"f{i}.txt")
        page = client.files.list(limit=2)
        pages = [page_ids(p) for p in page.iter_pages()]
        assert [len(p) for p in pages] == [2, 2, 1] and page.next_page == f"page_{pages[0][-1]}"
        assert [f.id for f in client.files.list(limit=2)] == [i for p in pages for i in p]
        models = client.models.list(limit=10)
        assert models.next_page is None and len(list(models.iter_pages())) > 1
        raw = client.messages.batches.with_raw_response.list(limit=1)
        assert raw.status_code == 200 and raw.parse().data == []
        with client.beta.files.with_streaming_response.list(ids=pages[0]) as response:
            assert page_ids(response.parse()) == pages[0]
        assert page_ids(client.with_raw_response.files.list(limit=2).parse()) == pages[0]
        with client.with_streaming_response.files.list(limit=2, page=page.next_page) as response:
            assert page_ids(response.parse()) == pages[1]
        batch = client.messages.batches.create(
            requests=[
                {
                    "custom_id": "r0",
                    "params": {
                        "model": MODEL,
                        "max_tokens": 5,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                }
            ]
        )
        fake.requests.clear()
        client.messages.batches.wait(batch.id, poll_interval=0.01, workspace_id="wrkspc_01")
        assert {r.headers.get("anthropic-workspace-id") for r in fake.requests} == {"wrkspc_01"}


async def test_with_raw_and_streaming_response_on_batches_itself(fake: FakeClaude) -> None:
    async with AsyncClaude(api_key="k", base_url=fake.url) as client:
        batches = client.messages.batches
        raw = await batches.with_raw_response.create(
            requests=[
                {
                    "custom_id": "r0",
                    "params": {
                        "model": MODEL,
                        "max_tokens": 5,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                }
            ]
        )
        created = await raw.parse()
        assert raw.status_code == 200 and created.id.startswith("msgbatch_")
        async with batches.with_streaming_response.retrieve(created.id) as response:
            assert (await response.parse()).id == created.id
        page = await (await batches.with_raw_response.list()).parse()
        assert page_ids(page) == [created.id]
        async with client.with_streaming_response.files.list() as listed:
            assert (await listed.parse()).data == []
        assert (await (await client.with_raw_response.files.list()).parse()).data == []
