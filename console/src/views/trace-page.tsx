import { useEffect, useState } from 'preact/hooks';
import type { ConsoleConfig } from '../config';
import { formatDuration, stillWriting } from '../trace-layout';
import type { IncidentTrace } from '../trace-messages';
import { WaterfallChart } from './trace-waterfall';

/** While the trace is not there yet, or a segment is still open, it is read again this often. */
const POLL_MS = 2000;

type Loaded =
  | { readonly state: 'loading' }
  | { readonly state: 'missing'; readonly message: string; readonly retry: boolean }
  | { readonly state: 'loaded'; readonly trace: IncidentTrace };

async function readTrace(url: string): Promise<Loaded> {
  const response = await fetch(url, { cache: 'no-store' });
  const body = (await response.json()) as IncidentTrace & { title?: string; detail?: string };
  if (!response.ok) {
    return {
      state: 'missing',
      message: `${response.status} ${body.title ?? ''}: ${body.detail ?? ''}`,
      // Not yet (no trace carries the id yet, the sandbox is starting), as against never (traces off).
      retry: response.status === 404 || response.status === 503,
    };
  }
  return { state: 'loaded', trace: body };
}

/** Read again: the trace is not there yet, or still being written. */
const readAgain = (loaded: Loaded) =>
  loaded.state === 'loaded'
    ? stillWriting(loaded.trace.waterfall)
    : loaded.state !== 'missing' || loaded.retry;

/**
 * `/traces/<correlationId>`: the X-Ray waterfall of every trace the incident's events travelled on, from the
 * sandbox's collector (the local server's trace route). Read again while it is still being written.
 */
export function TracePage({ config, correlationId }: { config: ConsoleConfig; correlationId: string }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const source = config.traces.kind === 'local' ? config.traces.api : undefined;

  useEffect(() => {
    if (source === undefined) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const read = async () => {
      const next = await readTrace(`${source}${encodeURIComponent(correlationId)}`).catch(
        (error: unknown): Loaded => ({ state: 'missing', message: (error as Error).message, retry: true }),
      );
      if (stopped) return;
      setLoaded(next);
      if (readAgain(next)) timer = setTimeout(() => void read(), POLL_MS);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [source, correlationId]);

  return (
    <div class="console">
      <header class="top">
        <h1>Proactive Agents — trace</h1>
        <span class="environment">{config.environment}</span>
        <a class="back" href="/">
          ← console
        </a>
      </header>
      <main class="trace-page">
        <section class="trace" data-testid="trace">
          <header>
            <h2>{correlationId}</h2>
            {loaded.state === 'loaded' ? (
              <span class="trace-summary" data-testid="trace-summary">
                {loaded.trace.waterfall.nodeCount} segment(s) over{' '}
                {formatDuration(loaded.trace.waterfall.durationMs)} · {loaded.trace.waterfall.traceIds.length}{' '}
                trace(s): {loaded.trace.waterfall.traceIds.join(', ')}
                {readAgain(loaded) ? ` · still being written, read again every ${POLL_MS / 1000} s` : ''}
              </span>
            ) : null}
          </header>
          {source === undefined ? (
            <p class="empty">Traces of this environment are in the X-Ray console.</p>
          ) : loaded.state === 'loading' ? (
            <p class="empty">Reading the trace…</p>
          ) : loaded.state === 'missing' ? (
            <p class="empty" data-testid="trace-missing">
              No trace ({loaded.message}){loaded.retry ? `: reading again every ${POLL_MS / 1000} s.` : '.'}
            </p>
          ) : (
            <WaterfallChart waterfall={loaded.trace.waterfall} />
          )}
        </section>
      </main>
    </div>
  );
}
