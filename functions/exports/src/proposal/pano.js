// A 360° equirectangular picture you drag to look around: the picture repeats sideways, so
// turning never reaches an edge. Served by us (no third-party script on a proposal page).
"use strict";
for (const box of document.querySelectorAll(".pano")) {
  const img = box.querySelector("img");
  box.style.backgroundImage = `url("${img.src}")`;
  box.style.backgroundRepeat = "repeat-x";
  box.style.backgroundSize = "auto 100%";
  img.style.display = "none";
  let offset = 0, start = null;
  const place = () => { box.style.backgroundPositionX = `${offset}px`; };
  box.addEventListener("pointerdown", (e) => { start = e.clientX - offset; box.setPointerCapture(e.pointerId); box.style.cursor = "grabbing"; });
  box.addEventListener("pointermove", (e) => { if (start !== null) { offset = e.clientX - start; place(); } });
  const end = () => { start = null; box.style.cursor = "grab"; };
  box.addEventListener("pointerup", end);
  box.addEventListener("pointercancel", end);
  box.tabIndex = 0;
  box.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") { offset += 40; place(); }
    if (e.key === "ArrowRight") { offset -= 40; place(); }
  });
}
