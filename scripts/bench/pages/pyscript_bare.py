"""Bare PyScript page (main thread, no packages): the baseline a PyScript shop would know."""

import js

js.window.__ready = js.performance.now()
