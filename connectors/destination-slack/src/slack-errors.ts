/**
 * How each Slack error string is handled (docs.slack.dev/reference/methods/*, "Errors").
 * Errors about one message's content or target reject that record with Slack's error;
 * errors about the token fail the sync as a config error; the rest are retried.
 */
const RECORD_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_metadata_format',
  'too_many_attachments',
  'cant_update_message',
  'cant_delete_message',
  'edit_window_closed',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'compliance_exports_prevent_deletion',
]);
const CONFIG_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'team_access_not_granted',
  'ekm_access_denied',
  'enterprise_is_restricted',
]);
const RETRY_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export type ErrorHandling = 'record' | 'config' | 'retry';

export function handlingOf(error: string): ErrorHandling {
  if (CONFIG_ERRORS.has(error)) return 'config';
  if (RETRY_ERRORS.has(error)) return 'retry';
  if (RECORD_ERRORS.has(error)) return 'record';
  // An error this table does not know is about the call it answered: reject that record
  // with Slack's words rather than fail the whole sync.
  return 'record';
}

/** A record that cannot be delivered as it is: rejected (not retryable) with this message. */
export class RecordRefused extends Error {
  constructor(
    message: string,
    /** Slack's error string, or the one Slack would answer for the same mistake. */
    readonly error: string,
  ) {
    super(message);
    this.name = 'RecordRefused';
  }
}

/** Slack answered `ok: false` about one call: the record it was for is rejected with `error`. */
export class SlackCallError extends RecordRefused {
  constructor(
    readonly method: string,
    error: string,
    /** Slack's explanations (`response_metadata.messages`), e.g. which block is invalid. */
    readonly details: readonly string[] = [],
  ) {
    super(`${method}: Slack answered ${error}${details.length ? ` (${details.join('; ')})` : ''}`, error);
    this.name = 'SlackCallError';
  }
}

/**
 * A chat.postMessage whose outcome is unknown — the request may have reached Slack but no
 * answer came back (network error, timeout, 5xx). Posting again could double-post: the
 * caller looks for the message's marker in the channel first.
 */
export class OutcomeUnknown extends Error {
  constructor(
    readonly method: string,
    cause: unknown,
  ) {
    super(`${method}: no answer from Slack (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = 'OutcomeUnknown';
  }
}
