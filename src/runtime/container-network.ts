/**
 * The network side of a run. `none` and `host` need only the loopback set-up; a macvlan or
 * ipvlan network gets an endpoint (network/endpoints.ts): handles on the container's
 * namespace are opened while the parent's thread is inside it (before init is spawned), the
 * endpoint is reserved and plugged while init boots, and released when the container ends.
 */
import { closeSync, openSync } from 'node:fs';
import { checkAddressSyntax } from '../network/endpoint';
import { connectEndpoint, planAttachment, releaseEndpoints } from '../network/endpoints';
import { setupLoopback } from '../network/loopback';
import { Handle } from '../network/netlink/handle';
import type { ContainerRecord, NetworkAttachment } from '../state/containers';
import { requireNetwork, type NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';

export interface NetworkRequest {
  /** none, host, or a network's name or id. */
  net: string;
  ip?: string;
  ip6?: string;
  mac?: string;
  /** --network-alias: names on the network besides the container's name. */
  aliases?: string[];
}

export class ContainerNetwork {
  private ctr: Handle | undefined;
  private ctrNsFd: number | undefined;

  private constructor(
    readonly mode: 'none' | 'host' | 'network',
    /** The network as read before the lock (for checks); re-read under the lock to change it. */
    readonly network: NetworkRecord | undefined,
    /** A run's one network, recorded by reserve(); none for a start, whose record keeps its networks. */
    private readonly attachment: NetworkAttachment | undefined,
  ) {}

  /**
   * A start of a created or stopped container: the networks its record keeps (those it was
   * run with and those connected since), each checked to still exist.
   */
  static ofRecord(rec: ContainerRecord): ContainerNetwork {
    const mode = rec.config.network === 'none' || rec.config.network === 'host' ? rec.config.network : 'network';
    const nets = Object.values(rec.networks ?? {}).map((a) => requireNetwork(a.networkId || a.networkName, a.networkName));
    return new ContainerNetwork(mode, nets[0], undefined);
  }

  /** Checks the request against the network before anything is created, in Docker's order and words. */
  static plan(req: NetworkRequest): ContainerNetwork {
    checkAddressSyntax(req);
    if (req.net === 'none' || req.net === 'host') {
      if (req.ip !== undefined || req.ip6 !== undefined) throw new TsrunError('user specified IP address is supported on user defined networks only');
      if ((req.aliases ?? []).length > 0) throw new TsrunError('network-scoped alias is supported only for containers in user defined networks');
      if (req.mac !== undefined) throw new TsrunError(`--mac-address needs a macvlan or ipvlan network (--net=${req.net} has no endpoint)`);
      return new ContainerNetwork(req.net, undefined, undefined);
    }
    const net = requireNetwork(req.net);
    const attachment = planAttachment(net, { ip: req.ip, ip6: req.ip6, mac: req.mac, aliases: req.aliases ?? [] });
    return new ContainerNetwork('network', net, attachment);
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

  /** Records the network the container is on (not yet an endpoint). Call under the lock, once the record exists. */
  reserve(rec: ContainerRecord): void {
    if (this.attachment) rec.networks = { [this.attachment.networkName]: { ...this.attachment } };
  }

  /**
   * Sets up the namespace of init `pid`: lo (and IPv6 off unless the first network has it),
   * then an endpoint on each network of the record, eth0 first, in the order they were
   * connected. Call under the lock, after reserve().
   */
  connect(rec: ContainerRecord, pid: number): void {
    if (this.mode === 'host') return;
    this.ctr!.labelByPid(pid);
    setupLoopback(this.ctr!, this.ctrNsFd!, this.network?.enableIPv6 ?? false);
    for (const att of Object.values(rec.networks ?? {})) connectEndpoint(rec, att, { ctr: this.ctr!, fd: this.ctrNsFd!, label: String(pid) });
  }

  /** Gives the addresses back and updates the other containers' hosts files. Call under the lock. */
  release(rec: ContainerRecord): void {
    releaseEndpoints(rec);
  }

  close(): void {
    this.ctr?.close();
    if (this.ctrNsFd !== undefined) closeSync(this.ctrNsFd);
    this.ctr = undefined;
    this.ctrNsFd = undefined;
  }
}
