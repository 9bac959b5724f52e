// The account-value chart with its two toggles: return (%) or money ($), linear or log.
import { useMemo, useState } from 'react';

import { AccountValueChart, type ValueMode } from '../../components/charts/AccountValueChart';
import { Empty, ErrorState, Skeleton } from '../../components/States';
import { capitalOf, toChartLines } from './equitySeries';
import { useEquity, type Season } from './queries';

function Toggle<T extends string | boolean>({
  label, value, options, onChange,
}: {
  label: string;
  value: T;
  options: Array<{ value: T; text: string; title: string }>;
  onChange: (value: T) => void;
}) {
  return (
    <div className="toggle" role="group" aria-label={label}>
      {options.map((option) => (
        <button key={String(option.value)} type="button" aria-pressed={value === option.value} title={option.title}
          onClick={() => onChange(option.value)}>
          {option.text}
        </button>
      ))}
    </div>
  );
}

export function AccountValuePanel({ season, baselines }: { season: Season; baselines: ReadonlySet<string> }) {
  const equity = useEquity(season.id);
  const [mode, setMode] = useState<ValueMode>('pct');
  const [log, setLog] = useState(false);
  const capital = capitalOf(season);
  const lines = useMemo(
    () => (equity.data ? toChartLines(equity.data, baselines, mode, log, capital) : []),
    [equity.data, baselines, mode, log, capital],
  );
  const noTicks = lines.every((line) => line.points.length === 0);

  return (
    <section className="panel arena-chart" aria-labelledby="account-value-title">
      <div className="panel-head">
        <h2 id="account-value-title">Account value</h2>
        <div className="row">
          <Toggle label="Values" value={mode} onChange={setMode} options={[
            { value: 'pct', text: '%', title: 'Return since the start' },
            { value: 'usd', text: '$', title: 'Account value in USD' },
          ]} />
          <Toggle label="Scale" value={log} onChange={setLog} options={[
            { value: false, text: 'linear', title: 'Linear price scale' },
            { value: true, text: 'log', title: 'Logarithmic price scale' },
          ]} />
        </div>
      </div>
      {equity.isPending && <Skeleton rows={10} label="Loading the chart" />}
      {equity.error && <ErrorState error={equity.error} title="Could not load the account values" />}
      {equity.data && (
        <>
          {/* Drawn even without ticks: a season about to start fills it live. */}
          {noTicks && <Empty>No ticks yet: the lines start when the season runs.</Empty>}
          <AccountValueChart lines={lines} mode={mode} log={log} />
        </>
      )}
    </section>
  );
}
