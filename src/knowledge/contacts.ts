import type { Config } from '../config.js';
import type { Placeholder } from './placeholders.js';
import type { ContactsFile } from './schema.js';

/** Contact details after environment overrides, ready to fill placeholders. */
export interface ResolvedContacts {
  readonly verified: boolean;
  readonly values: Readonly<Record<Placeholder, string>>;
}

export function resolveContacts(file: ContactsFile, config: Pick<Config, 'contactOverrides' | 'retentionDays'>): ResolvedContacts {
  const o = config.contactOverrides;
  const pick = (env: string, fromFile: string) => (env !== '' ? env : fromFile).trim();
  return Object.freeze({
    verified: o.verified ?? file.verified,
    values: Object.freeze({
      'contact.organisation': pick(o.organisation, file.contact.organisation),
      'contact.address': pick(o.address, file.contact.address),
      'contact.phone': pick(o.phone, file.contact.phone),
      'contact.email': pick(o.email, file.contact.email),
      'contact.hours': pick(o.hours, file.contact.hours),
      'contact.website': pick(o.website, file.contact.website),
      'privacy.retentionDays': String(config.retentionDays),
    }),
  });
}

/** The contact details that are shown after a label (`📞 Phone: …`); the label's key in `common.json` is the same. */
export const CONTACT_LABELS = ['contact.address', 'contact.phone', 'contact.email', 'contact.hours', 'contact.website'] as const satisfies readonly Placeholder[];

/**
 * The UI strings a contact block is written with in one language (`contact.*` in
 * `locales/<lang>/common.json`): each detail's label, and the office's name.
 */
export interface ContactWording {
  /** The office's name in this language, and in English (the name the translations translate). */
  readonly organisation: string;
  readonly englishOrganisation: string;
  readonly labels: Readonly<Record<(typeof CONTACT_LABELS)[number], string>>;
}

/**
 * The placeholder values as a user reading one language sees them. The office's name is the
 * locale's translation while the configured name is the one the English locale has (it is a
 * translation of that name); an operator who configures another office gets that name in every
 * language. Each detail comes after its label in the user's language; an empty detail stays
 * empty, so its line is left out.
 */
export function localiseContacts(contacts: ResolvedContacts, wording: ContactWording): Readonly<Record<Placeholder, string>> {
  const values = { ...contacts.values };
  const configured = values['contact.organisation'];
  if (configured && configured === wording.englishOrganisation.trim() && wording.organisation.trim()) values['contact.organisation'] = wording.organisation.trim();
  for (const name of CONTACT_LABELS) {
    if (values[name]) values[name] = `${wording.labels[name]}: ${values[name]}`;
  }
  return Object.freeze(values);
}
