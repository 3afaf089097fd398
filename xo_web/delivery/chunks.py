"""How queued entries become requests: which entries share one, and the body it carries.

Pure functions over entries: `take_chunk` picks the longest run of ready entries that fits one
request (activity count, byte budget, entries being narrowed down one send at a time), and
`request_body` joins their already-encoded activities into the JSON array, nothing re-encoded.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from xo_web.delivery.entry import Entry
from xo_web.wire import MAX_BATCH_SIZE, json_array_size


def request_body(entries: Sequence[Entry], *, first_part: bool = False) -> tuple[str, int]:
    """Return the request body carrying `entries` (JSON array) and its UTF-8 size.

    With `first_part`, only the first send of the single entry given. Nothing is re-encoded.
    """
    texts: list[str] = []
    sizes: list[int] = []
    for entry in entries:
        encoded = entry.encoded()
        take = encoded.part_counts[0] if first_part else len(encoded.texts)
        texts.extend(encoded.texts[:take])
        sizes.extend(encoded.sizes[:take])
    return "[" + ",".join(texts) + "]", json_array_size(sizes)


def body_bytes(entries: Sequence[Entry]) -> int:
    """Return the UTF-8 size of the request body carrying `entries`."""
    return request_body(entries)[1]


def one_send_at_a_time(chunk: Sequence[Entry], solo: set[str]) -> bool:
    """True when the chunk is one entry of several sends, to be sent one send at a time."""
    return len(chunk) == 1 and chunk[0].id in solo and len(chunk[0].part_counts) > 1


def activities_of(entries: Sequence[Entry], *, first_part: bool = False) -> list[dict[str, Any]]:
    """Return the activities a request carries (only the first send with `first_part`)."""
    if first_part:
        return list(entries[0].body[: entries[0].part_counts[0]])
    return [activity for entry in entries for activity in entry.body]


def without_first_send(entry: Entry) -> Entry | None:
    """Return `entry` without its first send, or None when that was its only one."""
    counts = entry.part_counts
    if len(counts) < 2:
        return None
    entry = entry.encoded()
    take = counts[0]
    rest = counts[1:]
    return replace(
        entry,
        body=entry.body[take:],
        texts=entry.texts[take:],
        sizes=entry.sizes[take:],
        parts=rest if len(rest) > 1 else (),
    )


def take_chunk(ready: Sequence[Entry], solo: set[str], limit: int) -> list[Entry]:
    """Return the longest prefix of `ready` that fits one request (at least one entry)."""
    chunk: list[Entry] = []
    count = 0
    size = 2
    for entry in ready:
        entry_size = entry.body_bytes() - 2
        if chunk and (
            entry.id in solo
            or chunk[0].id in solo
            or count + len(entry.body) > MAX_BATCH_SIZE
            or size + 1 + entry_size > limit
        ):
            break
        chunk.append(entry)
        count += len(entry.body)
        size += entry_size + (1 if len(chunk) > 1 else 0)
    return chunk
