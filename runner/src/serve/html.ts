/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** HTML from a template: interpolated values are escaped unless wrapped in {@link raw}. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  for (const [i, value] of values.entries()) out += render(value) + strings[i + 1]!;
  return new Raw(out);
}

export class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Marks trusted markup (built by {@link html}) so it is inserted as is. */
export const raw = (text: string) => new Raw(text);

function render(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(value);
}

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1d2433; background: #f6f7f9; }
body { margin: 0 auto; max-width: 1180px; padding: 1rem 1.5rem 3rem; }
header { display: flex; align-items: baseline; gap: 1rem; border-bottom: 1px solid #d8dce3; margin-bottom: 1rem; }
header a { color: inherit; text-decoration: none; font-weight: 600; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
th, td { border-bottom: 1px solid #e3e6eb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef0f4; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.stream td { color: #5b6475; font-size: .85rem; }
tr.stream td:first-child { padding-left: 1.5rem; }
.status { display: inline-block; padding: .05rem .45rem; border-radius: .6rem; font-size: .8rem; font-weight: 600; }
.status-succeeded { background: #d9f2e3; color: #17603a; } .status-failed { background: #fbdcdc; color: #8a1c1c; }
.status-running { background: #dde8fb; color: #1c4a8a; } .status-interrupted { background: #fbefd4; color: #7a5412; }
.status-never { background: #e9ebef; color: #5b6475; }
.muted { color: #5b6475; } .error { color: #8a1c1c; white-space: pre-wrap; }
form.inline { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .5rem 0; }
input, select, button { font: inherit; padding: .25rem .5rem; }
code { font-size: .85rem; } .chart { background: #fff; border: 1px solid #e3e6eb; }
`;

/** The page around a body: no script or style from anywhere else, so it works offline. */
export function layout(title: string, body: Raw, script?: string): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Backflow</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <header><a href="/">Backflow</a><span class="muted">runner serve</span></header>
        ${body} ${script ? raw(`<script>${script}</script>`) : ''}
      </body>
    </html> `.text;
}

export function statusBadge(status: string | undefined): Raw {
  const shown = status ?? 'never';
  return html`<span class="status status-${shown}" data-status>${shown === 'never' ? 'never run' : shown}</span>`;
}
