"""PyScript page (worker): the same as pyscript_main.py, in a worker; marks ready on the page."""

from pyscript import window

from xo_web import activity

activity.init("bench", collect_url=window.location.origin + "/sink")
activity.send({"action": "view", "target": {"pathToPage": "/bench/pyscript-worker.html"}})
window.__ready = window.performance.now()
