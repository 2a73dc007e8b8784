// A course chapter of audio or video: its "学完本章" button waits for the player to reach
// the end (without script the button is there from the start, as a paper ledger would be).
document.querySelectorAll("[data-after-media]").forEach(function (button) {
  var media = document.getElementById(button.getAttribute("data-after-media"));
  if (!media) {
    return;
  }
  button.disabled = true;
  var note = document.createElement("span");
  note.className = "muted small";
  note.textContent = " 播放结束后可记录学完";
  button.after(note);
  media.addEventListener("ended", function () {
    button.disabled = false;
    note.textContent = " 已播放完";
  });
});

// A sitting's time left, counted down in the page (the server's deadline is what counts).
document.querySelectorAll("[data-seconds-left]").forEach(function (clock) {
  var left = parseInt(clock.getAttribute("data-seconds-left"), 10);
  var tick = function () {
    if (left <= 0) {
      clock.textContent = "时间到，请交卷";
      return;
    }
    clock.textContent = Math.floor(left / 60) + "分" + (left % 60) + "秒";
    left -= 1;
    setTimeout(tick, 1000);
  };
  tick();
});
