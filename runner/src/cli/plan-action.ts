import { plan, type PlanSummary } from '../sync/plan-sync.js';
import { describeChange } from '../sync/target-changes.js';
import { interruptibleRun, type RunCommandOptions } from './interruptible-run.js';

export interface PlanCommandOptions extends RunCommandOptions {
  samples: number;
}

/** Runs `runner plan <file>` and prints the plan; returns the exit code. */
export async function runPlanCommand(file: string, options: PlanCommandOptions): Promise<number> {
  return interruptibleRun(options, async (shared) => {
    const summary = await plan(file, { ...shared, samples: options.samples });
    shared.reporter.emit({ type: 'finished', status: summary.status, durationMs: 0 });
    process.stdout.write(options.json ? JSON.stringify(summary) + '\n' : formatPlan(summary));
    return summary.exitCode;
  });
}

function formatPlan(summary: PlanSummary): string {
  const out = [`plan ${summary.connection}: ${summary.status}`];
  for (const [stream, p] of Object.entries(summary.streams)) {
    const c = p.counts;
    out.push(
      '',
      `${stream} (${p.behaviour}): ${p.creates} to create, ${p.updates} to update, ${p.deletes} to delete`,
      ...(p.targetChanged ? [`  ${describeChange(p.targetChanged)}`] : []),
      `  read ${c.read}: ${c.added} added, ${c.changed} changed, ${c.unchanged} unchanged, ${c.removed} removed, ${c.invalid} invalid` +
        (p.stillRejected > 0 ? `; ${p.stillRejected} still refused by the destination (not resent)` : ''),
    );
    for (const kind of ['creates', 'updates', 'deletes', 'invalid'] as const) {
      for (const row of p.samples[kind]) {
        out.push(`  ${kind.padEnd(7)} ${JSON.stringify(row.key)} ${row.reason ?? JSON.stringify(row.data)}`);
      }
    }
  }
  if (summary.error) out.push('', `error: ${summary.error.message}`);
  return out.join('\n') + '\n';
}
