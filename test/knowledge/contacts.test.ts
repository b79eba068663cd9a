import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadLocales } from '../../src/i18n/locales.js';
import { resolveContacts } from '../../src/knowledge/contacts.js';
import type { ContactsFile } from '../../src/knowledge/schema.js';
import { LANGUAGES } from '../../src/languages.js';
import { AnswerRenderer } from '../../src/retrieval/render.js';
import { testConfig } from '../support/engine.js';
import { KNOWLEDGE_DIR, LOCALES_DIR } from '../support/paths.js';
import { smallEntry } from './small-knowledge.js';

const shippedContacts = async () => parse(await readFile(path.join(KNOWLEDGE_DIR, 'contacts.yaml'), 'utf8')) as ContactsFile;

/** An entry whose answer is the contact block, as contact-iom writes it. */
const contactEntry = smallEntry('contact-iom', (e) => {
  for (const lang of LANGUAGES) {
    e.languages[lang].answer = ['{{contact.organisation}}', '📍 {{contact.address}}', '📞 {{contact.phone}}', '✉️ {{contact.email}}', '🕒 {{contact.hours}}', '🌐 {{contact.website}}', ''].join('\n');
  }
});

async function rendererWith(env: Record<string, string> = {}) {
  return new AnswerRenderer(await loadLocales(LOCALES_DIR), resolveContacts(await shippedContacts(), testConfig(env)));
}

describe('the contact block', () => {
  it('gives the address as Bulgarian street signs write it, with the Latin spelling beside it, and stays unverified', async () => {
    const contacts = await shippedContacts();
    expect(contacts.contact.address).toBe('ул. „Цар Асен“ 77, София (77 Tzar Asen Street, Sofia)');
    expect(contacts.verified).toBe(false);
  });

  it("shows the office's name and each detail's label in the user's language", async () => {
    const renderer = await rendererWith();
    const bg = renderer.entry(contactEntry, 'bg');
    expect(bg).toContain('МОМ България (офис в София)\n📍 Адрес: ул. „Цар Асен“ 77, София (77 Tzar Asen Street, Sofia)\n📞 Телефон: +359 2 93 94 774');
    expect(bg).toContain('🌐 Уебсайт: https://www.iom.bg');
    expect(renderer.entry(contactEntry, 'ar')).toContain('📍 العنوان: ул. „Цар Асен“ 77, София (77 Tzar Asen Street, Sofia)');
    expect(renderer.entry(contactEntry, 'en')).toContain('IOM Bulgaria (Sofia office)\n📍 Address: ул. „Цар Асен“ 77');
    expect(renderer.contactRoute('fr')).toContain('OIM Bulgarie (bureau de Sofia)\n📍 Adresse: ул. „Цар Асен“ 77');
    const names = new Set(LANGUAGES.map((lang) => renderer.entry(contactEntry, lang).split('\n')[0]));
    expect(names.size).toBe(LANGUAGES.length);
  });

  it('leaves out the line of a detail that is not configured, label and all', async () => {
    const renderer = await rendererWith({ CONTACT_HOURS: '' });
    const ru = renderer.entry(contactEntry, 'ru');
    expect(ru).not.toMatch(/✉️|🕒|Электронная почта|Часы работы/);
    expect(ru).toContain('📞 Телефон: +359 2 93 94 774');
  });

  it('shows an office the operator configured under its own name, in every language', async () => {
    const renderer = await rendererWith({ CONTACT_ORGANISATION: 'IOM Bulgaria (Harmanli office)', CONTACT_ADDRESS: 'Harmanli' });
    for (const lang of ['bg', 'fa', 'tr'] as const) {
      expect(renderer.entry(contactEntry, lang).split('\n')[0], lang).toBe('IOM Bulgaria (Harmanli office)');
    }
    expect(renderer.contactRoute('tr')).toContain('📍 Adres: Harmanli');
  });
});
