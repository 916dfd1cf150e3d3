/**
 * A time chart (uPlot, bundled at build time: no CDN), in UTC, sized to its container. Null values
 * are drawn as gaps, never bridged: a gap in the index is a tick the oracle did not sign.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  readonly label: string;
  readonly stroke: string;
  /** Draw points only, no line (payments). */
  readonly pointsOnly?: boolean;
}

export interface TimeChart {
  /** `data[0]` is x in seconds; one array per series after it. */
  setData(data: uPlot.AlignedData): void;
}

/** A chart in `container`; `format` writes a y value for the axis and the legend. */
export function timeChart(
  container: HTMLElement,
  o: { series: readonly ChartSeries[]; format: (v: number) => string; height?: number },
): TimeChart {
  const axis = { stroke: '#1f2937', grid: { stroke: '#e5e7eb', width: 1 }, ticks: { stroke: '#d1d5db' } };
  const options: uPlot.Options = {
    width: Math.max(320, container.clientWidth),
    height: o.height ?? 280,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    // 24-hour UTC times and ISO dates, as everywhere else on the pages (uPlot's defaults are US style).
    fmtDate: (tpl) =>
      uPlot.fmtDate(
        tpl
          .replace('{h}:{mm}:{ss}{aa}', '{HH}:{mm}:{ss}')
          .replace('{h}:{mm}{aa}', '{HH}:{mm}')
          .replace('{h}{aa}', '{HH}:00')
          .replace('{M}/{D}/{YY}', '{YYYY}-{MM}-{DD}')
          .replace('{M}/{D}', '{MM}-{DD}'),
      ),
    scales: { x: { time: true } },
    series: [
      { label: 'Time (UTC)' },
      ...o.series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 2,
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : o.format(v)),
        ...(s.pointsOnly === true
          ? { paths: () => null, points: { show: true, size: 8, fill: s.stroke } }
          : { points: { show: false } }),
      })),
    ],
    axes: [axis, { ...axis, size: 90, values: (_u, values) => values.map((v) => o.format(v)) }],
  };
  const plot = new uPlot(options, [[], ...o.series.map(() => [])], container);
  new ResizeObserver(() =>
    plot.setSize({ width: Math.max(320, container.clientWidth), height: options.height }),
  ).observe(container);
  return { setData: (data) => plot.setData(data) };
}
