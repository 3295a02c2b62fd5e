/**
 * Docker's --format templates and --filter on real containers and a macvlan network on a lab
 * parent: inspect -f, ps/network ls/image ls --format (with table), and the filters' AND/OR.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { isRoot } from '../helpers/tsrun';
import { withLab } from '../helpers/lab';

test.beforeEach((t) => {
  if (!isRoot) t.fail('needs root: run the suite with sudo');
});

test('inspect -f, ps/network ls/image ls --format and --filter as Docker 20.10 prints them', async (t) => {
  const tag = randomBytes(3).toString('hex');
  const [up, down, net] = [`fup${tag}`, `fdown${tag}`, `fnet${tag}`];
  await withLab(['10.98.7.1/24'], (s, lab) => {
    const ok = (args: string[]): string => {
      const r = s.run(args);
      t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const netId = ok(['network', 'create', '-d', 'macvlan', '--subnet=10.98.7.0/24', '--gateway=10.98.7.1', '-o', `parent=${lab.parent}`, '--label', 'tier=front', net]).trim();
    const upId = ok(['run', '-d', '--name', up, '--net', net, 'alpine', 'sleep', '300']).trim();
    try {
      t.is(s.run(['run', '--name', down, 'alpine', 'sh', '-c', 'exit 3']).code, 3);
      const downId = ok(['inspect', '-f', '{{.Id}}', down]).trim();

      // inspect -f: Go templates over Docker's inspect JSON
      t.is(ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.Name}}', up, down]), `running 0 /${up}\nexited 3 /${down}\n`);
      t.is(ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', up]), '10.98.7.2\n');
      t.is(ok(['inspect', '--format', '{{range $n, $e := .NetworkSettings.Networks}}{{$n}} {{$e.NetworkID}}{{end}}', up]), `${net} ${netId}\n`);
      t.is(ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', net]), '[{"Subnet":"10.98.7.0/24","Gateway":"10.98.7.1"}]\n');
      t.is(ok(['network', 'inspect', '-f', '{{.Internal}} {{.Driver}} {{.Labels}} {{len .Containers}}', net]), 'false macvlan map[tier:front] 1\n');
      const missing = s.run(['inspect', '-f', '{{.Nope}}', up]);
      t.is(missing.stderr, 'tsrun: Template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"\n');
      t.is(missing.code, 1);
      const unparsed = s.run(['inspect', '-f', '{{.State', up]);
      t.is(unparsed.stderr, 'tsrun: Template parsing error: template: :1: unclosed action\n');
      t.is(unparsed.code, 64);

      // ps --format: Docker's row fields; table with Docker's header names and alignment
      t.regex(ok(['ps', '--format', '{{.Names}}\\t{{.Status}}']), new RegExp(`^${up}\\tUp \\d+ seconds?\\n$`));
      t.is(ok(['ps', '--format', '{{.ID}} {{.Image}} {{.Command}} {{.State}} {{.Networks}} {{.Size}} {{.Label "x"}}|']), `${upId.slice(0, 12)} alpine "sleep 300" running ${net} 0B |\n`);
      const pad = (cell: string, width: number): string => cell.padEnd(Math.max(width, 10));
      const w = down.length + 3;
      t.is(
        ok(['ps', '-a', '--format', 'table {{.Names}}\\t{{.State}}']),
        `${pad('NAMES', w)}STATE\n${pad(down, w)}exited\n${pad(up, w)}running\n`,
      );
      t.regex(ok(['ps', '--format', '{{.CreatedAt}}']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\n$/);
      t.is(JSON.parse(ok(['ps', '--format', '{{json .}}'])).Names, up);
      // --net=none and --net=host are networks of their own names, as in Docker's ps.
      t.is(ok(['ps', '-a', '-f', `name=${down}`, '--format', '{{.Networks}}']), 'none\n');
      t.is(JSON.parse(ok(['ps', '-a', '-f', `name=${down}`, '--format', 'json'])).Networks, 'none');
      ok(['run', '--name', `fhost${tag}`, '--net', 'host', 'alpine', 'true']);
      t.is(ok(['ps', '-a', '-f', `name=fhost${tag}`, '--format', '{{.Networks}}']), 'host\n');
      ok(['rm', `fhost${tag}`]);

      // ps --filter (-f): same key OR'ed, different keys AND'ed
      t.is(ok(['ps', '-q', '-f', 'status=exited']), `${downId.slice(0, 12)}\n`, 'a status filter lists stopped containers');
      t.is(ok(['ps', '-a', '-f', `network=${net}`, '--format', '{{.Names}}']), `${up}\n`);
      t.is(ok(['ps', '-a', '-f', `network=${netId.slice(0, 6)}`, '--format', '{{.Names}}']), `${up}\n`);
      t.is(ok(['ps', '-a', '-f', 'exited=3', '--format', '{{.Names}}']), `${down}\n`);
      t.is(ok(['ps', '-f', 'exited=3', '--format', '{{.Names}}']), '', 'exited alone lists only running ones, as Docker');
      t.is(ok(['ps', '-a', '-f', `name=${up}`, '-f', `name=${down}`, '--format', '{{.Names}}']), `${down}\n${up}\n`);
      t.is(ok(['ps', '-a', '-f', `name=${up}`, '-f', 'status=exited', '--format', '{{.Names}}']), '');
      t.is(ok(['ps', '-a', '-f', `name=^/${tag}`, '--format', '{{.Names}}']), '', 'names are matched with their leading slash');
      t.is(ok(['ps', '-a', '-f', `id=${downId.slice(0, 8)}`, '--format', '{{.Names}}']), `${down}\n`);
      t.is(ok(['ps', '-a', '-f', 'ancestor=alpine:latest', '-f', 'status=running', '--format', '{{.Names}}']), `${up}\n`);
      t.is(ok(['ps', '-a', '-f', 'ancestor=busybox', '--format', '{{.Names}}']), '');
      for (const [args, message, code] of [
        [['ps', '-f', 'colour=red'], "invalid filter 'colour'", 1],
        [['ps', '-f', 'status=sleeping'], "invalid filter 'status=sleeping'", 1],
        [['ps', '-f', 'status'], 'invalid argument "status" for "-f, --filter" flag: bad format of filter (expected name=value) (see \'tsrun ps --help\')', 125],
        [['network', 'ls', '-f', 'type=mine'], "invalid filter: 'type'='mine'", 1],
        [['ps', '--format', '{{.Nope}}'], 'Template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext', 1],
      ] as Array<[string[], string, number]>) {
        const r = s.run(args);
        t.is(r.stderr, `tsrun: ${message}\n`, args.join(' '));
        t.is(r.code, code, args.join(' '));
        t.is(r.stdout, '', args.join(' '));
      }

      // network ls --format and --filter
      t.is(ok(['network', 'ls', '-f', 'type=custom', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.IPv6}} {{.Internal}} {{.Labels}} {{.Label "tier"}}']), `${net} macvlan local false false tier=front front\n`);
      t.is(ok(['network', 'ls', '-f', 'type=builtin', '--format', '{{.Name}}']), 'host\nnone\n');
      t.is(ok(['network', 'ls', '-f', 'driver=macvlan', '-f', 'label=tier=front', '-q']), `${netId.slice(0, 12)}\n`);
      t.is(ok(['network', 'ls', '-f', `name=${tag}`, '--no-trunc', '--format', '{{.ID}}']), `${netId}\n`);
      t.is(ok(['network', 'ls', '--format', 'table {{.Name}}\\t{{.Driver}}', '-f', 'driver=null']), 'NAME      DRIVER\nnone      null\n');

      // image ls --format and --filter reference
      t.is(ok(['image', 'ls', '-f', 'reference=alp*:la*', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}']), 'alpine:latest <none>\n');
      t.is(ok(['image', 'ls', '-f', 'reference=alpine', '--format', '{{.Repository}}']), 'alpine\n');
      t.is(ok(['image', 'ls', '-f', 'reference=busybox', '-q']), '');
      t.regex(ok(['image', 'ls', '--format', '{{.Size}}']), /^\d+(\.\d+)?MB\n$/);
    } finally {
      s.run(['rm', '-f', up, down]);
    }
  });
});
