// An LLM agent's recent model calls: what was sent, what came back, its cost; newest first.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { QueryView } from '../../components/States';
import { Time } from '../../components/Values';
import { num } from '../../lib/format';
import { llmCallsQuery } from './agentQueries';

const PAGE = 20;

export function LlmCalls({ name }: { name: string }) {
  const [limit, setLimit] = useState(PAGE);
  const calls = useQuery(llmCallsQuery(name, limit));
  return (
    <div data-testid="llm-calls">
      <QueryView
        query={calls}
        rows={3}
        isEmpty={(page) => page.items.length === 0}
        empty={<>No model calls yet: {name} calls its model once it plays in a season.</>}
      >
        {(page) => (
          <>
            <p className="muted small">
              {page.total.toLocaleString('en-US')} call(s); the newest {page.items.length} shown.
            </p>
            {page.items.map((call) => (
              <details key={`${call.ts}-${call.request_hash}`} className="llm-call" data-testid="llm-call">
                <summary>
                  <Time ts={call.ts} /> · {call.provider}/{call.model} · {call.input_tokens.toLocaleString('en-US')} in /{' '}
                  {call.output_tokens.toLocaleString('en-US')} out · {num(call.latency_ms, 0)} ms ·{' '}
                  {call.cost_usd === null ? 'cost unknown' : `$${num(call.cost_usd, 5)}`}
                  {call.cached && <span className="badge">cached</span>}
                  {call.error && <span className="loss"> · error</span>}
                </summary>
                {call.error && <p className="loss">{call.error}</p>}
                {call.reasoning && (
                  <>
                    <h4>Reasoning</h4>
                    <pre>{call.reasoning}</pre>
                  </>
                )}
                <h4>Answer</h4>
                <pre>{call.raw_response ?? '—'}</pre>
                <h4>Prompt</h4>
                {call.messages.map((message, index) => (
                  <pre key={index}>
                    <strong>{String(message.role ?? '')}:</strong> {String(message.content ?? '')}
                  </pre>
                ))}
              </details>
            ))}
            {page.total > page.items.length && (
              <button type="button" onClick={() => setLimit((n) => n + PAGE)}>
                Show {PAGE} more
              </button>
            )}
          </>
        )}
      </QueryView>
    </div>
  );
}
