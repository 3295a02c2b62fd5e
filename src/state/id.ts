import { randomBytes } from 'node:crypto';

/** A 64-hex id like Docker's; the first 12 characters are its short form. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}
