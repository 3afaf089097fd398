"""End-to-end tests: the demo storefront in Chromium against the real demo server."""
