import { splitLtrRuns } from '../../../markdown/bidi.js';
import { inlineMarkdownPattern } from '../../../markdown/inline-syntax.js';

export interface RenderOptions {
  /**
   * Puts phone numbers, addresses and Latin or Cyrillic words in `<bdi dir="ltr">`, so a
   * right-to-left message does not lay them out backwards. For right-to-left messages; default false.
   */
  readonly isolateLtr?: boolean;
}

interface Context {
  readonly doc: Document;
  readonly isolateLtr: boolean;
}

/**
 * The bot's Markdown (paragraphs, line breaks, lists, bold, italics, code, links) as DOM nodes.
 * Text only ever becomes text nodes and links only http(s), mailto and tel addresses, so no
 * message can inject HTML or script, whatever it contains.
 */
export function renderMarkdown(source: string, doc: Document = document, options: RenderOptions = {}): DocumentFragment {
  const context: Context = { doc, isolateLtr: options.isolateLtr ?? false };
  const fragment = doc.createDocumentFragment();
  let paragraph: string[] = [];
  let list: HTMLElement | undefined;

  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    const p = doc.createElement('p');
    paragraph.forEach((line, i) => {
      if (i > 0) p.append(doc.createElement('br'));
      appendInline(p, line, context);
    });
    fragment.append(p);
    paragraph = [];
  };

  // The server escapes each "<" that could open a tag as "&lt;" for Web Chat clients that render
  // HTML (see the web chat adapter); here text only ever becomes text, so it is "<" again.
  for (const line of source.replace(/&lt;/g, '<').replace(/\r\n?/g, '\n').split('\n')) {
    const item = /^\s*(?:[-*•]|(\d{1,3})[.)])\s+(.*)$/.exec(line);
    if (item) {
      flushParagraph();
      const tag = item[1] ? 'OL' : 'UL';
      if (list?.tagName !== tag) fragment.append((list = doc.createElement(tag)));
      const li = doc.createElement('li');
      appendInline(li, item[2] ?? '', context);
      list.append(li);
      continue;
    }
    list = undefined;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      flushParagraph();
      const p = doc.createElement('p');
      const strong = doc.createElement('strong');
      appendInline(strong, heading[1] ?? '', context);
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

function appendInline(parent: HTMLElement, text: string, context: Context): void {
  const { doc } = context;
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const start = m.index ?? 0;
    let end = start + m[0].length;
    appendText(parent, text.slice(last, start), context);
    if (m[1] !== undefined) parent.append(wrap('strong', m[1], context));
    else if (m[2] !== undefined) parent.append(wrap('em', m[2], context));
    else if (m[4] !== undefined) {
      appendText(parent, m[3] ?? '', context);
      parent.append(wrap('em', m[4], context));
    } else if (m[5] !== undefined) {
      const code = doc.createElement('code');
      appendText(code, m[5], context);
      parent.append(code);
    } else if (m[6] !== undefined) parent.append(link(m[7] ?? '', m[6], context));
    else if (m[8] !== undefined) {
      const address = m[8].replace(TRAILING_PUNCTUATION, '');
      end = start + address.length;
      parent.append(link(address, address, context, false));
    } else if (m[9] !== undefined) {
      parent.append(link(`tel:${m[9].replace(/[^\d+]/g, '')}`, m[9], context, false));
    }
    // Punctuation stripped from a bare address is text again, appended with the next gap.
    last = end;
  }
  appendText(parent, text.slice(last), context);
}

/** Text as text nodes, with its left-to-right runs isolated when the message asks for it. */
function appendText(parent: HTMLElement, text: string, { doc, isolateLtr }: Context): void {
  if (!isolateLtr) {
    parent.append(text);
    return;
  }
  for (const part of splitLtrRuns(text)) {
    parent.append(part.ltr ? Object.assign(doc.createElement('bdi'), { dir: 'ltr', textContent: part.text }) : part.text);
  }
}

function wrap(tag: 'strong' | 'em', inner: string, context: Context): HTMLElement {
  const element = context.doc.createElement(tag);
  appendInline(element, inner, context);
  return element;
}

const SAFE_PROTOCOLS = ['http:', 'https:', 'mailto:', 'tel:'];

/**
 * A link when the address is safe; otherwise the text alone. `inlineMarkup` is false for text
 * that is itself an address (or a phone number), which would otherwise be linked again,
 * endlessly; such a link is always left-to-right, in an isolate of its own.
 */
function link(address: string, text: string, context: Context, inlineMarkup = true): Node {
  const { doc } = context;
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  const span = doc.createElement('span');
  if (!url || !SAFE_PROTOCOLS.includes(url.protocol)) {
    appendInline(span, text, context);
    return span;
  }
  const a = doc.createElement('a');
  a.href = url.href;
  if (url.protocol.startsWith('http')) {
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
  }
  if (inlineMarkup) appendInline(a, text, context);
  else {
    a.dir = 'ltr';
    a.textContent = text;
  }
  return a;
}
