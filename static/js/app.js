// htmx settings (kept out of inline scripts so the Content-Security-Policy can forbid them).
htmx.config.historyRestoreAsHxRequest = false;
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "286", swap: true },
  { code: "[23]..", swap: true },
  { code: "422", swap: true },
  { code: "409", swap: true },
  { code: "[45]..", swap: false, error: true },
];
// A clear message when the server cannot be reached or answers with an error.
document.addEventListener("htmx:responseError", function (evt) {
  var xhr = evt.detail.xhr;
  if (xhr && xhr.status === 401 && xhr.getResponseHeader("X-Treem-Session") === "expired") return;
  showNotice("Máy chủ báo lỗi khi xử lý yêu cầu. Vui lòng tải lại trang.");
});
document.addEventListener("htmx:sendError", function () {
  showNotice("Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.");
});
function showNotice(text) {
  var box = document.getElementById("flash");
  if (!box) return;
  var div = document.createElement("div");
  div.className = "flash flash-danger";
  div.setAttribute("role", "alert");
  div.textContent = text;
  box.appendChild(div);
}

// An in-place save met an expired session (the server answers 401 with X-Treem-Session:
// expired and swaps nothing): keep what was typed, ask for the password in a dialog, sign in
// again, put the new session's CSRF token into the page, then send the same form again.
(function () {
  var pending = null; // the form (or element) whose request was refused

  function dialog() { return document.getElementById("relogin"); }

  function setToken(token) {
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
      input.value = token;
    });
    var body = document.body;
    var headers = {};
    try { headers = JSON.parse(body.getAttribute("hx-headers") || "{}"); } catch (e) { headers = {}; }
    headers["X-CSRFToken"] = token;
    body.setAttribute("hx-headers", JSON.stringify(headers));
  }

  function fail(box, text) {
    box.textContent = text;
    box.hidden = false;
  }

  function resend() {
    var elt = pending;
    pending = null;
    if (!elt || !document.body.contains(elt)) return;
    var form = elt.tagName === "FORM" ? elt : elt.closest("form");
    if (form && form.requestSubmit) {
      form.requestSubmit();
    } else {
      htmx.trigger(elt, "click");
    }
  }

  function close(box) {
    var d = dialog();
    box.hidden = true;
    d.close();
  }

  function signIn(d) {
    var box = d.querySelector(".error");
    var username = d.querySelector("#relogin-username").value;
    var password = d.querySelector("#relogin-password").value;
    if (!password) { fail(box, "Vui lòng nhập mật khẩu."); return; }
    fetch(d.dataset.tokenUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var body = new URLSearchParams();
        body.set("username", username);
        body.set("password", password);
        body.set("csrf_token", data.csrf_token);
        return fetch(d.dataset.loginUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-Treem-Relogin": "1", "X-CSRFToken": data.csrf_token },
          body: body,
        });
      })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.ok) { fail(box, data.error || "Đăng nhập không thành công."); return; }
        d.querySelector("#relogin-password").value = "";
        if (String(data.user_id) !== document.body.dataset.userId) {
          // Another account: this page belongs to someone else's view. Start afresh.
          window.location.reload();
          return;
        }
        setToken(data.csrf_token);
        close(box);
        resend();
      })
      .catch(function () { fail(box, "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại."); });
  }

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    if (!xhr || xhr.status !== 401 || xhr.getResponseHeader("X-Treem-Session") !== "expired") return;
    var d = dialog();
    if (!d) return;
    pending = evt.detail.elt;
    d.querySelector(".error").hidden = true;
    if (!d.open) d.showModal();
    d.querySelector("#relogin-password").focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var d = dialog();
    if (!d) return;
    d.querySelector("form").addEventListener("submit", function (evt) {
      evt.preventDefault();
      signIn(d);
    });
    d.querySelector('button[value="cancel"]').addEventListener("click", function () {
      close(d.querySelector(".error"));
      showNotice("Phiên làm việc đã hết hạn: nội dung vừa nhập chưa được lưu. Đăng nhập lại để lưu.");
    });
    d.addEventListener("close", function () {
      if (pending && document.body.contains(pending)) {
        var field = pending.querySelector ? pending.querySelector("input, select, textarea") : null;
        (field || pending).focus();
      }
    });
  });
})();

