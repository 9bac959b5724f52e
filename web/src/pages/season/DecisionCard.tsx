// One decision of the model chat: who, when, how it went, the per-coin decisions, the
// reasoning, and (on request) the prompt and raw answer of every model call behind it.
import { useId, useState } from 'react';

import { Swatch, Time } from '../../components/Values';
import { num } from '../../lib/format';
import {
  actionRows,
  callSummary,
  decisionKey,
  messageRole,
  messageText,
  outcomeTone,
  signalTone,
  type Decision,
  type LlmCall,
} from './decisions';
import { leverage, price, quantity } from './numbers';

/** `symbol`: the coin the page is filtered to; the decision's other coins are only counted. */
export function DecisionCard({ decision, color, symbol = null }: { decision: Decision; color: string; symbol?: string | null }) {
  const every = actionRows(decision.actions);
  const rows = symbol === null ? every : every.filter((row) => row.symbol === symbol);
  const hidden = every.length - rows.length;
  return (
    <article className="chat-item" data-testid="decision" data-key={decisionKey(decision)}>
      <header className="chat-head">
        <Swatch color={color} />
        <strong data-testid="decision-entry">{decision.entry}</strong>
        <span className="muted num">tick {decision.tick}</span>
        <Time ts={decision.ts} />
        <span className={`badge outcome ${outcomeTone(decision.outcome)}`} data-testid="decision-outcome">
          {decision.outcome}
        </span>
        <span className="muted num">{Math.round(decision.latency_ms).toLocaleString('en-US')} ms</span>
      </header>
      {decision.reasoning && <p className="reasoning" data-testid="decision-reasoning">{decision.reasoning}</p>}
      {every.length === 0 ? (
        <p className="muted">Held everything (no decision per coin).</p>
      ) : (
        <div className="table-wrap">
          <table className="compact" data-testid="decision-actions">
            <thead>
              <tr>
                <th>Coin</th>
                <th>Signal</th>
                <th className="num">Size</th>
                <th className="num">Lev.</th>
                <th className="num">Take profit</th>
                <th className="num">Stop loss</th>
                <th className="num">Conf.</th>
                <th>Justification</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={`${row.symbol}-${index}`}>
                  <td title={row.symbol}>{row.coin}</td>
                  <td className={signalTone(row.signal)}>{row.signal}</td>
                  <td className="num">
                    {row.quantity !== null ? quantity(row.quantity) : row.notional !== null ? `${num(row.notional)} USDT` : '—'}
                  </td>
                  <td className="num">{row.signal === 'buy_to_enter' || row.signal === 'sell_to_enter' ? leverage(row.leverage) : '—'}</td>
                  <td className="num">{price(row.takeProfit)}</td>
                  <td className="num">{price(row.stopLoss)}</td>
                  <td className="num">{row.confidence === null ? '—' : `${Math.round(row.confidence * 100)}%`}</td>
                  <td>
                    {row.justification}
                    {row.invalidation && row.invalidation !== 'none' && (
                      <div className="muted small">invalid if {row.invalidation}</div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {hidden > 0 && (
            <p className="muted small" data-testid="hidden-actions">
              and {hidden} decision{hidden > 1 ? 's' : ''} about other coins (pick all coins to see them)
            </p>
          )}
        </div>
      )}
      {decision.llm_calls.map((call, index) => (
        <CallDetails key={index} call={call} number={index + 1} count={decision.llm_calls.length} />
      ))}
    </article>
  );
}

function CallDetails({ call, number, count }: { call: LlmCall; number: number; count: number }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <div className="call" data-testid="llm-call">
      <button type="button" className="call-toggle" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'} Prompt and response{count > 1 ? ` (call ${number} of ${count})` : ''}
        <span className="muted"> · {callSummary(call)}</span>
      </button>
      {open && (
        <div id={id} className="call-body">
          {call.messages.map((message, index) => (
            <section key={index} data-testid={`prompt-${messageRole(message)}`}>
              <h4>{messageRole(message)} message</h4>
              <pre>{messageText(message)}</pre>
            </section>
          ))}
          {call.reasoning && (
            <section data-testid="model-reasoning">
              <h4>model reasoning</h4>
              <pre>{call.reasoning}</pre>
            </section>
          )}
          <section data-testid="raw-response">
            <h4>raw response</h4>
            {call.raw_response === null ? <p className="muted">No answer.</p> : <pre>{call.raw_response}</pre>}
          </section>
          {call.error && (
            <section data-testid="call-error">
              <h4>error</h4>
              <pre className="loss">{call.error}</pre>
            </section>
          )}
        </div>
      )}
    </div>
  );
}
