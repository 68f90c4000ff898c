const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML text with `&<>"'` escaped. */
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/**
 * The hosted sign-in page of the stand-in: a username and password form that posts back to `/oauth2/authorize` with
 * the authorize request's parameters, and the reason of a failed attempt. (Cognito's hosted page also asks the TOTP
 * code the template requires; the sandbox's operator signs in with the password only.)
 */
export function signInPage(query: URLSearchParams, problem?: string): string {
  const hidden = [...query]
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}p.problem{color:#b00020}</style>
</head><body>
<h1>Sign in</h1>
<p>Sandbox stand-in of the Cognito hosted sign-in page.</p>
${problem === undefined ? '' : `<p class="problem" role="alert">${escape(problem)}</p>`}
<form method="post" action="authorize">${hidden}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</body></html>`;
}

/** The page shown for an authorize request that cannot redirect back (unknown client, unlisted redirect URI). */
export function errorPage(error: string, description: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body>
<h1>An error was encountered with the requested page.</h1><p role="alert">${escape(error)}: ${escape(description)}</p>
</body></html>`;
}
