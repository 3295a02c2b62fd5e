/**
 * `network create` input Docker 20.10 refuses is refused, in Docker's words, before anything
 * is made: exit 1, one line, no network record and no link. Run with --explain, which prints
 * every kernel change as an iproute2 command: a stderr of just the error line proves none was
 * made (a race-free check while other tests add links of their own).
 */
import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../helpers/tsrun';
import { withLab } from '../helpers/lab';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

const INTERNAL = ['--internal'];

test('IPAM input Docker refuses: one line, exit 1, no network record and no link', async (t) => {
  await withLab([], (s, lab) => {
    const parent = ['-o', `parent=${lab.parent}`];
    const v6 = ['--ipv6', '--subnet=2001:db8:77::/64'];
    const cases: Array<[string[], string]> = [
      [['--subnet=172.16.86.0/24', '--gateway=172.16.86.0', ...parent], 'failed to allocate gateway (172.16.86.0): Address already in use (it is the network address of 172.16.86.0/24)'],
      [['--subnet=172.16.86.0/24', '--gateway=172.16.86.255', ...parent], 'failed to allocate gateway (172.16.86.255): Address already in use (it is the broadcast address of 172.16.86.0/24)'],
      [['--subnet=172.16.86.0/24', '--gateway=172.16.86.0', ...INTERNAL], 'failed to allocate gateway (172.16.86.0): Address already in use (it is the network address of 172.16.86.0/24)'],
      [['--subnet=172.16.86.0/24', '--gateway=172.16.86.1', '--aux-address', 'router=172.16.86.1', ...parent],
        "failed to allocate secondary ip address (router:172.16.86.1): Address already in use (it is the network's gateway)"],
      [['--subnet=172.16.86.0/24', '--aux-address', 'a=172.16.86.9', '--aux-address', 'b=172.16.86.9', ...parent],
        'failed to allocate secondary ip address (b:172.16.86.9): Address already in use (it is aux-address a)'],
      [['--subnet=172.16.86.0/31', ...parent], 'failed to allocate gateway (): No available addresses on this pool (172.16.86.0/31 has no address left for a gateway and containers: use a /30 or larger)'],
      [['--subnet=172.16.86.5/32', ...INTERNAL], 'failed to allocate gateway (): No available addresses on this pool (172.16.86.5/32 has no address left for a gateway and containers: use a /30 or larger)'],
      [['--subnet=172.16.86.0/24', '--subnet=172.16.86.128/25', ...parent], 'multiple overlapping subnet configuration is not supported'],
      [['--gateway=172.18.0.1', ...parent], 'every ip-range or gateway must have a corresponding subnet'],
      [['--subnet=172.16.86.0/24', '--ip-range=172.16.86.0/23', ...parent], 'no matching subnet for range 172.16.86.0/23'],
      [['--subnet=172.16.86.0/24', ...v6, '--gateway=2001:db8:77::', ...parent], 'failed to allocate gateway (2001:db8:77::): Address already in use (it is the network address of 2001:db8:77::/64)'],
      [['--subnet=172.16.86.0/24', ...v6, '--aux-address', 'r=2001:db8:77::1', ...parent], "failed to allocate secondary ip address (r:2001:db8:77::1): Address already in use (it is the network's gateway)"],
      [['--subnet=172.16.86.0/24', ...v6, '--gateway=2001:db8:78::1', ...parent], 'no matching subnet for gateway 2001:db8:78::1'],
      [['--subnet=172.16.86.0/24', '--ipv6', '--subnet=2001:db8:77::1/128', ...parent], 'failed to allocate gateway (): No available addresses on this pool (2001:db8:77::1/128 has no address left for a gateway and containers: use a /127 or larger)'],
    ];
    for (const [args, message] of cases) {
      const r = s.run(['--explain', 'network', 'create', '-d', 'macvlan', ...args, 'bad_net']);
      t.is(r.stderr, `tsrun: ${message}\n`, args.join(' '));
      t.is(r.code, 1, args.join(' '));
    }
    t.deepEqual(s.networkNames(), []);
    const records = join(s.dir, 'networks');
    t.deepEqual(existsSync(records) ? readdirSync(records) : [], [], 'no network record');
  });
});

test('a network name that starts with "-": one line, exit 1, nothing made', async (t) => {
  await withLab([], (s, lab) => {
    const afterDashes = s.run(['--explain', 'network', 'create', '-d', 'macvlan', '--subnet=172.16.87.0/24', '-o', `parent=${lab.parent}`, '--', '-x']);
    t.is(afterDashes.stderr, 'tsrun: invalid network name "-x": use letters, digits and _ . - (starting with a letter or digit)\n');
    t.is(afterDashes.code, 1);
    const asFlag = s.run(['network', 'create', '-d', 'macvlan', '-x']);
    t.is(asFlag.stderr, "tsrun: unknown flag: -x (see 'tsrun --help')\n");
    t.is(asFlag.code, 1);
    const none = s.run(['network', 'create', '-d', 'macvlan']);
    t.is(none.stderr, "tsrun: network create needs a name: tsrun network create [options] NAME (see 'tsrun network create --help')\n");
    t.is(none.code, 1);
    t.deepEqual(s.networkNames(), []);
  });
});
