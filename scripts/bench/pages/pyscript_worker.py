"""PyScript page (worker): import xo_web, init against the bench sink, send one activity.

The worker has no ``window``: it posts ``{"xoBenchReady": true}`` to the page, whose listener
(pages/pyscript-worker.html) marks ready.
"""

import js

from xo_web import activity

activity.init("bench", collect_url=js.location.origin + "/sink")
activity.send({"action": "view", "target": {"pathToPage": "/bench/pyscript-worker.html"}})
js.postMessage(js.JSON.parse('{"xoBenchReady": true}'))
