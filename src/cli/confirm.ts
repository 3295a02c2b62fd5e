/** Docker's prompt before a prune: the warning, then "[y/N]"; only y or yes (any case) goes on. */
import { createInterface } from 'node:readline';

export async function confirm(warning: string): Promise<boolean> {
  process.stdout.write(`WARNING! ${warning}\nAre you sure you want to continue? [y/N] `);
  const rl = createInterface({ input: process.stdin });
  // End of input (a script with nothing on stdin) is a no, as Docker takes it.
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

