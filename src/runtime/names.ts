import { randomInt } from 'node:crypto';

// Readable names in Docker's adjective_surname style.
const ADJECTIVES = [
  'agile', 'bold', 'brave', 'bright', 'calm', 'clever', 'cool', 'eager', 'fervent', 'focused',
  'gallant', 'happy', 'jolly', 'keen', 'kind', 'lucid', 'modest', 'nifty', 'quirky', 'relaxed',
  'serene', 'sharp', 'stoic', 'tender', 'vibrant', 'wizardly', 'zealous',
];
const SURNAMES = [
  'baran', 'cerf', 'clark', 'diffie', 'hopper', 'kahn', 'kleinrock', 'lamport', 'lovelace',
  'metcalfe', 'mockapetris', 'perlman', 'postel', 'ritchie', 'shannon', 'thompson', 'torvalds',
  'turing', 'wozniak', 'hamilton', 'liskov', 'knuth', 'dijkstra', 'hellman', 'hinden', 'deering',
];

export function generateName(taken: Set<string>): string {
  for (;;) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
    if (!taken.has(base)) return base;
    const numbered = `${base}${randomInt(10)}`;
    if (!taken.has(numbered)) return numbered;
  }
}
