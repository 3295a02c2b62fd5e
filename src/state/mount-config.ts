/** A container's mount as its record keeps it (read from -v, --mount and --tmpfs by runtime/mounts.ts). */
export type MountType = 'bind' | 'volume' | 'tmpfs';

/** One mount of a container, as its record keeps it. */
export interface MountConfig {
  /** The flag it came from: Docker keeps each in its own HostConfig field. */
  origin: 'volume' | 'mount' | 'tmpfs';
  /** The flag's value as given (HostConfig.Binds, Mounts and Tmpfs show it). */
  spec: string;
  type: MountType;
  /** bind: the host path; volume: the volume's name; tmpfs: empty. */
  source: string;
  /** Clean and absolute. */
  target: string;
  readonly: boolean;
  /** Docker's Mode field: -v's mode as given; `z` for a named volume given without one. */
  mode: string;
  /** bind: rprivate unless asked otherwise; empty for the others. */
  propagation: string;
  /** A volume named by tsrun (64 hex), removed with `run --rm` and `rm -v`. */
  anonymous?: boolean;
  /** -v makes a missing host directory; --mount refuses one. */
  createSource?: boolean;
  /** bind-nonrecursive: the source's submounts are left out. */
  nonRecursive?: boolean;
  /** volume-nocopy: the image's content at the target is not copied into a new volume. */
  noCopy?: boolean;
  /** tmpfs: mount flags (MS_*) and data (size=, mode= ...), Docker's defaults merged in. */
  tmpfs?: { flags: number; data: string };
  /** --mount's own fields, for HostConfig.Mounts. */
  api?: Record<string, unknown>;
}
