// fs/dax.c dax_page_share_get: a page that another file still maps
// regularly (page->mapping set) counts that file as a sharer, so the first
// shared association gives a share count of 2, not 1. No event can reflink a
// file mid-run, so the regular association a FICLONE would leave behind (the
// source file faulted the block before it was cloned) is set up by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session } from '../../src/sim/run';
import { PAGE_SIZE } from '../../src/sim/units';
import { fsdaxHead } from './helpers';

const SCENARIO = `
${fsdaxHead({ name: 'share count' })}
files:
  - { path: /mnt/pmem/a, size: 8KiB, fill: 0x61 }
  - { path: /mnt/pmem/b, reflink: /mnt/pmem/a }
processes:
  - pid: 100
    mappings:
      - { id: m0, file: /mnt/pmem/b }
events:
  - { do: load, process: 100, addr: 0x7f0000000000 }
  - { do: punch-hole, process: 100, file: /mnt/pmem/b, offset: 0, length: 4096 }
`;

/** the session before its events, file a and the pfn of a's (and b's) first block */
function setup() {
  const s = loadScenario(SCENARIO, 'share.poison.yaml');
  const session = new Session(s);
  const k = session.machine.k;
  const sb = k.superblocks[0]!;
  const a = sb.files.get('/mnt/pmem/a')!;
  const pmem = (sb.daxDev!.priv as { dataStart: number });
  const pfn = (pmem.dataStart + sb.bmapQuiet(a, 0)!) / PAGE_SIZE;
  return { s, session, k, a, pfn };
}

test('dax_page_share_get: a page mapped regularly by another file becomes shared with a count of 2', () => {
  const { s, session, k, a, pfn } = setup();
  // file a faulted the block in before it was shared: page->mapping = a, index 0
  k.pageOwner.set(pfn, pfn + 1, { kind: 'file', mapping: a.mapping, index: 0 });
  session.step(s.events[0]!);
  assert.deepEqual(k.pageOwner.get(pfn), { kind: 'shared', share: 2 });
  // b's entry goes (dax_disassociate_entry → dax_page_share_put): a still shares the page
  session.step(s.events[1]!);
  assert.deepEqual(k.pageOwner.get(pfn), { kind: 'shared', share: 1 });
});

test('dax_page_share_get: an unowned page becomes shared with a count of 1, and each further sharer adds one', () => {
  const { s, session, k, pfn } = setup();
  assert.equal(k.pageOwner.get(pfn), undefined);
  session.step(s.events[0]!);
  assert.deepEqual(k.pageOwner.get(pfn), { kind: 'shared', share: 1 });
  session.step(s.events[1]!);
  assert.equal(k.pageOwner.get(pfn), undefined);
});
