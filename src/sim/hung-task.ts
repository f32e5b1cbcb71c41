// kernel/hung_task.c: khungtaskd wakes every hung_task_timeout_secs (120 s,
// Debian's CONFIG_DEFAULT_HUNG_TASK_TIMEOUT) and looks for tasks asleep in
// TASK_UNINTERRUPTIBLE that have not run since its last look. The only such
// sleep the lab has is mutex_lock(&mf_mutex) after an oops left the mutex
// held, and an oops sets TAINT_DIE (oops_end), after which
// check_hung_uninterruptible_tasks returns before looking at any task: no
// "INFO: task ... blocked for more than 120 seconds." is ever printed for it.

import type { Kernel } from './kernel';

/** hung_task_timeout_secs, in simulated ns */
export const HUNG_TASK_TIMEOUT_NS = 120e9;

/**
 * The khungtaskd wake-ups in (from, to]: at each, with a task asleep for
 * good, check_hung_uninterruptible_tasks runs (a span, so the decision is
 * visible); it returns at once on a kernel tainted by an oops.
 */
export function khungtaskd(k: Kernel, from: number, to: number): void {
  const blocked = k.tasks.filter((t) => t.alive && t.blockedIn);
  if (!blocked.length && !k.mfWorkerStuck) return;
  for (let tick = (Math.floor(from / HUNG_TASK_TIMEOUT_NS) + 1) * HUNG_TASK_TIMEOUT_NS; tick <= to; tick += HUNG_TASK_TIMEOUT_NS) {
    k.tr.now = Math.max(k.tr.now, tick);
    k.tr.call('process', 'check_hung_uninterruptible_tasks', { timeout: 120, blocked: blocked.map((t) => `${t.kcomm}:${t.pid}`).join(',') || 'kworker' }, () => {
      // test_taint(TAINT_DIE): the oops that left mf_mutex held tainted the kernel
      if (k.dieCounter > 0) return 'TAINT_DIE';
      throw new Error('internal: a task sleeps for good with no oops before it');
    });
  }
}
