/* Registration and profile forms: show password, account kind, captcha refresh, cascading regions.
   Without this script every field is a plain input and the forms still work. */
(function () {
  "use strict";

  // show / hide password
  document.querySelectorAll("[data-show-password]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.getAttribute("data-show-password").split(",").forEach(function (id) {
        var input = document.getElementById(id);
        if (input) { input.type = box.checked ? "text" : "password"; }
      });
    });
  });

  // captcha: a new question on demand
  document.querySelectorAll("[data-captcha-refresh]").forEach(function (link) {
    link.hidden = false;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var img = document.querySelector('img[data-captcha="' + link.getAttribute("data-captcha-refresh") + '"]');
      if (img) { img.src = img.src.split("?")[0] + "?baru=1&t=" + Date.now(); }
    });
  });

  // account kind: organisation section only for companies and institutions
  var kinds = document.querySelectorAll("input[data-kind]");
  var orgSection = document.querySelector("[data-org-section]");
  function applyKind() {
    var checked = document.querySelector("input[data-kind]:checked");
    var kind = checked ? checked.value : "person";
    if (orgSection) {
      orgSection.hidden = kind === "person";
      orgSection.querySelectorAll("optgroup[data-for-kind]").forEach(function (group) {
        group.disabled = group.getAttribute("data-for-kind") !== kind;
        group.hidden = group.disabled;
      });
      var hint = orgSection.querySelector("[data-nojs-hint]");
      if (hint) { hint.hidden = true; }
    }
    document.querySelectorAll("[data-org-only]").forEach(function (el) { el.hidden = kind === "person"; });
  }
  kinds.forEach(function (radio) { radio.addEventListener("change", applyKind); });
  if (kinds.length) { applyKind(); }

  // cascading regions (their words come translated from templates/_js_strings.html)
  var OTHER = "__lainnya__";
  var words = {};
  try { words = JSON.parse(document.getElementById("js-strings").textContent); } catch (e) { words = {}; }
  document.querySelectorAll("fieldset[data-regions]").forEach(function (fieldset) {
    var url = fieldset.getAttribute("data-regions");
    var levels = ["province", "regency", "district", "village"].map(function (name) {
      var input = fieldset.querySelector('[data-region="' + name + '"]');
      if (!input) { return null; }
      var select = document.createElement("select");
      select.id = input.id + "-pilih";
      select.setAttribute("aria-label", (input.labels && input.labels[0] ? input.labels[0].textContent : name).trim());
      input.parentNode.insertBefore(select, input);
      if (input.labels && input.labels[0]) { input.labels[0].htmlFor = select.id; }
      input.placeholder = words.region_placeholder || "Ketik nama wilayah";
      return { input: input, select: select, initial: input.value };
    });
    if (levels.some(function (l) { return !l; })) { return; }

    function fill(level, items) {
      var s = level.select, v = level.input.value;
      s.innerHTML = "";
      if (!items.length) {          // no data for this level: free text
        s.hidden = true; level.input.hidden = false;
        return;
      }
      s.hidden = false;
      s.appendChild(new Option(words.region_choose || "— Pilih —", ""));
      var found = false;
      items.forEach(function (item) {
        var o = new Option(item.name, item.name);
        o.dataset.code = item.code;
        if (v && item.name.toLowerCase() === v.toLowerCase()) { o.selected = true; found = true; }
        s.appendChild(o);
      });
      s.appendChild(new Option(words.region_other || "Lainnya (ketik sendiri)", OTHER));
      if (v && !found) { s.value = OTHER; }
      level.input.hidden = s.value !== OTHER;
    }
    function clearFrom(index) {
      for (var i = index; i < levels.length; i++) {
        levels[i].input.value = "";
        fill(levels[i], []);
      }
    }
    function load(index, parent) {
      if (index >= levels.length) { return Promise.resolve(); }
      var q = parent ? "?induk=" + encodeURIComponent(parent) : "";
      return fetch(url + q).then(function (r) { return r.ok ? r.json() : []; })
        .catch(function () { return []; })
        .then(function (items) {
          fill(levels[index], items);
          var chosen = levels[index].select.selectedOptions[0];
          if (chosen && chosen.dataset.code) { return load(index + 1, chosen.dataset.code); }
          for (var i = index + 1; i < levels.length; i++) { fill(levels[i], []); }
        });
    }
    levels.forEach(function (level, index) {
      level.select.addEventListener("change", function () {
        var o = level.select.selectedOptions[0];
        if (level.select.value === OTHER) {
          level.input.value = ""; level.input.hidden = false; level.input.focus();
        } else {
          level.input.value = level.select.value; level.input.hidden = true;
        }
        clearFrom(index + 1);
        if (o && o.dataset.code) { load(index + 1, o.dataset.code); }
      });
    });
    levels.forEach(function (level) { level.input.hidden = true; });
    load(0, null);
  });
})();
