import { render } from 'preact';
import { App } from './app';
import type { ConsoleConfig } from './config';
import { traceRequested } from './route';
import {
  authorizeUrl,
  completeSignIn,
  currentIdToken,
  signOutUrl,
  type BrowserSession,
  type CognitoSignIn,
} from './sign-in';
import { presignedSocketUrl } from './live-socket';
import { operatorCredentials, signedFetch, type ApiFetch } from './signed-fetch';
import './styles.css';
import { TracePage } from './views/trace-page';

/** The tab's storage, crypto and clock, as the sign-in flow uses them. */
function browserSession(): BrowserSession {
  return {
    storage: window.sessionStorage,
    fetch: (input, init) => fetch(input, init),
    crypto: window.crypto,
    now: Date.now,
  };
}

/**
 * On AWS, the operator signs in first (Cognito's hosted page, then back here with a code); the API requests, and the
 * push channel's URL, are then signed with the operator's credentials. Undefined when the browser is being sent to
 * the sign-in page.
 */
async function signedIn(
  auth: CognitoSignIn,
  root: HTMLElement,
): Promise<{ send: ApiFetch; presign: (url: string) => Promise<string> } | undefined> {
  const session = browserSession();
  const here = new URL(window.location.href);
  const redirectUri = `${window.location.origin}/`;
  try {
    if ((await completeSignIn(auth, here, session)) !== undefined) window.history.replaceState(null, '', '/');
  } catch (error) {
    root.textContent = `${(error as Error).message}. `;
    const again = document.createElement('a');
    again.href = redirectUri;
    again.textContent = 'Sign in again';
    root.append(again);
    return undefined;
  }
  if ((await currentIdToken(auth, session)) === undefined) {
    window.location.assign(await authorizeUrl(auth, redirectUri, session));
    return undefined;
  }
  const credentials = operatorCredentials(auth, () => currentIdToken(auth, session));
  return {
    send: signedFetch(auth.region, credentials),
    presign: (url) => presignedSocketUrl(url, auth.region, credentials),
  };
}

/** `config.json` beside the console says where the API is (written by the stack on AWS, the server locally). */
async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (root === null) throw new Error('index.html has no #app element to render the console into');
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) {
    root.textContent = `Could not read config.json (${response.status}): the console does not know its API.`;
    return;
  }
  const config = (await response.json()) as ConsoleConfig;
  const traced = traceRequested(window.location.pathname);
  if (traced !== undefined) {
    render(<TracePage config={config} correlationId={traced} />, root);
    return;
  }
  const signed = config.auth === undefined ? undefined : await signedIn(config.auth, root);
  if (config.auth !== undefined && signed === undefined) return;
  const { auth } = config;
  const signOut =
    auth === undefined
      ? {}
      : {
          onSignOut: () =>
            window.location.assign(signOutUrl(auth, `${window.location.origin}/`, browserSession())),
        };
  render(<App config={config} {...(signed ?? {})} {...signOut} />, root);
}

void start();
