/* Accessibility fixes for widgets Flask-AppBuilder builds in the browser (loaded by
   templates/appbuilder/init.html after select2):
   - select2's search box gets the name of the field it belongs to (WCAG 1.3.1, 4.1.2);
   - select2's "clear" cross is moved out of its <ul>, which may hold only list items. */
(function () {
  "use strict";
  function fieldName(container) {
    var select = container.previousElementSibling;
    if (!select || !select.id) { return ""; }
    var label = document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/[\s*]+/g, " ").trim() : select.id;
  }
  function fix(root) {
    root.querySelectorAll(".select2-container").forEach(function (container) {
      var name = fieldName(container);
      container.querySelectorAll("input.select2-search__field").forEach(function (input) {
        if (name && !input.getAttribute("aria-label")) { input.setAttribute("aria-label", name); }
      });
      container.querySelectorAll("ul.select2-selection__rendered").forEach(function (list) {
        Array.prototype.slice.call(list.children).forEach(function (child) {
          if (child.tagName !== "LI") { list.parentNode.insertBefore(child, list); }
        });
      });
    });
  }
  function start() {
    fix(document);
    new MutationObserver(function () { fix(document); })
      .observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
