/**
 * The network side of a run. `none` and `host` need only the loopback set-up; a macvlan or
 * ipvlan network gets an endpoint: handles on the container's namespace are opened while
 * the parent's thread is inside it (before init is spawned), addresses are reserved and the
 * link plugged while init boots, and both are released when the container ends.
 */
import { closeSync, openSync } from 'node:fs';
import { DRIVERS } from '../network/drivers';
import { gatewayFor, plugEndpoint, releaseEndpointOf, reserveEndpoint, validateRequest } from '../network/endpoint';
import { setupLoopback } from '../network/loopback';
import { Handle } from '../network/netlink/handle';
import type { ContainerRecord } from '../state/containers';
import { requireNetwork, writeNetwork, type NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import { refreshNetworkHosts } from './hosts';

export interface NetworkRequest {
  /** none, host, or a network's name or id. */
  net: string;
  ip?: string;
  ip6?: string;
  mac?: string;
}

export class ContainerNetwork {
  private ctr: Handle | undefined;
  private ctrNsFd: number | undefined;
  private reserved = false;

  private constructor(
    readonly mode: 'none' | 'host' | 'network',
    private readonly request: NetworkRequest,
    /** The network as read before the lock (for checks); re-read under the lock to change it. */
    readonly network: NetworkRecord | undefined,
  ) {}

  /** Checks the request against the network before anything is created. */
  static plan(req: NetworkRequest): ContainerNetwork {
    const userAddressing = req.ip !== undefined || req.ip6 !== undefined || req.mac !== undefined;
    if (req.net === 'none' || req.net === 'host') {
      if (userAddressing) {
        throw new TsrunError(`--ip, --ip6 and --mac-address need a macvlan or ipvlan network (--net=${req.net} has no endpoint)`);
      }
      return new ContainerNetwork(req.net, req, undefined);
    }
    const net = requireNetwork(req.net);
    validateRequest(net, req);
    return new ContainerNetwork('network', req, net);
  }

  get ownNamespace(): boolean {
    return this.mode !== 'host';
  }

  /**
   * Runs on the parent's main thread inside the container's fresh network namespace: keeps
   * a netlink handle bound to it and an fd of it, for connect() once init is spawned.
   */
  inNamespace(): void {
    if (this.mode === 'host') return;
    this.ctrNsFd = openSync('/proc/thread-self/ns/net', 'r');
    this.ctr = Handle.current('ip');
  }

  /**
   * Reserves the container's addresses in the network record. Call under the lock, once
   * the container record exists.
   */
  reserve(rec: ContainerRecord): void {
    if (this.mode !== 'network') return;
    // Removed since plan() found it: "not found" under the name the user gave, as Docker says.
    const net = requireNetwork(this.network!.id, this.request.net);
    const ep = reserveEndpoint(net, { containerId: rec.id, containerName: rec.name, ...this.requestAddresses() });
    writeNetwork(net);
    this.reserved = true;
    rec.endpoint = {
      ...ep,
      networkId: net.id,
      networkName: net.name,
      gateway: gatewayFor(net, ep.ipv4) ?? '',
      ipv6Gateway: gatewayFor(net, ep.ipv6) ?? '',
    };
  }

  private requestAddresses(): { ip?: string; ip6?: string; mac?: string } {
    const { ip, ip6, mac } = this.request;
    return { ...(ip !== undefined && { ip }), ...(ip6 !== undefined && { ip6 }), ...(mac !== undefined && { mac }) };
  }

  /**
   * Sets up the namespace of init `pid`: lo (and IPv6 off unless the network has it), then
   * the endpoint. Call under the lock, after reserve().
   */
  connect(rec: ContainerRecord, pid: number): void {
    if (this.mode === 'host') return;
    this.ctr!.labelByPid(pid);
    setupLoopback(this.ctr!, this.ctrNsFd!, this.network?.enableIPv6 ?? false);
    if (this.mode !== 'network') return;
    const net = requireNetwork(this.network!.id);
    const ep = net.endpoints[rec.id]!;
    const host = Handle.current('ip');
    try {
      plugEndpoint(host, this.ctr!, this.ctrNsFd!, String(pid), net, ep);
    } finally {
      host.close();
    }
    if (!DRIVERS[net.driver].ownMac) {
      rec.endpoint!.mac = ep.mac;
      writeNetwork(net);
    }
    refreshNetworkHosts(net);
  }

  /** Gives the addresses back and updates the other containers' hosts files. Call under the lock. */
  release(rec: ContainerRecord): void {
    if (!this.reserved) return;
    const net = releaseEndpointOf(this.network!.id, rec.id);
    if (net) refreshNetworkHosts(net);
    this.reserved = false;
    delete rec.endpoint;
  }

  close(): void {
    this.ctr?.close();
    if (this.ctrNsFd !== undefined) closeSync(this.ctrNsFd);
    this.ctr = undefined;
    this.ctrNsFd = undefined;
  }
}
