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
