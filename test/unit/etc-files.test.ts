import test from 'ava';
import { containerResolvConf, hostHostsFile, hostsFile } from '../../src/runtime/etc-files';
import { addedHosts, hostGatewayIp, nameConfig } from '../../src/runtime/dns-options';
import { networkHostsFile } from '../../src/runtime/hosts';
import type { NetworkRecord } from '../../src/state/networks';
import { TsrunError } from '../../src/sys/error';

const STANDARD =
  '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

const noGateway = (): string => {
  throw new Error('host-gateway looked up though not asked for');
};

function network(hostAccess?: NetworkRecord['hostAccess']): NetworkRecord {
  return {
    id: 'a'.repeat(64), name: 'pub_net', driver: 'macvlan', created: '', enableIPv6: false, internal: false, pools: [], options: {}, labels: {},
    parent: { name: 'eth0', created: false },
    endpoints: {
      c1: { containerId: 'c1', containerName: 'web1', endpointId: 'e1', ifname: 'eth0', mac: '', ipv4: '172.16.86.2/24', ipv6: '' },
      c2: { containerId: 'c2', containerName: 'web2', endpointId: 'e2', ifname: 'eth0', mac: '', ipv4: '172.16.86.3/24', ipv6: '' },
    },
    ...(hostAccess && { hostAccess }),
  };
}

test('--add-host lines follow the standard lines and come before the container\'s own, as libnetwork writes them', (t) => {
  const config = nameConfig({ addHost: ['a:10.1.2.3', 'six:2001:db8::7', 'a:10.9.9.9'] }, noGateway);
  t.deepEqual(config.extraHosts, ['a:10.1.2.3', 'six:2001:db8::7', 'a:10.9.9.9']);
  const self = { id: 'c1', name: 'web1', config: { hostname: 'box', ...config } };
  t.is(
    networkHostsFile([network()], self as never),
    `${STANDARD}10.1.2.3\ta\n2001:db8::7\tsix\n10.9.9.9\ta\n172.16.86.2\tbox web1\n172.16.86.3\tweb2 c2\n`,
  );
  t.is(hostsFile([], addedHosts(config)), `${STANDARD}10.1.2.3\ta\n2001:db8::7\tsix\n10.9.9.9\ta\n`);
  // --net=host with --add-host: Docker 20.10 writes its standard file, not the host's.
  t.is(hostHostsFile(addedHosts(config)), `${STANDARD}10.1.2.3\ta\n2001:db8::7\tsix\n10.9.9.9\ta\n`);
});

test('host-gateway is the network\'s host-access shim, the loopback with --net=host, and refused where there is no way to the host', (t) => {
  const withShim = network({ link: 'sh-aaaaaaaaaaaa', address: '172.16.86.254' });
  const config = nameConfig({ addHost: ['host.docker.internal:host-gateway'] }, () => hostGatewayIp('network', withShim));
  t.deepEqual(config.extraHosts, ['host.docker.internal:host-gateway']);
  t.deepEqual(addedHosts(config), [{ ip: '172.16.86.254', names: ['host.docker.internal'] }]);
  t.is(hostGatewayIp('host', undefined), '127.0.0.1');
  t.throws(() => hostGatewayIp('none', undefined), {
    instanceOf: TsrunError,
    message: 'unable to derive the IP value for host-gateway: --net=none has no way to the host (give the address instead: --add-host NAME:IP)',
  });
  t.throws(() => hostGatewayIp('network', network()), {
    message: /^unable to derive the IP value for host-gateway: network pub_net has no host-access shim, .*\(create the network with --host-access, or give the address instead: --add-host NAME:IP\)$/,
  });
});

