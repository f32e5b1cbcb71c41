// The design comparison as a view: a table per design and the data of its
// charts (calls per symbol on a log scale, owners reached and missed,
// processes signalled, simulated cost), from compareDesigns'
// result (src/sim/compare.ts). Pure: no vscode, no DOM. The input type is
// structural, so that the webview bundle does not pull in the simulator.

export interface OwnerRefLike {
  event: string;
  file: string;
}

export interface DesignMetricsLike {
  calls: Record<string, number>;
  ownersNotified: OwnerRefLike[];
  ownersMissed: OwnerRefLike[];
  signalled: string[];
  pagesMappedToBadMedia: number;
  pagesMappedToRemovedDevice: number;
  shutdown: Record<string, string>;
  cost: number;
}

export interface DesignRunLike {
  design: string;
  metrics?: DesignMetricsLike;
  error?: string;
}

export interface DesignTable {
  design: string;
  /** the design the session runs */
  current: boolean;
  error?: string;
  rows: { label: string; value: string }[];
}

export interface Bar {
  design: string;
  value: number;
  /** 0..1 of the chart's width */
  fraction: number;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
  /** the designs do not all agree on this value */
  differs: boolean;
}

export interface Chart {
  title: string;
  unit: string;
  log: boolean;
  groups: BarGroup[];
}

export interface ComparisonView {
  scenario: string;
  current: string;
  designs: string[];
  tables: DesignTable[];
  charts: Chart[];
}

/** log scale: 0 → 0, max → 1, each power of ten the same width */
export function logFraction(value: number, max: number): number {
  if (value <= 0 || max <= 0) return 0;
  return Math.log10(1 + value) / Math.log10(1 + max);
}

export function linearFraction(value: number, max: number): number {
  return max <= 0 ? 0 : Math.max(0, value) / max;
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns} ns`;
}

function chart(title: string, unit: string, log: boolean, labels: string[], runs: DesignRunLike[], value: (m: DesignMetricsLike, label: string) => number): Chart {
  const ok = runs.filter((r) => r.metrics);
  const max = Math.max(0, ...labels.flatMap((l) => ok.map((r) => value(r.metrics!, l))));
  return {
    title,
    unit,
    log,
    groups: labels.map((label) => {
      const bars = ok.map((r) => {
        const v = value(r.metrics!, label);
        return { design: r.design, value: v, fraction: log ? logFraction(v, max) : linearFraction(v, max) };
      });
      return { label, bars, differs: new Set(bars.map((b) => b.value)).size > 1 };
    }),
  };
}

const ownerText = (o: OwnerRefLike) => `${o.file} [${o.event}]`;

export function comparisonView(scenario: string, current: string, runs: readonly DesignRunLike[]): ComparisonView {
  const list = [...runs];
  const tables: DesignTable[] = list.map((r) => {
    if (!r.metrics) return { design: r.design, current: r.design === current, error: r.error ?? 'did not run', rows: [] };
    const m = r.metrics;
    const calls = Object.values(m.calls).reduce((a, b) => a + b, 0);
    return {
      design: r.design,
      current: r.design === current,
      rows: [
        { label: 'owners reached', value: m.ownersNotified.length ? m.ownersNotified.map(ownerText).join(', ') : 'none' },
        { label: 'owners missed', value: m.ownersMissed.length ? m.ownersMissed.map(ownerText).join(', ') : 'none' },
        { label: 'processes signalled', value: m.signalled.length ? m.signalled.join('; ') : 'none' },
        { label: 'pages left mapped to bad media', value: String(m.pagesMappedToBadMedia) },
        { label: 'pages left mapped to a removed device', value: String(m.pagesMappedToRemovedDevice) },
        { label: 'shutdown', value: Object.entries(m.shutdown).map(([mnt, s]) => `${mnt}: ${s}`).join(', ') || 'no filesystem' },
        { label: 'kernel calls', value: `${calls} (${Object.keys(m.calls).length} symbols)` },
        { label: 'simulated cost', value: formatNs(m.cost) },
      ],
    };
  });
  const symbols = [...new Set(list.flatMap((r) => Object.keys(r.metrics?.calls ?? {})))].sort();
  const pids = [...new Set(list.flatMap((r) => (r.metrics?.signalled ?? []).map((s) => /^pid (\d+)/.exec(s)?.[1] ?? s)))].sort((a, b) => Number(a) - Number(b));
  return {
    scenario,
    current,
    designs: list.map((r) => r.design),
    tables,
    charts: [
      chart('calls per symbol', 'calls', true, symbols, list, (m, s) => m.calls[s] ?? 0),
      chart('owners of the failed range', 'owners', false, ['reached', 'missed'], list, (m, l) => (l === 'reached' ? m.ownersNotified.length : m.ownersMissed.length)),
      chart('signals per process', 'signals', false, pids.map((p) => `pid ${p}`), list, (m, l) => m.signalled.filter((s) => s.startsWith(`${l} `)).length),
      chart('simulated cost', 'ns', false, ['cost'], list, (m) => m.cost),
    ],
  };
}
