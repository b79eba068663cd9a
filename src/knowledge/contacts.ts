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
