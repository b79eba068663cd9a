/**
 * What a button press means. Buttons send their value as the message text (`postBack`), so the
 * value is a short typed string: it must fit Telegram's 64-byte callback data.
 */
export type ButtonAction =
  | { readonly kind: 'lang'; readonly lang: string }
  | { readonly kind: 'entry'; readonly entryId: string }
  | { readonly kind: 'feedback'; readonly helpful: boolean; readonly entryId: string }
  | { readonly kind: 'person' }
  /** "Yes, connect me" / "No, thanks" after "talk to a person" said what will happen. */
  | { readonly kind: 'person-confirm'; readonly confirmed: boolean }
  /** The one-tap "was this helpful?" after a conversation with a counsellor. */
  | { readonly kind: 'person-feedback'; readonly helpful: boolean }
  | { readonly kind: 'help' }
  | { readonly kind: 'language-menu' };

/**
 * What a typed command asks for: a button's action, or one of the commands that only exist typed
 * with a slash (`/start`, `/forget`). "forget" typed as a plain word must delete nothing.
 */
export type CommandAction = ButtonAction | { readonly kind: 'welcome' } | { readonly kind: 'forget' };

export function encodeAction(action: ButtonAction): string {
  switch (action.kind) {
    case 'lang': return `lang:${action.lang}`;
    case 'entry': return `entry:${action.entryId}`;
    case 'feedback': return `fb:${action.helpful ? 'up' : 'down'}:${action.entryId}`;
    case 'person': return 'person';
    case 'person-confirm': return `person:${action.confirmed ? 'yes' : 'no'}`;
    case 'person-feedback': return `pfb:${action.helpful ? 'up' : 'down'}`;
    case 'help': return 'help';
    case 'language-menu': return 'lang';
  }
}

export function decodeAction(value: string): ButtonAction | undefined {
  const [kind, a, b] = value.trim().split(':');
  if (kind === 'lang' && a) return { kind: 'lang', lang: a };
  if (kind === 'lang' && a === undefined) return { kind: 'language-menu' };
  if (kind === 'entry' && a) return { kind: 'entry', entryId: a };
  if (kind === 'fb' && (a === 'up' || a === 'down') && b) return { kind: 'feedback', helpful: a === 'up', entryId: b };
  if (kind === 'person' && a === undefined) return { kind: 'person' };
  if (kind === 'person' && (a === 'yes' || a === 'no') && b === undefined) return { kind: 'person-confirm', confirmed: a === 'yes' };
  if (kind === 'pfb' && (a === 'up' || a === 'down') && b === undefined) return { kind: 'person-feedback', helpful: a === 'up' };
  if (kind === 'help' && a === undefined) return { kind: 'help' };
  return undefined;
}
