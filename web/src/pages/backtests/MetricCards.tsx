// The twelve headline metrics as cards (signed and coloured), and the rest as a table.
import { diagnosticKeys, formatMetric, HEADLINE, metricSpec, metricTone, type MetricValue } from './metrics';

type Metrics = Record<string, MetricValue>;

export function MetricCards({ metrics }: { metrics: Metrics }) {
  return (
    <div className="bt-cards" data-testid="metric-cards">
      {HEADLINE.map((spec) => {
        const value = metrics[spec.key];
        return (
          <div key={spec.key} className="bt-card" data-testid={`metric-${spec.key}`} data-value={value ?? ''} title={spec.hint}>
            <span className="bt-card-label">{spec.label}</span>
            <span className={`bt-card-value num ${metricTone(spec.kind, value)}`}>{formatMetric(spec.kind, value)}</span>
          </div>
        );
      })}
    </div>
  );
}

export function DiagnosticsTable({ metrics }: { metrics: Metrics }) {
  const keys = diagnosticKeys(metrics);
  return (
    <table data-testid="diagnostics">
      <caption className="visually-hidden">Other metrics</caption>
      <tbody>
        {keys.map((key) => {
          const spec = metricSpec(key);
          const value = metrics[key];
          return (
            <tr key={key} data-testid={`diagnostic-${key}`}>
              <th scope="row" title={spec.hint}>
                {spec.label}
              </th>
              <td className={`num ${metricTone(spec.kind, value)}`}>{formatMetric(spec.kind, value)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
