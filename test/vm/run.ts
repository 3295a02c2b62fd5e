/**
 * Runs the VM scenarios on one driver and prints TAP (scripts/test.js counts it):
 *
 *   node dist/test/vm/run.js --driver qemu|vagrant [--only SUBSTRING ...]
 *
 * The hosts boot once for all scenarios. A failing scenario prints the failing check and
 * the tail of each host's console. The VMs and everything around them are removed at the
 * end, on failure, and on SIGINT/SIGTERM.
 */
import { join, resolve } from 'node:path';
import { CheckFailed, Ctx } from './check';
import type { VmDriver } from './driver';
import { SCENARIOS } from './scenarios';

const HOSTS = ['host1', 'host2', 'router'];

function parseArgs(argv: string[]): { driver: string; only: string[] } {
  let driver = 'qemu';
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--driver') driver = argv[++i] ?? '';
    else if (argv[i] === '--only') only.push(argv[++i] ?? '');
    else throw new Error(`unknown argument ${argv[i]} (use --driver qemu|vagrant [--only TEXT]...)`);
  }
  return { driver, only };
}

/** Drivers by name: test/vm/drivers/<name>.ts exports <Name>Driver. */
const DRIVERS: Record<string, string> = { qemu: 'QemuDriver', vagrant: 'VagrantDriver' };

async function makeDriver(name: string, workDir: string): Promise<VmDriver> {
  const cls = DRIVERS[name];
  if (!cls) throw new Error(`unknown driver ${name} (drivers: ${Object.keys(DRIVERS).join(', ')})`);
  const mod = (await import(join(__dirname, 'drivers', `${name}.js`))) as Record<string, new (o: { workDir: string }) => VmDriver>;
  return new mod[cls]!({ workDir });
}

function diag(text: string): void {
  for (const line of text.split('\n')) console.log(`  # ${line}`);
}

async function main(): Promise<number> {
  const { driver: driverName, only } = parseArgs(process.argv.slice(2));
  const scenarios = SCENARIOS.filter((s) => only.length === 0 || only.some((o) => s.name.includes(o)));
  const workDir = process.env.TSRUN_VM_WORK ?? resolve(__dirname, '../../../.cache/vm');
  const driver = await makeDriver(driverName, workDir);
  let stopping = false;
  const stop = async (sig: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`# ${sig}: removing the VMs`);
    await driver.down();
    process.exit(130);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  console.log(`TAP version 13\n1..${scenarios.length}`);
  let failed = 0;
  const t0 = Date.now();
  try {
    const hosts = await driver.up(HOSTS);
    console.log(`# ${driverName}: ${HOSTS.length} hosts up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const c = new Ctx(hosts);
    await Promise.all(['host1', 'host2'].map((h) => c.sh(h, `${hosts[h]!.tsrun} image import ${hosts[h]!.alpineTarball} alpine`, 300_000)));
    for (const [i, s] of scenarios.entries()) {
      const started = Date.now();
      try {
        await s.run(c);
        console.log(`ok ${i + 1} - [${driverName}] ${s.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        failed++;
        console.log(`not ok ${i + 1} - [${driverName}] ${s.name}`);
        diag(err instanceof CheckFailed ? err.message : String((err as Error).stack ?? err));
        for (const h of HOSTS) diag(`--- console of ${h} (last lines) ---\n${driver.consoleLog(h).split('\n').slice(-15).join('\n')}`);
      } finally {
        for (const [h, cmd] of Object.entries(s.cleanup)) await c.try(h, cmd);
      }
    }
  } catch (err) {
    // Only bringing the hosts up and importing the image throw here: no scenario ran, and each is reported as failed.
    failed = scenarios.length;
    for (const [i, s] of scenarios.entries()) console.log(`not ok ${i + 1} - [${driverName}] ${s.name}`);
    diag(`not run: the hosts could not be brought up and given the image\n${String((err as Error).stack ?? err)}`);
  } finally {
    await driver.down();
  }
  console.log(`# ${driverName}: ${scenarios.length} scenarios in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
