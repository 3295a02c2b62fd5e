import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envWithFiles, labelsWithFiles, parseKeyValueFile } from '../../src/runtime/env-file';

const dir = mkdtempSync(join(tmpdir(), 'tsrun-envfile-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('a file of KEY=VALUE lines: comments, blank lines and leading spaces skipped, values untouched, CRLF and a BOM taken', (t) => {
  const f = file('a', '\uFEFFA=1\r\n# comment\n\n   B= x \n\tC=a=b\nD=\nE');
  t.deepEqual(parseKeyValueFile(f), ['A=1', 'B= x ', 'C=a=b', 'D=']);
  t.deepEqual(parseKeyValueFile(f, (k) => (k === 'E' ? 'from-env' : undefined)), ['A=1', 'B= x ', 'C=a=b', 'D=', 'E=from-env']);
});

test('bad lines are refused in Docker\'s words', (t) => {
  t.throws(() => parseKeyValueFile(file('b', 'x y=1\n')), { message: "poorly formatted environment: variable 'x y' contains whitespaces" });
  t.throws(() => parseKeyValueFile(file('c', 'A=1\n=v\n')), { message: "poorly formatted environment: no variable name on line '=v'" });
  t.throws(() => parseKeyValueFile(file('d', Buffer.from([0x41, 0x3d, 0xff, 0x0a]))), { message: `env file ${join(dir, 'd')} contains invalid utf8 bytes at line 1: [65 61 255]` });
  t.throws(() => parseKeyValueFile(join(dir, 'none')), { message: `open ${join(dir, 'none')}: no such file or directory` });
});

test('the files come first and the flags override them; a bare KEY is looked up (env) or empty (label)', (t) => {
  const f = file('e', 'A=file\nB=file\nHOMEY\nMISSING\n');
  t.deepEqual(envWithFiles([f], ['A=flag'], { HOMEY: '/h' }), ['A=file', 'B=file', 'HOMEY=/h', 'A=flag']);
  t.deepEqual(labelsWithFiles([f], ['A=flag', 'solo']), { A: 'flag', B: 'file', solo: '' });
  t.throws(() => labelsWithFiles([], ['=x']), { message: 'invalid argument "=x" for "-l, --label" flag: invalid label \'=x\': empty name' });
});
