// Keyboard shortcuts (issue 20), listed on the "?" help panel (templates/_shortcuts.html):
//   ?      opens the panel (a modal: the focus stays inside; Escape or "Đóng" closes it and the
//          focus goes back where it was)
//   /      the work queue's search box (from another page: the queue opens with it focused)
//   g h    home;  g q  the work queue
//   j / k  in the work queue: the next / previous record's link
// None fires while the user types in a field, holds Ctrl/Alt/Meta, or another dialog is open.
(function () {
  var pendingG = null; // the timer of a "g" waiting for its second key
  var returnTo = null; // where the focus was when the panel opened

  function panel() { return document.getElementById("shortcuts"); }

  function typing(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    return ["button", "submit", "reset", "checkbox", "radio", "file", "image"].indexOf(el.type) < 0;
  }

  function focusables(box) {
    return Array.prototype.filter.call(
      box.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])'),
      function (el) { return el.offsetParent !== null || el === document.activeElement; }
    );
  }

  function open() {
    var d = panel();
    if (!d || d.open) return;
    returnTo = document.activeElement;
    d.showModal();
    d.querySelector("#shortcuts-title").focus();
  }

  function close() {
    var d = panel();
    if (!d || !d.open) return;
    d.close();
  }

  function restore() {
    var back = returnTo;
    returnTo = null;
    if (back && back !== document.body && document.contains(back)) {
      back.focus();
    } else {
      var main = document.getElementById("main");
      if (main) main.focus();
    }
  }

  function go(url) { if (url) window.location.assign(url); }

  function search() {
    var q = document.getElementById("q");
    if (q && q.closest("#queue-form")) {
      q.focus();
      q.select();
      return;
    }
    var d = panel();
    var url = d && d.getAttribute("data-queue-url");
    if (url) go(url + "#tim");
  }

  function step(delta) {
    var links = Array.prototype.slice.call(document.querySelectorAll("#queue tbody td:first-child > a"));
    if (!links.length) return;
    var i = links.indexOf(document.activeElement);
    var next = links[i < 0 ? (delta > 0 ? 0 : links.length - 1) : Math.min(Math.max(i + delta, 0), links.length - 1)];
    next.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
    var d = panel();
    if (!d) return;
    if (d.open) {
      if (event.key === "Tab") { // keep the focus inside the panel, round and round
        var items = focusables(d);
        if (!items.length) return;
        var first = items[0], last = items[items.length - 1];
        var here = document.activeElement;
        if (event.shiftKey && (here === first || !d.contains(here) || here === d.querySelector("#shortcuts-title"))) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && (here === last || !d.contains(here))) {
          event.preventDefault();
          first.focus();
        }
      }
      return; // Escape: the dialog's own cancel closes it
    }
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    var key = event.key;
    if (pendingG) {
      window.clearTimeout(pendingG);
      pendingG = null;
      if (key === "h") { event.preventDefault(); go(d.getAttribute("data-home-url")); return; }
      if (key === "q") { event.preventDefault(); go(d.getAttribute("data-queue-url")); return; }
    }
    if (key === "?") { event.preventDefault(); open(); }
    else if (key === "/" && d.hasAttribute("data-queue-url")) { event.preventDefault(); search(); }
    else if (key === "g") { pendingG = window.setTimeout(function () { pendingG = null; }, 1500); }
    else if ((key === "j" || key === "k") && document.getElementById("queue")) {
      event.preventDefault();
      step(key === "j" ? 1 : -1);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var d = panel();
    if (!d) return;
    d.addEventListener("close", restore);
    d.querySelector("[data-shortcuts-close]").addEventListener("click", close);
    var opener = document.getElementById("shortcuts-open");
    if (opener) opener.addEventListener("click", open);
    // "/" from another page: the queue opens with its search box focused.
    if (window.location.hash === "#tim") {
      var q = document.getElementById("q");
      if (q) q.focus();
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  });
})();
