"""Product pictures: inline SVG drawn from the product's ``art`` and ``hue``.

No image files and no external requests: the page's CSP allows images from its own origin only.
"""

from __future__ import annotations

from html import escape

from .catalog import Product

ART = {
    "shirt": '<path d="M40 28 52 22q8 9 16 0l12 6 14 14-10 10-6-5v51H42V47l-6 5-10-10z"/>',
    "jacket": (
        '<path d="M38 26 52 22 60 34 68 22 82 26 96 44 86 54 80 49v49H40V49l-6 5-10-10z"/>'
        '<path d="M60 34v64" stroke="#fff" stroke-opacity=".6" stroke-width="2"/>'
        '<rect x="46" y="56" width="10" height="8" rx="2" fill="#fff" fill-opacity=".35"/>'
    ),
    "sneaker": (
        '<path d="M18 72q2-20 16-22l18 6q8-10 16-6l22 12q12 4 12 14v4H18z"/>'
        '<rect x="16" y="80" width="88" height="8" rx="4" fill="#fff" fill-opacity=".8"/>'
    ),
    "beanie": (
        '<path d="M30 74q0-38 30-38t30 38z"/>'
        '<rect x="27" y="70" width="66" height="16" rx="5" fill-opacity=".75"/>'
        '<circle cx="60" cy="31" r="9"/>'
    ),
    "backpack": (
        '<path d="M48 36q0-12 12-12t12 12" fill="none" stroke="currentColor" stroke-width="5"/>'
        '<rect x="34" y="34" width="52" height="66" rx="14"/>'
        '<rect x="43" y="66" width="34" height="24" rx="6" fill="#fff" fill-opacity=".3"/>'
    ),
    "mug": (
        '<path d="M78 52q16 0 16 14t-16 14" fill="none" stroke="currentColor" stroke-width="6"/>'
        '<rect x="32" y="40" width="48" height="56" rx="8"/>'
        '<path d="M46 22q-4 6 0 10M58 20q-4 7 0 12" fill="none" stroke="currentColor" '
        'stroke-opacity=".4" stroke-width="3" stroke-linecap="round"/>'
    ),
    "lamp": (
        '<path d="M44 96h32" stroke="currentColor" stroke-width="8" stroke-linecap="round"/>'
        '<path d="M60 94 48 60l24-22" fill="none" stroke="currentColor" stroke-width="5"/>'
        '<path d="M62 22l30 8-10 26z"/>'
        '<circle cx="86" cy="52" r="5" fill="#fff6c8"/>'
    ),
    "glasses": (
        '<circle cx="40" cy="62" r="17"/><circle cx="80" cy="62" r="17"/>'
        '<path d="M56 58q4-5 8 0M23 58 14 50M97 58l9-8" fill="none" stroke="currentColor" '
        'stroke-width="4" stroke-linecap="round"/>'
    ),
}


DEFAULT_ART = '<circle cx="60" cy="60" r="30"/>'


def product_art(product: Product) -> str:
    """An inline SVG picture of the product (no image files, no external requests)."""
    hue = product.hue
    return (
        f'<svg class="art" viewBox="0 0 120 120" role="img" aria-label="{escape(product.name)}">'
        f'<rect width="120" height="120" rx="14" fill="hsl({hue} 70% 93%)"/>'
        f'<g fill="hsl({hue} 55% 45%)" color="hsl({hue} 55% 35%)">'
        f"{ART.get(product.art, DEFAULT_ART)}</g></svg>"
    )
