import { describe, expect, it } from 'vitest';

import { diffStats, lineDiff, splitLines, withContext } from './lineDiff';

const marks = (before: string, after: string) =>
  lineDiff(before, after).map((line) => `${{ same: ' ', added: '+', removed: '-' }[line.op]}${line.text}`);

describe('lineDiff', () => {
  it('marks nothing when the texts are equal', () => {
    expect(marks('a\nb\nc', 'a\nb\nc')).toEqual([' a', ' b', ' c']);
  });

  it('shows a changed line as removed then added, in place', () => {
    expect(marks('a\nb\nc', 'a\nB\nc')).toEqual([' a', '-b', '+B', ' c']);
  });

  it('finds insertions and deletions around common lines', () => {
    expect(marks('x\na\nb\ny', 'a\nz\nb')).toEqual(['-x', ' a', '+z', ' b', '-y']);
  });

  it('handles empty texts on either side', () => {
    expect(marks('', 'a\nb')).toEqual(['+a', '+b']);
    expect(marks('a\nb', '')).toEqual(['-a', '-b']);
    expect(lineDiff('', '')).toEqual([]);
  });

  it('numbers lines on each side', () => {
    const lines = lineDiff('a\nb', 'a\nc\nb');
    expect(lines).toEqual([
      { op: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { op: 'added', text: 'c', newLine: 2 },
      { op: 'same', text: 'b', oldLine: 2, newLine: 3 },
    ]);
  });

  it('keeps the longest common subsequence (no needless changes)', () => {
    const lines = lineDiff('a\nb\nc\nd\ne', 'b\nc\nd\ne\na');
    expect(diffStats(lines)).toEqual({ added: 1, removed: 1 });
  });

  it('ignores a final newline and CRLF line ends', () => {
    expect(splitLines('a\r\nb\n')).toEqual(['a', 'b']);
    expect(marks('a\nb\n', 'a\r\nb')).toEqual([' a', ' b']);
  });
});

describe('withContext', () => {
  it('folds long unchanged runs and keeps the lines around each change', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const after = [...before];
    after[9] = 'changed';
    const hunks = withContext(lineDiff(before.join('\n'), after.join('\n')), 2);
    expect(hunks.map((h) => (h.op === 'skip' ? `…${h.count}` : h.text))).toEqual([
      '…7', 'line 8', 'line 9', 'line 10', 'changed', 'line 11', 'line 12', '…8',
    ]);
  });

  it('folds everything when nothing changed', () => {
    expect(withContext(lineDiff('a\nb', 'a\nb'))).toEqual([{ op: 'skip', count: 2 }]);
  });
});
