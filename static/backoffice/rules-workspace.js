/* The rules workspace's editor: CodeMirror (vendored, vendor/codemirror/) over the plain text area,
   YAML or HTML highlighting, the lines with problems marked, and each "file:line" of the check's
   messages jumping to its line. Without JavaScript the text area and the links still work. */
(function () {
  "use strict";
  var area = document.getElementById("content");
  if (!area || typeof CodeMirror === "undefined") { return; }
  var label = document.querySelector("label[for=content]");
  var editor = CodeMirror.fromTextArea(area, {
    screenReaderLabel: label ? label.textContent : "", lineNumbers: true, mode: area.getAttribute("data-mode") || "yaml", indentUnit: 2, tabSize: 2,
    readOnly: area.hasAttribute("readonly"), extraKeys: {Tab: function (cm) { cm.replaceSelection("  "); }}
  });
  editor.getScrollerElement().setAttribute("tabindex", "0");  // the scrolled text is reachable by keyboard (WCAG 2.1.1)
  var path = area.getAttribute("data-path");
  var lines = JSON.parse(area.getAttribute("data-problem-lines") || "[]");
  lines.forEach(function (line) { editor.addLineClass(line - 1, "background", "cm-problem-line"); });

  function jump(line) {
    editor.focus();
    editor.setCursor({line: line - 1, ch: 0});
    editor.scrollIntoView({line: line - 1, ch: 0}, 120);
  }
  document.querySelectorAll("#rules-findings a[data-line]").forEach(function (link) {
    if (link.getAttribute("data-file") !== path) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      jump(parseInt(link.getAttribute("data-line"), 10));
    });
  });
  var wanted = /^#L(\d+)$/.exec(window.location.hash);
  if (wanted) { jump(parseInt(wanted[1], 10)); }
})();
