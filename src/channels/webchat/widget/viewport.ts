/**
 * Keeps `box` (`position: fixed`) over the visual viewport, the part of the page the person
 * sees. `position: fixed` alone places things against the layout viewport, which is wider than
 * the phone on a host page that overflows sideways (the launcher then sits off-screen), and
 * which the on-screen keyboard does not shrink (the message field then hides under it).
 * Calls `changed` with the box's size in em after each move, for the layout to adapt; returns a
 * function that places the box again now (once the stylesheet, and with it the em, is in).
 */
export function followVisualViewport(box: HTMLElement, changed: (widthEm: number, heightEm: number) => void): () => void {
  const viewport = window.visualViewport;
  let pending = false;
  const place = () => {
    pending = false;
    if (viewport) {
      box.style.left = `${viewport.offsetLeft}px`;
      box.style.top = `${viewport.offsetTop}px`;
      box.style.width = `${viewport.width}px`;
      box.style.height = `${viewport.height}px`;
    }
    const em = parseFloat(getComputedStyle(box).fontSize) || 16;
    changed(box.clientWidth / em, box.clientHeight / em);
  };
  // Panning fires scroll events on every frame: one move per frame is enough.
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(place);
  };
  viewport?.addEventListener('resize', schedule);
  viewport?.addEventListener('scroll', schedule);
  window.addEventListener('resize', schedule);
  place();
  return place;
}
