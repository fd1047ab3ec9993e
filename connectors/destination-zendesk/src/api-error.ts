import { ConfigError, TransientError, type ConnectorError } from '@backflow/protocol/connector';

/**
 * Zendesk's error bodies: `{"error": "Couldn't authenticate you"}` (401),
 * `{"error": "RecordNotFound", "description": "Not found"}`, and for validation
 * `{"error": "RecordInvalid", "description": "Record validation errors", "details": {field: [{description, error}]}}`.
 */
export interface ZendeskErrorBody {
  error?: string | { title?: string; message?: string };
  description?: string;
  details?: Record<string, { description?: string; error?: string }[]> | string;
}

/** A non-2xx answer from Zendesk that retrying will not fix (the client retried the rest). */
export class ZendeskApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ZendeskErrorBody,
    /** What was being done, e.g. `create_many of tickets`. */
    readonly what: string,
  ) {
    super(`${what}: Zendesk answered ${status}: ${reasonOf(body) ?? '(no message)'}`);
    this.name = 'ZendeskApiError';
  }

  /** The error the sync fails with. */
  toConnectorError(): ConnectorError {
    const said = reasonOf(this.body) ?? '(no message)';
    if (this.status === 401)
      return new ConfigError(`Zendesk refused the credentials (401): check credentials. Zendesk says: ${said}`);
    if (this.status === 403)
      return new ConfigError(
        `Zendesk denied ${this.what} (403): the user may lack the permission. Zendesk says: ${said}`,
      );
    if (this.status >= 500) return new TransientError(this.message);
    return new ConfigError(`Zendesk refused ${this.what} (${this.status}): ${said}`);
  }
}

/** `RecordInvalid: Email: x is not properly formatted` from any of Zendesk's error shapes. */
export function reasonOf(body: ZendeskErrorBody): string | undefined {
  const error = typeof body.error === 'string' ? body.error : (body.error?.title ?? body.error?.message);
  const details = detailsOf(body.details);
  const parts = [error, details ?? body.description].filter((part): part is string => !!part);
  return parts.length > 0 ? parts.join(': ') : undefined;
}

function detailsOf(details: ZendeskErrorBody['details']): string | undefined {
  if (details === undefined) return undefined;
  if (typeof details === 'string') return details;
  const texts = Object.values(details).flatMap((problems) =>
    (Array.isArray(problems) ? problems : []).map((problem) => problem.description ?? problem.error ?? ''),
  );
  return texts.filter(Boolean).join('; ') || undefined;
}
