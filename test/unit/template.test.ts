/**
 * Go's text/template as Docker's --format runs it. Each expected output is what Go prints for
 * the same template and data (text/template's documented semantics, fmt's %v printing).
 */
import test from 'ava';
import { Template } from '../../src/cli/format/template';
import { renderEach, renderList, row } from '../../src/cli/format/render';
import { tabwrite } from '../../src/cli/format/tabwriter';
import { globMatch, matches, matchLabels, parseFilters } from '../../src/cli/format/filters';
import { formatTable } from '../../src/cli/table';

const data = {
  Name: '/web',
  State: { Status: 'running', Running: true, Pid: 1234, ExitCode: 0 },
  Args: ['-c', 'sleep 1'],
  Config: { Labels: { 'com.example.b': '2', 'com.example.a': '1' }, Env: null },
  NetworkSettings: { Networks: { pub_net: { IPAddress: '172.16.86.2', NetworkID: 'abc' }, lan: { IPAddress: '10.0.0.5', NetworkID: 'def' } } },
  Empty: [],
  Zero: 0,
};

const cases: Array<[string, string]> = [
  // fields, dot, $
  ['{{.Name}}', '/web'],
  ['{{.State.Status}}', 'running'],
  ['{{.State.Pid}}', '1234'],
  ['{{.State.Running}}', 'true'],
  ['{{$.Name}}', '/web'],
  ['{{with .State}}{{.Status}}/{{$.Name}}{{end}}', 'running//web'],
  // Go's printing of maps (sorted), slices, nil and missing keys
  ['{{.Config.Labels}}', 'map[com.example.a:1 com.example.b:2]'],
  ['{{.Args}}', '[-c sleep 1]'],
  ['{{.Empty}}', '[]'],
  ['{{.Config.Env}}', '<no value>'],
  ['{{.Nope}}', '<no value>'],
  ['{{.Nope.Deeper}}', '<no value>'],
  ['{{print nil}}', '<nil>'],
  ['{{index .Config.Labels "none"}}', '<no value>'],
  // range over maps in key order, over slices, with variables and else
  ['{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', '10.0.0.5 172.16.86.2 '],
  ['{{range $name, $n := .NetworkSettings.Networks}}{{$name}}={{$n.IPAddress}};{{end}}', 'lan=10.0.0.5;pub_net=172.16.86.2;'],
  ['{{range $i, $a := .Args}}{{$i}}:{{$a}} {{end}}', '0:-c 1:sleep 1 '],
  ['{{range $a := .Args}}<{{$a}}>{{end}}', '<-c><sleep 1>'],
  ['{{range .Empty}}x{{else}}none{{end}}', 'none'],
  ['{{range .Nope}}x{{else}}none{{end}}', 'none'],
  ['{{range $i, $a := .Args}}{{if $i}}, {{end}}{{$a}}{{end}}', '-c, sleep 1'],
  // if / else if / else, truth of Go values
  ['{{if .State.Running}}up{{else}}down{{end}}', 'up'],
  ['{{if eq .State.Status "exited"}}x{{else if eq .State.Status "running"}}r{{else}}?{{end}}', 'r'],
  ['{{if .Zero}}a{{else}}b{{end}}{{if .Empty}}a{{else}}b{{end}}{{if ""}}a{{else}}b{{end}}{{if .Args}}a{{end}}', 'bbba'],
  ['{{with .Nope}}x{{else}}y{{end}}', 'y'],
  // variables: declare, assign, block scope
  ['{{$x := .State.Status}}{{$x}}', 'running'],
  ['{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}', '2'],
  ['{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}', '21'],
  // pipelines, parentheses, literals, comments, trim markers
  ['{{.Name | printf "%s!"}}', '/web!'],
  ['{{"abc" | upper | printf "%q"}}', '"ABC"'],
  ['{{(index .Args 1) | len}}', '7'],
  ['{{(index .NetworkSettings.Networks "lan").IPAddress}}', '10.0.0.5'],
  ['{{`raw\\n`}} {{"tab\\t"}} {{1.5}} {{-3}} {{true}} {{0x10}}', 'raw\\n tab\t 1.5 -3 true 16'],
  ['a{{/* a comment */}}b', 'ab'],
  ['a  {{- /* trimmed */ -}}  b', 'ab'],
  ['x \n {{- .Name -}} \n y', 'x/weby'],
  ['{{3 -}} < {{- 4}}', '3<4'],
  // Docker's functions
  ['{{json .Args}}', '["-c","sleep 1"]'],
  ['{{json .State}}', '{"Status":"running","Running":true,"Pid":1234,"ExitCode":0}'],
  ['{{json "a<b>&"}}', '"a<b>&"'],
  ['{{join .Args ","}}', '-c,sleep 1'],
  ['{{split "a:b:c" ":"}}', '[a b c]'],
  ['{{index (split "a:b:c" ":") 1}}', 'b'],
  ['{{lower "ABC"}} {{upper "abc"}} {{title "hello wide-world"}}', 'abc ABC Hello Wide-World'],
  ['{{truncate "abcdef" 3}}|{{truncate "ab" 3}}', 'abc|ab'],
  ['[{{pad "x" 2 1}}][{{pad "" 2 1}}]', '[  x ][]'],
  ['{{println "a" 1}}', 'a 1\n'],
  // Go's builtins
  ['{{len .Args}} {{len .Config.Labels}} {{len "héllo"}}', '2 2 6'],
  ['{{index .Args 0}}', '-c'],
  ['{{printf "%s|%5s|%-5s|%d|%03d|%v|%q|%t|%.2f|%x|%%" "a" "b" "c" 7 7 .Args "q" true 3.14159 255}}', 'a|    b|c    |7|007|[-c sleep 1]|"q"|true|3.14|ff|%'],
  ['{{printf "%d" "x"}}', '%!d(string=x)'],
  ['{{printf "%s %s" "a"}}', 'a %!s(MISSING)'],
  ['{{print "a" "b" 1 2 "c"}}', 'ab1 2c'],
  ['{{eq 1 1}} {{eq "a" "b" "a"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', 'true true true true true true false'],
  ['{{and 1 "x"}} {{and 0 "x"}} {{or "" "y"}} {{or 0 ""}} {{not .Empty}}', 'x 0 y  true'],
  ['{{if and .State.Running (eq .State.ExitCode 0)}}ok{{end}}', 'ok'],
];