test('bad values are refused in Docker\'s words, naming the flag and the value', (t) => {
  const refused = (flags: Parameters<typeof nameConfig>[0], message: string): void => {
    t.throws(() => nameConfig(flags, noGateway), { instanceOf: TsrunError, message }, JSON.stringify(flags));
  };
  refused({ addHost: ['a:y'] }, 'invalid argument "a:y" for "--add-host" flag: invalid IP address in add-host: "y" (use an IPv4 or IPv6 address, or host-gateway)');
  refused({ addHost: ['a:010.1.2.3'] }, /invalid IP address in add-host: "010.1.2.3"/ as unknown as string);
  refused({ addHost: ['a:fe80::1%eth0'] }, /invalid IP address in add-host: "fe80::1%eth0"/ as unknown as string);
  refused({ addHost: ['noip'] }, 'invalid argument "noip" for "--add-host" flag: bad format for add-host: "noip" (use NAME:IP, e.g. db:10.1.2.3)');
  refused({ addHost: [':10.1.2.3'] }, /bad format for add-host: ":10.1.2.3"/ as unknown as string);
  refused({ dns: ['x'] }, 'invalid argument "x" for "--dns" flag: x is not an ip address (e.g. --dns 10.0.0.53)');
  refused({ dnsSearch: ['bad_domain'] }, 'invalid argument "bad_domain" for "--dns-search" flag: bad_domain is not a valid domain (e.g. --dns-search example.com, or . for none)');
  refused({ dnsSearch: ['123'] }, /123 is not a valid domain/ as unknown as string);
  refused({ dnsSearch: ['-a.com'] }, /-a.com is not a valid domain/ as unknown as string);
});

test('values are kept as Docker\'s CLI keeps them: --dns in Go\'s form, --dns-search without its final dot', (t) => {
  const config = nameConfig({ dns: [' 10.0.0.53 ', '2001:DB8::1', '::ffff:10.0.0.1'], dnsSearch: ['example.com.', '.', 'a-b.example'], dnsOption: ['ndots:2', 'rotate'] }, noGateway);
  t.deepEqual(config, { extraHosts: [], dns: ['10.0.0.53', '2001:db8::1', '10.0.0.1'], dnsSearch: ['example.com', '.', 'a-b.example'], dnsOptions: ['ndots:2', 'rotate'] });
});

const HOST = '# written by the host\nnameserver 127.0.0.53\nnameserver 10.0.0.1 # office\nsearch corp.example\noptions edns0 trust-ad\n';

test('resolv.conf: --dns, --dns-search and --dns-option replace the host\'s, in Docker\'s order and form', (t) => {
  const all = { dns: ['10.0.0.53', '10.0.0.54'], dnsSearch: ['example.com', 'example.org'], dnsOptions: ['ndots:2', 'timeout:1'] };
  t.is(containerResolvConf(HOST, false, all), 'search example.com example.org\nnameserver 10.0.0.53\nnameserver 10.0.0.54\noptions ndots:2 timeout:1\n');
  // The same with --net=host: Docker writes the file too when any of them is given.
  t.is(containerResolvConf(HOST, true, all), 'search example.com example.org\nnameserver 10.0.0.53\nnameserver 10.0.0.54\noptions ndots:2 timeout:1\n');
  // What is not given comes from the host's file; its comments and loopback servers do not.
  t.is(containerResolvConf(HOST, false, { dnsOptions: ['ndots:2'] }), 'search corp.example\nnameserver 10.0.0.1\noptions ndots:2\n');
  t.is(containerResolvConf(HOST, false, { dns: ['10.0.0.53'] }), 'search corp.example\nnameserver 10.0.0.53\noptions edns0 trust-ad\n');
  // A host resolver on the loopback serves --net=host.
  t.is(containerResolvConf(HOST, true, { dnsSearch: ['example.com'] }), 'search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.1\noptions edns0 trust-ad\n');
});

test('resolv.conf: --dns-search . means no search domains; a host with only loopback servers gives Google\'s', (t) => {
  t.is(containerResolvConf(HOST, false, { dnsSearch: ['.'] }), 'nameserver 10.0.0.1\noptions edns0 trust-ad\n');
  t.is(containerResolvConf('nameserver 127.0.0.1\n', false, { dnsOptions: ['ndots:1'] }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\noptions ndots:1\n');
  t.is(containerResolvConf('', false, { dns: ['10.0.0.53'] }), 'nameserver 10.0.0.53\n');
});

test('resolv.conf without the options: the host\'s, less its loopback servers (unchanged with --net=host)', (t) => {
  t.is(containerResolvConf(HOST, true, {}), HOST);
  t.is(containerResolvConf(HOST, false, { dns: [], dnsSearch: [], dnsOptions: [] }), '# written by the host\nnameserver 10.0.0.1 # office\nsearch corp.example\noptions edns0 trust-ad\n');
  // Docker's filter leaves the blank line where the loopback server was, and so does tsrun.
  t.is(containerResolvConf('nameserver 127.0.0.53\n', false, {}), '\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});
