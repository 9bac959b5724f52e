// Two swept parameters as a grid of cells, each printing the ranking metric of that pair and
// shaded from worst to best (the printed value and rank carry the meaning, not the colour).
import { buildHeatmap, heatLevel, type SweepResult } from './heatmap';
import { formatMetric, LOWER_IS_BETTER, metricSpec } from './metrics';

export function Heatmap({
  results,
  axes,
  x,
  y,
  metric,
}: {
  results: readonly SweepResult[];
  axes: Record<string, string[]>;
  x: string;
  y: string | null;
  metric: string;
}) {
  const map = buildHeatmap(results, axes, x, y, metric);
  const spec = metricSpec(metric);
  const lower = LOWER_IS_BETTER.has(metric);
  const aggregated = Object.keys(axes).length > (y === null ? 1 : 2);
  return (
    <figure className="bt-heatmap-figure" data-testid="heatmap">
      <figcaption className="muted">
        {spec.label} by {x}
        {y ? ` (across) and ${y} (down)` : ''}; darker is better{lower ? ' (lower is better here)' : ''}
        {aggregated ? '; each cell shows the best combination of the other parameters' : ''}.
      </figcaption>
      <div className="bt-heatmap" role="table" aria-label={`${spec.label} by ${x}${y ? ` and ${y}` : ''}`} style={{ gridTemplateColumns: `auto repeat(${map.xs.length}, minmax(64px, 1fr))` }}>
        <div role="row" className="bt-heat-row">
          <span role="columnheader" className="bt-heat-corner">
            {y ?? ''} ↓ {x} →
          </span>
          {map.xs.map((value) => (
            <span key={value} role="columnheader" className="bt-heat-head num">
              {value}
            </span>
          ))}
        </div>
        {map.rows.map((row, index) => (
          <div role="row" key={map.ys[index]} className="bt-heat-row">
            <span role="rowheader" className="bt-heat-head num">
              {map.ys[index] || '—'}
            </span>
            {row.map((cell) => {
              const level = heatLevel(cell.value, map.min, map.max, lower);
              return (
                <span
                  key={`${cell.x}-${cell.y}`}
                  role="cell"
                  className={`bt-heat-cell num${level === null ? ' empty-cell' : ''}`}
                  style={level === null ? undefined : { background: `color-mix(in srgb, var(--accent) ${Math.round(8 + level * 72)}%, var(--panel))`, color: level > 0.55 ? '#fff' : undefined }}
                  title={cell.rank === null ? 'no valid combination' : `rank ${cell.rank}`}
                  data-testid="heat-cell"
                  data-value={cell.value ?? ''}
                >
                  {cell.rank === null ? '—' : formatMetric(spec.kind, cell.value)}
                  {cell.rank !== null && <small>#{cell.rank}</small>}
                </span>
              );
            })}
          </div>
        ))}
      </div>
    </figure>
  );
}
