import type {
  MemoryCompressExecuteCommand,
  MemoryCompressPreviewCommand,
  MemoryCompressPreviewResponseMessage,
  MemoryCompressResultResponseMessage,
  MemorySimilarityResultResponseMessage,
  MemorySimilaritySearchCommand,
} from './messages.js';

/** The commands Kimi Proxy answers, and the type of each one's direct reply (PROTOCOL.md §4.17, §9). */
export const REPLY_TYPE_OF: Readonly<Record<string, string>> = {
  memory_compress_preview: 'memory_compress_preview_response',
  memory_compress_execute: 'memory_compress_result_response',
  memory_similarity_search: 'memory_similarity_result_response',
};

export const REPLY_TYPES: ReadonlySet<string> = new Set(Object.values(REPLY_TYPE_OF));

/** The type of the direct reply to a command of type `type`, or undefined when it has none. */
export const replyTypeOf = (type: unknown): string | undefined =>
  typeof type === 'string' && Object.hasOwn(REPLY_TYPE_OF, type) ? REPLY_TYPE_OF[type] : undefined;

/** The reply to each command `request()` accepts. */
export interface KimiReplyMap {
  memory_compress_preview: MemoryCompressPreviewResponseMessage;
  memory_compress_execute: MemoryCompressResultResponseMessage;
  memory_similarity_search: MemorySimilarityResultResponseMessage;
}

/** A command that has a direct reply. */
export type KimiRequestCommand = MemoryCompressPreviewCommand | MemoryCompressExecuteCommand | MemorySimilaritySearchCommand;

/** `requestId` as a lookup key: any JSON value, compared by its JSON text, with the reply's type. */
export const replyKey = (replyType: string, requestId: unknown): string => `${replyType} ${JSON.stringify(requestId ?? null)}`;
