/**
 * Keeping secrets (passwords in DATABASE_URL, bot tokens, signing secrets) out of what an
 * operator reads: configuration errors and logs. Values are masked, never shortened, so nothing
 * of a secret is shown.
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not searched for in text: a short value would mask ordinary words. */
const MIN_SECRET_LENGTH = 6;

/**
 * A connection address with its password masked (`postgres://user:***@host/db`, also
 * `?password=` and `password=` keywords), or undefined when the text is not recognisably an
 * address and so cannot be shown safely at all.
 */
export function maskAddressPassword(raw: string): string | undefined {
  const scheme = raw.indexOf('://');
  if (scheme < 0) return undefined;
  let masked = raw;
  // The last `@` ends the user information, as URL parsers read it.
  const at = raw.lastIndexOf('@');
  if (at > scheme) {
    const userInfo = raw.slice(scheme + 3, at);
    const colon = userInfo.indexOf(':');
    if (colon >= 0) masked = `${raw.slice(0, scheme + 3)}${userInfo.slice(0, colon)}:***${raw.slice(at)}`;
  }
  return masked.replace(/(password=)[^&\s]*/gi, '$1***');
}

/** The password inside a connection address, as written and decoded. */
function addressPasswords(address: string): string[] {
  try {
    const password = new URL(address).password;
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

/**
 * A function that replaces every occurrence of the given secrets in a text (as written, URL-encoded
 * and JSON-escaped) with `[redacted]`. Connection addresses also give their password alone.
 */
export function secretRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    for (const value of [secret, ...addressPasswords(secret)]) {
      if (value.length < MIN_SECRET_LENGTH) continue;
      forms.add(value);
      forms.add(encodeURIComponent(value));
      forms.add(JSON.stringify(value).slice(1, -1));
    }
  }
  // Longest first: a secret that contains another is masked whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let result = text;
    for (const form of ordered) if (result.includes(form)) result = result.split(form).join(REDACTED);
    return result;
  };
}
