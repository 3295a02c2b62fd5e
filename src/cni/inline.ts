/**
 * A configuration that carries its driver options inline becomes a tsrun network of the CNI
 * network's name, made by `tsrun network create`'s own code on the first ADD: its addresses
 * then come from the same IPAM, and `tsrun network inspect` shows it like any other. A
 * network of that name made otherwise must have the same driver, parent and subnets.
 */
import { createNetwork } from '../network/networks';
import { findNetwork, type NetworkRecord } from '../state/networks';
import { TsrunError } from '../sys/error';
import type { InlineNetwork } from './request';
import { CniError, CODE } from './spec';

/** The -o options of `tsrun network create` that an inline configuration stands for. */
function options(inline: InlineNetwork): string[] {
  const out: string[] = [];
  if (inline.parent !== undefined) out.push(`parent=${inline.parent}`);
  if (inline.mode !== undefined) out.push(`${inline.driver}_mode=${inline.mode}`);
  return out;
}

function differs(net: NetworkRecord, inline: InlineNetwork): string | undefined {
  if (net.driver !== inline.driver) return `driver ${net.driver}, not ${inline.driver}`;
  if (inline.parent !== undefined && net.parent.name !== inline.parent) return `parent ${net.parent.name}, not ${inline.parent}`;
  const subnets = net.pools.filter((p) => !p.auto).map((p) => p.subnet);
  if (inline.subnet.length > 0 && inline.subnet.join(',') !== subnets.join(',')) return `subnets ${subnets.join(', ') || '(automatic)'}, not ${inline.subnet.join(', ')}`;
  return undefined;
}

/** The tsrun network behind an inline configuration, created if it does not exist yet. */
export function ensureInlineNetwork(name: string, inline: InlineNetwork): void {
  let net = findNetwork(name);
  if (!net) {
    try {
      net = createNetwork({
        name,
        driver: inline.driver,
        subnets: inline.subnet,
        gateways: inline.gateway,
        ipRanges: inline.ipRange,
        auxAddresses: Object.entries(inline.auxAddresses).map(([k, v]) => `${k}=${v}`),
        ipv6: inline.subnet.some((s) => s.includes(':')),
        internal: false,
        hostAccess: false,
        options: options(inline),
        labels: ['tsrun.cni.inline'],
      });
    } catch (err) {
      // Another ADD made it meanwhile: compare with that one.
      net = findNetwork(name);
      if (!net) throw new CniError(CODE.invalidConfig, `cannot create tsrun network ${name} from the inline configuration: ${(err as TsrunError).message}`);
    }
  }
  const why = differs(net, inline);
  if (why) throw new CniError(CODE.invalidConfig, `tsrun network ${name} exists with ${why}: make the configuration match it, or name it with "network": "${name}" alone`);
}
