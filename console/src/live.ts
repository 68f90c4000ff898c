import type {
  FinishedMessage,
  InputEventMessage,
  PlatformEventMessage,
  SkippedMessage,
} from './live-messages';

export interface LiveHandlers {
  readonly platform: (message: PlatformEventMessage) => void;
  readonly input: (message: InputEventMessage) => void;
  readonly skipped?: (message: SkippedMessage) => void;
  readonly finished?: (message: FinishedMessage) => void;
  readonly connected?: (open: boolean) => void;
}

/**
 * Subscribes to the bus's server-sent events (`eventsUrl`); EventSource reconnects by itself, and the server
 * sends the platform events so far first, which the incident fold keeps once. Returns the unsubscribe.
 */
export function subscribe(eventsUrl: string, handlers: LiveHandlers): () => void {
  const source = new EventSource(eventsUrl);
  // The type parameter names what the server sends under `kind`: the shape its handler takes.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  const on = <T>(kind: string, handle: ((message: T) => void) | undefined) => {
    if (handle === undefined) return;
    source.addEventListener(kind, (event) => handle(JSON.parse((event as MessageEvent<string>).data) as T));
  };
  on('platform', handlers.platform);
  on('input', handlers.input);
  on('skipped', handlers.skipped);
  on('finished', handlers.finished);
  source.addEventListener('open', () => handlers.connected?.(true));
  source.addEventListener('error', () => handlers.connected?.(false));
  return () => source.close();
}
