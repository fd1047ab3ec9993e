import { html, type Raw } from './html.js';

export interface ChartPoint {
  readonly run: number;
  readonly startedAt: string;
  readonly sent: number;
  /** Rejected and invalid rows. */
  readonly rejected: number;
  readonly link: string;
}

const WIDTH = 760;
const HEIGHT = 220;
const PAD = { left: 56, right: 12, top: 28, bottom: 40 };

/**
 * Rows sent and rejected per run, oldest on the left, as inline SVG rendered on the server:
 * each pair of bars links to its run and says its numbers on hover.
 */
export function runChart(points: readonly ChartPoint[]): Raw {
  if (points.length === 0) return html`<p class="muted">No finished runs to chart yet.</p>`;
  const max = Math.max(1, ...points.map((p) => Math.max(p.sent, p.rejected)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / points.length;
  const bar = Math.max(1, Math.min(18, slot / 2 - 2));
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const groups = points.map((p, i) => {
    const x = PAD.left + i * slot + slot / 2 - bar;
    const label = `run ${p.run}, ${p.startedAt.replace('T', ' ').slice(0, 19)} UTC: ${p.sent} sent, ${p.rejected} rejected or invalid`;
    return html`<a href="${p.link}"
      ><g class="run" data-run="${p.run}"
        ><title>${label}</title>
        <rect
          x="${x.toFixed(1)}"
          y="${y(p.sent).toFixed(1)}"
          width="${bar.toFixed(1)}"
          height="${(PAD.top + plotHeight - y(p.sent)).toFixed(1)}"
          fill="#3b6fd4" />
        <rect
          x="${(x + bar).toFixed(1)}"
          y="${y(p.rejected).toFixed(1)}"
          width="${bar.toFixed(1)}"
          height="${(PAD.top + plotHeight - y(p.rejected)).toFixed(1)}"
          fill="#d44b3b" /></g
    ></a>`;
  });
  const first = points[0]!;
  const last = points.at(-1)!;
  const day = (iso: string) => iso.replace('T', ' ').slice(0, 16);
  return html`<svg
    class="chart"
    role="img"
    aria-label="Rows sent and rejected per run"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    width="${WIDTH}"
    height="${HEIGHT}"
    xmlns="http://www.w3.org/2000/svg"
    font-size="11"
    font-family="system-ui, sans-serif"
  >
    <rect x="${PAD.left}" y="12" width="10" height="10" fill="#3b6fd4" />
    <text x="${PAD.left + 14}" y="21">sent</text>
    <rect x="${PAD.left + 60}" y="12" width="10" height="10" fill="#d44b3b" />
    <text x="${PAD.left + 74}" y="21">rejected + invalid</text>
    <line
      x1="${PAD.left}"
      y1="${PAD.top + plotHeight}"
      x2="${WIDTH - PAD.right}"
      y2="${PAD.top + plotHeight}"
      stroke="#8a93a3"
    />
    <line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotHeight}" stroke="#8a93a3" />
    <text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max.toLocaleString('en-US')}</text>
    <text x="${PAD.left - 6}" y="${PAD.top + plotHeight}" text-anchor="end">0</text>
    ${groups}
    <text x="${PAD.left}" y="${HEIGHT - 20}">run ${first.run} · ${day(first.startedAt)}</text>
    ${points.length > 1 ? html`<text x="${WIDTH - PAD.right}" y="${HEIGHT - 20}" text-anchor="end">run ${last.run} · ${day(last.startedAt)}</text>` : ''}
  </svg>`;
}
