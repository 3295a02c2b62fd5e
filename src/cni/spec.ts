/**
 * What the CNI specification (containernetworking/cni SPEC.md, versions 1.0.0 and 1.1.0)
 * fixes for a plugin: the versions it speaks, the well-known error codes, and the shapes of
 * the result it prints on stdout.
 */

/** The versions this plugin reads configurations of and writes results in. */
export const SUPPORTED_VERSIONS = ['1.0.0', '1.1.0'];
export const LATEST_VERSION = '1.1.0';

/** The spec's well-known error codes; 100 and above are the plugin's own. */
export const CODE = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  io: 5,
  decode: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  /** STATUS (1.1): the plugin cannot serve ADDs now. */
  notAvailable: 50,
  /** tsrun refused the request (its own message, as `tsrun run` would print it). */
  tsrun: 100,
  /** The requested address is taken, or the pool has none left. */
  addressUnavailable: 101,
  /** CHECK found the attachment not as ADD made it. */
  checkFailed: 102,
} as const;

/** An error the plugin reports as the spec's error JSON, with a non-zero exit. */
export class CniError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details = '',
  ) {
    super(message);
    this.name = 'CniError';
  }
}

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface CniIp {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIp[];
  routes?: CniRoute[];
  dns?: CniDns;
}
