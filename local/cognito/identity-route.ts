import type { IncomingMessage, ServerResponse } from 'node:http';
import { CognitoError } from './cognito-error';
import { send } from './http-answer';
import type { LocalIdentityPool } from './identity-pool';

/**
 * The identity pools' API (AWS JSON 1.1, `AWSCognitoIdentityService.<operation>`), with the CORS answers a browser
 * needs: the request goes to the pool it names, or (GetCredentialsForIdentity) the pool that issued the identity.
 */
export async function serveIdentityPools(
  identityPools: readonly LocalIdentityPool[],
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): Promise<void> {
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date',
  };
  if (request.method === 'OPTIONS') {
    send(response, 200, '', {
      ...cors,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '*',
      'access-control-max-age': '3600',
    });
    return;
  }
  const json = { ...cors, 'content-type': 'application/x-amz-json-1.1' };
  const target = String(request.headers['x-amz-target'] ?? '');
  const [service, operation = ''] = target.split('.');
  const fail = (error: CognitoError) =>
    send(response, 400, JSON.stringify({ __type: error.name, message: error.message }), {
      ...json,
      'x-amzn-errortype': error.name,
    });
  if (service !== 'AWSCognitoIdentityService') {
    fail(new CognitoError('UnknownOperationException', `The sandbox serves no target "${target}" here.`));
    return;
  }
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    fail(new CognitoError('SerializationException', 'The request body is not valid JSON.'));
    return;
  }
  // GetId names the pool; GetCredentialsForIdentity only the identity, which belongs to one pool.
  const pool = identityPools.find(
    (p) =>
      p.definition.identityPoolId === input.IdentityPoolId ||
      (typeof input.IdentityId === 'string' && p.owns(input.IdentityId)),
  );
  try {
    if (pool === undefined) {
      throw new CognitoError(
        'ResourceNotFoundException',
        input.IdentityPoolId === undefined
          ? `Identity ${JSON.stringify(input.IdentityId)} not found.`
          : `IdentityPool ${JSON.stringify(input.IdentityPoolId)} not found.`,
      );
    }
    send(response, 200, JSON.stringify(await pool.handle(operation, input)), json);
  } catch (error) {
    if (!(error instanceof CognitoError)) throw error;
    fail(error);
  }
}
