import { ProbeRecord } from './probe';
import { RelativeWindow } from './summary';

/** One run to chart. */
export interface HtmlReportRun {
  readonly title: string;
  /** The primary's server name; its responses are drawn in blue, the others' in green. */
  readonly primary: string;
  readonly records: readonly ProbeRecord[];
  readonly windows: readonly RelativeWindow[];
  /** Key figures shown under the title. */
  readonly figures: Record<string, string | number | boolean>;
}

const W = 900;
const H = 220;
const PAD = { left: 56, right: 12, top: 10, bottom: 28 };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Latency (log scale) over time, one dot per request, red for failures, update windows shaded. */
function chart(run: HtmlReportRun): string {
  const end = Math.max(1, ...run.records.map((r) => r.at + r.latencyMs), ...run.windows.map((w) => w.endMs));
  const maxLatency = Math.max(10, ...run.records.map((r) => r.latencyMs));
  const x = (ms: number) => PAD.left + (ms / end) * (W - PAD.left - PAD.right);
  const logMax = Math.log10(maxLatency * 3); // headroom, so the slowest dots are not clipped
  const y = (ms: number) => H - PAD.bottom - (Math.log10(Math.max(0.1, ms) * 10) / (logMax + 1)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [];
  for (const [i, w] of run.windows.entries()) {
    // Alternate shades and a left edge, so back-to-back windows read as two.
    parts.push(
      `<rect x="${x(w.startMs).toFixed(1)}" y="${PAD.top}" width="${(x(w.endMs) - x(w.startMs)).toFixed(1)}" height="${H - PAD.top - PAD.bottom}" fill="${i % 2 === 0 ? '#fde68a' : '#fed7aa'}" opacity="0.5"><title>${escapeHtml(w.host)} update</title></rect>`,
    );
    parts.push(
      `<line x1="${x(w.startMs).toFixed(1)}" x2="${x(w.startMs).toFixed(1)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#b45309" stroke-dasharray="3,3"/>`,
    );
    parts.push(`<text x="${(x(w.startMs) + 4).toFixed(1)}" y="${PAD.top + 12}" font-size="11" fill="#92400e">${escapeHtml(w.host)} update</text>`);
  }
  for (const ms of [1, 10, 100, 1000, 10000].filter((v) => v <= maxLatency * 3)) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(ms).toFixed(1)}" y2="${y(ms).toFixed(1)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${(y(ms) + 4).toFixed(1)}" font-size="10" text-anchor="end">${ms} ms</text>`);
  }
  for (let s = 0; s <= end / 1000; s += Math.max(1, Math.round(end / 10_000))) {
    parts.push(`<text x="${x(s * 1000).toFixed(1)}" y="${H - 8}" font-size="10" text-anchor="middle">${s}s</text>`);
  }
  for (const r of run.records) {
    const ok = r.status >= 200 && r.status <= 299;
    const label = `${(r.at / 1000).toFixed(2)}s ${r.kind} ${r.status || r.error} ${r.latencyMs.toFixed(1)} ms ${r.server ?? ''}`;
    parts.push(
      `<circle cx="${x(r.at).toFixed(1)}" cy="${y(r.latencyMs).toFixed(1)}" r="${ok ? 1.6 : 3.5}" fill="${ok ? (r.server === run.primary ? '#2563eb' : '#16a34a') : '#dc2626'}"><title>${escapeHtml(label)}</title></circle>`,
    );
  }
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="latency over time">${parts.join('')}</svg>`;
}

/** A self-contained HTML page (inline SVG, no scripts or external assets) charting each run. */
export function renderHtmlReport(title: string, runs: readonly HtmlReportRun[]): string {
  const sections = runs.map((run) => {
    const figures = Object.entries(run.figures)
      .map(([k, v]) => `<span><b>${escapeHtml(k)}</b> ${escapeHtml(String(v))}</span>`)
      .join(' · ');
    return `<section><h2>${escapeHtml(run.title)}</h2><p class="figures">${figures}</p>${chart(run)}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px;color:#111}h2{font-size:1.05rem;margin:1.6rem 0 .3rem}.figures{font-size:.85rem;color:#374151}svg{border:1px solid #e5e7eb;background:#fff}.legend{font-size:.85rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
<p class="legend">Each dot is one request: latency (log scale) against time since the probe started. <span style="color:#2563eb">●</span> answered by the primary, <span style="color:#16a34a">●</span> by the secondary, <span style="color:#dc2626">●</span> failed (non-2xx or transport error). Shaded: a host's update window.</p>
${sections.join('\n')}
</body></html>
`;
}
