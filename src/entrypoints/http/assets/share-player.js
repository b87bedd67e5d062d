// The audio-comic player of the share page: shows the panel and the caption of the
// timeline span playing now. Reads the timeline from the page's JSON block; writes
// text with textContent only (captions are AI output).
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("comic-data").textContent);
  var spans = data.timeline;
  var player = document.getElementById("player");
  var audio = document.getElementById("audio");
  var stage = document.getElementById("stage");
  var caption = document.getElementById("caption");
  var emotion = document.getElementById("emotion");
  var toggle = document.getElementById("toggle");
  var cover = document.getElementById("cover");
  var seek = document.getElementById("seek");
  var clock = document.getElementById("clock");
  var ticks = document.getElementById("ticks");
  var panels = stage.querySelectorAll("img.panel");
  var current = -1;
  var dragging = false;
  var frame = 0;

  function durationMs() {
    var measured = audio.duration;
    return isFinite(measured) && measured > 0 ? Math.round(measured * 1000) : data.durationMs;
  }

  // The span on screen at `ms`: the last one starting at or before it.
  function spanAt(ms) {
    var lo = 0;
    var hi = spans.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (spans[mid].startMs <= ms) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  function show(index) {
    if (index === current) {
      return;
    }
    current = index;
    var span = spans[index];
    for (var i = 0; i < panels.length; i++) {
      var on = Number(panels[i].getAttribute("data-panel")) === span.panel;
      panels[i].classList.toggle("on", on);
      panels[i].setAttribute("aria-hidden", on ? "false" : "true");
    }
    stage.setAttribute("data-panel", String(span.panel));
    stage.setAttribute("data-span", String(index));
    caption.textContent = span.caption;
    caption.setAttribute("data-span", String(index));
    caption.hidden = !span.caption;
    emotion.textContent = span.emotion || "";
    emotion.hidden = !span.emotion;
    var marks = ticks.children; // one per boundary: mark j starts span j + 1
    for (var j = 0; j < marks.length; j++) {
      marks[j].classList.toggle("done", j < index);
    }
  }

  function clockText(ms) {
    var seconds = Math.max(0, Math.floor(ms / 1000));
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function update() {
    var ms = Math.round(audio.currentTime * 1000);
    show(spanAt(ms));
    var total = durationMs();
    if (!dragging) {
      seek.max = String(total);
      seek.value = String(ms);
    }
    seek.style.setProperty("--filled", (total ? (100 * ms) / total : 0) + "%");
    clock.textContent = clockText(ms) + " / " + clockText(total);
  }

  // timeupdate fires only a few times a second; follow the audio every frame while playing.
  function follow() {
    update();
    frame = audio.paused ? 0 : window.requestAnimationFrame(follow);
  }

  function setState(state) {
    player.setAttribute("data-state", state);
    var playing = state === "playing";
    toggle.setAttribute("aria-label", playing ? "暂停" : "播放");
    toggle.setAttribute("aria-pressed", playing ? "true" : "false");
  }

  function playOrPause() {
    if (audio.paused) {
      var started = audio.play();
      if (started && typeof started.catch === "function") {
        started.catch(function () {
          setState("paused");
        });
      }
    } else {
      audio.pause();
    }
  }

  function drawTicks() {
    var total = spans[spans.length - 1].endMs || 1;
    ticks.textContent = "";
    for (var i = 1; i < spans.length; i++) {
      var mark = document.createElement("i");
      mark.style.left = (100 * spans[i].startMs) / total + "%";
      ticks.appendChild(mark);
    }
  }

  audio.addEventListener("play", function () {
    setState("playing");
    if (!frame) {
      frame = window.requestAnimationFrame(follow);
    }
  });
  audio.addEventListener("pause", function () {
    setState(audio.ended ? "ended" : "paused");
    update();
  });
  audio.addEventListener("ended", function () {
    setState("ended");
  });
  audio.addEventListener("error", function () {
    setState("error");
  });
  ["timeupdate", "seeking", "seeked", "loadedmetadata", "durationchange"].forEach(function (name) {
    audio.addEventListener(name, update);
  });

  toggle.addEventListener("click", playOrPause);
  cover.addEventListener("click", playOrPause);
  stage.addEventListener("click", function (event) {
    if (event.target !== cover) {
      playOrPause();
    }
  });
  seek.addEventListener("input", function () {
    dragging = true;
    audio.currentTime = Number(seek.value) / 1000;
    update();
  });
  seek.addEventListener("change", function () {
    dragging = false;
  });
  document.addEventListener("keydown", function (event) {
    if (event.target === seek) {
      return;
    }
    if (event.key === " " || event.key === "k") {
      event.preventDefault();
      playOrPause();
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      var step = event.key === "ArrowRight" ? 5 : -5;
      audio.currentTime = Math.max(0, audio.currentTime + step);
    }
  });
  // WeChat's browser loads media only after its bridge is ready; ask it to, without playing.
  document.addEventListener("WeixinJSBridgeReady", function () {
    audio.load();
  });

  drawTicks();
  player.classList.add("ready");
  update();
})();
