// Drag and drop onto the upload form: the dropped file goes into the file input and the
// form is sent the ordinary way (htmx when it is there, a plain POST otherwise).
document.addEventListener("DOMContentLoaded", function () {
  var zone = document.getElementById("drop-zone");
  var input = document.getElementById("file");
  var form = document.getElementById("upload-form");
  if (!zone || !input || !form) return;
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    form.requestSubmit();
  });
});
