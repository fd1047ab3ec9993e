/** Which framing rule a line broke. */
export type NdjsonRule = 'not-json' | 'not-object' | 'line-too-long';

/** What the decoder knows when a line breaks a framing rule. */
export interface NdjsonErrorDetails {
  rule: NdjsonRule;
  expected: string;
  actual: string;
  line: number;
  source?: string;
  cause?: unknown;
}

/**
 * A line on a connector's stdio that is not one JSON object.
 *
 * The fields mirror the validation module's `ProtocolError` (rule, path, expected, actual,
 * line, source) so the two can be merged into one class; `path` is always `''` (the whole
 * message) because framing errors happen before there is a message to point into.
 */
export class NdjsonError extends Error {
  override readonly name = 'NdjsonError';
  readonly rule: NdjsonRule;
  readonly path = '';
  readonly expected: string;
  readonly actual: string;
  /** 1-based line number in the stream, blank lines included. */
  readonly line: number;
  /** Who wrote the stream, e.g. a connector name; absent when the caller did not say. */
  readonly source: string | undefined;

  constructor(details: NdjsonErrorDetails) {
    const where = details.source === undefined ? '' : ` from ${details.source}`;
    super(`line ${details.line}${where}: expected ${details.expected}, got ${details.actual}`, {
      cause: details.cause,
    });
    this.rule = details.rule;
    this.expected = details.expected;
    this.actual = details.actual;
    this.line = details.line;
    this.source = details.source;
  }
}
