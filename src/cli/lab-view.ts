import { listNetworks } from '../state/networks';
import type { LabRecord } from '../state/labs';

export function describeLab(lab: LabRecord): string {
  const nets = listNetworks().filter((n) => n.parent.name === lab.parent || n.parent.name.startsWith(`${lab.parent}.`));
  const lines = [
    `lab "${lab.name}"`,
    `  parent:  ${lab.parent}   (tsrun network create ... -o parent=${lab.parent})`,
    `  router:  network namespace ${lab.router}   (ip netns exec ${lab.router} ...)`,
    ...lab.subnets.map((s) => `  subnet:  ${s.subnet.padEnd(20)} gateway ${s.gateway}`),
    ...lab.vlans.map((v) => `  vlan ${String(v.id).padEnd(4)} ${v.subnet.padEnd(20)} gateway ${v.gateway}   (-o parent=${lab.parent}.${v.id})`),
    `  networks: ${nets.length ? nets.map((n) => `${n.name} (${n.driver} on ${n.parent.name})`).join(', ') : 'none'}`,
  ];
  return lines.join('\n');
}
