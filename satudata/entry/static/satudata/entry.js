// Enumerator entry: checks each field on the server as it is typed, and fills the region pickers.
// Served from the project's own static files; it calls only this server.
(function () {
  "use strict";

  // Buttons that change data ask first (delete a record, submit the draft).
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var form = document.querySelector("form.entry[data-check-url]");
  if (!form) { return; }
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  // Messages are shown for the fields the user has already left or changed, and for those the
  // server marked when it refused the record.
  var touched = {};
  var latest = 0;
  var timer = null;

  form.querySelectorAll(".field.invalid").forEach(function (box) { touched[box.dataset.field] = true; });

  function fieldOf(element) {
    var box = element.closest(".field[data-field]");
    return box ? box.dataset.field : null;
  }

  function show(errors) {
    form.querySelectorAll(".field[data-field]").forEach(function (box) {
      var code = box.dataset.field;
      var messages = touched[code] ? (errors[code] || []) : [];
      box.querySelector(".field-error").textContent = messages.join(" ");
      box.classList.toggle("invalid", messages.length > 0);
      box.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (input) {
        if (messages.length) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      });
    });
  }

  function check() {
    var number = ++latest;
    form.classList.add("checking");
    fetch(form.dataset.checkUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"}
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      // An older response arriving after a newer one would show stale messages.
      if (data && number === latest) { show(data.errors); }
    }).catch(function () {
      // Offline for a moment: the server checks the whole record again on saving.
    }).then(function () {
      if (number === latest) { form.classList.remove("checking"); }
    });
  }

  function schedule(code, delay) {
    if (!code) { return; }
    touched[code] = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(check, delay);
  }

  form.addEventListener("change", function (event) {
    if (!event.target.classList.contains("region-level")) { schedule(fieldOf(event.target), 0); }
  });
  form.addEventListener("focusout", function (event) {
    var code = fieldOf(event.target);
    // Leaving a region select for the next level is not leaving the field.
    if (code && event.target.value && !event.target.classList.contains("region-level")) { schedule(code, 150); }
  });
  form.addEventListener("input", function (event) {
    // While a flagged field is being corrected, its message follows the typing.
    var code = fieldOf(event.target);
    if (code && touched[code]) { schedule(code, 400); }
  });

  // -- region pickers: one select per level, the next one loaded when a region is chosen ------------
  function isVillage(code) { return (code.match(/\./g) || []).length === 3; }

  function newSelect(picker, template, regions) {
    var select = template.cloneNode(false);
    var first = document.createElement("option");
    first.value = "";
    first.textContent = form.dataset.choose;
    select.appendChild(first);
    regions.forEach(function (region) {
      var option = document.createElement("option");
      option.value = region.code;
      option.textContent = region.label;
      select.appendChild(option);
    });
    picker.appendChild(select);
    return select;
  }

  form.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.classList.contains("region-level")) { return; }
    var picker = select.closest(".region-picker");
    var code = picker.dataset.variable;
    var hidden = form.querySelector("input[type=hidden][name='" + code + "']");
    var next = select.nextElementSibling;
    while (next) {
      var after = next.nextElementSibling;
      if (next.classList.contains("region-level")) { next.remove(); }
      next = after;
    }
    hidden.value = select.value && isVillage(select.value) ? select.value : "";
    if (select.value && !isVillage(select.value)) {
      var url = form.dataset.regionsUrl + "?variable=" + encodeURIComponent(code) +
        "&parent=" + encodeURIComponent(select.value);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {regions: []}; })
        .then(function (data) {
          var added = newSelect(picker, select, data.regions);
          added.focus();
        });
    }
    if (hidden.value) { schedule(code, 0); }
  });
})();
