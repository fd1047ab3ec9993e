import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadedConnection } from '../connection/load-connection.js';
import type { RunRecord } from './store-access.js';
import type { StreamCounts } from '../report/events.js';
import type { SyncSummary } from '../sync/run-sync.js';
import type { Clock } from './clock.js';
import { formatDuration, parseDuration } from './duration.js';
import type { Schedule } from './schedule.js';
import { SlackAlerts, type SlackTarget } from './slack-alerts.js';

export type AlertKind = 'failed' | 'rejected' | 'late';

/** One alert, as the webhook receives it (JSON). */
export interface Alert {
  readonly alert: AlertKind;
  readonly connection: string;
  readonly run?: number;
  /** The page of the run (or of the connection, for `late`). */
  readonly link: string;
  readonly message: string;
  /** The first reasons: the error, or the first rejected and invalid rows with their keys. */
  readonly reasons: string[];
  readonly at: string;
}

/** Where alerts go when the connection file names no target of its own (serve options). */
export interface AlertDefaults {
  readonly webhookUrl?: string;
  readonly slackWebhookUrl?: string;
}

/**
 * The open incidents, kept in the connection's store: a restart, or another serve process
 * sharing the store, sees an incident already alerted on.
 */
export interface IncidentLog {
  /** Opens an incident; true for the one caller that opened it. */
  claim(connection: string, kind: AlertKind): Promise<boolean>;
  close(connection: string, kind: AlertKind): Promise<void>;
}

interface Policy {
  readonly webhooks: string[];
  readonly slack: string[];
  readonly slackBots: SlackTarget[];
  readonly rejectedRows?: number;
  readonly rejectedShare?: number;
  readonly lateAfterMs?: number;
}

const REASONS = 5;
const ATTEMPTS = 3;

/**
 * Decides when to alert and sends the messages. An incident (a connection failing, rejecting
 * too much, or late) alerts once when it opens and stays quiet while it lasts, retries and
 * restarts included; a run that clears it closes it. Incidents live in the store, so serve
 * processes sharing one alert once between them.
 */
export class Alerter {
  private readonly policies = new Map<string, Policy>();
  private readonly lateTimers = new Map<string, () => void>();
  /** The newest successful run known per connection, to tell a success of another process. */
  private readonly lastSuccess = new Map<string, number>();
  private readonly delivering = new Set<Promise<void>>();
  private readonly slackBots = new SlackAlerts();

  constructor(
    private readonly clock: Clock,
    private readonly defaults: AlertDefaults,
    private readonly links: { run(connection: string, run: number): string; connection(connection: string): string },
    private readonly log: (line: string) => void,
    /** The connection's newest runs in the store, newest first, whichever process ran them. */
    private readonly recentRuns: (connection: string) => Promise<RunRecord[]>,
    private readonly incidents: IncidentLog,
  ) {}

  /** Starts watching a connection; `recent` are its last runs, newest first. */
  watch(connection: LoadedConnection, schedule: Schedule | undefined, recent: readonly RunRecord[]): void {
    const policy = policyOf(connection, schedule, this.defaults, this.clock.now());
    this.policies.set(connection.name, policy);
    const success = recent.find((run) => run.status === 'succeeded');
    if (success) this.lastSuccess.set(connection.name, success.id);
    this.armLate(connection.name, success?.finishedAt ? Date.parse(success.finishedAt) : this.clock.now());
  }

  /** Alerts on a finished run that opens an incident; closes the incidents it clears. */
  runFinished(connection: string, summary: SyncSummary): Promise<void> {
    return this.track(this.finished(connection, summary));
  }

  private async finished(connection: string, summary: SyncSummary): Promise<void> {
    const policy = this.policies.get(connection);
    if (!policy || summary.status === 'interrupted') return;
    const link =
      summary.run === undefined ? this.links.connection(connection) : this.links.run(connection, summary.run);
    const sends: Promise<void>[] = [];
    if (summary.status === 'failed') {
      if (await this.opens(connection, 'failed'))
        sends.push(
          this.send(policy, {
            alert: 'failed',
            connection,
            ...(summary.run === undefined ? {} : { run: summary.run }),
            link,
            message: `${connection}: run ${summary.run ?? ''} failed (exit ${summary.exitCode})`,
            reasons: summary.error ? [summary.error.message] : [],
            at: new Date(this.clock.now()).toISOString(),
          }),
        );
      return void (await Promise.all(sends));
    }
    const closing = [this.closes(connection, 'failed'), this.closes(connection, 'late')];
    const totals = summary.totals;
    if (overThreshold(totals, policy)) {
      if (await this.opens(connection, 'rejected')) {
        const reasons = [
          ...summary.rejections.map((r) => `${r.stream} ${JSON.stringify(r.key)}: ${r.reason}`),
          ...summary.invalid.map((r) => `${r.stream} ${JSON.stringify(r.key)} (invalid): ${r.reason}`),
        ].slice(0, REASONS);
        sends.push(
          this.send(policy, {
            alert: 'rejected',
            connection,
            ...(summary.run === undefined ? {} : { run: summary.run }),
            link,
            message: `${connection}: run ${summary.run ?? ''} left ${totals.rejected} row(s) rejected and ${totals.invalid} invalid of ${totals.read} read`,
            reasons,
            at: new Date(this.clock.now()).toISOString(),
          }),
        );
      }
    } else {
      closing.push(this.closes(connection, 'rejected'));
    }
    if (summary.run !== undefined) this.lastSuccess.set(connection, summary.run);
    this.armLate(connection, this.clock.now());
    await Promise.all([...sends, ...closing]);
  }

