export { createDecoder, readMessages } from './decoder.js';
export { createEncoder, encodeMessage, writeMessage } from './encoder.js';
export { DEFAULT_MAX_LINE_BYTES, type DecodedMessage, type DecoderOptions } from './ndjson-parser.js';
