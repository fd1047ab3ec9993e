export { createDecoder, readMessages } from './decoder.js';
export { createEncoder, encodeMessage, writeMessage } from './encoder.js';
export { NdjsonError, type NdjsonErrorDetails, type NdjsonRule } from './ndjson-error.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  type DecodedMessage,
  type DecoderOptions,
} from './ndjson-parser.js';
