  // stub: window.xo, the pre-boot queue (window._attraqt), xo.ready, and attaching the SDK.
  var queue = (w._attraqt = Array.isArray(w._attraqt) ? w._attraqt : []);
  var activity = (xo.activity = xo.activity || {});
  var pending = new WeakMap();
  var bridges = new WeakMap(); // worker -> its bridge (null until it says hello)
  var attached = false;

  function report(stage, error) {
    console.error("[xo_web] " + stage + ":", error);
    w.dispatchEvent(
      new CustomEvent("xo:error", { detail: { stage: stage, message: String(error && error.message || error) } })
    );
  }

  QUEUEABLE.forEach(function (name) {
    activity[name] = function () {
      var entry = [name].concat(Array.prototype.slice.call(arguments));
      var result;
      if (name === "send") {
        result = new Promise(function (resolve, reject) {
          pending.set(entry, { resolve: resolve, reject: reject });
        });
        result.catch(function () {}); // also reported through xo:error; avoid a second log
      }
      queue.push(entry);
      return result;
    };
  });
  GETTERS.forEach(function (name) {
    activity[name] = function () {
      return null;
    };
  });
  xo.init = function (config) {
    if (attached) return activity.init(config);
    queue.push(["init", config]);
  };

  var settle = {};
  xo.ready = new Promise(function (resolve, reject) {
    settle.resolve = resolve;
    settle.reject = reject;
  });
  xo.ready.catch(function () {});

  function bind(dispatch, name) {
    return function () {
      var answer = dispatch(name, Array.prototype.slice.call(arguments));
      if (answer.ok) return answer.value;
      var ErrorType = answer.kind === "RangeError" ? RangeError : answer.kind === "Error" ? Error : TypeError;
      throw new ErrorType(answer.message);
    };
  }

  function run(entry) {
    var waiter = pending.get(entry);
    try {
      // Only the SDK's own queueable names: never an inherited Object method such as
      // "__defineSetter__" or "constructor".
      if (!Array.isArray(entry) || QUEUEABLE.indexOf(entry[0]) < 0) {
        throw new TypeError("Unknown _attraqt entry: " + JSON.stringify(entry && entry[0]));
      }
      var value = activity[entry[0]].apply(activity, entry.slice(1));
      if (waiter) waiter.resolve(value);
    } catch (error) {
      report("queued call " + (entry && entry[0]), error);
      if (waiter) waiter.reject(error);
    }
  }

  // Called once by xo_web/adapters/browser.py with the Python dispatcher: swap the stub for the SDK,
  // replay what was queued before boot, and run later pushes at once.
  xo.__attach = function (dispatch) {
    if (attached) return xo;
    attached = true;
    QUEUEABLE.concat(GETTERS).forEach(function (name) {
      activity[name] = bind(dispatch, name);
    });
    xo.init = function (config) {
      return activity.init(config);
    };
    var backlog = takePending().concat(queue.splice(0, queue.length));
    queue.push = function () {
      for (var i = 0; i < arguments.length; i++) run(arguments[i]);
      return queue.length;
    };
    backlog.forEach(run);
    settle.resolve(xo);
    return xo;
  };
  xo.__fail = function (error) {
    report("boot", error);
    settle.reject(error);
  };
