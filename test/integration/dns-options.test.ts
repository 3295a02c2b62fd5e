/** run --add-host, --dns, --dns-search, --dns-option: the container's /etc files as Docker 20.10 writes them. */
import test from 'ava';
import { isRoot, StateRoot } from '../helpers/tsrun';

const state = new StateRoot();

test.before(() => {
  if (isRoot) state.importAlpine();
});
test.after.always(() => state.remove());

const STANDARD =
  '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

test('the options land in /etc/hosts and /etc/resolv.conf and in inspect\'s HostConfig', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const flags = ['--add-host', 'a:10.1.2.3', '--add-host', 'b:2001:db8::7', '--dns', '10.0.0.53', '--dns-search', 'example.com', '--dns-option', 'ndots:2'];
  const r = state.run(['run', '--rm', ...flags, 'alpine', 'cat', '/etc/hosts', '/etc/resolv.conf']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${STANDARD}10.1.2.3\ta\n2001:db8::7\tb\nsearch example.com\nnameserver 10.0.0.53\noptions ndots:2\n`);

  // --net=host: host-gateway is the host itself; Docker writes its standard hosts file then.
  const host = state.run(['run', '--rm', '--net=host', '--add-host', 'h:host-gateway', 'alpine', 'cat', '/etc/hosts']);
  t.is(host.code, 0, host.stderr);
  t.is(host.stdout, `${STANDARD}127.0.0.1\th\n`);

  const kept = state.run(['run', '--name', 'dnsopts', ...flags, '--dns-search', '.', 'alpine', 'true']);
  t.is(kept.code, 0, kept.stderr);
  const [info] = JSON.parse(state.run(['inspect', 'dnsopts']).stdout) as Array<{ HostConfig: Record<string, unknown> }>;
  t.like(info!.HostConfig, { ExtraHosts: ['a:10.1.2.3', 'b:2001:db8::7'], Dns: ['10.0.0.53'], DnsSearch: ['example.com', '.'], DnsOptions: ['ndots:2'] });
  t.is(state.run(['rm', 'dnsopts']).code, 0);
});

test('bad values and an unreachable host-gateway are refused with exit 125, and nothing is created', (t) => {
  if (!isRoot) return t.fail('needs root: run the suite with sudo');
  const cases: Array<[string[], string]> = [
    [['--add-host', 'a:y'], 'tsrun: invalid argument "a:y" for "--add-host" flag: invalid IP address in add-host: "y" (use an IPv4 or IPv6 address, or host-gateway)\n'],
    [['--add-host', 'noip'], 'tsrun: invalid argument "noip" for "--add-host" flag: bad format for add-host: "noip" (use NAME:IP, e.g. db:10.1.2.3)\n'],
    [['--dns', '10.0.0.300'], 'tsrun: invalid argument "10.0.0.300" for "--dns" flag: 10.0.0.300 is not an ip address (e.g. --dns 10.0.0.53)\n'],
    [['-d', '--dns-search', 'bad_domain'], 'tsrun: invalid argument "bad_domain" for "--dns-search" flag: bad_domain is not a valid domain (e.g. --dns-search example.com, or . for none)\n'],
    [['--add-host', 'h:host-gateway'], 'tsrun: unable to derive the IP value for host-gateway: --net=none has no way to the host (give the address instead: --add-host NAME:IP)\n'],
  ];
  for (const [flags, stderr] of cases) {
    const r = state.run(['run', '--rm', ...flags, 'alpine', 'true']);
    t.is(r.code, 125, flags.join(' '));
    t.is(r.stderr, stderr);
  }
  t.deepEqual(state.containerIds(), []);
});
