/**
 * Crash injection for tests: with TSRUN_FAULT=<point>, the process SIGKILLs itself when it
 * reaches that point, exactly as `kill -9` at that step would. The points are named in
 * docs/architecture.md; tests prove the next command cleans up after each.
 */
import { RequestLocal } from '../sys/request-local';

export type FaultPoint = ContainerFaultPoint | NetworkFaultPoint | LabFaultPoint;

type ContainerFaultPoint =
  | 'run:after-record'
  | 'run:after-plug'
  | 'run:after-start'
  | 'start:after-claim'
  | 'restart:after-stop'
  | 'rm:after-kill'
  | 'exec:before-spawn';

export const NETWORK_FAULT_POINTS = [
  'network-create:after-intent',
  'network-create:after-parent',
  'network-create:after-shim',
  'network-create:after-route',
  'network-create:after-record',
  'network-rm:after-intent',
  'network-rm:after-shim',
  'network-rm:after-parent',
  'network-connect:after-reserve',
  'network-connect:after-plug',
] as const;
type NetworkFaultPoint = (typeof NETWORK_FAULT_POINTS)[number];

export const LAB_FAULT_POINTS = [
  'lab-up:after-intent',
  'lab-up:after-netns',
  'lab-up:after-veth',
  'lab-up:after-router',
  'lab-up:after-record',
  'lab-down:after-intent',
  'lab-down:after-link',
  'lab-down:after-netns',
] as const;
type LabFaultPoint = (typeof LAB_FAULT_POINTS)[number];

/** The fault point of the request being served, in the supervisor (whose own environment has none). */
const requestFault = new RequestLocal<string | undefined>();

/** Runs `fn`, and all it starts, with the fault point of the command that asked for it. */
export function faultWithin<T>(point: string | undefined, fn: () => T): T {
  return requestFault.within(point, fn);
}

export function faultPoint(point: FaultPoint): void {
  if ((requestFault.get() ?? process.env.TSRUN_FAULT) === point) process.kill(process.pid, 'SIGKILL');
}
