import { renderMarkdown } from '../../channels/webchat/widget/markdown.js';

/**
 * The entry editor's live preview: each answer, rendered by the web chat widget's own Markdown
 * renderer into the bubble beside it (`data-preview` names the bubble), as staff type.
 */
function startPreviews(): void {
  for (const textarea of document.querySelectorAll<HTMLTextAreaElement>('textarea[data-preview]')) {
    const bubble = document.getElementById(textarea.dataset.preview ?? '');
    if (!bubble) continue;
    // As the widget does: in a right-to-left answer, numbers, addresses and Latin words stay left to right.
    const isolateLtr = bubble.closest('[dir]')?.getAttribute('dir') === 'rtl';
    const render = () => bubble.replaceChildren(renderMarkdown(textarea.value, document, { isolateLtr }));
    textarea.addEventListener('input', render);
    render();
  }
}

/**
 * After a refused publish, focus goes where the problem is: the first field marked invalid (its
 * error is its description), or the refusal itself when no one field is to blame.
 */
function focusFirstProblem(): void {
  const target = document.querySelector<HTMLElement>('form.entry [aria-invalid="true"]') ?? document.getElementById('entry-refused');
  target?.focus();
}

function start(): void {
  startPreviews();
  focusFirstProblem();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
