// A line diff of two texts from their longest common subsequence: what a reader needs to see
// what changed between two prompt versions (templates are a few hundred lines at most, so the
// quadratic table is cheap).

export type DiffOp = 'same' | 'added' | 'removed';

export interface DiffLine {
  op: DiffOp;
  text: string;
  /** 1-based line number in the old text (absent for an added line). */
  oldLine?: number;
  /** 1-based line number in the new text (absent for a removed line). */
  newLine?: number;
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  // A final newline ends the last line; it does not start an empty one.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The lines of `before` and `after` in order, each marked same, removed or added. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i:] and b[j:], in one flat array.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: 'same', text: a[i] ?? '', oldLine: i + 1, newLine: j + 1 });
      i += 1;
      j += 1;
    } else if ((lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0)) {
      // Removals before additions, as `diff -u` prints a changed line.
      out.push({ op: 'removed', text: a[i] ?? '', oldLine: i + 1 });
      i += 1;
    } else {
      out.push({ op: 'added', text: b[j] ?? '', newLine: j + 1 });
      j += 1;
    }
  }
  for (; i < n; i += 1) out.push({ op: 'removed', text: a[i] ?? '', oldLine: i + 1 });
  for (; j < m; j += 1) out.push({ op: 'added', text: b[j] ?? '', newLine: j + 1 });
  return out;
}

/** How many lines were added and removed. */
export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.op === 'added') added += 1;
    else if (line.op === 'removed') removed += 1;
  }
  return { added, removed };
}

export type Hunk = DiffLine | { op: 'skip'; count: number };

/** The changed lines with `context` unchanged lines around each; longer unchanged runs fold. */
export function withContext(lines: DiffLine[], context = 3): Hunk[] {
  const keep = lines.map(() => false);
  lines.forEach((line, index) => {
    if (line.op === 'same') return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k += 1) keep[k] = true;
  });
  const out: Hunk[] = [];
  let skipped = 0;
  lines.forEach((line, index) => {
    if (keep[index]) {
      if (skipped) out.push({ op: 'skip', count: skipped });
      skipped = 0;
      out.push(line);
    } else {
      skipped += 1;
    }
  });
  if (skipped) out.push({ op: 'skip', count: skipped });
  return out;
}
