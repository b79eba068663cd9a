import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RahnamaError } from '../../src/errors.js';
import { isOpenAt, nextOpening, openingAt, parseWeeklyHours, type OpeningHours } from '../../src/handoff/opening-hours.js';
import { lastLocalDays } from '../../src/handoff/handoff-figures.js';

const weekly = (raw: string) => {
  const parsed = parseWeeklyHours(raw);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.value;
};
const sofia = (raw: string, holidays: string[] = []): OpeningHours => ({ weekly: weekly(raw), timeZone: 'Europe/Sofia', holidays });
const at = (iso: string) => new Date(iso);

describe('opening hours', () => {
  // 2026-12-07 is a Monday; Sofia is UTC+2 in winter, UTC+3 in summer.
  const office = sofia('Mon-Fri 09:00-17:00; Sat 10:00-13:00');

  it('is open inside the weekly hours in the office time zone, not in UTC', () => {
    expect(isOpenAt(office, at('2026-12-07T07:00:00Z'))).toBe(true); // 09:00 in Sofia
    expect(isOpenAt(office, at('2026-12-07T06:59:00Z'))).toBe(false); // 08:59
    expect(isOpenAt(office, at('2026-12-07T14:59:00Z'))).toBe(true); // 16:59
    expect(isOpenAt(office, at('2026-12-07T15:00:00Z'))).toBe(false); // 17:00: the end is excluded
    expect(isOpenAt(office, at('2026-12-12T08:30:00Z'))).toBe(true); // Saturday 10:30
    expect(isOpenAt(office, at('2026-12-13T08:30:00Z'))).toBe(false); // Sunday
  });

  it('says when it closes while open, and the next opening when closed', () => {
    expect(openingAt(office, at('2026-12-07T10:00:00Z'))).toEqual({ open: true, closesAt: at('2026-12-07T15:00:00Z') });
    // Friday evening: next is Saturday 10:00.
    expect(openingAt(office, at('2026-12-11T18:00:00Z'))).toEqual({ open: false, opensAt: at('2026-12-12T08:00:00Z') });
    // Saturday after 13:00: next is Monday 09:00.
    expect(nextOpening(office, at('2026-12-12T12:00:00Z'))).toEqual(at('2026-12-14T07:00:00Z'));
    // While open, the next opening is the one after this one.
    expect(nextOpening(office, at('2026-12-07T10:00:00Z'))).toEqual(at('2026-12-08T07:00:00Z'));
  });

  it('follows summer time: 09:00 in July is 06:00 UTC', () => {
    expect(isOpenAt(office, at('2026-07-06T06:00:00Z'))).toBe(true);
    expect(isOpenAt(office, at('2026-07-06T05:59:00Z'))).toBe(false);
    // Sunday 2026-03-29 the clocks go forward: Monday opens at 06:00 UTC.
    expect(nextOpening(office, at('2026-03-28T12:00:00Z'))).toEqual(at('2026-03-30T06:00:00Z'));
  });

  it('is closed on holidays and skips them for the next opening', () => {
    const withHolidays = sofia('Mon-Fri 09:00-17:00', ['2026-12-24', '2026-12-25']);
    expect(isOpenAt(withHolidays, at('2026-12-24T10:00:00Z'))).toBe(false);
    expect(nextOpening(withHolidays, at('2026-12-23T16:00:00Z'))).toEqual(at('2026-12-28T07:00:00Z'));
  });

  it('treats touching ranges as one opening, and a week without hours as never open', () => {
    const split = sofia('Mon 09:00-12:00,12:00-17:00');
    expect(nextOpening(split, at('2026-12-07T08:00:00Z'))).toEqual(at('2026-12-14T07:00:00Z'));
    expect(openingAt({ ...office, weekly: Array.from({ length: 7 }, () => []) }, at('2026-12-07T08:00:00Z'))).toEqual({ open: false, opensAt: undefined });
  });

  it('reads day lists and ranges across the week end', () => {
    const hours = sofia('fri-mon 10:00-11:00; Wed,Thu 14:00-15:00');
    expect(hours.weekly.map((d) => d.length)).toEqual([1, 1, 0, 1, 1, 1, 1]);
    expect(weekly('Sun 00:00-24:00')[0]).toEqual([{ from: 0, to: 1440 }]);
  });
});

