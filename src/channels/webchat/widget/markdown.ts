import { inlineMarkdownPattern } from '../../../markdown/inline-syntax.js';

/**
 * The bot's Markdown (paragraphs, line breaks, lists, bold, italics, code, links) as DOM nodes.
 * Text only ever becomes text nodes and links only http(s), mailto and tel addresses, so no
 * message can inject HTML or script, whatever it contains.
 */
export function renderMarkdown(source: string, doc: Document = document): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  let paragraph: string[] = [];
  let list: HTMLElement | undefined;

  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    const p = doc.createElement('p');
    paragraph.forEach((line, i) => {
      if (i > 0) p.append(doc.createElement('br'));
      appendInline(p, line, doc);
    });
    fragment.append(p);
    paragraph = [];
  };

  for (const line of source.replace(/\r\n?/g, '\n').split('\n')) {
    const item = /^\s*(?:[-*•]|(\d{1,3})[.)])\s+(.*)$/.exec(line);
    if (item) {
      flushParagraph();
      const tag = item[1] ? 'OL' : 'UL';
      if (list?.tagName !== tag) fragment.append((list = doc.createElement(tag)));
      const li = doc.createElement('li');
      appendInline(li, item[2] ?? '', doc);
      list.append(li);
      continue;
    }
    list = undefined;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      flushParagraph();
      const p = doc.createElement('p');
      const strong = doc.createElement('strong');
      appendInline(strong, heading[1] ?? '', doc);
      p.append(strong);
      fragment.append(p);
    } else if (line.trim() === '') {
      flushParagraph();
    } else {
      paragraph.push(line);
    }
  }
  flushParagraph();
  return fragment;
}

// The shared syntax, plus (group 9) international phone numbers: a tap calls them.
const INLINE = inlineMarkdownPattern(/(\+\d[\d ()-]{6,}\d)/);
const TRAILING_PUNCTUATION = /[.,;:!?)\]'»”]+$/;

function appendInline(parent: HTMLElement, text: string, doc: Document): void {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const start = m.index ?? 0;
    let end = start + m[0].length;
    parent.append(text.slice(last, start));
    if (m[1] !== undefined) parent.append(wrap('strong', m[1], doc));
    else if (m[2] !== undefined) parent.append(wrap('em', m[2], doc));
    else if (m[4] !== undefined) parent.append(m[3] ?? '', wrap('em', m[4], doc));
    else if (m[5] !== undefined) parent.append(Object.assign(doc.createElement('code'), { textContent: m[5] }));
    else if (m[6] !== undefined) parent.append(link(m[7] ?? '', m[6], doc));
    else if (m[8] !== undefined) {
      const address = m[8].replace(TRAILING_PUNCTUATION, '');
      end = start + address.length;
      parent.append(link(address, address, doc, false));
    } else if (m[9] !== undefined) {
      parent.append(link(`tel:${m[9].replace(/[^\d+]/g, '')}`, m[9], doc, false));
    }
    // Punctuation stripped from a bare address is text again, appended with the next gap.
    last = end;
  }
  parent.append(text.slice(last));
}

function wrap(tag: 'strong' | 'em', inner: string, doc: Document): HTMLElement {
  const element = doc.createElement(tag);
  appendInline(element, inner, doc);
  return element;
}

const SAFE_PROTOCOLS = ['http:', 'https:', 'mailto:', 'tel:'];

/**
 * A link when the address is safe; otherwise the text alone. `inlineMarkup` is false for text
 * that is itself an address, which would otherwise be linked again, endlessly.
 */
function link(address: string, text: string, doc: Document, inlineMarkup = true): Node {
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  const span = doc.createElement('span');
  if (!url || !SAFE_PROTOCOLS.includes(url.protocol)) {
    appendInline(span, text, doc);
    return span;
  }
  const a = doc.createElement('a');
  a.href = url.href;
  if (url.protocol.startsWith('http')) {
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
  }
  if (inlineMarkup) appendInline(a, text, doc);
  else a.textContent = text;
  return a;
}
