// One colour per agent everywhere, derived from its name; baselines always grey.
// Paul Tol's colour-blind-safe "muted" scheme plus his "bright" blue and "vibrant" orange
// (11 in all, no two alike).
export const PALETTE = [
  '#CC6677', '#332288', '#DDCC77', '#117733', '#88CCEE', '#882255',
  '#44AA99', '#999933', '#AA4499', '#4477AA', '#EE7733',
] as const;

export const BASELINE_GREY = '#8a8f98';

function hash(text: string): number {
  let value = 2166136261; // FNV-1a: stable across sessions and browsers
  for (let i = 0; i < text.length; i += 1) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 16777619);
  }
  return value >>> 0;
}

// Names given a colour so far in this page's life: a name keeps its colour once it has one.
const claimed = new Map<string, string>();

/**
 * Give each of these names (a season's entries) a colour no other claimed name has, while the
 * palette lasts: its hashed colour if free, else the next free one. Two lines of one chart
 * never share a colour by a collision of their names' hashes.
 */
export function claimColors(names: Iterable<string>): void {
  const used = new Set(claimed.values());
  for (const name of [...new Set(names)].sort()) {
    if (claimed.has(name)) continue;
    const start = hash(name) % PALETTE.length;
    const free = PALETTE.map((_, step) => PALETTE[(start + step) % PALETTE.length] ?? PALETTE[0])
      .find((color) => !used.has(color));
    const color = free ?? PALETTE[start] ?? PALETTE[0];
    claimed.set(name, color);
    used.add(color);
  }
}

export function agentColor(name: string, baseline = false): string {
  if (baseline) return BASELINE_GREY;
  return claimed.get(name) ?? PALETTE[hash(name) % PALETTE.length] ?? PALETTE[0];
}
