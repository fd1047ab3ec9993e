import { ConfigError, TransientError, type ConnectorError } from '@backflow/protocol/connector';

/** HubSpot's error body (the OpenAPI `Error` model plus the rate-limit fields). */
export interface HubSpotErrorBody {
  message?: string;
  category?: string;
  policyName?: string;
  context?: Record<string, string[]>;
  errors?: { message?: string; code?: string; context?: Record<string, string[]> }[];
}

/** One property value HubSpot refused. */
export interface PropertyProblem {
  name: string;
  /** The value as sent, when HubSpot echoes it. */
  value: string | undefined;
  message: string;
  code: string | undefined;
}

const INVALID_VALUES = 'Property values were not valid: ';

/** A non-2xx answer from HubSpot that retrying will not fix (the request gate retried the rest). */
export class HubSpotApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: HubSpotErrorBody,
    /** What was being done, e.g. `batch upsert of contacts`. */
    readonly what: string,
  ) {
    super(
      `${what}: HubSpot answered ${status}${body.category ? ` ${body.category}` : ''}: ${body.message ?? '(no message)'}`,
    );
    this.name = 'HubSpotApiError';
  }

  /**
   * The refused values when HubSpot turned the whole batch down for its data (400
   * VALIDATION_ERROR "Property values were not valid: [...]"); undefined for other errors.
   */
  propertyProblems(): PropertyProblem[] | undefined {
    return this.status === 400 ? propertyProblemsOf(this.body) : undefined;
  }

  /** A 409: a unique value (email, a `hasUniqueValue` property) already belongs to another record. */
  isConflict(): boolean {
    return this.status === 409;
  }

  /** HubSpot's reason in a form fit for a rejected record. */
  reason(): string {
    return reasonOf(this.body) ?? `HubSpot answered ${this.status}`;
  }

  /** The error the sync fails with when nothing more specific applies. */
  toConnectorError(): ConnectorError {
    const said = this.body.message ?? '(no message)';
    if (this.status === 401) {
      return new ConfigError(`HubSpot refused the private-app token (401): check access_token. HubSpot says: ${said}`);
    }
    if (this.status === 403) {
      return new ConfigError(
        `HubSpot denied ${this.what} (403): the private app may lack a scope. HubSpot says: ${said}`,
      );
    }
    if (this.status >= 500) return new TransientError(this.message);
    return new ConfigError(`HubSpot refused ${this.what} (${this.status}): ${said}`);
  }
}

/** The values an error body says were refused, when it is HubSpot's "Property values were not valid". */
export function propertyProblemsOf(body: HubSpotErrorBody): PropertyProblem[] | undefined {
  const message = body.message ?? '';
  if (!message.startsWith(INVALID_VALUES)) return undefined;
  try {
    const results = JSON.parse(message.slice(INVALID_VALUES.length)) as unknown;
    if (Array.isArray(results) && results.length > 0) {
      return results.map((result: Record<string, unknown>) => ({
        name: String(result.name ?? ''),
        value: typeof result.propertyValue === 'string' ? result.propertyValue : undefined,
        message: String(result.message ?? result.localizedErrorMessage ?? 'invalid value'),
        code: typeof result.error === 'string' ? result.error : undefined,
      }));
    }
  } catch {
    // Not always the JSON list; the structured `errors` still name the properties.
  }
  return (body.errors ?? []).map((error) => ({
    name: error.context?.propertyName?.[0] ?? '',
    value: undefined,
    message: error.message ?? 'invalid value',
    code: error.code,
  }));
}

/** HubSpot's reason from an error body, refused values spelled out one by one. */
export function reasonOf(body: HubSpotErrorBody): string | undefined {
  const problems = propertyProblemsOf(body);
  if (problems && problems.length > 0) return describeProblems(problems);
  return body.message;
}

/** `email: Email address x is invalid (INVALID_EMAIL); ...` */
export function describeProblems(problems: readonly PropertyProblem[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const problem of problems) {
    const text = `${problem.name ? `${problem.name}: ` : ''}${problem.message}${problem.code ? ` (${problem.code})` : ''}`;
    if (!seen.has(text)) parts.push(text);
    seen.add(text);
  }
  return parts.join('; ');
}
