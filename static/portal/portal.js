/* SatuPintu portal: tiny progressive enhancements; every page works without it. */
(function () {
  "use strict";
  var toggle = document.querySelector("[data-toggle-nav]");
  var nav = document.getElementById("mainnav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  /* Portal helpers for other scripts: SatuPintu.csrf() gives the token for fetch() POSTs. */
  window.SatuPintu = window.SatuPintu || {};
  window.SatuPintu.csrf = function () {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  };
})();