// Select many rows at once: [data-select="all"|"none"|<kind>] ticks the checkboxes that belong
// to the form named by data-select-form (all of them, none, or exactly those of one kind).
function updateSelectedCount(formId) {
  var out = document.getElementById(formId + "-count");
  if (!out) return;
  var n = document.querySelectorAll('input[type=checkbox][form="' + formId + '"]:checked').length;
  out.textContent = "Đã chọn " + n.toLocaleString("vi-VN") + " mục";
}
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-select]");
  if (button) {
    var formId = button.getAttribute("data-select-form");
    var which = button.getAttribute("data-select");
    document.querySelectorAll('input[type=checkbox][form="' + formId + '"]').forEach(function (box) {
      box.checked = which === "all" || box.getAttribute("data-kind") === which;
    });
    updateSelectedCount(formId);
    return;
  }
  // [data-close="id"] empties that region and gives the focus back to [data-focus].
  var close = event.target.closest("[data-close]");
  if (close) {
    var focusId = close.getAttribute("data-focus");
    var region = document.getElementById(close.getAttribute("data-close"));
    if (region) region.innerHTML = "";
    var target = focusId && document.getElementById(focusId);
    if (target) target.focus();
  }
});
document.addEventListener("change", function (event) {
  var box = event.target;
  if (box.matches && box.matches("input[type=checkbox][form]")) {
    updateSelectedCount(box.getAttribute("form"));
  }
});

// [data-clears="id"]: choosing another value empties that field first (a commune's hamlet when
// another commune is chosen). In the capture phase, before htmx sends the form on "change".
document.addEventListener("change", function (event) {
  var field = event.target;
  var id = field.getAttribute && field.getAttribute("data-clears");
  var other = id && document.getElementById(id);
  if (other) other.value = "";
}, true);

// File fields in Vietnamese (file_input in templates/_macros/forms.html): the browser's own button
// reads "Choose File / No file chosen" in its language, so the real input is hidden (still
// focusable) behind a label, and this names the chosen file beside it.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input.file-input")) return;
  var out = document.getElementById(input.id + "-name");
  if (!out) return;
  var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
  out.textContent = names.length ? names.join(", ") : out.getAttribute("data-empty");
});

// Validation bubbles in Vietnamese: the browser words its own ("Please fill out this field.") in
// its language. Each field's message is set when it is found invalid and re-checked as the user
// types; a pattern field says its format (data-pattern-message). The server checks everything
// again.
function vietnameseValidity(field) {
  if (!field.setCustomValidity) return;
  field.setCustomValidity("");
  var v = field.validity;
  if (v.valid) return;
  var message = "Giá trị chưa hợp lệ.";
  if (v.valueMissing) {
    if (field.tagName === "SELECT") message = "Vui lòng chọn một mục trong danh sách.";
    else if (field.type === "file") message = "Vui lòng chọn tệp.";
    else if (field.type === "checkbox") message = "Vui lòng đánh dấu ô này để tiếp tục.";
    else if (field.type === "radio") message = "Vui lòng chọn một trong các lựa chọn.";
    else message = "Vui lòng điền vào ô này.";
  } else if (v.patternMismatch) {
    message = field.getAttribute("data-pattern-message") || "Giá trị chưa đúng định dạng yêu cầu.";
  } else if (v.tooShort) {
    message = "Vui lòng nhập ít nhất " + field.minLength + " ký tự.";
  } else if (v.tooLong) {
    message = "Vui lòng nhập tối đa " + field.maxLength + " ký tự.";
  } else if (v.rangeUnderflow || v.rangeOverflow || v.stepMismatch || v.badInput || v.typeMismatch) {
    message = "Giá trị chưa hợp lệ.";
  }
  field.setCustomValidity(message);
}
document.addEventListener("invalid", function (event) { vietnameseValidity(event.target); }, true);
["input", "change"].forEach(function (type) {
  document.addEventListener(type, function (event) {
    var field = event.target;
    if (field.willValidate && field.validity && field.validity.customError) vietnameseValidity(field);
  }, true);
});

