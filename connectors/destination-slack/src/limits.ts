/** Slack's limit on a message's text (chat.postMessage: longer text is refused with msg_too_long). */
export const MAX_TEXT_LENGTH = 40_000;
