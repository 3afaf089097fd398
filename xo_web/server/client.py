"""The sender's HTTP client (httpx2): one pooled client per sender, explicit timeouts.

Why httpx2 rather than httpx: it is pydantic's maintained continuation of httpx with the same
API, released in step with pydantic (which xo_web already depends on); and as a distribution of
its own name (`httpx2`, `httpcore2`) it never conflicts with the shop's own pin of httpx.
`post`/`apost` send one batch — a JSON array built from the stored activity texts, as the
browser sends it — and return an `Answer`; a network failure or timeout is status 0, never
an exception.
"""

from dataclasses import dataclass

import httpcore2
import httpx2

from xo_web import __version__
from xo_web.server.settings import SenderSettings

# Fork safety (gunicorn preload_app: the master sends, then forks while its sender thread is
# making its client). httpx2 imports httpcore2 lazily and each Client() loads the CA
# certificates into a new SSL context; done in the sender thread, a fork in the middle left the
# child a half-imported httpcore2, or an OpenSSL lock held forever (the child's sender then
# hung in ssl.create_default_context). Both happen here instead, once, in the importing thread,
# and every client shares the one context (an SSLContext is safe to share between threads).
SSL_CONTEXT = httpcore2.default_ssl_context()

HEADERS = {
    "Content-Type": "application/json",
    "X-SDK": "1",
    "User-Agent": f"xo_web-server/{__version__}",
}
MAX_DETAIL_CHARS = 500


@dataclass(frozen=True)
class Answer:
    """What one request came to: the status (0: no response), `Retry-After`, a short detail."""

    status: int
    retry_after: str | None
    detail: str


def _timeout(settings: SenderSettings) -> httpx2.Timeout:
    return httpx2.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)


def _limits() -> httpx2.Limits:
    return httpx2.Limits(max_connections=4, max_keepalive_connections=2, keepalive_expiry=30.0)


def make_client(settings: SenderSettings) -> httpx2.Client:
    """Return the sender's pooled synchronous client."""
    return httpx2.Client(
        timeout=_timeout(settings), limits=_limits(), headers=HEADERS, verify=SSL_CONTEXT
    )


def make_async_client(settings: SenderSettings) -> httpx2.AsyncClient:
    """Return the sender's pooled asyncio client (made inside the loop that uses it)."""
    return httpx2.AsyncClient(
        timeout=_timeout(settings), limits=_limits(), headers=HEADERS, verify=SSL_CONTEXT
    )


def body_of(bodies: list[str]) -> bytes:
    """The request body: the stored activity texts as one JSON array."""
    return ("[" + ",".join(bodies) + "]").encode()


def post(client: httpx2.Client, endpoint: str, bodies: list[str]) -> Answer:
    """Send one batch; never raises for a network failure."""
    try:
        response = client.post(endpoint, content=body_of(bodies))
    except httpx2.TimeoutException as error:
        return Answer(0, None, f"timeout: {type(error).__name__}")
    except httpx2.HTTPError as error:
        return Answer(0, None, f"network error: {error}"[:MAX_DETAIL_CHARS])
    return _answer(response)


async def apost(client: httpx2.AsyncClient, endpoint: str, bodies: list[str]) -> Answer:
    """Send one batch from asyncio; never raises for a network failure."""
    try:
        response = await client.post(endpoint, content=body_of(bodies))
    except httpx2.TimeoutException as error:
        return Answer(0, None, f"timeout: {type(error).__name__}")
    except httpx2.HTTPError as error:
        return Answer(0, None, f"network error: {error}"[:MAX_DETAIL_CHARS])
    return _answer(response)


def _answer(response: httpx2.Response) -> Answer:
    detail = "" if 200 <= response.status_code < 300 else response.text[:MAX_DETAIL_CHARS]
    return Answer(response.status_code, response.headers.get("retry-after"), detail)


__all__ = ["HEADERS", "Answer", "apost", "body_of", "make_async_client", "make_client", "post"]
