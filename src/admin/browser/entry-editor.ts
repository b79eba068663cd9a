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

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', startPreviews);
else startPreviews();
