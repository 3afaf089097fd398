"""The demo's own login (not the SDK's state): clean login names and their e-commerce ids.

Any name logs in; ``Ada Lovelace`` becomes the customer ``cust-ada-lovelace``. Logging in also
puts the visitor in :data:`MEMBER_SEGMENT` with the trait :data:`MEMBER_TRAIT`.
"""

from __future__ import annotations

import re

USER_STORAGE_KEY = "xo-demo-user"  # localStorage key of the demo's login (not the SDK's)
ECOMMERCE_REPOSITORY = "ecommerceId"
MAX_NAME_LENGTH = 40
MEMBER_SEGMENT = "members"
MEMBER_TRAIT = ("loyaltyTier", "silver")


def clean_name(name: str) -> str:
    """A typed name with its whitespace collapsed, cut to MAX_NAME_LENGTH ("" logs no one in)."""
    return " ".join(name.split())[:MAX_NAME_LENGTH]


def ecommerce_id_for(name: str) -> str:
    """The demo's customer id for a login name: ``Ada Lovelace`` → ``cust-ada-lovelace``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return f"cust-{slug or 'guest'}"
