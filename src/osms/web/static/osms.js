/* OSMS pages' only script of our own (the Content-Security-Policy allows no inline script):
   buttons marked data-print print the page. */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
