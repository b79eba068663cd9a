/**
 * Makes everything on the host page but the widget `inert` (no focus, no clicks, hidden from
 * screen readers) while the panel covers it, and returns what gives the page back exactly as it
 * was: elements the page had made inert itself stay so.
 */
export function makePageInert(host: Element): () => void {
  const made: Element[] = [];
  for (let node: Element = host; node.parentElement && node !== document.body; node = node.parentElement) {
    for (const sibling of Array.from(node.parentElement.children)) {
      if (sibling === node || sibling.hasAttribute('inert') || sibling instanceof HTMLScriptElement) continue;
      sibling.setAttribute('inert', '');
      made.push(sibling);
    }
  }
  return () => {
    for (const element of made) element.removeAttribute('inert');
  };
}

/**
 * Keeps Tab and Shift+Tab inside the panel while it is modal, also where `inert` is not
 * supported: from the last control back to the first, and the other way round.
 */
export function trapFocus(event: KeyboardEvent, focusable: readonly HTMLElement[], active: Element | null): void {
  if (event.key !== 'Tab' || focusable.length === 0) return;
  const first = focusable[0]!;
  const last = focusable[focusable.length - 1]!;
  const inside = active !== null && focusable.includes(active as HTMLElement);
  if (event.shiftKey && (active === first || !inside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || !inside)) {
    event.preventDefault();
    first.focus();
  }
}