for (const [template, expected] of cases) {
  test(`template ${JSON.stringify(template)}`, (t) => t.is(new Template(template).execute(data), expected));
}

const parseErrors: Array<[string, string]> = [
  ['{{.Name', 'template: :1: unclosed action'],
  ['{{nope .}}', 'template: :1: function "nope" not defined'],
  ['{{end}}', 'template: :1: unexpected {{end}}'],
  ['{{if .A}}x', 'template: :1: unexpected EOF'],
  ['{{$x}}', 'template: :1: undefined variable "$x"'],
  ['{{if}}{{end}}', 'template: :1: missing value for if'],
  ['a\n{{.A | }}', 'template: :2: missing command'],
  ['{{"abc}}', 'template: :1: unterminated quoted string'],
  ['{{/* x }}', 'template: :1: unclosed comment'],
];
for (const [template, message] of parseErrors) {
  test(`parse error ${JSON.stringify(template)}`, (t) => t.is(t.throws(() => new Template(template))?.message, message));
}

const execErrors: Array<[string, string]> = [
  ['{{index .Args 5}}', 'template: :1:2: executing "" at <index .Args 5>: error calling index: index out of range: 5'],
  ['{{.Name.Nope}}', 'template: :1:2: executing "" at <.Name.Nope>: can\'t evaluate field Nope in type string'],
  ['{{range .Name}}{{end}}', 'template: :1:8: executing "" at <.Name>: range can\'t iterate over /web'],
  ['{{join .Args}}', 'template: :1:2: executing "" at <join .Args>: wrong number of args for join: want 2 got 1'],
  ['{{lt .Args 1}}', 'template: :1:2: executing "" at <lt .Args 1>: error calling lt: invalid type for comparison'],
  ['{{eq .State.Pid "1"}}', 'template: :1:2: executing "" at <eq .State.Pid "1">: error calling eq: incompatible types for comparison'],
];
for (const [template, message] of execErrors) {
  test(`execution error ${JSON.stringify(template)}`, (t) => t.is(t.throws(() => new Template(template).execute(data))?.message, message));
}

test('inspect -f: a missing key is an error for that object, in Docker\'s words; the others still print', (t) => {
  const r = renderEach('{{.State.Status}}', [data, { Name: '/x' }]);
  t.is(r.out, 'running\n');
  t.deepEqual(r.errors, ['Template parsing error: template: :1:2: executing "" at <.State.Status>: map has no entry for key "State"']);
  t.deepEqual(renderEach('{{.Nope}}', [data]).errors, ['Template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"']);
});