describe('handoff configuration', () => {
  it('defaults to Sofia time, no hours, 30 idle minutes, 30 days of transcripts and no Telegram key', () => {
    const { handoff } = loadConfig({});
    expect(handoff.hours.timeZone).toBe('Europe/Sofia');
    expect(handoff.hours.weekly.every((d) => d.length === 0)).toBe(true);
    expect(handoff).toMatchObject({ idleMinutes: 30, retentionDays: 30, key: '' });
  });

  it('takes hours, zone, holidays and a 32-byte key', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const { handoff } = loadConfig({
      HANDOFF_HOURS: 'Mon-Fri 09:00-17:00; Sat 10:00-13:00',
      HANDOFF_TIMEZONE: 'Asia/Kabul',
      HANDOFF_HOLIDAYS: '2026-12-25, 2026-12-24',
      HANDOFF_KEY: key,
    });
    expect(handoff.hours.weekly[6]).toEqual([{ from: 600, to: 780 }]);
    expect(handoff.hours).toMatchObject({ timeZone: 'Asia/Kabul', holidays: ['2026-12-24', '2026-12-25'] });
    expect(handoff.key).toBe(key);
  });

  it('stops with the name of each bad handoff variable, never showing the key', () => {
    const error = (() => {
      try {
        loadConfig({
          HANDOFF_HOURS: 'Mon-Fri 9-5',
          HANDOFF_TIMEZONE: 'Europe/Nowhere',
          HANDOFF_HOLIDAYS: '2026-02-30',
          HANDOFF_IDLE_MINUTES: '0',
          HANDOFF_KEY: 'c2hvcnQta2V5',
        });
      } catch (e) {
        return e;
      }
    })() as RahnamaError;
    expect(error).toBeInstanceOf(RahnamaError);
    expect(error.code).toBe('RAHNAMA_CONFIG_INVALID');
    expect(error.message).toMatch(/HANDOFF_HOURS="Mon-Fri 9-5": "9-5" must be a time range like 09:00-17:00/);
    expect(error.message).toMatch(/HANDOFF_TIMEZONE="Europe\/Nowhere": must be an IANA time zone/);
    expect(error.message).toMatch(/HANDOFF_HOLIDAYS="2026-02-30": 2026-02-30: each must be a date/);
    expect(error.message).toMatch(/HANDOFF_IDLE_MINUTES="0"/);
    expect(error.message).toMatch(/HANDOFF_KEY=<hidden, 12 characters>: must be 32 bytes in base64/);
    expect(error.message).not.toContain('c2hvcnQta2V5');
  });

  it('refuses hours that end before they start, overlap, or name unknown days', () => {
    expect(parseWeeklyHours('Mon 17:00-09:00')).toEqual({ error: expect.stringMatching(/must end after it starts/) });
    expect(parseWeeklyHours('Mon 09:00-12:00,11:00-13:00')).toEqual({ error: 'mon has overlapping times' });
    expect(parseWeeklyHours('Monday 09:00-12:00')).toEqual({ error: expect.stringMatching(/days are Mon/) });
    expect(parseWeeklyHours(';')).toEqual({ error: 'names no opening time' });
  });
});

describe('the dashboard\'s days of live conversations', () => {
  it('end today in the opening hours\' time zone, even when that is already tomorrow in UTC', () => {
    // 22:30 UTC on 7 December is 00:30 on 8 December in Sofia: a request made then is counted on the 8th.
    expect(lastLocalDays(7, 'Europe/Sofia', new Date('2026-12-07T22:30:00Z'))).toEqual({ from: '2026-12-02', to: '2026-12-08' });
    expect(lastLocalDays(1, 'Europe/Sofia', new Date('2026-12-07T12:00:00Z'))).toEqual({ from: '2026-12-07', to: '2026-12-07' });
    expect(lastLocalDays(30, 'UTC', new Date('2026-03-01T00:00:00Z'))).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });
});
