/**
 * `tsrun exec`: a tenant process in a running container, in all of its namespaces (its pid
 * namespace included, so `ps` inside shows it), with the container's environment and
 * privileges. Without -d this process waits for it and relays its terminal and signals.
 */
import { TsrunError } from '../sys/error';
import { faultPoint } from './fault';
import { resolveContainer } from './lifecycle';
import { containerEnv, parseEnv, requireRoot, validateWorkdir } from './options';
import { spawnTenant, waitForExit } from './parent';
import { isAlive } from '../sys/process';
import { StartError } from './run';
import { openPty } from './tty-relay';

export interface ExecOptions {
  container: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  env: string[];
  workdir?: string;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export async function execInContainer(o: ExecOptions): Promise<number> {
  requireRoot();
  if (o.command.length === 0) throw new TsrunError("exec needs a command: tsrun exec CONTAINER COMMAND [ARG...] (see 'tsrun exec --help')");
  const userEnv = parseEnv(o.env);
  if (o.workdir !== undefined) validateWorkdir(o.workdir);
  const rec = resolveContainer(o.container);
  if (rec.state.status !== 'running' || !isAlive(rec.state.process)) {
    throw new TsrunError(`Container ${rec.id.slice(0, 12)} is not running`);
  }
  // The container's own environment, then -e; TERM for a terminal, as Docker sets it.
  const base = rec.config.env.filter((e) => !e.startsWith('TERM='));
  const env = containerEnv([...base, ...userEnv], rec.config.hostname, o.tty);
  const stdin = o.interactive && !o.tty && !o.detach ? 'inherit' : 'ignore';
  const tenant = spawnTenant(rec.state.pid, stdin, o.detach ? 'ignore' : 'inherit');
  faultPoint('exec:after-spawn');
  const exited = waitForExit(tenant.child);
  const onSignal = (sig: NodeJS.Signals): void => {
    tenant.child.kill(sig);
  };
  for (const s of FORWARDED) process.on(s, onSignal);
  try {
    tenant.send({
      type: 'exec',
      spec: { containerPid: rec.state.pid, argv: o.command, env, workdir: o.workdir ?? rec.config.workdir, tty: o.tty, interactive: o.interactive },
    });
    let pty = null;
    if (o.tty) {
      const ask = await tenant.next();
      if (ask?.type === 'error') throw new StartError(ask.message, ask.exitCode);
      if (ask?.type !== 'need-pty') throw new StartError('the exec process ended before it asked for a terminal', 126);
      pty = openPty(rec.state.pid, {
        terminalInput: o.interactive && !o.detach,
        followWindow: !o.detach,
        output: (d) => (o.detach ? undefined : process.stdout.write(d)),
      });
      tenant.send({ type: 'pty', number: pty.number });
    }
    tenant.send({ type: 'go' });
    const after = await tenant.next();
    if (after?.type === 'error') {
      pty?.stop();
      throw new StartError(after.message, after.exitCode);
    }
    if (o.detach) {
      // The process stays in the container; when this one exits, the container's PID 1 adopts it.
      pty?.stop();
      tenant.child.unref();
      return 0;
    }
    const code = await exited;
    if (pty) {
      await pty.drained;
      pty.stop();
    }
    return code;
  } finally {
    for (const s of FORWARDED) process.off(s, onSignal);
  }
}
