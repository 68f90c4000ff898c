import type { ResolvedTemplate } from './template';

/**
 * Where the sandbox serves the template's CloudFront distributions: an origin the template names through a
 * distribution's domain (`https://<distribution>.DomainName`, as the sandbox resolves `Fn::GetAtt … DomainName`) is
 * rewritten to the local server standing in for it (`npm run console`'s `http://127.0.0.1:<port>`), so the
 * resources that name the console — the user pool client's callback URLs, the HTTP API's CORS origins — name the
 * console the browser actually opens. Without a local origin, URLs are kept as they are.
 */
export function distributionOrigins(
  template: ResolvedTemplate,
  localOrigin: string | undefined,
): (url: string) => string {
  if (localOrigin === undefined) return (url) => url;
  const local = localOrigin.replace(/\/$/, '');
  const origins = template
    .resourcesOfType('AWS::CloudFront::Distribution')
    .map(([logicalId]) => `https://${template.getAtt(logicalId, 'DomainName')}`);
  return (url) => {
    const origin = origins.find((o) => url === o || url.startsWith(`${o}/`));
    return origin === undefined ? url : `${local}${url.slice(origin.length)}`;
  };
}
