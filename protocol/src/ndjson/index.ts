export { createDecoder, readMessageBatches, readMessages } from './decoder.js';
export { createEncoder, encodeMessage, waitForDrain, writeMessage } from './encoder.js';
export { LineWriter } from './line-writer.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  decodeLine,
  type DecodedMessage,
  type DecoderOptions,
  type LineTaker,
} from './ndjson-parser.js';
