// Authorization of requests signed with session credentials (access key ids `ASIA…`, issued by the sandbox's
// STS): the request is held, the main thread evaluates the session's policies with its tags (local/iam/), and
// the request goes on to dynalite only when allowed; otherwise it is answered as DynamoDB answers
// (AccessDeniedException, ExpiredTokenException, UnrecognizedClientException). Requests signed otherwise (each
// function's own role) pass as before. Plain CommonJS, like the rest of dynalite's thread.
'use strict';
const { Readable } = require('node:stream');

const SESSION_KEY = /Credential=(ASIA[^/,\s]*)\//;

/** Puts the guard in front of `server`'s request handler; `port` is the worker's parentPort. */
function withSessionGuard(server, port) {
  const [inner] = server.listeners('request');
  server.removeAllListeners('request');
  const pending = new Map();
  let nextId = 0;
  port.on('message', (message) => {
    if (message.type !== 'authorized') return;
    const resume = pending.get(message.id);
    pending.delete(message.id);
    if (resume) resume(message.denied);
  });
  server.on('request', (req, res) => {
    const accessKeyId = SESSION_KEY.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!accessKeyId) {
      inner(req, res);
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const id = nextId++;
      pending.set(id, (denied) => {
        if (denied) {
          const text = JSON.stringify({
            __type: `com.amazon.coral.service#${denied.type}`,
            message: denied.message,
          });
          res.statusCode = 400;
          res.setHeader('Content-Type', 'application/x-amz-json-1.0');
          res.setHeader('Content-Length', Buffer.byteLength(text));
          res.end(text);
          return;
        }
        // The body was read to authorize it: dynalite reads it again from a stream that replays it.
        const replay = Readable.from([body]);
        replay.method = req.method;
        replay.url = req.url;
        replay.headers = req.headers;
        inner(replay, res);
      });
      port.postMessage({
        type: 'authorize',
        id,
        accessKeyId,
        operation: String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '',
        body: body.toString('utf8'),
      });
    });
  });
}

module.exports = { withSessionGuard };
