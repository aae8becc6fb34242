// Polls a submission's progress and reloads the page when the background work is done.
(function () {
  var box = document.querySelector(".progress[data-url]");
  if (!box) { return; }
  var bar = box.querySelector(".bar span");
  var text = document.getElementById("progress-text");
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
      if (p.percent !== null) { bar.style.width = Math.max(p.percent, 2) + "%"; }
      text.textContent = p.state_label + (p.total ? " · " + p.done.toLocaleString() + " / " + p.total.toLocaleString() : "");
      if (p.working) { setTimeout(poll, 1000); } else { window.location.reload(); }
    }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
