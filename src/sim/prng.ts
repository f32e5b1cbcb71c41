// The seeded generator the lab's generated inputs share: the oracle's random
// scenarios (oracle/src/random.ts: a recorded scenario is a pure function of
// its seed, so this sequence must never change), the timeline bench's
// synthetic report (bench/timeline-synth.ts) and the hostile-input
// generator (test/fuzz/generate.ts). The simulator itself draws no random
// numbers.

/** mulberry32: a small, well-mixed 32-bit PRNG in [0, 1); the same sequence for a seed on every machine */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
