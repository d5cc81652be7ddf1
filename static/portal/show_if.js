/* show_if of the rules on the portal's forms (the wizard and the revision page): a field or a
   document marked data-show-if='{"field": ..., "equals"|"in"|"filled": ...}' is shown only while
   its condition holds; the server applies the same rule (missing_documents / condition_holds). */
window.SatuPintuShowIf = function (form) {
  function apply() {
    form.querySelectorAll('[data-show-if]').forEach(function (el) {
      var cond = JSON.parse(el.getAttribute('data-show-if'));
      var src = form.elements['f.' + cond.field];
      if (!src) return;
      var value = src.type === 'checkbox' ? (src.checked ? 'true' : '') : String(src.value);
      var show = true;
      if ('equals' in cond) show = value === String(cond.equals);
      else if ('in' in cond) show = cond['in'].map(String).indexOf(value) >= 0;
      else if ('filled' in cond) show = (value !== '') === !!cond.filled;
      el.hidden = !show;
    });
  }
  form.addEventListener('change', apply);
  apply();
  return apply;
};
