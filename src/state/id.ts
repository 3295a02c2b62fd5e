/** A 64-hex id like Docker's; the first 12 characters are its short form. */
export function newId(): string {
  // Required here: node:crypto is a dozen of Node's own modules to compile, which no listing needs.
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  return randomBytes(32).toString('hex');
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}
