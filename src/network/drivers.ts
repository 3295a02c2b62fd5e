/**
 * The macvlan and ipvlan drivers: one implementation (network/create.ts, network/endpoint.ts)
 * parameterised by what differs between the two kinds, which is all here.
 */
import type { DriverName, NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import { IPVLAN_FLAGS, IPVLAN_MODES, type IpvlanFlag, type IpvlanMode } from './netlink/kinds/ipvlan';
import { MACVLAN_MODES, type MacvlanMode } from './netlink/kinds/macvlan';
import type { KindSpec } from './netlink/link';

export interface Driver {
  name: DriverName;
  /** -o options besides parent. */
  options: string[];
  /** Checks an -o option's value; throws Docker's message for a bad one. */
  validate(key: string, value: string): void;
  /** The dummy parent of a network without one: dm-<12 hex> (macvlan), di-<12 hex> (ipvlan). */
  dummyName(networkId: string): string;
  link(net: Pick<NetworkRecord, 'options'>): KindSpec;
  /** macvlan ports have MACs of their own; ipvlan ports share the parent's. */
  ownMac: boolean;
  /** ipvlan l3/l3s route `default dev eth0` and ignore gateways. */
  routesViaGateway(net: Pick<NetworkRecord, 'options'>): boolean;
}

/** An -o option as given, else the driver's default (records keep what the user gave, as Docker shows it). */
function option(net: Pick<NetworkRecord, 'options'>, key: string, fallback: string): string {
  return net.options[key] ?? fallback;
}

const macvlanModes = Object.keys(MACVLAN_MODES).filter((m) => m !== 'source');

const macvlan: Driver = {
  name: 'macvlan',
  options: ['macvlan_mode'],
  validate(key, value) {
    if (key === 'macvlan_mode' && !macvlanModes.includes(value)) {
      throw new TsrunError(`requested macvlan mode '${value}' is not valid, 'bridge' mode is the macvlan driver default (modes: ${macvlanModes.join(', ')})`);
    }
  },
  dummyName: (id) => `dm-${id.slice(0, 12)}`,
  link: (net) => ({ kind: 'macvlan', mode: option(net, 'macvlan_mode', 'bridge') as MacvlanMode }),
  ownMac: true,
  routesViaGateway: () => true,
};

const ipvlan: Driver = {
  name: 'ipvlan',
  options: ['ipvlan_mode', 'ipvlan_flag'],
  validate(key, value) {
    if (key === 'ipvlan_mode' && !(value in IPVLAN_MODES)) {
      throw new TsrunError(`requested ipvlan mode '${value}' is not valid, 'l2' mode is the ipvlan driver default (modes: ${Object.keys(IPVLAN_MODES).join(', ')})`);
    }
    if (key === 'ipvlan_flag' && !(value in IPVLAN_FLAGS)) {
      throw new TsrunError(`requested ipvlan flag '${value}' is not valid, 'bridge' is the ipvlan driver default (flags: ${Object.keys(IPVLAN_FLAGS).join(', ')})`);
    }
  },
  dummyName: (id) => `di-${id.slice(0, 12)}`,
  link: (net) => ({
    kind: 'ipvlan',
    mode: option(net, 'ipvlan_mode', 'l2') as IpvlanMode,
    flag: option(net, 'ipvlan_flag', 'bridge') as IpvlanFlag,
  }),
  ownMac: false,
  routesViaGateway: (net) => option(net, 'ipvlan_mode', 'l2') === 'l2',
};

export const DRIVERS: Record<DriverName, Driver> = { macvlan, ipvlan };

export function driverFor(name: string): Driver {
  const d = DRIVERS[name as DriverName];
  if (!d) throw new TsrunError(`unknown network driver "${name}": tsrun has macvlan and ipvlan (-d macvlan|ipvlan)`);
  return d;
}
