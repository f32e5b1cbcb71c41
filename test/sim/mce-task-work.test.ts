// arch/x86/kernel/cpu/mce/core.c queue_task_work: the machine checks a task
// takes before it returns to user space are counted; a second one in another
// page, or an eleventh, is mce_panic(). No event of the scenario format can
// take two machine checks in different pages within one system call (a copy
// from user space stops at its first bad line, and iomap_iter's second pass
// starts there again), so the handler is driven directly here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session } from '../../src/sim/run';
import { KernelPanic } from '../../src/sim/kernel';
import { machineCheckCopyin, mceTaskWorkRun } from '../../src/sim/arch/mce';
import { fsdaxHead } from './helpers';

const SCENARIO = `
${fsdaxHead({ name: 'task work' })}
files:
  - { path: /mnt/pmem/f, size: 64KiB, fill: 0x61 }
processes:
  - pid: 100
    comm: writer
    mappings:
      - { id: m0, file: /mnt/pmem/f, populate: true }
`;

function setup() {
  const session = new Session(loadScenario(SCENARIO, 'tw.poison.yaml'));
  const k = session.machine.k;
  const t = k.task(100)!;
  const pfn = t.mm!.vmas[0]!.ptes.get(0x7f0000000000 / 4096)!.pfn;
  return { k, t, spa: pfn * 4096 };
}

test('queue_task_work: machine checks of one page are counted and kill_me_never runs once on the way back', () => {
  const { k, t, spa } = setup();
  for (let i = 0; i < 10; i++) machineCheckCopyin(k, t, spa + 64);
  assert.equal(k.tr.calls.get('queue_task_work'), 10);
  assert.equal(k.tr.calls.get('kill_me_never') ?? 0, 0);
  mceTaskWorkRun(k, t);
  assert.equal(k.tr.calls.get('kill_me_never'), 1);
  assert.ok([...k.dmesg].includes(`mce: Kernel accessed poison in user space at ${(spa + 64).toString(16)}`));
  // the count starts again after the task work ran
  machineCheckCopyin(k, t, spa + 4096);
  mceTaskWorkRun(k, t);
  assert.equal(k.tr.calls.get('kill_me_never'), 2);
});

test('queue_task_work: an eleventh machine check before the task work runs panics', () => {
  const { k, t, spa } = setup();
  for (let i = 0; i < 10; i++) machineCheckCopyin(k, t, spa);
  assert.throws(() => machineCheckCopyin(k, t, spa), (e: unknown) => e instanceof KernelPanic && /Too many consecutive machine checks while accessing user data/.test(e.message));
  assert.ok([...k.dmesg].includes('Kernel panic - not syncing: Too many consecutive machine checks while accessing user data'));
  assert.ok([...k.dmesg].includes('mce: [Hardware Error]: Machine check: Action required: data load in error recoverable area of kernel'));
});

test('queue_task_work: a second machine check in another page before the task work runs panics', () => {
  const { k, t, spa } = setup();
  machineCheckCopyin(k, t, spa);
  assert.throws(() => machineCheckCopyin(k, t, spa + 4096), (e: unknown) => e instanceof KernelPanic && /Consecutive machine checks to different user pages/.test(e.message));
  assert.equal(k.tr.calls.get('mce_panic'), 1);
});
