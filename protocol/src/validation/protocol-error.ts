import { describeValue } from './describe-value.js';

/** Where a value came from: a line of an NDJSON stream and a name for the stream or file. */
export interface ProtocolLocation {
  line?: number;
  source?: string;
}

/** The parts of a {@link ProtocolError}; `line` and `source` are optional. */
export interface ProtocolErrorFields extends ProtocolLocation {
  /** The rule that failed: a JSON Schema keyword (`type`, `required`, `enum`...) or a protocol rule (`payload`, `json`, `object`). */
  rule: string;
  /** JSON pointer to the offending value ('' is the whole value). */
  path: string;
  /** What the rule wanted, in words. */
  expected: string;
  /** What arrived, already truncated and with secrets masked. */
  actual: string;
}

/**
 * A message, config or catalog that breaks the protocol. The message reads like
 * `stdout line 12: /record/emitted_at must be integer (got string "abc")`.
 */
export class ProtocolError extends Error implements ProtocolErrorFields {
  override readonly name = 'ProtocolError';
  readonly rule: string;
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
  readonly line?: number;
  readonly source?: string;

  constructor(fields: ProtocolErrorFields) {
    super(formatMessage(fields));
    this.rule = fields.rule;
    this.path = fields.path;
    this.expected = fields.expected;
    this.actual = fields.actual;
    if (fields.line !== undefined) this.line = fields.line;
    if (fields.source !== undefined) this.source = fields.source;
  }

  /** The same error located at a line and/or source; fields already set are kept unless given. */
  at(location: ProtocolLocation): ProtocolError {
    return new ProtocolError({
      rule: this.rule,
      path: this.path,
      expected: this.expected,
      actual: this.actual,
      line: location.line ?? this.line,
      source: location.source ?? this.source,
    });
  }

  /** A line that is not JSON at all; `detail` is the parser's complaint, `text` the raw line. */
  static notJson(line: number | undefined, detail: string, text?: string, source?: string): ProtocolError {
    return new ProtocolError({
      rule: 'json',
      path: '',
      expected: 'a JSON object on one line',
      actual: text === undefined ? `invalid JSON (${detail})` : `${describeValue(text)}: ${detail}`,
      line,
      source,
    });
  }

  /** A line that is valid JSON but not an object (an array, a string, a number...). */
  static notObject(value: unknown, line?: number, source?: string): ProtocolError {
    return new ProtocolError({
      rule: 'object',
      path: '',
      expected: 'a JSON object',
      actual: describeValue(value),
      line,
      source,
    });
  }
}

function formatMessage(fields: ProtocolErrorFields): string {
  const where = [fields.source, fields.line === undefined ? undefined : `line ${fields.line}`]
    .filter((part) => part !== undefined && part !== '')
    .join(' ');
  const prefix = where === '' ? '' : `${where}: `;
  const path = fields.path === '' ? 'value' : fields.path;
  return `${prefix}${path} must be ${fields.expected} (got ${fields.actual})`;
}
