const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Why a `reviewed` date (YYYY-MM-DD, the day a person last checked the text) is not one, or
 * undefined when it is: it must be a day of the calendar (not `9999-99-99`) and not in the
 * future by more than a day (a day of slack for time zones ahead of UTC).
 */
export function reviewDateProblem(date: string, now: number = Date.now()): string | undefined {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!parts) return 'must be a date written YYYY-MM-DD';
  const at = Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]));
  // Date.UTC rolls 2024-02-30 over into March: a real day reads back as written.
  if (Number(parts[1]) < 1970 || new Date(at).toISOString().slice(0, 10) !== date) return `"${date}" is not a day of the calendar (YYYY-MM-DD)`;
  if (at > now + DAY_MS) return `"${date}" is in the future: it is the day a person last checked the text`;
  return undefined;
}
