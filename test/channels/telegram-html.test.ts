import { describe, expect, it } from 'vitest';
import { TELEGRAM_MESSAGE_LIMIT, toTelegramHtml, toTelegramMessages } from '../../src/channels/telegram/html.js';
import { parseTelegramHtml } from '../support/fake-telegram.js';

describe('Markdown to Telegram HTML', () => {
  it('renders the bot\'s Markdown: paragraphs, lists, bold, italics, code, links', () => {
    const html = toTelegramHtml('# Costs\n\nIt is **free**, *really* and _truly_.\n- one `code`\n- [IOM](https://iom.int/bg?a=1&b=2)\n\n1. first');
    expect(html).toBe('<b>Costs</b>\n\nIt is <b>free</b>, <i>really</i> and <i>truly</i>.\n• one <code>code</code>\n• <a href="https://iom.int/bg?a=1&amp;b=2">IOM</a>\n\n1. first');
  });

  it('escapes <, > and & in text and quotes in addresses, whatever the text holds', () => {
    const html = toTelegramHtml('1 < 2 & 3 > 2 <script>alert("x")</script> **<b>bold</b>** [a "q" & b](https://x.org/"quoted"?x=<y>)');
    expect(html).toBe('1 &lt; 2 &amp; 3 &gt; 2 &lt;script&gt;alert("x")&lt;/script&gt; <b>&lt;b&gt;bold&lt;/b&gt;</b> <a href="https://x.org/%22quoted%22?x=%3Cy%3E">a "q" &amp; b</a>');
    expect(parseTelegramHtml(html)).not.toHaveProperty('error');
  });

  it('links only http(s) addresses; e-mail, phone and script addresses stay text', () => {
    expect(toTelegramHtml('[write](mailto:info@iom.int) [call](tel:+35929394774) [x](javascript:void)')).toBe('write (info@iom.int) call (+35929394774) x');
    // Underscores in a bare address are not italics.
    expect(toTelegramHtml('see https://example.org/a_b_c now')).toBe('see https://example.org/a_b_c now');
  });
});

describe('left-to-right runs in right-to-left Telegram text', () => {
  const isolated = (text: string) => `\u2066${text}\u2069`;

  it('isolates a phone number, a Latin and Cyrillic address, an e-mail and a web address in an Arabic answer', () => {
    const html = toTelegramHtml([
      'اتصل بمكتب IOM في صوفيا:',
      '📞 الهاتف: +359 2 93 94 774',
      '📍 العنوان: ул. „Цар Асен“ 77, София (77 Tzar Asen Street, Sofia).',
      'اكتب إلى info@iom.int أو زر https://www.iom.bg',
    ].join('\n'));
    expect(html).toBe([
      `اتصل بمكتب ${isolated('IOM')} في صوفيا:`,
      `📞 الهاتف: ${isolated('+359 2 93 94 774')}`,
      `📍 العنوان: ${isolated('ул. „Цар Асен“ 77, София (77 Tzar Asen Street, Sofia)')}.`,
      `اكتب إلى ${isolated('info@iom.int')} أو زر ${isolated('https://www.iom.bg')}`,
    ].join('\n'));
    expect(parseTelegramHtml(html)).not.toHaveProperty('error');
  });

  it('isolates a number alone on its line, and inside bold text and links, when the answer is in Farsi or Pashto', () => {
    expect(toTelegramHtml('با ما تماس بگیرید:\n+359 2 93 94 774')).toBe(`با ما تماس بگیرید:\n${isolated('+359 2 93 94 774')}`);
    expect(toTelegramHtml('شمېره: **+359 2 93 94 774** [ویب‌پاڼه](https://www.iom.bg)')).toBe(
      `شمېره: <b>${isolated('+359 2 93 94 774')}</b> <a href="https://www.iom.bg/">ویب‌پاڼه</a>`,
    );
  });

  it('isolates a command with its slash, so an Arabic reader sees /forget and not forget/', () => {
    expect(toTelegramHtml('والأمر /forget يحذفه فورًا.')).toBe(`والأمر ${isolated('/forget')} يحذفه فورًا.`);
  });

  it('leaves text without right-to-left letters as it was', () => {
    expect(toTelegramHtml('Call +359 2 93 94 774 or write to info@iom.int.')).toBe('Call +359 2 93 94 774 or write to info@iom.int.');
  });

  it('never cuts a message inside an isolated run', () => {
    const line = `الرقم +359 2 93 94 774 ${'كلمة '.repeat(6)}`;
    const messages = toTelegramMessages(Array.from({ length: 40 }, () => line).join(' '), 100);
    expect(messages.length).toBeGreaterThan(5);
    expect(messages.join('')).toContain(isolated('+359 2 93 94 774'));
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(100);
      expect(message.split('\u2066').length, message).toBe(message.split('\u2069').length);
    }
  });
});

describe('cutting answers into Telegram messages', () => {
  it('keeps a short answer in one message', () => {
    expect(toTelegramMessages('Hello\n\nWorld')).toEqual(['Hello\n\nWorld']);
  });

  it('cuts a 4,500-character answer between paragraphs into two messages under the limit', () => {
    const paragraph = (i: number) => `Paragraph ${String(i).padStart(2, '0')} **bold** ${'x'.repeat(70)}`;
    const markdown = Array.from({ length: 50 }, (_, i) => paragraph(i)).join('\n\n');
    expect(markdown.length).toBeGreaterThan(4500);
    const messages = toTelegramMessages(markdown);
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
      expect(parseTelegramHtml(message)).not.toHaveProperty('error');
    }
    // Whole paragraphs: the first message ends where one ends, the second starts with the next.
    expect(messages[0]).toMatch(/x{70}$/);
    expect(messages[1]).toMatch(/^Paragraph \d\d <b>bold<\/b>/);
    expect(messages.join('\n\n')).toBe(toTelegramHtml(markdown));
  });

  it('cuts a paragraph longer than a message between words, never inside a tag or an entity', () => {
    const words = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? `**w${i}&<**` : `[w${i}](https://example.org/${i})`)).join(' ');
    const messages = toTelegramMessages(words, 500);
    expect(messages.length).toBeGreaterThan(5);
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(500);
      expect(parseTelegramHtml(message)).not.toHaveProperty('error');
    }
  });

  it('cuts even a single overlong word, between characters', () => {
    const messages = toTelegramMessages('&'.repeat(30), 20);
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(20);
      expect(parseTelegramHtml(message)).not.toHaveProperty('error');
    }
    expect(messages.map((m) => (parseTelegramHtml(m) as { text: string }).text).join('')).toBe('&'.repeat(30));
  });
});
