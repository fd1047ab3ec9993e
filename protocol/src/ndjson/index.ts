export { createDecoder, readMessageBatches, readMessages } from './decoder.js';
export { createEncoder, encodeMessage, waitForDrain, writeMessage } from './encoder.js';
export { LineWriter } from './line-writer.js';
export { DEFAULT_MAX_LINE_BYTES, type DecodedMessage, type DecoderOptions } from './ndjson-parser.js';
