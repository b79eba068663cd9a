/** Placeholders answers may contain, filled from contacts.yaml, the environment and config. */
export const PLACEHOLDERS = [
  'contact.organisation',
  'contact.address',
  'contact.phone',
  'contact.email',
  'contact.hours',
  'contact.website',
  'privacy.retentionDays',
] as const;

export type Placeholder = (typeof PLACEHOLDERS)[number];

export const PLACEHOLDER_PATTERN = /\{\{\s*([\w.]+)\s*\}\}/g;

const known: ReadonlySet<string> = new Set(PLACEHOLDERS);

export function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER_PATTERN)]
    .map((m) => m[1] ?? '')
    .filter((name) => !known.has(name));
}

/**
 * Fills placeholders. A line whose placeholders are all empty is dropped, so an operator who
 * has not configured, say, opening hours gets no "🕒 " line instead of a blank one.
 */
export function fillPlaceholders(text: string, values: Readonly<Record<Placeholder, string>>): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const names = [...line.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1] as Placeholder);
      if (names.length === 0) return [line];
      if (names.every((name) => !values[name])) return [];
      return [line.replace(PLACEHOLDER_PATTERN, (_, name: Placeholder) => values[name] ?? '')];
    })
    .join('\n');
}

export function hasContactPlaceholder(text: string): boolean {
  return [...text.matchAll(PLACEHOLDER_PATTERN)].some((m) => m[1]?.startsWith('contact.'));
}
