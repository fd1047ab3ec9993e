import { Command } from 'commander';
import { EXIT_CODES, RunnerError } from '../errors.js';
import { DEFAULT_SERVE_PORT } from '../serve/serve-defaults.js';
import type { Serving } from '../serve/serve.js';

const SERVE_HELP = `
Each connection file may carry a schedule (cron with a time zone, or an interval) and alerts:
  schedule: { cron: "0 6 * * *", timezone: Europe/Paris }    # or: schedule: { every: 15m }
  alerts: { webhook_url: https://…, slack_webhook_url: https://hooks.slack.com/…, rejected_rows: 100 }
  alerts: { slack: { bot_token: "\${SLACK_BOT_TOKEN}", channel: ops-alerts } }   # a bot, via destination-slack

Environment:
  BACKFLOW_SERVE_TOKEN  bearer token required to start runs over HTTP (API and page);
                        without it the page and API are read-only

HTTP (same port):
  /                              connections, last and next runs
  /connections/<name>            run history with per-stream counts, chart of rows sent and rejected
  /connections/<name>/runs/<id>  a run: live progress, rejected and invalid rows, search, CSV
  /openapi.json                  the trigger API: list connections, start a run, poll it, fetch its rows

Exit codes:
  130  stopped by SIGTERM/SIGINT: the running syncs committed what they had sent and stopped
       (or --stop-deadline passed first: they keep their last commit); a second signal exits at once
  1    serve failed (e.g. the port is taken)
  2    invalid usage or a connection file is invalid; nothing was started`;

/** `runner serve [paths…]`: schedules, trigger API, run page and alerts for connections. */
export function serveCommand(setExit: (code: number) => void) {
  return new Command('serve')
    .description('run connections on their schedules, with a trigger API, a run page and alerts')
    .argument('[paths...]', 'connection files, or directories of them (default: the current directory)')
    .option('--port <port>', 'port to listen on (0: any free port)', (v) => Number.parseInt(v, 10), DEFAULT_SERVE_PORT)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--public-url <url>', 'address the alerts link to (default: the address served)')
    .option('--alert-webhook <url>', 'POST a JSON alert here for connections without alerts.webhook_url')
    .option('--alert-slack <url>', 'Slack incoming-webhook URL for connections without alerts.slack_webhook_url')
    .option(
      '--stop-deadline <seconds>',
      'on SIGTERM/SIGINT, longest wait for the running syncs to commit and stop',
      (v) => Number.parseFloat(v),
      60,
    )
    .addHelpText('after', SERVE_HELP)
    .action(
      async (
        paths: string[],
        options: {
          port: number;
          host: string;
          publicUrl?: string;
          alertWebhook?: string;
          alertSlack?: string;
          stopDeadline: number;
        },
      ) => {
        if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
          process.stderr.write(`error: --port must be a port number, got "${options.port}"\n`);
          return setExit(EXIT_CODES.invalid);
        }
        if (!(options.stopDeadline >= 0)) {
          process.stderr.write(`error: --stop-deadline must be a number of seconds, got "${options.stopDeadline}"\n`);
          return setExit(EXIT_CODES.invalid);
        }
        let serving: Serving;
        try {
          // serve's modules (HTTP routes, scheduler, stores) load only when it runs.
          const { startServe } = await import('../serve/serve.js');
          serving = await startServe({
            paths: paths.length > 0 ? paths : ['.'],
            host: options.host,
            port: options.port,
            ...(process.env['BACKFLOW_SERVE_TOKEN'] ? { token: process.env['BACKFLOW_SERVE_TOKEN'] } : {}),
            ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
            alerts: {
              ...(options.alertWebhook ? { webhookUrl: options.alertWebhook } : {}),
              ...(options.alertSlack ? { slackWebhookUrl: options.alertSlack } : {}),
            },
          });
        } catch (error) {
          process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
          return setExit(error instanceof RunnerError ? error.exitCode : EXIT_CODES.failed);
        }
        await new Promise<void>((resolve) => {
          let stopping = false;
          const onSignal = (signal: NodeJS.Signals) => {
            // A second signal while stopping ends at once, as for `runner sync`.
            if (stopping) process.exit(EXIT_CODES.interrupted);
            stopping = true;
            process.stderr.write(
              `${new Date().toISOString()} ${signal}: stopping; running syncs commit what they sent, then stop\n`,
            );
            // A destination that never confirms must not keep serve up: past the deadline the
            // syncs are left at their last commit, which the next run resumes from.
            setTimeout(() => {
              process.stderr.write(
                `${new Date().toISOString()} stop deadline (${options.stopDeadline}s) passed: exiting; unfinished syncs keep their last commit\n`,
              );
              process.exit(EXIT_CODES.interrupted);
            }, options.stopDeadline * 1000).unref();
            void serving.close().then(() => {
              process.off('SIGINT', onSignal);
              process.off('SIGTERM', onSignal);
              resolve();
            });
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
        });
        setExit(EXIT_CODES.interrupted);
      },
    );
}
