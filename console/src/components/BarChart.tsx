/**
 * A horizontal bar chart in plain SVG: one bar per label, an optional limit
 * line (the 1 % error rate), and the figures as text so that it reads
 * without colour. Its table twin is in the view for screen readers.
 */
export interface Bar {
  label: string;
  value: number;
}

const WIDTH = 560;
const ROW = 22;
const LABEL = 170;
const VALUE = 70;

export function BarChart({
  title,
  bars,
  format,
  limit,
}: {
  title: string;
  bars: Bar[];
  format: (v: number) => string;
  limit?: number;
}) {
  const max = Math.max(limit ?? 0, ...bars.map((b) => b.value), Number.EPSILON);
  const plot = WIDTH - LABEL - VALUE;
  const height = Math.max(bars.length, 1) * ROW + 8;
  const x = (v: number) => LABEL + (v / max) * plot;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={title} width="100%">
        {bars.map((b, i) => {
          const y = i * ROW + 4;
          const over = limit !== undefined && b.value > limit;
          return (
            <g key={b.label}>
              <text x={LABEL - 6} y={y + 14} textAnchor="end" className="chart-label">
                {b.label}
              </text>
              <rect
                x={LABEL}
                y={y + 3}
                width={Math.max(x(b.value) - LABEL, b.value > 0 ? 2 : 0)}
                height={ROW - 8}
                className={over ? "bar bar-over" : "bar"}
              />
              <text x={x(b.value) + 4} y={y + 14} className="chart-value">
                {format(b.value)}
              </text>
            </g>
          );
        })}
        {limit !== undefined ? (
          <line x1={x(limit)} x2={x(limit)} y1={0} y2={height} className="chart-limit" />
        ) : null}
      </svg>
    </figure>
  );
}
