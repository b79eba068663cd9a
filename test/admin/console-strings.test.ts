import { describe, expect, it } from 'vitest';
import bg from '../../src/admin/locales/bg.json' with { type: 'json' };
import en from '../../src/admin/locales/en.json' with { type: 'json' };

/** Every string of a locale file by its dotted key. */
function flatten(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (typeof inner === 'string') out.set(`${prefix}${key}`, inner);
    else for (const [k, v] of flatten(inner, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe("the staff console's strings", () => {
  it('has the same keys in English and Bulgarian, none empty, each with the same placeholders', () => {
    const english = flatten(en);
    const bulgarian = flatten(bg);
    expect([...bulgarian.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of english) {
      expect(text.trim(), key).not.toBe('');
      expect(bulgarian.get(key)?.trim(), key).not.toBe('');
      expect(placeholders(bulgarian.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });
});
