export { MAX_BLOCKS, MAX_SECTION_TEXT, blocksProblem } from './blocks.js';
export { POSTS_PER_SECOND_PER_CHANNEL, TIER_PER_MINUTE } from './rate-limits.js';
export {
  MAX_TEXT,
  startSlackFake,
  type SlackCall,
  type SlackFailure,
  type SlackFake,
  type SlackFakeOptions,
} from './server.js';
export { BOT_ID, BOT_USER_ID, TEAM_ID, type FakeChannel, type FakeUser, type StoredMessage } from './workspace.js';
export { validateSlackCall } from './openapi.js';
