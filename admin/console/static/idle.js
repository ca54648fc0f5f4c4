// Idle timeout of the admin console (idle.go): the server ends a session after
// data-idle-seconds without a request; this page counts from its last request
// (load or htmx), shows #idle-warning in the last minute and then goes to the
// login page, which says the session ended.
(function () {
  var body = document.body;
  var limit = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (!limit) {
    return;
  }
  var last = Date.now();
  document.addEventListener("htmx:afterRequest", function () { last = Date.now(); });
  setInterval(function () {
    var idle = (Date.now() - last) / 1000;
    var warn = document.getElementById("idle-warning");
    if (idle >= limit) {
      window.location.href = "/admin/login?expired=1&next=" + encodeURIComponent(window.location.pathname + window.location.search);
      return;
    }
    if (warn) {
      warn.hidden = idle < limit - 60;
    }
  }, 5000);
})();
