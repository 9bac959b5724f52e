// Two versions of a prompt as one line diff: removed lines marked − in red, added lines + in
// green, unchanged lines plain (folded away from the changes unless asked), both line numbers.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';

import { ErrorState, Skeleton } from '../../components/States';
import { promptVersionQuery } from './agentQueries';
import { diffStats, lineDiff, withContext, type Hunk } from './lineDiff';

const MARK = { same: ' ', added: '+', removed: '−' } as const;

function Row({ hunk }: { hunk: Hunk }) {
  if (hunk.op === 'skip') {
    return (
      <div role="row" className="diff-line skip">
        <span role="cell" className="ln" />
        <span role="cell" className="ln" />
        <span role="cell" className="mark" />
        <span role="cell" className="muted">
          ⋯ {hunk.count} unchanged line(s)
        </span>
      </div>
    );
  }
  return (
    <div role="row" className={`diff-line ${hunk.op}`} data-testid={hunk.op === 'same' ? undefined : `diff-${hunk.op}`}>
      <span className="ln" role="cell">
        {hunk.oldLine ?? ''}
      </span>
      <span className="ln" role="cell">
        {hunk.newLine ?? ''}
      </span>
      <span className="mark" role="cell" aria-label={hunk.op}>
        {MARK[hunk.op]}
      </span>
      <span role="cell">{hunk.text || ' '}</span>
    </div>
  );
}

export function PromptDiff({ name, from, to }: { name: string; from: number; to: number }) {
  const [all, setAll] = useState(false);
  const before = useQuery(promptVersionQuery(name, from));
  const after = useQuery(promptVersionQuery(name, to));
  const lines = useMemo(
    () => (before.data && after.data ? lineDiff(before.data.template, after.data.template) : null),
    [before.data, after.data],
  );
  if (before.error || after.error) return <ErrorState error={before.error ?? after.error} />;
  if (!lines) return <Skeleton rows={8} label="Loading both versions" />;
  const stats = diffStats(lines);
  const shown: Hunk[] = all ? lines : withContext(lines, 3);
  return (
    <div data-testid="prompt-diff">
      <div className="row small">
        <span>
          v{from} → v{to}: <span className="gain num">+{stats.added}</span> <span className="loss num">−{stats.removed}</span> line(s)
          {stats.added + stats.removed === 0 && <span className="muted"> — the templates are the same</span>}
        </span>
        <label className="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          Show unchanged lines
        </label>
      </div>
      <div className="diff" role="table" aria-label={`Changes from version ${from} to version ${to}`}>
        {shown.map((hunk, index) => (
          <Row key={index} hunk={hunk} />
        ))}
      </div>
    </div>
  );
}
