"""Identity stitching as pure functions over stored rows."""

from __future__ import annotations

from typing import Any

from demo.collector.stitching import ActivityRow, assign, profiles_of, session_links, stitch

CUSTOMER = "cust-42"


def row(
    row_id: int,
    session: str | None,
    ecommerce: str | None = None,
    *,
    tracker_key: str = "demo",
    action: str = "view",
    user: dict[str, Any] | None = None,
) -> ActivityRow:
    """A stored row whose wire user carries the given identities (or ``user`` as given)."""
    if user is None:
        identities = {"sessionid": session} if session else {}
        if ecommerce:
            identities["ecommerceid"] = ecommerce
        user = {"identities": identities}
    return ActivityRow(
        id=row_id,
        received_at=f"2026-01-01T00:00:{row_id:02d}.000Z",
        tracker_key=tracker_key,
        wire={"action": action, "target": {}, "user": user},
        sessionid=session,
        ecommerceid=ecommerce,
    )


def login_logout_rows() -> list[ActivityRow]:
    """Anonymous browsing, login, logged-in browsing, logout, anonymous browsing again."""
    return [
        row(1, "s1"),  # anonymous, before login
        row(2, "s1"),
        row(3, "s1", CUSTOMER),  # login
        row(4, "s1", CUSTOMER),
        row(5, "s2"),  # after logout: new session, no e-commerce id
        row(6, "s2"),
    ]


def test_login_logout_scenario_stitches_one_customer_profile() -> None:
    """Anonymous + logged-in activities form one customer profile; the post-logout session not."""
    profiles = {p.profile_id: p for p in stitch(login_logout_rows())}
    assert set(profiles) == {"demo:ecommerceid:cust-42", "demo:sessionid:s2"}
    customer = profiles["demo:ecommerceid:cust-42"]
    assert customer.activity_ids == [1, 2, 3, 4]
    assert customer.session_ids == ["s1"]
    assert customer.ecommerce_id == CUSTOMER
    after_logout = profiles["demo:sessionid:s2"]
    assert after_logout.activity_ids == [5, 6]
    assert after_logout.anonymous


def test_earlier_anonymous_activities_join_the_customer_retroactively() -> None:
    """Activities sent before the login are attributed to the customer once the login arrives."""
    assert assign([row(1, "s1")]) == {1: "demo:sessionid:s1"}
    assert assign([row(1, "s1"), row(2, "s1", CUSTOMER)]) == {
        1: "demo:ecommerceid:cust-42",
        2: "demo:ecommerceid:cust-42",
    }


def test_session_without_ecommerce_id_stays_anonymous() -> None:
    """A session that never carries an e-commerce id is an anonymous profile of its own."""
    (profile,) = stitch([row(1, "s9"), row(2, "s9")])
    assert profile.profile_id == "demo:sessionid:s9"
    assert profile.anonymous
    assert profile.ecommerce_id is None
    assert profile.identities == {"sessionid": "s9"}


def test_login_again_in_the_new_session_attributes_that_whole_session() -> None:
    """A later login in the post-logout session brings that session's activities to the customer."""
    rows = [*login_logout_rows(), row(7, "s2", CUSTOMER)]
    (customer,) = stitch(rows)
    assert customer.activity_ids == [1, 2, 3, 4, 5, 6, 7]
    assert customer.session_ids == ["s1", "s2"]


def test_first_link_of_a_session_wins() -> None:
    """A session is linked to the first e-commerce id seen with it."""
    assert session_links([row(1, "s1", "a"), row(2, "s1", "b")]) == {("demo", "s1"): "a"}


def test_explicit_ecommerce_id_beats_the_session_link() -> None:
    """An activity naming another customer (account switch) belongs to that customer."""
    rows = [row(1, "s1", "a"), row(2, "s1"), row(3, "s1", "b")]
    assert assign(rows) == {
        1: "demo:ecommerceid:a",
        2: "demo:ecommerceid:a",
        3: "demo:ecommerceid:b",
    }


def test_profiles_do_not_cross_tracker_keys() -> None:
    """The same session and customer ids under two tracker keys make two separate profiles."""
    rows = [row(1, "s1", CUSTOMER, tracker_key="a"), row(2, "s1", tracker_key="b")]
    assert assign(rows) == {1: "a:ecommerceid:cust-42", 2: "b:sessionid:s1"}


def test_row_order_is_by_id_not_by_input_order() -> None:
    """Stitching sorts rows by id, so the input order does not matter."""
    rows = login_logout_rows()
    assert assign(reversed(rows)) == assign(rows)


def test_profile_merges_identities_segments_and_traits() -> None:
    """A profile keeps the latest identities, the union of segments and the latest traits."""
    rows = [
        row(
            1,
            "s1",
            user={"identities": {"sessionid": "s1"}, "segments": ["new"], "traits": {"age": 40}},
        ),
        row(
            2,
            "s1",
            CUSTOMER,
            user={
                "identities": {"sessionid": "s1", "ecommerceid": CUSTOMER, "crmid": "crm-7"},
                "segments": ["new", "vip"],
                "traits": {"age": 45, "buyer": True},
            },
        ),
    ]
    (profile,) = stitch(rows)
    assert profile.identities == {"sessionid": "s1", "ecommerceid": CUSTOMER, "crmid": "crm-7"}
    assert profile.segments == ["new", "vip"]
    assert profile.traits == {"age": 45, "buyer": True}


def test_activity_without_identities_is_its_own_profile() -> None:
    """A row with neither session nor e-commerce id gets a per-activity profile."""
    assert assign([row(8, None)]) == {8: "demo:activity:8"}


def test_profiles_of_selects_only_profiles_touched() -> None:
    """profiles_of returns the profiles of the given activities only, stitched over all rows."""
    (profile,) = profiles_of(login_logout_rows(), [1])
    assert profile.profile_id == "demo:ecommerceid:cust-42"
    assert profile.activity_ids == [1, 2, 3, 4]
