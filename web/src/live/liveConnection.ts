// One season's live feed over a WebSocket, independent of React: subscribes on open (after
// authenticating when a token is known), hands the received messages over in batches (a fast
// replay sends hundreds of ticks a second; a page redraws a few times a second, not hundreds),
// and reconnects with exponential back-off when the socket drops, resuming from the tick the
// caller says it has.
import { authMessage, parseMessage, subscribeMessage, type LiveMessage } from './messages';

/** What this needs of a WebSocket (a browser WebSocket, or a fake in tests). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveOptions {
  url: string;
  seasonId: number;
  /** Asked at every (re)connect: the first tick the caller does not have yet. */
  fromTick?: () => number | undefined;
  /** Messages received since the last call, oldest first. */
  onMessages: (batch: LiveMessage[]) => void;
  onState?: (state: ConnectionState) => void;
  token?: () => string | null;
  connect?: SocketFactory;
  timers?: Timers;
  flushMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

const browserTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The wait before reconnect attempt `attempt` (0-based): doubling, capped. */
export function retryDelay(attempt: number, firstMs = 1000, maxMs = 30_000): number {
  return Math.min(maxMs, firstMs * 2 ** attempt);
}

export class LiveConnection {
  private socket: SocketLike | null = null;
  private buffer: LiveMessage[] = [];
  private flushTimer: unknown = null;
  private retryTimer: unknown = null;
  private attempt = 0;
  private stopped = false;
  private state: ConnectionState = 'closed';
  private readonly timers: Timers;
  private readonly connectSocket: SocketFactory;

  constructor(private readonly options: LiveOptions) {
    this.timers = options.timers ?? browserTimers;
    this.connectSocket = options.connect ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Close for good: no more messages, no reconnect. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) this.timers.clear(this.retryTimer);
    if (this.flushTimer !== null) this.timers.clear(this.flushTimer);
    this.retryTimer = this.flushTimer = null;
    this.buffer = [];
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close(1000, 'page closed');
    }
    this.setState('closed');
  }

  private open(): void {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: SocketLike;
    try {
      socket = this.connectSocket(this.options.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const token = this.options.token?.();
      if (token) socket.send(authMessage(token));
      socket.send(subscribeMessage(this.options.seasonId, this.options.fromTick?.()));
      this.attempt = 0;
      this.setState('open');
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => {
      // a close event follows; reconnecting happens there
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.flush(); // what came before the drop, before the resumed backlog
      if (!this.stopped) this.scheduleRetry();
    };
  }

  private receive(text: unknown): void {
    const message = parseMessage(text);
    if (message === null) return;
    this.buffer.push(message);
    const wait = this.options.flushMs ?? 250;
    if (this.flushTimer === null) this.flushTimer = this.timers.set(() => this.flush(), wait);
  }

  /** Hand the buffered messages over now. */
  flush(): void {
    if (this.flushTimer !== null) this.timers.clear(this.flushTimer);
    this.flushTimer = null;
    if (this.buffer.length === 0 || this.stopped) return;
    const batch = this.buffer;
    this.buffer = [];
    this.options.onMessages(batch);
  }

  private scheduleRetry(): void {
    const wait = retryDelay(this.attempt, this.options.firstRetryMs, this.options.maxRetryMs);
    this.attempt += 1;
    this.setState('reconnecting');
    this.retryTimer = this.timers.set(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open();
    }, wait);
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onState?.(state);
  }
}
