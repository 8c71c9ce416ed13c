/** Connection state of `<kimi-realtime>`. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

export interface KimiStatusDetail {
  state: ConnectionState;
  /** Retry number: 0 for the first connection, n for the n-th retry since the last stable connection. */
  attempt: number;
  /** Epoch ms of the next connection attempt, or null when none is scheduled. */
  nextRetryAt: number | null;
  /** Code and reason of the last close, when there was one. */
  closeCode: number | null;
  closeReason: string;
  /** Why the server cannot give a live stream, for people (Kimi Proxy 2.x has no `/ws`: run `kimi-tap`); absent otherwise. */
  notice?: string;
}

/** `kimi:status`: the connection state changed or a retry was scheduled. Bubbles and is composed. */
export class KimiStatusEvent extends CustomEvent<KimiStatusDetail> {
  constructor(detail: KimiStatusDetail) {
    super('kimi:status', { detail, bubbles: true, composed: true });
  }
}
