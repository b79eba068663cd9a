/**
 * Raw HTML in a text meant as Markdown. Microsoft's Web Chat (botframework-webchat) renders the
 * HTML inside Markdown, so an `<img src=…>` in an answer would load from another site and could
 * track the people reading it. Answers are Markdown only: a tag is refused, while Markdown's own
 * angle brackets (autolinks such as `<https://…>` and `<name@example.org>`) and a lone `<`
 * (`age < 18`) are not tags.
 */
const TAG = /<\/?[a-z][a-z0-9-]*(?=[\s/>]|$)|<![a-z[-]|<\?[a-z]/i;

/** The start of the first HTML tag, comment or declaration in `text` (at most 80 characters), if any. */
export function rawHtmlIn(text: string): string | undefined {
  const found = TAG.exec(text);
  if (!found) return undefined;
  const rest = text.slice(found.index, found.index + 80);
  const end = rest.indexOf('>');
  return end >= 0 ? rest.slice(0, end + 1) : `${rest.trimEnd()}…`;
}

/** The problem message for a text with raw HTML, naming what was found. */
export function rawHtmlMessage(found: string): string {
  return `contains raw HTML (${found}): what the bot sends is Markdown only: write a link as [text](https://…) and leave out tags such as <img>, <a> or <script>, which chat clients that render HTML would show or load`;
}
