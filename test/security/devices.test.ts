/**
 * The devices cgroup. The attack: with Docker's default CAP_MKNOD, make a node of a host
 * block device (a loop device) or of /dev/kmsg, /dev/kvm, /dev/tty1 ... and open it; or use a
 * 0666 node an image ships. Docker's allowlist lets mknod through and refuses the open with
 * EPERM, except for null, zero, full, random, urandom, tty, console, ptmx, pts and net/tun.
 * The same rules run as devices.allow on cgroup v1 and as an eBPF program on v2 (the VM stage).
 */
import test from 'ava';
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isRoot } from '../helpers/tsrun';
import { setUpProbe } from './probe';

const setup = setUpProbe(test, ({ state, probe }) => {
  // An image that ships a world-writable node of the host's first loop device.
  probe.image(state, 'shipped-node', (rootfs) => spawnSync('mknod', ['-m', '666', join(rootfs, 'loop'), 'b', '7', '0']));
});
const state = setup.state;

const run = (args: string[]): string => state.run(['run', '--rm', ...args]).stdout;

test('mknod of host devices works, as under Docker, but opening them is refused with EPERM', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const refused: Array<[string, string, number, number]> = [
    ['a loop device', 'b', 7, 0], ['/dev/kmsg', 'c', 1, 11], ['/dev/kvm', 'c', 10, 232], ['/dev/fuse', 'c', 10, 229],
    ['/dev/loop-control', 'c', 10, 237], ['/dev/tty1', 'c', 4, 1], ['/dev/hwrng', 'c', 10, 183], ['/dev/mem', 'c', 1, 1],
  ];
  for (const [what, type, major, minor] of refused) {
    t.is(run(['probe', '/probe', 'mknod-open', type, String(major), String(minor)]), 'mknod=ok\nopen=EPERM\n', what);
  }
});

test('a 0666 block node shipped in the image cannot be opened', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  t.is(run(['shipped-node', '/probe', 'open', '/loop', 'r']), 'open=EPERM\n');
});

test('the allowlist: nodes of null, zero, full, random and urandom open wherever they are made', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  for (const [major, minor] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9]]) {
    t.is(run(['probe', '/probe', 'mknod-open', 'c', String(major), String(minor)]), 'mknod=ok\nopen=ok\n', `c ${major}:${minor}`);
  }
  t.is(run(['probe', '/probe', 'open', '/dev/null', 'w']), 'open=ok\n');
});

test('--device gives the container a host device with the permissions asked for', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  // A device the default rules refuse, present on this machine.
  const device = ['/dev/tty1', '/dev/fuse', '/dev/loop-control'].find((d) => existsSync(d) && statSync(d).isCharacterDevice());
  if (!device) return t.fail('no /dev/tty1, /dev/fuse or /dev/loop-control on this machine');
  t.is(run(['probe', '/probe', 'open', device, 'r']), 'open=ENOENT\n', 'not there without --device');
  t.is(run(['--device', device, 'probe', '/probe', 'open', device, 'w']), 'open=ok\n');
  t.is(run(['--device', `${device}:/dev/given:r`, 'probe', 'sh', '-c', '/probe open /dev/given r; /probe open /dev/given w']), 'open=ok\nopen=EPERM\n');
  const bad = state.run(['run', '--rm', '--device', '/etc/passwd', 'probe', 'true']);
  t.is(bad.code, 125);
  t.is(bad.stderr, 'tsrun: error gathering device information while adding custom device "/etc/passwd": not a device node\n');
  const mode = state.run(['run', '--rm', '--device', `${device}:/dev/x:rwx`, 'probe', 'true']);
  t.is(mode.code, 125);
  t.regex(mode.stderr, /invalid device mode "rwx"/);
});
