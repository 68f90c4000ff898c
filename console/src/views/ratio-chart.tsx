import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SpikeFacts } from '../incidents';
import type { RatioPoint } from '../ratio-windows';

export interface RatioChartProps {
  readonly spike: SpikeFacts;
  readonly points: readonly RatioPoint[];
}

const percent = (ratio: number | null | undefined): string =>
  ratio === null || ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)}%`;

/**
 * The cancellation ratio of the incident's scope per 5-minute window, against the baseline the detector learnt,
 * with the window the detector alarmed on shaded (uPlot: a canvas chart of a few kilobytes).
 */
export function RatioChart({ spike, points }: RatioChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [
    points.map((p) => p.time),
    points.map((p) => (p.ratio === null ? null : p.ratio * 100)),
    points.map(() => spike.baselineRatio * 100),
  ];

  useEffect(() => {
    if (host.current === null) return undefined;
    const alarmed = [Date.parse(spike.window.start) / 1000, Date.parse(spike.window.end) / 1000] as const;
    const shadeAlarmWindow = (u: uPlot) => {
      const left = u.valToPos(alarmed[0], 'x', true);
      const right = u.valToPos(alarmed[1], 'x', true);
      u.ctx.save();
      u.ctx.fillStyle = 'rgba(220, 38, 38, 0.08)';
      u.ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
      u.ctx.restore();
    };
    plot.current = new uPlot(
      {
        width: Math.max(320, host.current.clientWidth),
        height: 220,
        // Event time is UTC throughout the platform (the timeline prints UTC too).
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, Math.ceil(max))] } },
        axes: [{}, { label: 'cancelled / placed (%)', size: 60 }],
        series: [
          {},
          {
            label: `${spike.scope.type} ${spike.scope.id}`,
            stroke: '#dc2626',
            width: 2,
            points: { show: true, size: 4 },
            value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)}%`),
          },
          {
            label: 'baseline',
            stroke: '#2563eb',
            dash: [6, 4],
            value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)}%`),
          },
        ],
        hooks: { drawClear: [shadeAlarmWindow] },
      },
      data,
      host.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // A new chart per incident; data changes are pushed with setData below.
  }, [spike]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="ratio" data-testid="ratio-chart">
      <div ref={host} />
      <figcaption>
        Alarmed at {percent(spike.observedRatio)} against a baseline of {percent(spike.baselineRatio)} (
        {spike.window.start.slice(11, 16)}–{spike.window.end.slice(11, 16)} UTC, shaded). Counted from the
        orders on the bus, per 5 minutes.
      </figcaption>
    </figure>
  );
}