// The keyed-entry grid ([data-keyed-grid]): Enter never submits the page; in a row it moves to
// the next row's number (the numeric keypad's Enter too), after the last row to the review
// button. Each row checks itself as it is typed (HTMX, the message beside the row).
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || event.isComposing) return;
  var field = event.target;
  if (!field.matches || !field.matches("input, select")) return;
  var grid = field.closest("[data-keyed-grid]");
  if (!grid || !field.closest("tr")) return;
  event.preventDefault();
  var numbers = Array.prototype.slice.call(grid.querySelectorAll("input.keyed-number"));
  var next = numbers[numbers.indexOf(field.closest("tr").querySelector("input.keyed-number")) + 1];
  if (next) {
    next.focus();
    next.select();
  } else {
    var done = grid.querySelector("#keyed-review");
    if (done) done.focus();
  }
});

// The change list of step 4 ([data-change-list]): ticking "Đã nhập vào phần mềm" record after
// record without the mouse. Space ticks (the browser's own), Enter ticks too; once a record is
// ticked the focus moves on to the next record's box (after the page's last, to "Trang sau"),
// while HTMX sends the tick and swaps the record back with who ticked it and when. Unticking
// leaves the focus on the same box (HTMX keeps the focus of an element with an id in a swap).
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || event.isComposing) return;
  var box = event.target;
  if (!box.matches || !box.matches("[data-change-list] input.entered-box")) return;
  event.preventDefault();
  box.click();
});
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("[data-change-list] input.entered-box") || !box.checked) return;
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll("[data-change-list] input.entered-box")
  );
  var next = boxes[boxes.indexOf(box) + 1] || document.querySelector("[data-next-page]");
  if (next) next.focus();
});

// Arrow keys in the grids, like a spreadsheet (issue 20): in the keyed-entry grid, Up/Down in a
// text field move to the same column's field of the row above/below (a select keeps its arrows,
// which change its choice); in the change list, Up/Down on a "Đã nhập" box move to the record
// above/below. Enter keeps its own behaviour (above).
document.addEventListener("keydown", function (event) {
  if ((event.key !== "ArrowUp" && event.key !== "ArrowDown") || event.isComposing) return;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  var field = event.target;
  if (!field.matches) return;
  var step = event.key === "ArrowDown" ? 1 : -1;
  var list = null;
  if (field.matches("[data-keyed-grid] tr input[type=text]")) {
    var column = (field.name || "").replace(/-\d+$/, "-");
    list = Array.prototype.filter.call(
      field.closest("[data-keyed-grid]").querySelectorAll("tr input[type=text]"),
      function (el) { return (el.name || "").replace(/-\d+$/, "-") === column; }
    );
  } else if (field.matches("[data-change-list] input.entered-box")) {
    list = Array.prototype.slice.call(document.querySelectorAll("[data-change-list] input.entered-box"));
  }
  if (!list) return;
  event.preventDefault();
  var next = list[list.indexOf(field) + step];
  if (!next) return;
  next.focus();
  if (next.select && next.type === "text") next.select();
});

// A double click sends a creating form once: after the first submit, the form's submit buttons
// are disabled (after the browser has taken the clicked button's name and value) until the
// next page comes. The server holds the same line (web/once.py). In-place (HTMX) forms are
// left to htmx; a page restored by the Back button, or a form that stays (a download), gets
// its buttons back.
(function () {
  function buttons(form) {
    return form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]');
  }
  function enable(form) {
    buttons(form).forEach(function (b) {
      if (b.dataset.onceDisabled) { b.disabled = false; delete b.dataset.onceDisabled; }
    });
    form.removeAttribute("aria-busy");
  }
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (evt.defaultPrevented || (form.method || "").toLowerCase() !== "post") return;
    if (form.hasAttribute("hx-post") || form.hasAttribute("data-hx-post")) return;
    setTimeout(function () {
      form.setAttribute("aria-busy", "true");
      buttons(form).forEach(function (b) {
        if (!b.disabled) { b.disabled = true; b.dataset.onceDisabled = "1"; }
      });
      setTimeout(function () { enable(form); }, 15000);
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll('form[aria-busy="true"]').forEach(enable);
  });
})();

