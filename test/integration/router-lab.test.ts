/**
 * The lab exercise of issue 16: a container made a router (`--cap-add NET_ADMIN --sysctl
 * net.ipv4.ip_forward=1`) on two macvlan networks forwards between a container on each,
 * and the capture it writes to a `-v` mount is read on the host. The sysctl is set in the
 * router's namespace only: the host's stays as it was.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from '../helpers/tsrun';
import { hostLinks, Lab } from '../helpers/lab';
import { setUpProbe } from '../security/probe';

const setup = setUpProbe(test);

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

interface Packet {
  src: string;
  dst: string;
  icmpType: number;
}

/** The IPv4 ICMP packets of a pcap file (Ethernet frames, little-endian headers). */
function icmpPackets(pcap: Buffer): Packet[] {
  const ip = (b: Buffer, at: number): string => [...b.subarray(at, at + 4)].join('.');
  const out: Packet[] = [];
  for (let at = 24; at + 16 <= pcap.length; ) {
    const len = pcap.readUInt32LE(at + 8);
    const frame = pcap.subarray(at + 16, at + 16 + len);
    at += 16 + len;
    const ihl = (frame[14]! & 0x0f) * 4;
    out.push({ src: ip(frame, 26), dst: ip(frame, 30), icmpType: frame[14 + ihl]! });
  }
  return out;
}

test('a router container with --sysctl net.ipv4.ip_forward=1 on two macvlan networks forwards between them; its capture on a -v mount is read on the host', async (t) => {
  const { state: s } = setup;
  const lab = new Lab(['10.51.0.1/24', '10.52.0.1/24']);
  const pcapDir = mkdtempSync(join(tmpdir(), 'tsrun-pcap-'));
  const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
  const ok = (args: string[]): string => {
    const r = s.run(args);
    if (r.code !== 0) throw new Error(`tsrun ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    const linksBefore = hostLinks(lab);
    ok(['network', 'create', '-d', 'macvlan', '--subnet=10.51.0.0/24', '-o', `parent=${lab.parent}`, 'left_net']);
    ok(['network', 'create', '-d', 'macvlan', '--subnet=10.52.0.0/24', '-o', `parent=${lab.parent}`, 'right_net']);
    ok(['run', '-d', '--name', 'router', '--net', 'left_net', '--ip', '10.51.0.254', '--cap-add', 'NET_ADMIN', '--sysctl', 'net.ipv4.ip_forward=1', '-v', `${pcapDir}:/pcap`, 'probe', 'sleep', '300']);
    ok(['network', 'connect', '--ip', '10.52.0.254', 'right_net', 'router']);
    // A new namespace may start with the host's forwarding setting (net.core.devconf_inherit_init_net): left turns it off.
    ok(['run', '-d', '--name', 'left', '--net', 'left_net', '--ip', '10.51.0.10', '--cap-add', 'NET_ADMIN', '--sysctl', 'net.ipv4.ip_forward=0', 'probe', 'sleep', '300']);
    ok(['run', '-d', '--name', 'right', '--net', 'right_net', '--ip', '10.52.0.10', '--cap-add', 'NET_ADMIN', 'probe', 'sleep', '300']);
    ok(['exec', 'left', 'ip', 'route', 'add', '10.52.0.0/24', 'via', '10.51.0.254']);
    ok(['exec', 'right', 'ip', 'route', 'add', '10.51.0.0/24', 'via', '10.52.0.254']);

    t.is(ok(['exec', 'router', 'sysctl', '-n', 'net.ipv4.ip_forward']), '1\n', 'forwarding on in the router');
    t.is(ok(['exec', 'left', 'sysctl', '-n', 'net.ipv4.ip_forward']), '0\n', "each container's own setting");
    t.is(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForward, "the host's is untouched");

    ok(['exec', '-d', 'router', '/probe', 'capture', 'eth1', '4', '/pcap/forwarded.pcap']);
    await sleep(300);
    const ping = s.run(['exec', 'left', 'ping', '-c', '1', '-W', '5', '10.52.0.10']);
    t.is(ping.code, 0, ping.stdout + ping.stderr);
    t.regex(ping.stdout, /1 packets received/);

    // The tap on a macvlan may deliver the same frame twice (seen here with the forwarded request): distinct packets count.
    const distinct = (): Packet[] => [...new Map(icmpPackets(readFileSync(join(pcapDir, 'forwarded.pcap'))).map((p) => [JSON.stringify(p), p])).values()];
    const deadline = Date.now() + 10_000;
    while (distinct().length < 2 && Date.now() < deadline) await sleep(100);
    t.deepEqual(distinct(), [
      { src: '10.51.0.10', dst: '10.52.0.10', icmpType: 8 },
      { src: '10.52.0.10', dst: '10.51.0.10', icmpType: 0 },
    ], "the echo request forwarded out of the router's eth1 and the reply coming back, in the capture on the host");

    t.is(s.run(['run', '--rm', '--net', 'host', '--sysctl', 'net.ipv4.ip_forward=1', 'probe', 'true']).code, 125, "with --net=host the same sysctl is refused: it would be the host's");
    ok(['rm', '-f', 'router', 'left', 'right']);
    ok(['network', 'rm', 'left_net', 'right_net']);
    t.deepEqual(hostLinks(lab), linksBefore);
  } finally {
    for (const c of ['router', 'left', 'right']) s.run(['rm', '-f', c]);
    s.run(['network', 'rm', 'left_net', 'right_net']);
    lab.remove();
    rmSync(pcapDir, { recursive: true, force: true });
  }
});
