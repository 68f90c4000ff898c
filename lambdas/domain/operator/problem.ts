/**
 * RFC 9457 problem details: what the operator API answers instead of a result, as
 * `application/problem+json`. `type` identifies the kind of problem (a URI; these are not dereferenceable), `title`
 * is the same for every occurrence of a kind, `detail` explains this occurrence.
 */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The request path the problem occurred at. */
  readonly instance?: string;
  /** Validation problems only: each offending field (an RFC 9457 extension member). */
  readonly errors?: readonly FieldProblem[];
  /** Further extension members (e.g. the pending approvals when several match). */
  readonly [extension: string]: unknown;
}

/** One field of the request that broke its contract. */
export interface FieldProblem {
  /** The field's path in the body, dotted (`decision`, `items.0.sku`); `(body)` for the body as a whole. */
  readonly field: string;
  /** The same place as an RFC 6901 JSON Pointer into the body (`/decision`). */
  readonly pointer: string;
  readonly detail: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const typeUri = (slug: string) => `urn:proactive-agents:problem:${slug}`;

/**
 * Base of every error the operator API answers with a problem: subclasses carry their status, title and type,
 * and the message is the problem's `detail` (safe to show the caller: nothing internal goes into it).
 */
export class OperatorProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
    options?: ErrorOptions,
  ) {
    super(detail, options);
    this.name = 'OperatorProblem';
  }

  /** The problem document for the request at `instance`. */
  toProblem(instance?: string): ProblemDetails {
    return {
      type: typeUri(this.slug),
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance === undefined ? {} : { instance }),
      ...this.extensions,
    };
  }
}

/** The request (body or query) broke its contract: every offending field is named. */
export class RequestInvalid extends OperatorProblem {
  constructor(readonly fields: readonly FieldProblem[]) {
    const first = fields[0];
    super(
      400,
      'validation',
      'The request is invalid',
      first === undefined
        ? 'the request is invalid'
        : `${first.field}: ${first.detail}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''}`,
      { errors: fields },
    );
    this.name = 'RequestInvalid';
  }
}

/** Nothing is known under this id (an incident, an approval). */
export class ResourceNotFound extends OperatorProblem {
  constructor(what: string, detail: string, extensions?: Readonly<Record<string, unknown>>) {
    super(404, `${what}-not-found`, `No such ${what}`, detail, extensions);
    this.name = 'ResourceNotFound';
  }
}

/** The request conflicts with the state of the saga (several approvals match, or the approval is gone). */
export class StateConflict extends OperatorProblem {
  constructor(slug: string, title: string, detail: string, extensions?: Readonly<Record<string, unknown>>) {
    super(409, slug, title, detail, extensions);
    this.name = 'StateConflict';
  }
}

/** No route answers this method and path. */
export function routeNotFound(method: string, path: string): ProblemDetails {
  return {
    type: typeUri('route-not-found'),
    title: 'No such route',
    status: 404,
    detail: `the operator API has no route ${method} ${path}`,
    instance: path,
  };
}

/** An error the API did not expect: its message stays in the logs, the caller gets the request id only. */
export function internalProblem(instance: string, requestId: string): ProblemDetails {
  return {
    type: typeUri('internal'),
    title: 'Internal error',
    status: 500,
    detail: `the request failed; its logs carry request id ${requestId}`,
    instance,
  };
}

/** Field problems from zod-shaped issues (`path`, `message`). */
export function fieldProblems(
  issues: readonly {
    readonly path: readonly PropertyKey[];
    readonly message: string;
    /** zod's `unrecognized_keys`: the unknown keys, named themselves rather than the object holding them. */
    readonly keys?: readonly string[];
  }[],
): FieldProblem[] {
  return issues
    .flatMap((issue) => (issue.keys ?? [undefined]).map((key) => ({ ...issue, key })))
    .map((issue) => {
      const path = [...issue.path.map(String), ...(issue.key === undefined ? [] : [issue.key])];
      return {
        field: path.join('.') || '(body)',
        pointer: `/${path.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`,
        detail: issue.message,
      };
    });
}
