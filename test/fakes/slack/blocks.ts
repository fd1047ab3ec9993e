/**
 * Block Kit checks Slack applies before posting (docs.slack.dev/reference/block-kit/blocks):
 * at most 50 blocks in a message, known block types, a section's text at most 3000
 * characters, a header's plain_text at most 150, a context at most 10 elements, a block_id
 * at most 255 characters and unique. A failure is Slack's `invalid_blocks`, with the
 * reason Slack gives in `response_metadata.messages`.
 */
export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
const MAX_HEADER_TEXT = 150;
const MAX_CONTEXT_ELEMENTS = 10;
const MAX_BLOCK_ID = 255;
const BLOCK_TYPES = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'video',
]);
const TEXT_TYPES = new Set(['plain_text', 'mrkdwn']);

/** The first problem with `blocks`, as `[ERROR] … [json-pointer:/blocks/0/text]`, or undefined. */
export function blocksProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return '[ERROR] must be an array [json-pointer:/blocks]';
  if (blocks.length > MAX_BLOCKS) return `[ERROR] no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`;
  const ids = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    const at = `/blocks/${i}`;
    if (block === null || typeof block !== 'object') return `[ERROR] must be an object [json-pointer:${at}]`;
    const { type, block_id: blockId, text, elements } = block as Record<string, unknown>;
    if (typeof type !== 'string' || !BLOCK_TYPES.has(type))
      return `[ERROR] unsupported type: ${String(type)} [json-pointer:${at}/type]`;
    if (blockId !== undefined) {
      if (typeof blockId !== 'string' || blockId.length > MAX_BLOCK_ID)
        return `[ERROR] must be a string of at most ${MAX_BLOCK_ID} characters [json-pointer:${at}/block_id]`;
      if (ids.has(blockId)) return `[ERROR] duplicate block_id [json-pointer:${at}/block_id]`;
      ids.add(blockId);
    }
    if (type === 'section') {
      const { fields } = block as Record<string, unknown>;
      if (text === undefined && fields === undefined)
        return `[ERROR] must provide either text or fields [json-pointer:${at}]`;
      if (text !== undefined) {
        const problem = textProblem(text, `${at}/text`, MAX_SECTION_TEXT, TEXT_TYPES);
        if (problem) return problem;
      }
    }
    if (type === 'header') {
      const problem = textProblem(text, `${at}/text`, MAX_HEADER_TEXT, new Set(['plain_text']));
      if (problem) return problem;
    }
    if (type === 'context') {
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > MAX_CONTEXT_ELEMENTS)
        return `[ERROR] must have 1 to ${MAX_CONTEXT_ELEMENTS} elements [json-pointer:${at}/elements]`;
    }
  }
  return undefined;
}

function textProblem(text: unknown, at: string, max: number, types: ReadonlySet<string>): string | undefined {
  if (text === null || typeof text !== 'object') return `[ERROR] must be a text object [json-pointer:${at}]`;
  const { type, text: content } = text as Record<string, unknown>;
  if (typeof type !== 'string' || !types.has(type))
    return `[ERROR] must be one of ${[...types].join(', ')} [json-pointer:${at}/type]`;
  if (typeof content !== 'string' || content.length === 0)
    return `[ERROR] must be a non-empty string [json-pointer:${at}/text]`;
  if (content.length > max) return `[ERROR] must be less than ${max + 1} characters [json-pointer:${at}/text]`;
  return undefined;
}
