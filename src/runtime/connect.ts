/**
 * network connect and disconnect: a running container gets (or loses) an endpoint in its
 * namespace at once; a created or exited one only has its record changed, and is plugged
 * at its next start, as Docker does. Checks and words are Docker 20.10's.
 */
import { checkAddressSyntax } from '../network/endpoint';
import { closeContainerNetns, connectEndpoint, disconnectEndpoint, openContainerNetns, planAttachment, type AttachRequest, type ContainerNetns } from '../network/endpoints';
import { findContainer, writeContainerRecord, type ContainerRecord } from '../state/containers';
import { withLock } from '../state/lock';
import { findNetwork, requireNetwork } from '../state/networks';
import { TsrunError } from '../sys/error';
import { isAlive } from '../sys/process';
import { reconcile } from './reconcile';

function requireContainer(ref: string): ContainerRecord {
  const rec = findContainer(ref, reconcile());
  if (!rec) throw new TsrunError(`No such container: ${ref}`);
  return rec;
}

function refuseOwnModes(rec: ContainerRecord): void {
  if (rec.config.network === 'host') throw new TsrunError('container cannot be disconnected from host network or connected to host network');
  if (rec.config.network === 'none') throw new TsrunError('container cannot be connected to multiple networks with one of the networks in private (none) mode');
}

/** Runs `fn` with the namespace of the container if it runs, else with none. */
function inNamespaceIfRunning(rec: ContainerRecord, fn: (ns: ContainerNetns | undefined) => void): void {
  if (rec.state.status !== 'running' || !isAlive(rec.state.process)) return fn(undefined);
  const ns = openContainerNetns(rec);
  try {
    fn(ns);
  } finally {
    closeContainerNetns(ns);
  }
}

export function connectContainer(netRef: string, ctrRef: string, req: AttachRequest): void {
  checkAddressSyntax(req);
  withLock(() => {
    const rec = requireContainer(ctrRef);
    const net = requireNetwork(netRef);
    refuseOwnModes(rec);
    if (rec.networks?.[net.name]) throw new TsrunError(`endpoint with name ${rec.name} already exists in network ${net.name}`);
    const att = planAttachment(net, req);
    inNamespaceIfRunning(rec, (ns) => {
      if (ns) return connectEndpoint(rec, att, ns);
      rec.networks = { ...rec.networks, [net.name]: att };
      writeContainerRecord(rec);
    });
  });
}

/** `force`: also when the network itself is gone (its attachment is dropped by name). */
export function disconnectContainer(netRef: string, ctrRef: string, force: boolean): void {
  withLock(() => {
    const rec = requireContainer(ctrRef);
    const net = force ? findNetwork(netRef) : requireNetwork(netRef);
    const name = net?.name ?? netRef;
    if (rec.config.network === 'host') throw new TsrunError('container cannot be disconnected from host network or connected to host network');
    if (!rec.networks?.[name]) throw new TsrunError(`container ${rec.id} is not connected to network ${name}`);
    inNamespaceIfRunning(rec, (ns) => disconnectEndpoint(rec, name, ns));
  });
}
