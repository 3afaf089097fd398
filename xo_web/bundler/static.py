"""Host-only: serving the bundle from Starlette or FastAPI, precompressed and cached right.

``BundleFiles`` is Starlette's ``StaticFiles`` with what a Pyodide bundle needs (needs
``starlette``, which xo_web itself does not install):

- the right types: ``.wasm`` as ``application/wasm`` (else no streaming compilation), ``.mjs``
  and ``.js`` as ``text/javascript`` (else no module scripts);
- the build's ``.br``/``.gz`` copies (``xo_web.bundler.compress``) for a browser that accepts
  them, with ``Content-Encoding``, the original file's type and ``Vary: Accept-Encoding``;
- ``Cache-Control``: ``immutable`` for a bundle served under a path of its own per build (the
  default: ``--base-url /xo/<release>/``), else ``no-cache`` (revalidated: 304 when unchanged).

```python
from xo_web.bundler.static import BundleFiles

app.mount("/xo/2026-05-01", BundleFiles(directory="public/xo"))  # FastAPI
Mount("/xo/2026-05-01", app=BundleFiles(directory="public/xo"))  # Starlette's routes
```
"""

from __future__ import annotations

import mimetypes
import os
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MEDIA_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
}
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))
"""Content codings in the order preferred, with the suffix of their copy."""

__all__ = ["IMMUTABLE", "REVALIDATE", "BundleFiles", "accepted_codings"]


def accepted_codings(accept_encoding: str) -> set[str]:
    """Return the codings an ``Accept-Encoding`` header accepts (those not given ``q=0``)."""
    accepted = set()
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        refused = any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
        if coding and not refused:
            accepted.add(coding.lower())
    return accepted


def media_type(path: str) -> str:
    """Return the type to send ``path`` with (the bundle's types first, then mimetypes')."""
    suffix = os.path.splitext(path)[1].lower()
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


class BundleFiles(StaticFiles):
    """The bundle's files: precompressed where the browser accepts it, with caching headers."""

    def __init__(self, *args: Any, immutable: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_control = IMMUTABLE if immutable else REVALIDATE

    def file_response(
        self,
        full_path: os.PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """Answer with the best copy of ``full_path`` the request accepts."""
        request_headers = Headers(scope=scope)
        path = os.fspath(full_path)
        served, coding = path, None
        accepted = accepted_codings(request_headers.get("accept-encoding", ""))
        for name, suffix in PRECOMPRESSED:
            if name in accepted and os.path.isfile(path + suffix):
                served, coding = path + suffix, name
                break
        headers = {"Cache-Control": self.cache_control, "Vary": "Accept-Encoding"}
        if coding is not None:
            headers["Content-Encoding"] = coding
            stat_result = os.stat(served)
        response = FileResponse(
            served,
            status_code=status_code,
            headers=headers,
            media_type=media_type(path),
            stat_result=stat_result,
        )
        if self.is_not_modified(response.headers, request_headers):
            return NotModifiedResponse(response.headers)
        return response
