import type { KimiMessage } from '../protocol/messages.js';

/**
 * A server message re-dispatched as `kimi:<type>` (and as `kimi:message`). `detail` is the parsed
 * message, exactly as the server sent it. Bubbles and is composed.
 */
export class KimiMessageEvent<T extends KimiMessage = KimiMessage> extends CustomEvent<T> {
  constructor(name: string, message: T) {
    super(name, { detail: message, bubbles: true, composed: true });
  }
}
