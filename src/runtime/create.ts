/**
 * `tsrun create`: a container recorded with everything `run` would give it (its name, its
 * network requests, its upper layer's directory) and not started: `start` runs it.
 * Addresses are reserved at each start, as Docker does (a fixed --ip is asked for again).
 */
import { createContainerRecord, listContainers, removeContainerRecord, type ContainerRecord } from '../state/containers';
import { withLock } from '../state/lock';
import { generateName } from './names';
import { prepare, type RunOptions } from './run';
import { makeVolumes } from './volume-mounts';

export function createContainer(opts: RunOptions): ContainerRecord {
  const { rec, network } = prepare(opts, true);
  return withLock(() => {
    if (rec.name === '') rec.name = generateName(new Set(listContainers().map((c) => c.name)));
    network.reserve(rec);
    createContainerRecord(rec);
    try {
      makeVolumes(rec);
    } catch (err) {
      removeContainerRecord(rec.id, true);
      throw err;
    }
    return rec;
  });
}
