/**
 * Times of `logs --since/--until` in Docker's forms, and the times of log entries; both as
 * nanoseconds since the epoch (a bigint: a Number would lose the nanoseconds).
 */
import { TsrunError } from '../sys/error';

const NS_PER_UNIT: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration ("10m", "1h30m", "1.5s", "-42s"), in nanoseconds; null when not one. */
export function parseDuration(text: string): bigint | null {
  const m = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) return null;
  let ns = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ns += Number(part[1]) * NS_PER_UNIT[part[2]!]!;
  const total = BigInt(Math.round(ns));
  return m[1] === '-' ? -total : total;
}

/** Nine digits of fraction from its text (".5" is half a second). */
function fractionNs(digits: string | undefined): bigint {
  return BigInt((digits ?? '').padEnd(9, '0'));
}

const CALENDAR = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?([Zz]|[+-]\d{2}:\d{2})?$/;

/** An RFC 3339 time or a prefix of one (a date, date and hour ...); without a zone it is local time. Null when not one. */
export function parseCalendarTime(text: string): bigint | null {
  const m = CALENDAR.exec(text);
  if (!m) return null;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1, 7).map((v) => Number(v ?? 0));
  const zone = m[8];
  let ms: number;
  if (zone === undefined) {
    const local = new Date(y!, mo! - 1, d!, h, mi, s);
    if (local.getFullYear() !== y || local.getMonth() !== mo! - 1 || local.getDate() !== d || local.getHours() !== h) return null;
    ms = local.getTime();
  } else {
    ms = Date.UTC(y!, mo! - 1, d!, h, mi, s);
    const check = new Date(ms);
    if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
    if (zone !== 'Z' && zone !== 'z') {
      const [zh, zm] = zone.slice(1).split(':').map(Number);
      ms -= (zone[0] === '-' ? -1 : 1) * (zh! * 60 + zm!) * 60_000;
    }
  }
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + fractionNs(m[7]);
}

/**
 * A --since/--until value as Docker takes it: a duration before `now` (10m, 1h30m), an
 * RFC 3339 time (with or without fraction and zone; a date alone too), or a Unix time
 * (1700000000, 1700000000.123456789).
 */
export function parseTimeArg(option: string, text: string, now: bigint): bigint {
  const d = text === '0' ? null : parseDuration(text);
  if (d !== null) return now - d;
  const t = parseCalendarTime(text);
  if (t !== null) return t;
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (unix) return BigInt(unix[1]!) * 1_000_000_000n + fractionNs(unix[2]);
  throw new TsrunError(
    `invalid ${option} "${text}": use an RFC 3339 time (2024-01-02T15:04:05Z), a Unix timestamp (1700000000.5) or a duration before now (10m, 1h30m)`,
  );
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** A log entry's time (RFC 3339, UTC or with an offset, up to nine digits of fraction); null when unreadable. */
export function entryTimeNs(time: string): bigint | null {
  return typeof time === 'string' && time.includes('T') ? parseCalendarTime(time) : null;
}

/** Docker's RFC3339NanoFixed: always nine digits of fraction, as `logs -t` prints it. */
export function fixedNano(time: string): string {
  const m = /^([^.Zz+]*T[^.Zz+-]*)(?:\.(\d+))?(.*)$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}${m[3] === 'z' ? 'Z' : m[3]}`;
}
