/** Kinds without kind data of their own. */
import type { KindCodec } from './kind';

export interface DummySpec {
  kind: 'dummy';
}
export interface BridgeSpec {
  kind: 'bridge';
}

function plain<S extends { kind: string }>(kind: S['kind'], config: string): KindCodec<S, S> {
  return { kind, config, encode: () => [], decode: () => ({ kind }) as S, describe: () => [] };
}

export const dummy = plain<DummySpec>('dummy', 'CONFIG_DUMMY');
export const bridge = plain<BridgeSpec>('bridge', 'CONFIG_BRIDGE');
