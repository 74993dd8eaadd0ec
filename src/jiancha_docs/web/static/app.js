// jiancha web front: the little the server cannot do. No inline scripts (CSP); no build step.
(function () {
  "use strict";
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  // Every htmx request carries the CSRF token (the server refuses state changes without it).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = token();
  });

  // Sub-type switches: a field with data-show-when is shown only when the switch has one of the values.
  function applySwitches(root) {
    var form = document.getElementById("record");
    if (!form) return;
    form.querySelectorAll("[data-show-when]").forEach(function (box) {
      var when = JSON.parse(box.getAttribute("data-show-when"));
      var show = Object.keys(when).every(function (key) {
        var input = form.querySelector('[name="' + key + '"]');
        return input && when[key].indexOf(input.value) >= 0;
      });
      box.hidden = !show;
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add]");
    if (add) {
      var holder = document.getElementById(add.getAttribute("data-add"));
      var body = holder.tagName === "TABLE" ? holder.querySelector("tbody") : holder;
      var template = document.getElementById(body.getAttribute("data-template"));
      body.appendChild(template.content.cloneNode(true));
      var inputs = body.querySelectorAll("input");
      if (inputs.length) inputs[inputs.length - 1 - (holder.tagName === "TABLE" ? template.content.querySelectorAll("input").length - 1 : 0)].focus();
      return;
    }
    var remove = event.target.closest("button.remove");
    if (remove) {
      var row = remove.closest(".row");
      var form = row.closest("form");
      var siblings = row.parentNode.querySelectorAll(".row");
      if (siblings.length > 1) row.remove();
      else row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      if (form) form.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var all = event.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll('input[name="numbers"]').forEach(function (box) { box.checked = all.checked; });
    }
  });

  // A date field: typed text, or a pick from the calendar beside it (which writes ISO text).
  document.addEventListener("change", function (event) {
    var picker = event.target.closest("input.picker");
    if (picker) {
      var input = document.getElementById(picker.getAttribute("data-for"));
      input.value = picker.value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (event.target.matches("[data-switch]")) applySwitches();
  });
  document.addEventListener("DOMContentLoaded", applySwitches);
  document.addEventListener("htmx:afterSettle", applySwitches);
})();
