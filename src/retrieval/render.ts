import type { Locales } from '../i18n/locales.js';
import { CONTACT_LABELS, localiseContacts, type ContactWording, type ResolvedContacts } from '../knowledge/contacts.js';
import { fillPlaceholders, hasContactPlaceholder, type Placeholder } from '../knowledge/placeholders.js';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import type { Lang } from '../languages.js';

/** Turns entries and UI strings into the Markdown text a user reads, in their language. */
export class AnswerRenderer {
  constructor(
    private readonly locales: Locales,
    private readonly contacts: ResolvedContacts,
  ) {}

  /** Rendered answers by entry version (an edited entry is a new object) and language. */
  private readonly rendered = new WeakMap<KnowledgeEntry, Map<Lang, string>>();
  private readonly fallbacks = new Map<Lang, string>();

  /** An entry's answer with contacts filled in and the notes its status calls for. */
  entry(entry: KnowledgeEntry, lang: Lang): string {
    let byLang = this.rendered.get(entry);
    if (!byLang) this.rendered.set(entry, (byLang = new Map()));
    let text = byLang.get(lang);
    if (text === undefined) byLang.set(lang, (text = this.renderEntry(entry, lang)));
    return text;
  }

  private renderEntry(entry: KnowledgeEntry, lang: Lang): string {
    const t = entry.languages[lang];
    const notes: string[] = [];
    if (hasContactPlaceholder(t.answer) && !this.contacts.verified) notes.push(this.locales.t(lang, 'answer.contactUnverified'));
    if (t.status === 'machine') notes.push(this.locales.t(lang, 'answer.machineTranslation'));
    return [fillPlaceholders(t.answer, this.contactsIn(lang)).trim(), ...notes.map((n) => `_${n}_`)].join('\n\n');
  }

  private readonly localisedContacts = new Map<Lang, Readonly<Record<Placeholder, string>>>();

  /** The contact details as a reader of `lang` sees them: the office's name and each label in their language. */
  private contactsIn(lang: Lang): Readonly<Record<Placeholder, string>> {
    let values = this.localisedContacts.get(lang);
    if (!values) {
      const wording: ContactWording = {
        organisation: this.locales.t(lang, 'contact.organisation'),
        englishOrganisation: this.locales.t('en', 'contact.organisation'),
        labels: Object.fromEntries(CONTACT_LABELS.map((key) => [key, this.locales.t(lang, key)])) as ContactWording['labels'],
      };
      this.localisedContacts.set(lang, (values = localiseContacts(this.contacts, wording)));
    }
    return values;
  }

  /** How to reach a person: the configured contact details, or an honest "not set up yet". */
  contactRoute(lang: Lang): string {
    const v = this.contactsIn(lang);
    const lines = [
      v['contact.organisation'],
      v['contact.address'] && `📍 ${v['contact.address']}`,
      v['contact.phone'] && `📞 ${v['contact.phone']}`,
      v['contact.email'] && `✉️ ${v['contact.email']}`,
      v['contact.hours'] && `🕒 ${v['contact.hours']}`,
      v['contact.website'] && `🌐 ${v['contact.website']}`,
    ].filter(Boolean);
    if (!v['contact.phone'] && !v['contact.email'] && !v['contact.address']) {
      return this.locales.t(lang, 'answer.contactMissing');
    }
    const parts = [this.locales.t(lang, 'answer.contactIntro'), lines.join('\n')];
    if (!this.contacts.verified) parts.push(`_${this.locales.t(lang, 'answer.contactUnverified')}_`);
    return parts.join('\n');
  }

  /** The honest "I don't know" with the contact route; the same for every question, so kept. */
  fallback(lang: Lang): string {
    let text = this.fallbacks.get(lang);
    if (text === undefined) this.fallbacks.set(lang, (text = `${this.locales.t(lang, 'answer.fallback')}\n\n${this.contactRoute(lang)}`));
    return text;
  }


  emergency(lang: Lang, emergencyEntry: KnowledgeEntry | undefined): string {
    const intro = `**${this.locales.t(lang, 'emergency.intro')}**`;
    return emergencyEntry ? `${intro}\n\n${this.entry(emergencyEntry, lang)}` : intro;
  }
}
