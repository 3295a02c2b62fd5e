/** Docker's rules for capabilities, resource values and the seccomp filter's size, without a kernel. */
import test from 'ava';
import { containerCapabilities } from '../../src/runtime/security';
import { parseBytes } from '../../src/runtime/cgroups/resources';
import { deviceProgram, DEFAULT_DEVICE_RULES } from '../../src/runtime/cgroups/devices';
import { filterFor } from '../../src/runtime/seccomp/profile';
import { DEFAULT_PROFILE } from '../../src/runtime/seccomp/default-profile';
import { MAX_INSTRUCTIONS } from '../../src/sys/seccomp/bpf';
import { compileFilter } from '../../src/sys/seccomp/filter';
import { DOCKER_DEFAULT_CAPS } from '../../src/sys/capabilities';

test('capabilities: Docker\'s TweakCapabilities, names in any case with or without CAP_', (t) => {
  t.deepEqual(containerCapabilities([], []), DOCKER_DEFAULT_CAPS);
  t.deepEqual(containerCapabilities(['cap_net_admin'], ['CHOWN']), [...DOCKER_DEFAULT_CAPS.filter((c) => c !== 'CHOWN'), 'NET_ADMIN']);
  t.deepEqual(containerCapabilities(['NET_RAW', 'net_raw'], ['ALL']), ['NET_RAW']);
  t.false(containerCapabilities(['ALL'], ['SYS_ADMIN']).includes('SYS_ADMIN'));
  t.true(containerCapabilities(['ALL'], []).includes('SYS_MODULE'));
  t.throws(() => containerCapabilities(['NOPE'], []), { message: /^invalid --cap-add: unknown capability: "CAP_NOPE"/ });
});

test('sizes as Docker reads them: binary multiples', (t) => {
  t.is(parseBytes('32m', '-m'), 32 * 1024 * 1024);
  t.is(parseBytes('1g', '-m'), 1024 ** 3);
  t.is(parseBytes('512KiB', '-m'), 512 * 1024);
  t.is(parseBytes('100000', '-m'), 100000);
  t.throws(() => parseBytes('12x', '-m, --memory'), { message: /^invalid argument "12x" for "-m, --memory" flag: invalid size/ });
});

test('the compiled filters fit the kernel\'s limit whatever the capabilities', (t) => {
  for (const caps of [[], DOCKER_DEFAULT_CAPS, containerCapabilities(['ALL'], [])]) {
    const insns = compileFilter(filterFor(DEFAULT_PROFILE, caps)).length / 8;
    t.true(insns > 100 && insns <= MAX_INSTRUCTIONS, `${insns} instructions`);
  }
  t.true(deviceProgram(DEFAULT_DEVICE_RULES).length < 200);
});
