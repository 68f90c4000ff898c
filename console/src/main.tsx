import { render } from 'preact';
import { App } from './app';
import type { ConsoleConfig } from './config';
import { traceRequested } from './route';
import './styles.css';
import { TracePage } from './views/trace-page';

/** `config.json` beside the console says where the API is (written by the stack on AWS, the server locally). */
async function start(): Promise<void> {
  const root = document.getElementById('app')!;
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) {
    root.textContent = `Could not read config.json (${response.status}): the console does not know its API.`;
    return;
  }
  const config = (await response.json()) as ConsoleConfig;
  const traced = traceRequested(window.location.pathname);
  render(
    traced === undefined ? <App config={config} /> : <TracePage config={config} correlationId={traced} />,
    root,
  );
}

void start();
