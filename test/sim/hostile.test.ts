// Hostile scenario text: alias expansion bounded before objects are built,
// self-referencing aliases, control characters and lone surrogates in names,
// and values echoed in messages cut to a bounded length.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { MAX_ALIAS_NODES } from '../../src/sim/scenario/aliases';
import { textFault } from '../../src/sim/scenario/text';
import { Diagnostic, ScenarioErrors, boundMessage, describeValue, MAX_ECHO_CHARS, MAX_MESSAGE_CHARS } from '../../src/sim/errors';

const ROOT = join(__dirname, '..', '..', '..');
const BASE = readFileSync(join(ROOT, 'scenarios', 'reflink-both-mapped.poison.yaml'), 'utf8');

function refusal(text: string, file = 'h.poison.yaml'): Diagnostic[] {
  try {
    loadScenario(text, file);
  } catch (e) {
    if (e instanceof ScenarioErrors) return e.diagnostics;
    throw e;
  }
  assert.fail('expected a refusal');
}

/** the base scenario with its events replaced by `events` */
function withEvents(events: string): string {
  return BASE.split('\nevents:\n')[0] + '\nevents:\n' + events;
}

test('alias amplification: one anchored list aliased many times is refused at the alias that crosses the bound, before anything is built', () => {
  const list = Array.from({ length: 10_000 }, () => '{result: {event: e1, ret: 0}}').join(', ');
  let events = `  - {do: madvise-hwpoison, process: 1001, addr: 0x7f0000000000, length: 4096, expect: &L [${list}]}\n`;
  for (let i = 0; i < 999; i++) events += '  - {do: madvise-hwpoison, process: 1001, addr: 0x7f0000000000, length: 4096, expect: *L}\n';
  const text = withEvents(events);
  const started = Date.now();
  const d = refusal(text);
  assert.equal(d.length, 1);
  // each alias stands for 70,001 nodes: the second one crosses 100,000
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('*L')) + 2;
  assert.equal(d[0]!.line, line);
  assert.equal(d[0]!.column, lines[line - 1]!.indexOf('*L') + 1);
  assert.match(d[0]!.message, /YAML alias \*L makes the aliases stand for 140,002 nodes \(more than 100,000, the most a scenario's aliases may repeat\)/);
  assert.ok(Date.now() - started < 60_000);
});

test('alias amplification: nested aliases (billion laughs) are counted without expanding them', () => {
  let text = 'version: 1\nname: x\nx-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n';
  let prev = 'a';
  for (const name of 'bcdefghij') {
    text += `x-${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
    prev = name;
  }
  const d = refusal(text);
  assert.equal(d.length, 1);
  assert.match(d[0]!.message, /^YAML alias \*[a-j] makes the aliases stand for [\d,]+ nodes \(more than 100,000/);
});

test('aliases within the bound load as before; the bound counts what aliases repeat, not what is written', () => {
  const mapping = '{ id: m0, file: /mnt/pmem/testfile, length: 64KiB, populate: true }';
  const text = BASE.replace(`- ${mapping}`, `- &m ${mapping}`).replace('- { id: m0, file: /mnt/pmem/poisonfile, length: 64KiB, populate: true }\n  - pid: 1002', '- *m\n  - pid: 1002');
  assert.notEqual(text, BASE);
  const s = loadScenario(text, 'ok.poison.yaml');
  assert.equal(s.processes[1]!.mappings[0]!.file, '/mnt/pmem/testfile');
  assert.ok(MAX_ALIAS_NODES >= 100_000);
});

test('an alias inside the node it refers to is refused at the alias (it would build a cyclic object)', () => {
  const d = refusal('version: 1\nname: &a [1, *a]\n');
  assert.deepEqual(
    d.map((x) => [x.line, x.column, x.message]),
    [[2, 14, 'YAML alias *a is inside the node it refers to (&a): its value would be endless']],
  );
});

test('control characters, lone surrogates and bidi overrides in names, comms, paths and ids are refused where they are written', () => {
  const text = BASE.replace(/^name: .*$/m, 'name: "ref\\ud800linked"')
    .replace('comm: reader', 'comm: "rea\\e]0;owned\\ader"')
    .replace('{ id: m0, file: /mnt/pmem/testfile,', '{ id: "m\\x00", file: "/mnt/pmem/test\\u202efile",')
    .replace('device: pmem0 }', 'device: "pmem\\u00850" }');
  const d = refusal(text);
  const byPath = new Map<string, Diagnostic>();
  for (const x of d) if (!byPath.has(x.path)) byPath.set(x.path, x);
  assert.match(byPath.get('/name')!.message, /^name: "ref\\ud800linked" is not valid text: a lone UTF-16 surrogate U\+D800 at character 4/);
  assert.match(byPath.get('/processes/0/comm')!.message, /"rea\\u001b\]0;owned\\u0007der" has a control character \(U\+001B ESC\) at character 4/);
  assert.match(byPath.get('/processes/0/mappings/0/id')!.message, /"m\\u0000" has a control character \(U\+0000 NUL\) at character 2/);
  assert.match(byPath.get('/processes/0/mappings/0/file')!.message, /"\/mnt\/pmem\/test\\u202efile" has a formatting character \(U\+202E right-to-left override\) at character 15/);
  assert.match(byPath.get('/platform/namespaces/0/device')!.message, /"pmem\\u00850" has a control character \(U\+0085 NEL\) at character 5/);
  const comm = byPath.get('/processes/0/comm')!;
  const lines = text.split('\n');
  assert.equal(lines[comm.line - 1]!.slice(comm.column - 1).startsWith('"rea'), true);
  // nothing in a message is a raw control or bidi character
  for (const x of d) assert.ok(!/[\x00-\x1f\x7f-\x9f\u202a-\u202e]/.test(x.message), x.message);
});

test('a field name with a control character is refused at the key; description keeps its newlines and tabs', () => {
  const d = refusal(BASE.replace('kernel: { design: upstream }', 'kernel: { design: upstream, "de\\x1bsign": 1 }'));
  const key = d.find((x) => x.path === '/kernel/de\x1bsign' && /field name/.test(x.message));
  assert.ok(key, JSON.stringify(d));
  assert.match(key.message, /the field name "de\\u001bsign" has a control character \(U\+001B ESC\)/);
  assert.equal(textFault('line one\n\tline two\r\n', true), undefined);
  assert.match(textFault('line one\nline two')!, /U\+000A newline/);
  assert.equal(textFault('emoji 😀 and é'), undefined);
  assert.match(textFault('a\u2028b', true)!, /U\+2028 line separator/);
});

test('echoed values are cut with an ellipsis and their size: name: [200000 ints] is one short line', () => {
  const ints = Array.from({ length: 200_000 }, (_, i) => i + 1);
  const d = refusal(`version: 1\nname: [${ints.join(',')}]\n`);
  const name = d.find((x) => x.path === '/name')!;
  assert.ok(name.message.length < 300, String(name.message.length));
  assert.match(name.message, /^name: \[1,2,3,.*… \(a list of 200,000 items, 1,288,896 characters\) is not a string$/);
  const long = 'x'.repeat(5000);
  assert.equal(describeValue(long), `"${'x'.repeat(MAX_ECHO_CHARS)}…" (5,000 characters)`);
  assert.equal(describeValue('short'), '"short"');
  assert.equal(describeValue('a\u0085b\u202e'), '"a\\u0085b\\u202e"');
  const m = boundMessage(`start ${'y'.repeat(10_000)} end`);
  assert.ok(m.length <= MAX_MESSAGE_CHARS + 40);
  assert.ok(m.startsWith('start ') && m.endsWith(' end') && /… \([\d,]+ characters cut\) …/.test(m));
});

test('nesting deep enough to exhaust the parser is refused as such, positioned, not as a stack overflow', () => {
  for (const [open, close] of [['[', ']'], ['{a: ', '}']]) {
    const d = refusal(`version: 1\nname: ${open!.repeat(5000)}1${close!.repeat(5000)}\n`);
    assert.equal(d.length, 1);
    assert.equal(d[0]!.line, 2);
    assert.match(d[0]!.message, /^YAML: nested too deeply to parse/);
  }
});
