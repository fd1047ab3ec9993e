import type { Logger } from '@backflow/protocol/connector';
import type { SlackApi } from './slack-api.js';
import { SlackCallError } from './slack-errors.js';

/**
 * E-mail addresses to `<@U…>` mentions with users.lookupByEmail, each address looked up
 * once per run (hits and misses cached). An address with no Slack user renders as itself,
 * so the message still says who was meant.
 */
export class Mentions {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(
    private readonly api: SlackApi,
    private readonly logger: Logger,
  ) {}

  mentionOf(email: string): Promise<string> {
    const key = email.trim().toLowerCase();
    let mention = this.cache.get(key);
    if (!mention) {
      mention = this.lookUp(email.trim());
      this.cache.set(key, mention);
    }
    return mention;
  }

  private async lookUp(email: string): Promise<string> {
    try {
      const answer = await this.api.call<{ user?: { id?: string } }>('users.lookupByEmail', { email });
      return answer.user?.id ? `<@${answer.user.id}>` : email;
    } catch (error) {
      if (error instanceof SlackCallError && error.error === 'users_not_found') {
        this.logger.warn('no Slack user has the address of a mention; it is shown as text');
        return email;
      }
      throw error;
    }
  }
}
