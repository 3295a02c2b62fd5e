/**
 * Signals as `kill -s` and Docker take them: a name (TERM, SIGTERM, sigterm, RTMIN+3,
 * RTMAX-1) or a number, checked against the signals Linux has, before any container is
 * touched.
 */
import { constants } from 'node:os';
import { TsrunError } from '../sys/error';

const RTMIN = 34;
const RTMAX = 64;

/** Linux's signals: 1-31, and the real-time ones 34-64 (glibc keeps 32 and 33 for itself). */
function isLinuxSignal(n: number): boolean {
  return (n >= 1 && n <= 31) || (n >= RTMIN && n <= RTMAX);
}

function realTime(name: string): number | undefined {
  const m = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!m) return undefined;
  const offset = m[3] === undefined ? 0 : Number(m[3]);
  // As Docker names them: RTMIN, RTMIN+1 ... RTMIN+15, RTMAX-14 ... RTMAX-1, RTMAX.
  if (m[1] === 'MIN' && m[2] !== '-' && offset <= 15) return RTMIN + offset;
  if (m[1] === 'MAX' && m[2] !== '+' && offset <= 14) return RTMAX - offset;
  return undefined;
}

/** The signal's number; a TsrunError in Docker's words for anything Linux does not have. */
export function parseSignal(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : undefined;
  const name = text.toUpperCase().replace(/^SIG/, '');
  const value = n ?? (constants.signals as Record<string, number | undefined>)[`SIG${name}`] ?? realTime(name);
  if (value === undefined || !isLinuxSignal(value)) {
    throw new TsrunError(`invalid signal: ${text} (use a name like TERM, HUP or RTMIN+1, or a number from 1-31 or 34-64)`);
  }
  return value;
}
