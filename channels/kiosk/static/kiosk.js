// The kiosk pages end a person's session after 60 seconds without input:
// the countdown restarts on every touch or key, and at zero the logout form
// is submitted (on the login page the typed input is cleared instead). The
// server ends an idle session on its own as well.
(function () {
  'use strict';
  var limit = parseInt(document.body.getAttribute('data-idle-seconds'), 10) || 60;
  var left = limit;
  var shown = document.getElementById('idle-left');
  function reset() { left = limit; if (shown) { shown.textContent = String(left); } }
  ['pointerdown', 'keydown', 'touchstart'].forEach(function (ev) { document.addEventListener(ev, reset, { passive: true }); });
  setInterval(function () {
    left -= 1;
    if (shown) { shown.textContent = String(Math.max(left, 0)); }
    if (left > 0) { return; }
    var form = document.getElementById('logout-form');
    if (form) {
      document.getElementById('logout-reason').value = 'idle';
      form.submit();
    } else {
      var f = document.getElementById('login-form');
      if (f) { f.reset(); }
      reset();
    }
  }, 1000);
})();
