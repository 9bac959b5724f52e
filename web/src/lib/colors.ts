// One colour per agent everywhere, derived from its name; baselines always grey.
// Paul Tol's colour-blind-safe "muted" scheme plus two of his "bright" colours (11 in all).
export const PALETTE = [
  '#CC6677', '#332288', '#DDCC77', '#117733', '#88CCEE', '#882255',
  '#44AA99', '#999933', '#AA4499', '#4477AA', '#EE6677',
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

export function agentColor(name: string, baseline = false): string {
  if (baseline) return BASELINE_GREY;
  return PALETTE[hash(name) % PALETTE.length] ?? PALETTE[0];
}
