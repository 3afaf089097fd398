"""The storefront's pure logic: no ``js``, no ``pyodide``, no network, nothing done at import.

* :mod:`.catalog` — :class:`~.catalog.Product` and parsing the catalog JSON;
* :mod:`.cart` — quantities, totals and :data:`~.cart.MAX_QUANTITY`;
* :mod:`.activities` — the dicts the shop passes to ``activity.send``;
* :mod:`.account` — the demo's login: names, e-commerce ids;
* :mod:`.state` — what the page remembers between renders (cart, user, last order, log);
* :mod:`.routing` — a path to a :class:`~.routing.Route`;
* :mod:`.templates` and :mod:`.art` — the pages as escaped HTML strings.

The one module that touches the browser is ``app.py`` next to this package: it wires these
modules to the DOM, the History API, localStorage and ``xo_web.activity``. In the browser,
PyScript copies this folder to ``./demo/storefront/shop/`` (``pyscript.json``, ``files``), so
``demo.storefront.shop`` is imported by the same name there as under CPython and mypy.
"""