test('inspect -f: a template that does not parse is refused before anything is printed, exit 64 as Docker', (t) => {
  const e = t.throws(() => renderEach('{{.Nope', [data])) as Error & { exitCode: number };
  t.is(e.message, 'Template parsing error: template: :1: unclosed action');
  t.is(e.exitCode, 64);
});

const rows = [
  row('*formatter.ContainerContext', { ID: () => 'aaaaaaaaaaaa', Names: () => 'web1', Status: () => 'Up 2 seconds', Label: (k: string) => ({ tier: 'front' } as Record<string, string>)[k] ?? '' }),
  row('*formatter.ContainerContext', { ID: () => 'bbbbbbbbbbbb', Names: () => 'a-much-longer-name', Status: () => 'Exited (0) 1 second ago', Label: (_k: string) => '' }),
];
const headers = { ID: 'CONTAINER ID', Names: 'NAMES', Status: 'STATUS' };

test('list --format: one line per row; \\t and \\n typed in the format are a tab and a newline', (t) => {
  t.is(renderList('{{.Names}}\\t{{.Status}}', rows, headers), 'web1\tUp 2 seconds\na-much-longer-name\tExited (0) 1 second ago\n');
  t.is(renderList('{{.Label "tier"}}', rows, headers), 'front\n\n');
  t.is(renderList('{{json .}}', rows.slice(0, 1), headers), '{"ID":"aaaaaaaaaaaa","Names":"web1","Status":"Up 2 seconds"}\n');
});

test('list --format table: Docker\'s header names, columns padded by 3 and at least 10 wide', (t) => {
  t.is(
    renderList('table {{.Names}}\\t{{.Status}}\\t{{.ID}}', rows, headers),
    'NAMES                STATUS                    CONTAINER ID\n' +
      'web1                 Up 2 seconds              aaaaaaaaaaaa\n' +
      'a-much-longer-name   Exited (0) 1 second ago   bbbbbbbbbbbb\n',
  );
  t.is(renderList('table {{upper .Names}}\\t{{.Label "com.example.tier_name"}}', rows.slice(0, 1), headers), 'NAMES     tier name\nWEB1      \n');
  t.is(renderList('table {{.Names}}', [], headers), 'NAMES\n', 'a table with no rows is its header');
});

test('list --format: a field the row does not have fails as Docker\'s does, exit 1', (t) => {
  const e = t.throws(() => renderList('{{.Nope}}', rows, headers)) as Error & { exitCode: number };
  t.is(e.message, 'Template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext');
  t.is(e.exitCode, 1);
});

test('tabwriter: cells of a column align across consecutive lines; the last cell is not padded', (t) => {
  t.is(tabwrite('a\tb\tc\nlonger-than-ten\tx\ty'), 'a                 b         c\nlonger-than-ten   x         y');
  t.is(formatTable(['NETWORK ID', 'NAME', 'DRIVER'], [['abc', 'none', 'null']]), 'NETWORK ID   NAME      DRIVER\nabc          none      null');
});

test('filters: same key any value, patterns as Docker matches them, labels all of them', (t) => {
  const f = parseFilters('ps', ['name=web', 'name=db', 'status=running'], ['name', 'status']);
  t.deepEqual([...f.entries()], [['name', ['web', 'db']], ['status', ['running']]]);
  t.true(matches(['^/web'], '/web1'));
  t.false(matches(['^web'], '/web1'));
  t.true(matchLabels(['a', 'b=2'], { a: 'x', b: '2' }));
  t.false(matchLabels(['a', 'b=3'], { a: 'x', b: '2' }));
  t.is(t.throws(() => parseFilters('ps', ['colour=red'], ['name']))?.message, "invalid filter 'colour'");
  t.is(
    t.throws(() => parseFilters('ps', ['name'], ['name']))?.message,
    'invalid argument "name" for "-f, --filter" flag: bad format of filter (expected name=value) (see \'tsrun ps --help\')',
  );
  t.true(globMatch('alp*:3*', 'alpine:3.20'));
  t.false(globMatch('alp*:3*', 'alpine:latest'));
  t.false(globMatch('*', 'library/alpine'));
  t.true(globMatch('alpine', 'alpine'));
});
