"""The server's fast path of validation gives byte-identical texts to the full (pydantic) path,
or the same error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.wire.test_fast import VIEW, activities, likely_valid
from xo_web.errors import ValidationError
from xo_web.server import prepare
from xo_web.server.prepare import prepare_server_batch, prepare_validated

SESSION = {"sessionid": "s-1"}
TINY_TRAIT_USER = {"identities": SESSION, "traits": {"x": 1e-7}}  # not plain: the slow encoder
USERS = st.one_of(
    st.just({"identities": SESSION}),
    st.just({"identities": {**SESSION, "ecommerceid": "c-1"}, "segments": ["vip"]}),
    st.just({"identities": SESSION, "traits": {"score": 4.5, "big": 1e21, "n": 10.0}}),
    st.just({"identities": {"crmid": "c-1"}}),
    st.just({"identities": SESSION, "traits": {"email": "a@b.example"}}),
    st.just({"identities": SESSION, "segments": "vip"}),
    st.none(),
)


def outcome(
    prepare_texts: Callable[..., list[str]], obj: object, user: object, guard: bool
) -> object:
    """The texts `prepare_texts` makes of `obj`, or the error it raises (field and message)."""
    try:
        return prepare_texts(obj, user, personal_data_guard=guard)
    except ValidationError as error:
        return ("error", error.field, str(error))


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(likely_valid(), activities(), st.lists(likely_valid(), max_size=3)),
    USERS,
    st.booleans(),
)
@example(VIEW, {"identities": SESSION}, True)
@example([VIEW, {**VIEW, "action": ""}], {"identities": SESSION}, True)
@example({**VIEW, "metadata": {"price": 19.99}}, TINY_TRAIT_USER, True)
def test_the_fast_path_gives_the_full_paths_texts_or_error(
    obj: object, user: object, guard: bool
) -> None:
    """prepare_server_batch returns byte for byte what prepare_validated returns, or its error."""
    assert outcome(prepare_server_batch, obj, user, guard) == outcome(
        prepare_validated, obj, user, guard
    )


def test_a_common_activity_is_prepared_without_pydantic(monkeypatch: pytest.MonkeyPatch) -> None:
    """A purchase with user= takes the fast path: the full validation is never called."""

    def refuse(*args: Any) -> None:
        raise AssertionError("the full validation ran")

    monkeypatch.setattr(prepare, "parse_activities", refuse)
    texts = prepare_server_batch([VIEW, VIEW], {"identities": SESSION})
    assert len(texts) == 2
    assert '"sessionid":"s-1"' in texts[0]


def test_a_user_already_checked_is_not_validated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same user on every send is validated once (remembered by value), not per send."""
    calls: list[object] = []
    parse_user = prepare.parse_user  # type: ignore[attr-defined]

    def counting(user: Any) -> Any:
        calls.append(user)
        return parse_user(user)

    monkeypatch.setattr(prepare, "parse_user", counting)
    user = {"identities": {"sessionid": "memo-1"}, "traits": {"tier": 2}}
    for _ in range(3):
        prepare_server_batch(VIEW, dict(user))
    assert len(calls) == 1


def test_a_remembered_user_is_told_apart_by_its_types() -> None:
    """A trait of 1 and one of 1.0 or True are different users, each validated and encoded."""
    texts = [
        prepare_server_batch(VIEW, {"identities": SESSION, "traits": {"t": value}})[0]
        for value in (1, 1.5, True, "1")
    ]
    assert [text.split('"traits":')[1][:10] for text in texts] == [
        '{"t":1},"s',
        '{"t":1.5},',
        '{"t":true}',
        '{"t":"1"},',
    ]
