/**
 * The live queue and conversation pages: the section marked `data-live-events` names a
 * Server-Sent Events stream of handoff notices (ids only). On each notice, and whenever the
 * stream (re)opens, the page is fetched again from this origin and its `data-live` parts are
 * swapped in, so the queue and new messages appear without reload. Only parts that changed are
 * swapped (a reply being typed is not part of the markup), and a part holding the keyboard
 * focus is left alone until the next notice, so nobody loses what they were doing.
 */
function start(): void {
  const section = document.querySelector<HTMLElement>('[data-live-events]');
  const url = section?.dataset.liveEvents;
  if (!url) return;
  let running = false;
  let again = false;

  const refresh = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      for (const part of document.querySelectorAll<HTMLElement>('[data-live]')) {
        const next = part.id ? fresh.getElementById(part.id) : null;
        // The part itself stays (a `role="log"` part is a live region screen readers follow); its content is swapped.
        if (next && next.innerHTML !== part.innerHTML && !part.contains(document.activeElement)) part.replaceChildren(...Array.from(next.childNodes, (node) => document.importNode(node, true)));
      }
      document.body.dataset.liveUpdated = String(Number(document.body.dataset.liveUpdated ?? 0) + 1);
    } finally {
      running = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };

  const events = new EventSource(url);
  events.addEventListener('open', () => {
    document.body.dataset.live = 'open';
    void refresh();
  });
  events.addEventListener('message', () => void refresh());
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
