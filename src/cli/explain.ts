/** --explain: each kernel operation printed, as the iproute2 command that does the same. */

/** Prints each kernel operation of this process from now on, on stderr. */
export function startExplaining(): void {
  // Loaded only when asked for: it brings the netlink layer (and ffi-rs) with it.
  const { explainTo } = require('../network/netlink/handle') as typeof import('../network/netlink/handle');
  explainTo((cmd) => process.stderr.write(`+ ${cmd}\n`));
}

export const EXPLAIN_OPTION = { type: 'boolean', describe: 'Print each kernel operation as the equivalent iproute2 command' } as const;
