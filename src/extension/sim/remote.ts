// The session as the extension holds it: the snapshot the simulator sent
// after the last change (src/protocol/sim.ts), read the way the views read a
// LabSession (scenario, report, cursor, events, design, ...), plus what the
// worker built from the machine (the Devices tree, the bad-memory counts).
// The machine itself stays in the simulator; questions about it go through
// Lab.query. Pure: no VS Code API.

import type { Diagnostic } from '../../sim/errors';
import type { EventSpec, KernelConfig, Scenario } from '../../sim/scenario/types';
import type { RunReport } from '../../sim/report';
import type { DeviceNode } from '../model/devices';
import type { BadMemorySummary } from '../model/feedback';
import { LabError } from '../model/session';
import type { KernelOverrides, RawEvent, SessionSnapshot } from '../../protocol/sim';
import { kernelVersion, type KernelVersion } from '../../sim/version';

export class RemoteSession {
  constructor(
    /** the scenario file's text, as opened */
    readonly text: string,
    private snap: SessionSnapshot,
  ) {}

  /** take the simulator's newer snapshot */
  update(s: SessionSnapshot): void {
    this.snap = s;
  }

  get snapshot(): SessionSnapshot {
    return this.snap;
  }
  get file(): string {
    return this.snap.file;
  }
  get scenario(): Scenario {
    return this.snap.scenario;
  }
  /** the report so far (its dmesg folded: runs of per-pfn lines as one line) */
  get report(): RunReport & { dmesg: string[] } {
    return this.snap.report;
  }
  get cursor(): number {
    return this.snap.cursor;
  }
  get events(): readonly EventSpec[] {
    return this.snap.scenario.events;
  }
  get atEnd(): boolean {
    return this.snap.atEnd;
  }
  get design(): string {
    return this.snap.design;
  }
  get kernel(): KernelConfig {
    return this.snap.kernel;
  }
  /** the kernel release modelled (kernel.version, absent = 6.12) */
  get kernelVersion(): KernelVersion {
    return kernelVersion(this.snap.kernel);
  }
  get handEvents(): RawEvent[] {
    return this.snap.handEvents.map((e) => ({ ...e }));
  }
  get kernelOverrides(): KernelOverrides {
    return { ...this.snap.kernelOverrides };
  }
  get sourceEventCount(): number {
    return this.snap.sourceEventCount;
  }
  get pending(): number {
    return this.snap.pending;
  }
  get stoppedBy(): LabError | undefined {
    const s = this.snap.stoppedBy;
    return s ? new LabError(s.message, s.diagnostics as Diagnostic[]) : undefined;
  }
  /** the Devices tree of the machine */
  get devices(): DeviceNode[] {
    return this.snap.devices;
  }
  /** the machine's bad memory, counted */
  get bad(): BadMemorySummary {
    return this.snap.bad;
  }
  /** how many dmesg lines the kernel printed (report.dmesg is folded) */
  get dmesgLines(): number {
    return this.snap.dmesgLines;
  }
  /** the scenario text with the hand events and knobs, as it runs */
  composeText(): string {
    return this.snap.composedText ?? this.text;
  }
}
