/*
 * xo_web loader for plain JavaScript pages, assembled by `xo-web build` from
 * xo_web/facade/js/ (header, prelude, stub, consent, bridge, hide, worker, loader: one concern
 * each).
 *
 *   <script src="/xo/xo.js" data-tracker-key="KEY" data-region="eu" async></script>
 *
 * Synchronously installs window.xo, window.xo.activity (a stub that queues calls into
 * window._attraqt, the JS SDK's queue and entry shape) and window.xo.ready (a Promise), then
 * boots Pyodide and xo_web from the directory this file was served from.
 * With data-boot="false" it only installs the stub: a PyScript page whose Python calls
 * `activity.init(...)` attaches the SDK to it (xo_web injects this file itself if absent).
 *
 * Workers (docs/pages.md): with data-worker the SDK boots in a module worker running this
 * same file, and the page keeps only the bridge below; on any page, a PyScript worker script
 * (or a worker given to xo.connectWorker) that uses xo_web says {xo: "hello"} and is bridged.
 * The bridge owns what only the page can do: localStorage (the worker mirrors the attraqt*
 * keys; its writes arrive here in order), other tabs' `storage` events, DNT/GPC, online, and
 * the page-hide flush of this tab's outbox entries with fetch keepalive. In this mode every
 * xo.activity method returns a Promise (bad input: rejected with TypeError). Messages are
 * documented in xo_web/adapters/bridge.py.
 *
 * The Python side (xo_web/facade/calls.py) hands over one `dispatch(name, args)` function that
 * answers {ok: true, value} or {ok: false, kind, message}; this file turns the latter into a
 * real thrown TypeError, so page code never sees a PythonError. Method names come from
 * xo_web/facade/names.py.
 */
