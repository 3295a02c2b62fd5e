/**
 * init: the container's PID 1 until it execs the user's command. Spawned by the parent
 * right after it unshared the pid, net, uts, ipc and cgroup namespaces, it waits for its
 * spec on the sync socket (fd 3), builds the root filesystem in its own mount namespace,
 * sets the hostname, takes a pty if asked, waits for "go" (the network is ready), drops
 * privileges and execs. Every module is loaded before pivot_root; there is no node_modules
 * inside the container.
 */
import { mkdirSync } from 'node:fs';
import { TsrunError } from '../sys/error';
import { sethostname } from '../sys/exec';
import { execCommand, runRole, takePty } from './command';
import { setupRootfs } from './filesystem';
import { readParentMessage } from './sync-init';

runRole(() => {
  const first = readParentMessage();
  if (first.type !== 'spec') throw new TsrunError(`init: expected the container spec, got ${first.type}`);
  const spec = first.spec;
  setupRootfs(spec);
  sethostname(spec.hostname);
  mkdirSync(spec.workdir, { recursive: true, mode: 0o755 });
  process.chdir(spec.workdir);
  if (spec.tty) takePty();
  return execCommand(spec.argv, spec.env);
});
