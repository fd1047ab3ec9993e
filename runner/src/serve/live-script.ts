/**
 * The run page's only script: follows the run's server-sent events, rewrites the counts
 * table and the status, and reloads once the run ends so its rows and final counts show.
 */
export const LIVE_SCRIPT = `
(() => {
  const table = document.querySelector('[data-live]');
  if (!table) return;
  const fields = JSON.parse(table.dataset.fields);
  const body = table.querySelector('tbody');
  const cell = (text, numeric) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (numeric) td.className = 'n';
    return td;
  };
  const row = (name, counts, cls) => {
    const tr = document.createElement('tr');
    if (cls) tr.className = cls;
    tr.dataset.stream = name;
    tr.append(cell(name, false), ...fields.map((f) => {
      const td = cell(String(counts[f]), true);
      td.dataset.field = f;
      return td;
    }));
    return tr;
  };
  const events = new EventSource(table.dataset.live);
  events.addEventListener('run', (event) => {
    const run = JSON.parse(event.data);
    document.querySelectorAll('[data-status]').forEach((badge) => {
      badge.textContent = run.status;
      badge.className = 'status status-' + run.status;
    });
    const rows = Object.entries(run.streams).map(([name, counts]) => row(name, counts, 'stream'));
    body.replaceChildren(row('total', run.totals, ''), ...rows);
    const updated = document.querySelector('[data-updated]');
    if (updated) updated.textContent = 'updated ' + new Date().toLocaleTimeString();
  });
  events.addEventListener('end', () => {
    events.close();
    location.reload();
  });
})();
`;
