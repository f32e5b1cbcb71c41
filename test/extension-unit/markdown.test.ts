// Scenario strings in the lab's Markdown tooltips are text: a file path, a
// comm or a mount written as a link, an image, emphasis or a code fence shows
// as written (model/markdown.ts), in the device tree and in the verdict rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mdCode, mdFence, mdText } from '../../src/extension/model/markdown';
import { LabSession } from '../../src/extension/model/session';
import { buildDevicesTree, type DeviceNode } from '../../src/extension/model/devices';
import { verdictRows } from '../../src/extension/model/feedback';

const ROOT = resolve(__dirname, '..', '..', '..');
/** the tooltip without its code spans (their text is literal) */
const outsideCode = (md: string): string => md.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
const flat = (nodes: readonly DeviceNode[]): DeviceNode[] => nodes.flatMap((n) => [n, ...flat(n.children)]);

/** the hostile strings as markup: none may appear unescaped */
const RAW = [/\[x\]\(command:evil\)/, /(?<!\\)!\[i/, /(?<!\\)\*\*evil/, /(?<!\\)<img/, /(?<!\\)`code/, /\[r\]\(command:evil\)/];

test('mdText escapes what CommonMark reads as markup; mdFence holds backticks', () => {
  assert.equal(mdText('[x](command:workbench.action.terminal.new)'), '\\[x\\]\\(command:workbench.action.terminal.new\\)');
  assert.equal(mdText('![i](https://t.example/p.png) **b** `c` <img src=x> a_b'), '\\!\\[i\\]\\(https://t.example/p.png\\) \\*\\*b\\*\\* \\`c\\` \\<img src=x\\> a\\_b');
  assert.equal(mdText('/mnt/pmem/testfile'), '/mnt/pmem/testfile');
  assert.equal(mdFence('a ``` b'), '````\na ``` b\n````');
  assert.equal(mdFence('plain'), '```\nplain\n```');
  assert.equal(mdCode('a`b'), '``a`b``');
  assert.equal(mdCode('`x'), '`` `x ``');
  assert.equal(mdCode('0x10'), '`0x10`');
});

test('a hostile file path and comm reach the device tree and the verdict rows as text, not markup', async () => {
  const evilFile = '/mnt/pmem/[x](command:evil)![i](https://t.example/p.png)**evil**`code`<img src=x>';
  const text = readFileSync(join(ROOT, 'scenarios', 'reflink-both-mapped.poison.yaml'), 'utf8')
    .replaceAll('/mnt/pmem/testfile', `"${evilFile}"`)
    .replace('comm: reader', 'comm: "[r](command:evil) **evil**"');
  const s = LabSession.open(text, 'evil.poison.yaml');
  await s.runToEnd();
  const nodes = flat(buildDevicesTree(s.machine));
  const fileNode = nodes.find((n) => n.id === `file:${evilFile}`);
  assert.ok(fileNode, 'the file is in the tree');
  for (const n of nodes) for (const raw of RAW) assert.ok(!raw.test(outsideCode(n.tooltip)), `${n.id}: ${raw} in ${n.tooltip}`);
  assert.ok(fileNode.tooltip.includes('\\[x\\]\\(command:evil\\)'), fileNode.tooltip);
  const rows = verdictRows(s.report, 'e1');
  assert.ok(rows.length > 0);
  const reader = rows.find((r) => r.verdict.pid === 1000)!;
  assert.match(reader.tooltip, /\\\[r\\\]\\\(command:evil\\\) \\\*\\\*evil\\\*\\\*:1000/);
  assert.ok(reader.tooltip.includes('\\[x\\]\\(command:evil\\)'), reader.tooltip);
  for (const r of rows) for (const raw of RAW) assert.ok(!raw.test(outsideCode(r.tooltip)), `${raw} in ${r.tooltip}`);
});
