import type { SlackPoster } from '@backflow/destination-slack';

/** A channel to post alerts into with a bot token (a connection's `alerts.slack`). */
export interface SlackTarget {
  readonly botToken: string;
  readonly channel: string;
  readonly apiUrl?: string;
}

/**
 * Posts alerts with the Slack destination's client, one poster per token and API address so
 * its pacing holds across alerts. The destination is an optional peer of the runner: it is
 * loaded on the first Slack alert, and its absence is said then.
 */
export class SlackAlerts {
  private readonly posters = new Map<string, Promise<SlackPoster>>();

  async post(target: SlackTarget, text: string): Promise<void> {
    const key = `${target.apiUrl ?? ''} ${target.botToken}`;
    let poster = this.posters.get(key);
    if (!poster) this.posters.set(key, (poster = createPoster(target)));
    await (await poster).post(target.channel, text);
  }
}

async function createPoster(target: SlackTarget): Promise<SlackPoster> {
  let slack: typeof import('@backflow/destination-slack');
  try {
    slack = await import('@backflow/destination-slack');
  } catch {
    throw new Error('alerts.slack needs @backflow/destination-slack installed next to the runner');
  }
  return slack.createSlackPoster({ token: target.botToken, ...(target.apiUrl ? { apiUrl: target.apiUrl } : {}) });
}
