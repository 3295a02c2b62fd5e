/**
 * `tsrun lab`: a simulated LAN on this machine for Docker's macvlan and ipvlan guides. A
 * veth pair stands in for the NIC: its host end (<name>0) is the parent of tsrun networks;
 * its other end (lan0) sits in a namespace, tsrun-<name>, that plays the LAN's router and
 * holds each subnet's gateway, with 802.1Q sub-interfaces (lan0.ID) for VLAN trunks. The
 * router forwards between its subnets; nothing routes to the host's own network.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { faultPoint } from '../runtime/fault';
import { beginIntent, endIntent, type Intent } from '../state/journal';
import { withLock } from '../state/lock';
import { labRecordPath, listLabs, readLab, removeLab, writeLab, type LabRecord } from '../state/labs';
import { listNetworks } from '../state/networks';
import { TsrunError } from '../sys/error';
import { inNetworkNamespace } from '../sys/namespace';
import { Cidr, Ip } from './ip';
import { firstUsable } from './ipam/usable';
import { addrAdd } from './netlink/addr';
import { Handle } from './netlink/handle';
import { linkAdd, linkByName, linkFind, linkDel, linkSetUp, type Link } from './netlink/link';
import { carryOut } from './intents';
import { netnsAdd, netnsDel, netnsExists, netnsPath } from './netns';

export interface LabOptions {
  name: string;
  subnets: string[];
  gateways: string[];
  /** ID=CIDR */
  vlans: string[];
}

export const DEFAULT_LAB_SUBNET = '172.16.86.0/24';

function validateName(name: string): void {
  // <name>0.4094 must fit in 15 characters.
  if (!/^[a-z][a-z0-9]{0,8}$/.test(name)) throw new TsrunError(`invalid lab name "${name}": 1-9 lowercase letters and digits, starting with a letter`);
}

/** Subnets with their gateways (given, or the first usable address). */
function plan(o: LabOptions): Pick<LabRecord, 'subnets' | 'vlans'> {
  const subnets = (o.subnets.length ? o.subnets : [DEFAULT_LAB_SUBNET]).map((s) => Cidr.parseNetwork(s));
  const gateways = new Map<Cidr, string>();
  for (const g of o.gateways) {
    const ip = Ip.require(g, 'gateway');
    const s = subnets.find((x) => x.contains(ip));
    if (!s) throw new TsrunError(`no matching subnet for gateway ${g}`);
    gateways.set(s, ip.toString());
  }
  const vlans = o.vlans.map((v) => {
    const m = /^(\d+)=(.+)$/.exec(v);
    if (!m) throw new TsrunError(`invalid --vlan "${v}": use ID=CIDR, e.g. --vlan 10=192.168.10.0/24`);
    const id = Number(m[1]);
    if (id < 1 || id > 4094) throw new TsrunError(`invalid VLAN id ${id}: use 1-4094`);
    const s = Cidr.parseNetwork(m[2]!);
    return { id, subnet: s.toString(), gateway: firstUsable(s).toString() };
  });
  const all = [...subnets, ...vlans.map((v) => Cidr.parseNetwork(v.subnet))];
  for (let i = 0; i < all.length; i++) {
    for (let j = 0; j < i; j++) if (all[i]!.overlaps(all[j]!)) throw new TsrunError(`lab subnets ${all[j]} and ${all[i]} overlap`);
  }
  return {
    subnets: subnets.map((s) => ({ subnet: s.toString(), gateway: gateways.get(s) ?? firstUsable(s).toString() })),
    vlans,
  };
}

function cidrOf(gateway: string, subnet: string): string {
  return `${gateway}/${Cidr.parseNetwork(subnet).prefix}`;
}

export function labUp(o: LabOptions): LabRecord {
  validateName(o.name);
  const addresses = plan(o);
  return withLock(() => {
    const lab: LabRecord = { name: o.name, parent: `${o.name}0`, router: `tsrun-${o.name}`, created: new Date().toISOString(), ...addresses };
    const host = Handle.current();
    try {
      if (readLab(o.name)) throw new TsrunError(`lab ${o.name} is already up (see 'tsrun lab status'; 'tsrun lab down' removes it)`);
      // Half-built labs of killed commands were undone when the lock was taken: these are someone else's.
      if (linkFind(host, lab.parent)) {
        throw new TsrunError(`a link ${lab.parent} exists that is not a tsrun lab: choose another --name, or delete that link (ip link del ${lab.parent}) if it is a leftover`);
      }
      if (netnsExists(lab.router)) {
        throw new TsrunError(`a network namespace ${lab.router} exists that is not a tsrun lab: choose another --name, or delete it (ip netns del ${lab.router}) if it is a leftover`);
      }
      const intent = beginIntent({ op: 'lab-up', subject: lab.name, ...labObjects(lab) });
      faultPoint('lab-up:after-intent');
      try {
        build(host, lab);
        writeLab(lab);
        faultPoint('lab-up:after-record');
      } catch (err) {
        carryOut(host, intent);
        endIntent(intent);
        throw err;
      }
      endIntent(intent);
      return lab;
    } finally {
      host.close();
    }
  });
}

