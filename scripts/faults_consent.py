"""The consent scenario of scripts/faults.py: grant and withdrawal while the collector flaps.

One tab in the opt-in mode (consent="required"). The first 15% of the activities are sent while
consent is pending (held in memory), then the consent platform grants; the collector is down
for 20 sends of every 100 (and answers 5xx, aborts and 429s when up, as in every scenario); at
69%, while it is down, the visitor withdraws (the outbox and the session id go), sends are
refused for a while, then at 75% consent is granted again. Counted: every activity the SDK took
(held, then granted, or sent while granted) must reach the collector once, except those still
undelivered at the withdrawal (dropped by design); no request may leave while consent is not
granted.
"""

from __future__ import annotations

import asyncio
from typing import Any

from xo_web.core.ports import HttpRequest, HttpResponse


async def consent_flapping(faults: Any, seed: int, count: int) -> dict[str, Any]:
    """Run the scenario with faults.py's Run and Collector; return its report."""
    run = faults.Run(seed, consent="required")
    tab = run.tabs[0]
    violations: list[str] = []
    answer = run.collector._answer

    def checked(request: HttpRequest) -> HttpResponse:
        if tab.consent != "granted":
            violations.append(request.body[:60])
        return answer(request)  # type: ignore[no-any-return]

    run.collector._answer = checked
    taken: list[str] = []
    withdrawn: set[str] = set()
    refused = 0
    grant_at, withdraw_at, regrant_at = count * 15 // 100, count * 69 // 100, count * 75 // 100
    for index in range(count):
        activity_id = f"a{index:04d}"
        if index in (grant_at, regrant_at):
            tab._set_page_consent("granted")
        elif index == withdraw_at:
            withdrawn = set(taken) - set(run.collector.accepted)
            tab._set_page_consent("denied")
        run.collector.up = index % 100 < 80
        state = tab.consent
        tab.send({"action": "view", "target": {"product": "p", "id": activity_id}})
        if state == "denied":
            refused += 1
        else:
            taken.append(activity_id)
        await run.advance(run.rng.expovariate(2.0))
    run.collector.up = True
    waited = 0.0
    while run.queued() and waited < 24 * 3600:
        await run.advance(60)
        waited += 60
    await asyncio.sleep(0)
    delivered = set(run.collector.accepted)
    lost = set(taken) - delivered - withdrawn
    return {
        "scenario": "consent",
        "seed": seed,
        "activities": count,
        "held_while_pending": grant_at,
        "refused_while_withdrawn": refused,
        "dropped_at_withdrawal": len(withdrawn - delivered),
        "sent": sum(run.collector.sent.values()),
        "accepted": len(delivered),
        "duplicated": sum(run.collector.accepted.values()) - len(delivered),
        "lost": len(lost),
        "lost_handed_off": 0,
        "invented": len(delivered - set(taken)),
        "sent_while_not_granted": len(violations),
        "requests": sum(run.collector.answers.values()),
        "left_in_outbox": run.queued(),
    }
