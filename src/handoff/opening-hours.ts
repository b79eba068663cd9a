/**
 * When counsellors take live conversations: weekly hours in the office's time zone, minus
 * holidays. Pure functions over a parsed value; the configuration (`HANDOFF_HOURS`,
 * `HANDOFF_TIMEZONE`, `HANDOFF_HOLIDAYS`) parses and validates it once at start-up. Time zones
 * come from Intl, so summer time follows the zone's own rules without a dependency.
 */

/** A stretch of one day, in minutes since local midnight: `from` included, `to` excluded. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** Seven lists of ranges, Sunday first (as `Date.getUTCDay`), each sorted and not overlapping. */
export type WeeklyHours = readonly (readonly TimeRange[])[];

export interface OpeningHours {
  readonly weekly: WeeklyHours;
  /** An IANA time zone, e.g. `Europe/Sofia`. */
  readonly timeZone: string;
  /** Local dates (`YYYY-MM-DD`) on which nobody takes conversations. */
  readonly holidays: readonly string[];
}

export type OpeningState = { readonly open: true; readonly closesAt: Date } | { readonly open: false; readonly opensAt: Date | undefined };

/** No hours at all: never open (every request is an outside-hours message). */
export const NO_HOURS: WeeklyHours = Object.freeze(Array.from({ length: 7 }, () => Object.freeze([])));

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const TIME = /^([01]\d|2[0-4]):([0-5]\d)$/;

type Parsed<T> = { value: T } | { error: string };

/** `Mon-Fri 09:00-17:00; Sat 10:00-13:00` (also `Mon,Wed 09:00-12:00,13:00-16:00`) into weekly hours. */
export function parseWeeklyHours(raw: string): Parsed<WeeklyHours> {
  const week: TimeRange[][] = Array.from({ length: 7 }, () => []);
  for (const part of raw.split(';').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(\S+)\s+(\S+)$/.exec(part);
    if (!match) return { error: `"${part}" must be days then times, like "Mon-Fri 09:00-17:00"` };
    const days = parseDays(match[1]!);
    if (typeof days === 'string') return { error: days };
    for (const span of match[2]!.split(',')) {
      const range = parseRange(span);
      if (typeof range === 'string') return { error: range };
      for (const day of days) week[day]!.push(range);
    }
  }
  for (const [day, ranges] of week.entries()) {
    ranges.sort((a, b) => a.from - b.from);
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i]!.from < ranges[i - 1]!.to) return { error: `${DAYS[day]} has overlapping times` };
    }
  }
  if (week.every((ranges) => ranges.length === 0)) return { error: 'names no opening time' };
  return { value: week };
}

/** `Mon-Fri`, `Sat`, `Mon,Wed,Fri` or a range across the week's end (`Fri-Mon`); case-insensitive. */
function parseDays(text: string): number[] | string {
  const days: number[] = [];
  for (const piece of text.toLowerCase().split(',')) {
    const [first, last, ...rest] = piece.split('-');
    const from = DAYS.indexOf(first ?? '');
    const to = last === undefined ? from : DAYS.indexOf(last);
    if (from < 0 || to < 0 || rest.length > 0) return `"${text}": days are Mon, Tue, Wed, Thu, Fri, Sat, Sun, or a range like Mon-Fri`;
    for (let d = from; ; d = (d + 1) % 7) {
      days.push(d);
      if (d === to) break;
    }
  }
  return [...new Set(days)];
}

function parseRange(text: string): TimeRange | string {
  const [start = '', end = '', ...rest] = text.split('-');
  const from = minutesOf(start);
  const to = minutesOf(end);
  if (from === undefined || to === undefined || rest.length > 0) return `"${text}" must be a time range like 09:00-17:00`;
  if (to <= from) return `"${text}" must end after it starts (no ranges past midnight: split them)`;
  return { from, to };
}

function minutesOf(time: string): number | undefined {
  const match = TIME.exec(time);
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

/** An IANA zone name Intl knows. */
export function parseTimeZone(raw: string): Parsed<string> {
  try {
    return { value: new Intl.DateTimeFormat('en', { timeZone: raw }).resolvedOptions().timeZone };
  } catch {
    return { error: 'must be an IANA time zone, like Europe/Sofia' };
  }
}

/** Dates `YYYY-MM-DD`, separated by commas or spaces; each a real calendar date. */
export function parseHolidays(raw: string): Parsed<readonly string[]> {
  const dates = raw.split(/[\s,;]+/).filter(Boolean);
  const bad = dates.filter((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d);
  if (bad.length > 0) return { error: `${bad.join(', ')}: each must be a date like 2026-12-24` };
  return { value: [...new Set(dates)].sort() };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock date and time at `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { date: string; weekday: number; minutes: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return { date, weekday: new Date(`${date}T00:00:00Z`).getUTCDay(), minutes: Number(parts.hour) * 60 + Number(parts.minute) + Number(parts.second) / 60 };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `at`, in milliseconds. */
function offsetAt(at: number, timeZone: string): number {
  const local = localTime(new Date(at), timeZone);
  const wall = Date.parse(`${local.date}T00:00:00Z`) + Math.round(local.minutes * 60) * 1000;
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant the wall clock in `timeZone` shows `minutes` past midnight of `date` (a time skipped by summer time lands just after the gap). */
function instantOf(date: string, minutes: number, timeZone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`) + minutes * 60_000;
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return new Date(guess);
}

/** How many days ahead to look for an opening: past a year of holidays. */
const HORIZON_DAYS = 400;

/** Whether counsellors take conversations at `at`; if so until when, if not when they next do (undefined: never). */
export function openingAt(hours: OpeningHours, at: Date): OpeningState {
  const today = localTime(at, hours.timeZone).date;
  const holidays = new Set(hours.holidays);
  const start = Date.parse(`${today}T00:00:00Z`);
  // From yesterday: a range ending at 24:00 yesterday can still hold `at` around a summer-time change.
  for (let offset = -1; offset <= HORIZON_DAYS; offset++) {
    const day = new Date(start + offset * 86_400_000);
    const date = day.toISOString().slice(0, 10);
    if (holidays.has(date)) continue;
    for (const range of hours.weekly[day.getUTCDay()] ?? []) {
      const opens = instantOf(date, range.from, hours.timeZone);
      const closes = instantOf(date, range.to, hours.timeZone);
      if (at < opens) return { open: false, opensAt: opens };
      if (at < closes) return { open: true, closesAt: closes };
    }
  }
  return { open: false, opensAt: undefined };
}

export const isOpenAt = (hours: OpeningHours, at: Date): boolean => openingAt(hours, at).open;

/** The next instant counsellors start taking conversations after `at` (undefined: never). */
export function nextOpening(hours: OpeningHours, at: Date): Date | undefined {
  let state = openingAt(hours, at);
  // Ranges that touch (12:00-13:00,13:00-17:00) are one opening: step past each.
  while (state.open) state = openingAt(hours, state.closesAt);
  return state.opensAt;
}