/** Everything of a lab on the host: its parent (the router's end and VLANs go with the namespace), router and record. */
function labObjects(lab: LabRecord): Pick<Intent, 'links' | 'netns' | 'records'> {
  return { links: [{ name: lab.parent, kind: 'veth' }], netns: [lab.router], records: [labRecordPath(lab.name)] };
}

function build(host: Handle, lab: LabRecord): void {
  netnsAdd(lab.router, host.explain);
  faultPoint('lab-up:after-netns');
  const fd = openSync(netnsPath(lab.router), 'r');
  let parent: Link;
  try {
    parent = linkAdd(host, { name: lab.parent, kind: 'veth', peer: { name: 'lan0', netns: { fd, name: lab.router } } });
  } finally {
    closeSync(fd);
  }
  faultPoint('lab-up:after-veth');
  linkSetUp(host, parent);
  const r = Handle.fromPath(netnsPath(lab.router));
  r.explain = host.explain;
  try {
    linkSetUp(r, linkByName(r, 'lo'));
    const lan = linkByName(r, 'lan0');
    linkSetUp(r, lan);
    for (const s of lab.subnets) addrAdd(r, lan, cidrOf(s.gateway, s.subnet), { nodad: s.gateway.includes(':') });
    for (const v of lab.vlans) {
      const name = `lan0.${v.id}`;
      const link = linkAdd(r, { name, kind: 'vlan', id: v.id, parent: lan });
      linkSetUp(r, link);
      addrAdd(r, link, cidrOf(v.gateway, v.subnet), { nodad: v.gateway.includes(':') });
    }
    // The router routes between the lab's subnets (ipvlan l3 and multi-subnet guides need it).
    const fdr = openSync(netnsPath(lab.router), 'r');
    try {
      for (const [key, path] of [['net.ipv4.ip_forward', '/proc/sys/net/ipv4/ip_forward'], ['net.ipv6.conf.all.forwarding', '/proc/sys/net/ipv6/conf/all/forwarding']]) {
        r.note(`sysctl -w ${key}=1`);
        inNetworkNamespace(fdr, lab.router, () => writeFileSync(path!, '1'));
      }
    } finally {
      closeSync(fdr);
    }
  } finally {
    r.close();
  }
  faultPoint('lab-up:after-router');
}

export function labDown(name: string): LabRecord {
  validateName(name);
  return withLock(() => {
    const lab = readLab(name);
    if (!lab) throw new TsrunError(`there is no lab ${name} (tsrun lab up creates one)`);
    const users = listNetworks().filter((n) => n.parent.name === lab.parent || n.parent.name.startsWith(`${lab.parent}.`));
    if (users.length > 0) {
      throw new TsrunError(`networks still use lab ${name}: ${users.map((n) => n.name).join(', ')} (remove them first with 'tsrun network rm')`);
    }
    const host = Handle.current();
    try {
      const intent = beginIntent({ op: 'lab-down', subject: lab.name, ...labObjects(lab) });
      faultPoint('lab-down:after-intent');
      const parent = linkFind(host, lab.parent);
      if (parent) linkDel(host, parent);
      faultPoint('lab-down:after-link');
      netnsDel(lab.router, host.explain);
      faultPoint('lab-down:after-netns');
      removeLab(name);
      endIntent(intent);
    } finally {
      host.close();
    }
    return lab;
  });
}

/** Under the lock: a lab command killed midway is finished first, and is not shown half made. */
export function labStatus(name?: string): LabRecord[] {
  return withLock(() => {
    const labs = name ? [readLab(name)].filter((l): l is LabRecord => l !== undefined) : listLabs();
    if (name && labs.length === 0) throw new TsrunError(`there is no lab ${name} (tsrun lab up creates one)`);
    return labs;
  });
}