  /** Stops the lateness timers and waits for the alerts still being delivered. */
  async stop(): Promise<void> {
    for (const cancel of this.lateTimers.values()) cancel();
    this.lateTimers.clear();
    await Promise.all([...this.delivering]);
  }

  private armLate(connection: string, since: number): void {
    this.lateTimers.get(connection)?.();
    const policy = this.policies.get(connection);
    if (!policy?.lateAfterMs) return;
    const lateAfter = policy.lateAfterMs;
    this.lateTimers.set(
      connection,
      this.clock.at(since + lateAfter, () => void this.track(this.checkLate(connection, policy, since, lateAfter))),
    );
  }

  /** Alerts that the connection is late — unless another process sharing the store ran it successfully meanwhile. */
  private async checkLate(connection: string, policy: Policy, since: number, lateAfter: number): Promise<void> {
    const recent = await this.recentRuns(connection).catch((): RunRecord[] => []);
    const latest = recent.find((run) => run.status === 'succeeded');
    if (latest && latest.id > (this.lastSuccess.get(connection) ?? 0)) {
      this.lastSuccess.set(connection, latest.id);
      this.armLate(connection, latest.finishedAt ? Date.parse(latest.finishedAt) : this.clock.now());
      return;
    }
    if (!(await this.opens(connection, 'late'))) return;
    await this.send(policy, {
      alert: 'late',
      connection,
      link: this.links.connection(connection),
      message: `${connection}: no successful run for ${formatDuration(this.clock.now() - since)} (allowed ${formatDuration(lateAfter)})`,
      // Why the runs since failed: the newest failures first.
      reasons: recent
        .filter((run) => run.status === 'failed' && run.error)
        .slice(0, REASONS)
        .map((run) => `run ${run.id} failed: ${run.error}`),
      at: new Date(this.clock.now()).toISOString(),
    });
  }

  /**
   * Opens an incident; false when it is already open (then nothing is sent). With the store
   * out of reach it alerts anyway: a repeated alert is better than a missed one.
   */
  private async opens(connection: string, kind: AlertKind): Promise<boolean> {
    try {
      return await this.incidents.claim(connection, kind);
    } catch (error) {
      this.log(`${connection}: cannot record the ${kind} incident: ${(error as Error).message}`);
      return true;
    }
  }

  private async closes(connection: string, kind: AlertKind): Promise<void> {
    await this.incidents
      .close(connection, kind)
      .catch((error: unknown) =>
        this.log(`${connection}: cannot close the ${kind} incident: ${(error as Error).message}`),
      );
  }

  private send(policy: Policy, alert: Alert): Promise<void> {
    this.log(`alert ${alert.alert} for ${alert.connection}: ${alert.message}`);
    const slackText = [`*${alert.message}*`, ...alert.reasons.map((r) => `• ${r}`), `<${alert.link}|Open in Backflow>`];
    return this.track(
      Promise.all([
        ...policy.webhooks.map((url) => this.post(url, alert)),
        ...policy.slack.map((url) => this.post(url, { text: slackText.join('\n') })),
        ...policy.slackBots.map((target) =>
          this.slackBots
            .post(target, slackText.join('\n'))
            .catch((error: unknown) =>
              this.log(`alert to Slack channel ${target.channel} not delivered: ${(error as Error).message}`),
            ),
        ),
      ]).then(() => undefined),
    );
  }

  /** Keeps `work` until it settles, so `stop` can wait for it. */
  private track(work: Promise<void>): Promise<void> {
    this.delivering.add(work);
    return work.finally(() => this.delivering.delete(work));
  }

  /** POSTs JSON; retries a server error or an unreachable receiver twice, then logs and gives up. */
  private async post(url: string, body: object): Promise<void> {
    const where = new URL(url).host;
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.ok) return;
        problem = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) attempt = ATTEMPTS;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      if (attempt >= ATTEMPTS) return this.log(`alert to ${where} not delivered: ${problem}`);
      await sleep(1000 * attempt);
    }
  }
}

function policyOf(
  connection: LoadedConnection,
  schedule: Schedule | undefined,
  defaults: AlertDefaults,
  now: number,
): Policy {
  const alerts = connection.alerts ?? {};
  const webhooks = [alerts.webhook_url ?? defaults.webhookUrl].filter((url): url is string => !!url);
  const slack = [alerts.slack_webhook_url ?? defaults.slackWebhookUrl].filter((url): url is string => !!url);
  let lateAfterMs = alerts.late_after ? parseDuration(alerts.late_after) : undefined;
  if (lateAfterMs === undefined && schedule) {
    // Two scheduled intervals without a success.
    const first = schedule.next(now);
    lateAfterMs = 2 * (schedule.next(first) - first);
  }
  const counted = alerts.rejected_rows ?? (alerts.rejected_share === undefined ? 1 : undefined);
  const slackBots = alerts.slack
    ? [
        {
          botToken: alerts.slack.bot_token,
          channel: alerts.slack.channel,
          ...(alerts.slack.slack_api_url ? { apiUrl: alerts.slack.slack_api_url } : {}),
        },
      ]
    : [];
  return {
    webhooks,
    slack,
    slackBots,
    ...(counted === undefined ? {} : { rejectedRows: counted }),
    ...(alerts.rejected_share === undefined ? {} : { rejectedShare: alerts.rejected_share }),
    ...(lateAfterMs === undefined ? {} : { lateAfterMs }),
  };
}

function overThreshold(totals: StreamCounts, policy: Policy): boolean {
  const bad = totals.rejected + totals.invalid;
  if (bad === 0) return false;
  if (policy.rejectedRows !== undefined && bad >= policy.rejectedRows) return true;
  return policy.rejectedShare !== undefined && totals.read > 0 && bad / totals.read >= policy.rejectedShare;
}