// Focus after an HTMX swap stays where the user works. When the swap removed the focused element
// (a "Lưu" button, a pager link, a select of a form swapped whole), the focus goes, in order, to
// the element named by the trigger's data-focus-after-swap (a CSS selector), the new element of
// the same id, the field of the same name in the same form, the swapped-in [autofocus] or
// [data-focus-after-swap] element, the same link or button drawn again, else the swapped area
// itself (the next Tab goes on from there). A swap that did not take the focus away (a progress
// poll while the user is elsewhere) never moves it.
(function () {
  var before = null;

  function triggerOf(detail) {
    return (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var active = document.activeElement;
    var form = active && active.form;
    before = {
      el: active,
      id: active && active.id,
      name: active && active.name,
      formId: form && form.id,
      tag: active && active.tagName,
      text: active && (active.textContent || "").trim(),
      trigger: triggerOf(evt.detail),
    };
  });

  function target(b, swapped) {
    var selector = b.trigger && b.trigger.getAttribute && b.trigger.getAttribute("data-focus-after-swap");
    var found = selector && document.querySelector(selector);
    if (!found && b.id) found = document.getElementById(b.id);
    if (!found && b.name) {
      var scope = (b.formId && document.getElementById(b.formId)) || swapped || document;
      found = scope.querySelector('[name="' + CSS.escape(b.name) + '"]:not([type=hidden])');
    }
    if (!found && swapped && swapped.querySelector) {
      found = swapped.querySelector("[autofocus], [data-focus-after-swap]");
      // the same link or button drawn again (a poll redrew the area around it)
      if (!found && b.text) {
        found = Array.prototype.find.call(swapped.querySelectorAll(b.tag), function (el) {
          return el.textContent.trim() === b.text;
        }) || null;
      }
      // else the swapped area itself: the next Tab goes on from there, not from the logo
      if (!found && swapped !== document.body) found = swapped;
    }
    return found;
  }

  document.addEventListener("htmx:afterSettle", function (evt) {
    var b = before;
    if (!b) return;
    var active = document.activeElement;
    var lost = b.el && b.el !== document.body && !document.contains(b.el);
    if (!lost) return;
    if (active && active !== document.body && document.contains(active)) return; // htmx placed it
    before = null;
    var swapped = evt.detail.elt && document.contains(evt.detail.elt) ? evt.detail.elt : null;
    var found = target(b, swapped);
    if (found) {
      if (!found.matches("a[href], button, input, select, textarea, [tabindex]")) {
        found.setAttribute("tabindex", "-1");
      }
      found.focus();
    }
  });
})();

// Escape in a fact's edit (records/_fact.html) cancels it, like its "Hủy" link: the fact comes
// back as it was and the focus returns to its "Sửa".
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape" || event.isComposing) return;
  var row = event.target.closest && event.target.closest(".fact-row.editing");
  if (!row) return;
  var cancel = row.querySelector("[data-cancel]");
  if (!cancel) return;
  event.preventDefault();
  cancel.click();
});

// Announcements through the page's one polite live region (#announce in base.html): a swapped-in
// [data-announce] (the queue's result count) is read once; a job's progress ([data-progress],
// templates/_macros/progress.html, polled every second) is read at most every 10 % and at its end.
(function () {
  var lastTenth = {};

  function say(text) {
    var box = document.getElementById("announce");
    if (!box || !text) return;
    box.textContent = "";
    window.setTimeout(function () { box.textContent = text; }, 50);
  }

  function progressKey(el) {
    var holder = el.closest("[id]");
    return holder ? holder.id : "page";
  }

  function progressText(el, announce) {
    var key = progressKey(el);
    var percent = parseInt(el.getAttribute("data-progress"), 10) || 0;
    var tenth = Math.floor(percent / 10);
    var label = el.getAttribute("data-progress-label") || "";
    if (el.hasAttribute("data-progress-done")) {
      if (lastTenth[key] === "done") return null;
      lastTenth[key] = "done";
      return announce ? label : null;
    }
    if (lastTenth[key] !== undefined && lastTenth[key] >= tenth) return null;
    lastTenth[key] = tenth;
    return announce ? "Tiến độ " + percent + "%. " + label : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-progress]").forEach(function (el) { progressText(el, false); });
  });

  document.addEventListener("htmx:afterSettle", function (evt) {
    var root = evt.detail.elt;
    if (!root || !root.querySelectorAll) return;
    var parts = [];
    var nodes = Array.prototype.slice.call(root.querySelectorAll("[data-announce], [data-progress]"));
    if (root.matches("[data-announce], [data-progress]")) nodes.unshift(root);
    nodes.forEach(function (el) {
      if (el.hasAttribute("data-progress")) {
        var text = progressText(el, true);
        if (text) parts.push(text);
      } else {
        parts.push(el.textContent.replace(/\s+/g, " ").trim());
      }
    });
    if (parts.length) say(parts.join(" "));
  });
})();
