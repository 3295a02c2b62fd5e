/** What every `inspect` prints: Docker's indented JSON array, or `-f TEMPLATE` run over each object. */
import { renderEach } from './render';

export function printInspected(format: string | undefined, objects: unknown[]): void {
  if (!format) {
    console.log(JSON.stringify(objects, null, 4));
    return;
  }
  const { out, errors } = renderEach(format, objects);
  // Docker writes a lone newline when nothing was rendered.
  process.stdout.write(out || '\n');
  for (const e of errors) process.stderr.write(`tsrun: ${e}\n`);
  if (errors.length > 0) process.exitCode = 1;
}
