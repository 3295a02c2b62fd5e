/**
 * The tenant: a process `tsrun exec` starts in a running container (youki's name for it).
 * The parent spawned it inside the container's pid, net, uts, ipc and cgroup namespaces;
 * with its modules loaded, it joins the container's mount namespace (which moves it to the
 * container's root), enters the working directory, takes a pty if asked, and execs the
 * command with the container's privileges.
 */
import { closeSync, openSync } from 'node:fs';
import { TsrunError } from '../sys/error';
import { CLONE, setns, unshare } from '../sys/namespace';
import { closeStdin, execCommand, runRole, takePty } from './command';
import { readParentMessage } from './sync-init';

runRole(() => {
  const first = readParentMessage();
  if (first.type !== 'exec') throw new TsrunError(`tenant: expected an exec spec, got ${first.type}`);
  const spec = first.spec;
  const mnt = openSync(`/proc/${spec.containerPid}/ns/mnt`, 'r');
  // setns into a mount namespace needs a private fs_struct (root and cwd) first.
  unshare(CLONE.FS, 'fs attributes');
  setns(mnt, 'mnt', `container process ${spec.containerPid}`);
  closeSync(mnt);
  try {
    process.chdir(spec.workdir);
  } catch {
    throw new TsrunError(`exec: working directory ${spec.workdir} does not exist in the container`);
  }
  if (spec.tty) takePty();
  else if (!spec.interactive) closeStdin();
  return execCommand(spec.argv, spec.env);
});
