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
document.addEventListener("htmx:responseError", function () {
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
