/**
 * The console's own views: `/traces/<correlationId>` (the id percent-encoded: it holds `#` and `:`) is an
 * incident's trace; every other path is the console. The local server answers any such path with `index.html`.
 */
export function traceRequested(pathname: string): string | undefined {
  const match = /^\/traces\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}
