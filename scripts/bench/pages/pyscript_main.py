"""PyScript page (main thread): import xo_web, init against the bench sink, send one activity."""

import js

from xo_web import activity

activity.init("bench", collect_url=js.location.origin + "/sink")
activity.send({"action": "view", "target": {"pathToPage": "/bench/pyscript.html"}})
js.window.__ready = js.performance.now()
