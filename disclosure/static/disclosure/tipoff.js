/* Tip-off pages and 附近的企业 (/nearby), progressive enhancement only: every page works
 * without this script.
 * - the forms: "使用我的位置" fills latitude/longitude from the Geolocation API;
 *   the error summary gets the focus (autofocus does it in most browsers already);
 * - the receipt: copy buttons (Clipboard API) and a print button.
 * Buttons are `hidden` in the HTML and shown only when what they need exists. */
(function () {
  "use strict";

  function say(id, text) {
    var status = document.getElementById(id);
    if (status) { status.textContent = text; }
  }

  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) { summary.focus(); }

  var locate = document.getElementById("use-location");
  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say("location-status", locate.dataset.wait);
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = position.coords.longitude.toFixed(6);
        locate.disabled = false;
        say("location-status", locate.dataset.done);
      }, function () {
        locate.disabled = false;
        say("location-status", locate.dataset.fail);
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }

  if (navigator.clipboard && window.isSecureContext) {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          say("copy-status", button.dataset.done);
        });
      });
    });
  }

  var print = document.getElementById("print-receipt");
  if (print && typeof window.print === "function") {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
}());
