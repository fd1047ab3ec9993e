import type { CheckResult } from '@backflow/protocol/connector';
import { whoAmI, type Connection } from './connect.js';
import { RecordRefused } from './slack-errors.js';

/**
 * auth.test proves the token; a fixed channel must exist and have the bot as a member
 * (conversations.info), the usual first-run mistake. Posts nothing.
 */
export async function checkConnection({ api, channels, settings }: Connection): Promise<CheckResult> {
  const me = await whoAmI(api);
  const who = `token accepted for ${me.user} in ${me.team}`;
  if (settings.fixedChannel === undefined) return { ok: true, message: `${who}; the channel comes from each record` };
  try {
    const id = await channels.idOf(settings.fixedChannel);
    const info = await api.call<{ channel?: { is_member?: boolean; is_archived?: boolean; name?: string } }>(
      'conversations.info',
      { channel: id },
    );
    if (info.channel?.is_archived) return { ok: false, message: `config.channel: #${info.channel.name} is archived` };
    if (info.channel?.is_member === false) {
      return {
        ok: false,
        message: `config.channel: the bot is not in #${info.channel.name} (not_in_channel): invite it with /invite @${me.user}`,
      };
    }
    return { ok: true, message: `${who}; posting to #${info.channel?.name ?? id}` };
  } catch (error) {
    if (error instanceof RecordRefused) return { ok: false, message: `config.channel: ${error.message}` };
    throw error;
  }
}
