import { Router } from '@aws-lambda-powertools/event-handler/http';
import type { RequestContext } from '@aws-lambda-powertools/event-handler/types';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type { z } from 'zod';
import {
  ApprovalError,
  ApprovalTaskGone,
  NoPendingApproval,
  SeveralPendingApprovals,
} from '../adapters/approval-errors';
import { mapLimited } from '../adapters/concurrency';
import { sagaExecution } from '../adapters/step-functions-saga-history';
import {
  answerApproval,
  approvalTargetOf,
  pendingApprovals,
  type PendingApproval,
} from '../adapters/step-functions-approvals';
import { approvalAnswerV1, incidentListQueryV1, overrideRateQueryV1 } from '../domain/contracts/operator-api';
import { budgetPeriod } from '../domain/governance/budget';
import type { GovernanceConfig } from '../domain/governance/governance-config';
import type { EpisodicRecord } from '../domain/memory/episodic';
import { agentStatus, hasBudget } from '../domain/operator/agents';
import {
  executionAwaitingApproval,
  executionsToAnswer,
  incidentSummaries,
  incidentTrace,
} from '../domain/operator/incidents';
import { overrideRate, overrideRateRange, type HourOfDecisions } from '../domain/operator/override-rate';
import { ratioRange, ratioWindows } from '../domain/operator/ratio';
import { incidentKeyParts } from '../domain/monitoring/incidents';
import type { WindowCount } from '../domain/monitoring/windows';
import {
  fieldProblems,
  internalProblem,
  OperatorProblem,
  PROBLEM_CONTENT_TYPE,
  RequestInvalid,
  ResourceNotFound,
  routeNotFound,
  StateConflict,
  type ProblemDetails,
} from '../domain/operator/problem';

/** What the operator API reads and answers through; the handler wires the AWS adapters, tests the sandbox's. */
export interface OperatorApiPorts {
  /** Episodic memory's incidents (DynamoIncidentReader). */
  readonly incidents: {
    listingRecords(limit: number): Promise<EpisodicRecord[]>;
    incidentRecords(correlationId: string): Promise<EpisodicRecord[]>;
  };
  /** Step Functions: the saga's executions, their histories and task tokens. */
  readonly sfn: SFNClient;
  /** The remediation saga. */
  readonly stateMachineArn: string;
  /** The governance configuration as AppConfig serves it now. */
  readonly governance: () => Promise<GovernanceConfig>;
  /** The monitoring agent's window counters of a scope (DynamoWindowStore's history). */
  readonly windows: { history(scope: string, from: string, to: string): Promise<WindowCount[]> };
  /** The inference firewall's budget ledger (DynamoBudgetLedger). */
  readonly budgets: { spent(agent: string, period: string): Promise<number> };
  /** The platform's agents, by service name. */
  readonly agents: readonly string[];
  /** The operator decisions recorded per hour (CloudWatchOperatorDecisions). */
  readonly decisions: { hourly(start: number, end: number): Promise<HourOfDecisions[]> };
  /** The hourly override rate at which the override-rate alarm fires. */
  readonly overrideRateThreshold: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Told of every approval an operator answered (the override-rate metrics). @default - nothing */
  readonly onApprovalAnswered?: (approved: boolean) => void;
}

/**
 * Incidents GET /approvals looks through, newest first: a saga runs at most a day, and its approval chain at most
 * four hours, so an approval still awaited belongs to an incident this recent unless more than this many opened
 * since (POST /approvals/{id} still finds it: it reads the incident's own trace, or every running saga).
 */
const APPROVAL_INCIDENTS = 200;
/** Incidents' traces read at once (one DynamoDB Query each). */
const TRACES_IN_FLIGHT = 8;

/** Headers of every JSON answer: the API's data is live state, never to be cached by an intermediary. */
const NO_STORE = { 'cache-control': 'no-store' };

function problemResponse(problem: ProblemDetails): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...NO_STORE },
  });
}

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...NO_STORE },
  });

/** Parses with a contract; a violation is a 400 problem naming every offending field. */
function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestInvalid(fieldProblems(parsed.error.issues));
  return parsed.data;
}

async function jsonBody(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === '') {
    throw new RequestInvalid([{ field: '(body)', pointer: '', detail: 'a JSON body is required' }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestInvalid([{ field: '(body)', pointer: '', detail: 'the body is not valid JSON' }]);
  }
}

/**
 * The caller as API Gateway's IAM authorization identified it (the signer of the request). An operator signed in to
 * the console holds the identity pool's credentials, whose role session (`…/CognitoIdentityCredentials`) is the
 * same for every operator: the person is named by the sign-in the identity pool records in the identity's
 * authentication methods (`cognito-idp.<region>.amazonaws.com/<user pool>:CognitoSignIn:<user sub>`).
 */
function callerOf(reqCtx: RequestContext): string {
  const iam = (reqCtx.event as Partial<APIGatewayProxyEventV2WithIAMAuthorizer>).requestContext?.authorizer
    ?.iam;
  // The type says `null`: API Gateway sets it for callers with identity pool credentials.
  const cognito = (iam as { cognitoIdentity?: { amr?: readonly string[] } | null } | undefined)
    ?.cognitoIdentity;
  const signIn = cognito?.amr?.find((method) => method.includes(':CognitoSignIn:'));
  const caller = signIn ?? iam?.userArn ?? iam?.callerId;
  if (typeof caller !== 'string' || caller === '') {
    throw new OperatorProblem(
      403,
      'no-identity',
      'No caller identity',
      'the request carries no IAM identity: every route of this API is authorized with AWS_IAM',
    );
  }
  return caller;
}

/** What a pending approval shows: what would run, why, of whom and until when (the token stays with the saga). */
function approvalView(approval: PendingApproval) {
  const { request } = approval;
  const expiresAt =
    approval.scheduledAt === undefined
      ? undefined
      : new Date(approval.scheduledAt.getTime() + request.tier.timeoutSeconds * 1000).toISOString();
  return {
    id: request.correlationId,
    incidentId: request.correlationId,
    planId: request.planId,
    taskId: request.taskId,
    taskType: request.taskType,
    parameters: request.parameters,
    costCents: request.costCents,
    risk: request.risk,
    decisionId: request.decisionId,
    determiningPolicies: request.determiningPolicies,
    reasons: request.reasons,
    tier: request.tier,
    ...(approval.scheduledAt === undefined ? {} : { requestedAt: approval.scheduledAt.toISOString() }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    executionArn: approval.executionArn,
  };
}

/** Approval errors as problems: what the saga's state says, in the caller's terms. */
function approvalProblem(error: ApprovalError): OperatorProblem {
  if (error instanceof NoPendingApproval) {
    return new ResourceNotFound('approval', error.message, {
      pending: error.pending.map((p) => p.request.correlationId),
    });
  }
  if (error instanceof SeveralPendingApprovals) {
    return new StateConflict('several-approvals', 'Several approvals are pending', error.message, {
      executions: error.matches.map((p) => p.executionArn),
    });
  }
  if (error instanceof ApprovalTaskGone) {
    return error.reason === 'InvalidToken'
      ? new ResourceNotFound('approval', error.message)
      : new StateConflict('approval-gone', 'The approval no longer waits', error.message, {
          reason: error.reason,
        });
  }
  throw error;
}

/**
 * The operator API's routes (API Gateway HTTP API, payload format 2.0, IAM-authorized): incidents and their
 * timelines, pending approvals and their answers, agents with autonomy and budget burn. Every error is an RFC 9457
 * problem (`application/problem+json`).
 */
/** A parameter of the matched route's path (`/incidents/:id`): missing only if a route names one it lacks. */
function pathParameter(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new Error(`the route has no :${name} parameter`);
  return value;
}

export function operatorApi(ports: OperatorApiPorts): Router {
  const now = ports.now ?? Date.now;
  const app = new Router(ports.logger === undefined ? {} : { logger: ports.logger });

  app.get('/incidents', async ({ req }) => {
    const query = parseWith(incidentListQueryV1, Object.fromEntries(new URL(req.url).searchParams));
    const incidents = incidentSummaries(await ports.incidents.listingRecords(query.limit), query.limit);
    return json({ incidents });
  });

  app.get('/incidents/:id/timeline', async ({ params }) => {
    const id = pathParameter(params, 'id');
    const trace = incidentTrace(id, await ports.incidents.incidentRecords(id));
    if (trace === undefined) {
      throw new ResourceNotFound('incident', `episodic memory holds no record of incident ${id}`);
    }
    const saga =
      trace.executionId === undefined ? undefined : await sagaExecution(ports.sfn, trace.executionId);
    return json({
      ...trace,
      ...(saga === undefined ? {} : { saga }),
      traceId: saga?.traceId ?? null,
      // Decision-trace records are X-Ray subsegments annotated with the incident.
      traceQuery: `annotation.correlationId = ${JSON.stringify(id)}`,
    });
  });

  app.get('/incidents/:id/ratio', async ({ params }) => {
    const id = pathParameter(params, 'id');
    const opened = incidentKeyParts(id);
    if (opened === undefined) {
      throw new ResourceNotFound(
        'incident',
        `${id} is not an incident key (warehouse#<id>#<window start> or region#<id>#<window start>)`,
      );
    }
    const range = ratioRange(opened.windowStart);
    const windows = ratioWindows(await ports.windows.history(opened.scope, range.from, range.to));
    return json({ incidentId: id, scope: opened.scope, openedAt: opened.windowStart, ...range, windows });
  });

  // Where approvals are awaited, from the decision trace (DynamoDB): Step Functions' histories are read only for
  // executions whose incident has an approval asked and not answered — not for every running saga: history reads
  // share one token bucket per account and Region (400, refilled at 20 a second) with every other reader.
  app.get('/approvals', async () => {
    const incidents = incidentSummaries(
      await ports.incidents.listingRecords(APPROVAL_INCIDENTS),
      APPROVAL_INCIDENTS,
    ).filter((incident) => incident.status === 'planned');
    const executions = await mapLimited(incidents, TRACES_IN_FLIGHT, async (incident) =>
      executionAwaitingApproval(await ports.incidents.incidentRecords(incident.id)),
    );
    const executionArns = executions.filter((arn): arn is string => arn !== undefined);
    const pending = await pendingApprovals(ports.sfn, {
      stateMachineArn: ports.stateMachineArn,
      executionArns,
    });
    return json({ approvals: pending.map(approvalView) });
  });

  app.post('/approvals/:id', async (reqCtx) => {
    const by = callerOf(reqCtx);
    const body = parseWith(approvalAnswerV1, await jsonBody(reqCtx.req));
    const approve = body.decision === 'approve';
    const target = approvalTargetOf(pathParameter(reqCtx.params, 'id'));
    // An incident's trace says which execution to read (the one waiting, else the one its plan names; none once it
    // has ended); every running saga's history only for an incident the trace has not recorded yet.
    const executionArns =
      target.kind === 'incident'
        ? executionsToAnswer(await ports.incidents.incidentRecords(target.correlationId))
        : undefined;
    try {
      const answered = await answerApproval(
        ports.sfn,
        target,
        { approve, by, comment: body.reason ?? (approve ? 'approved' : 'rejected') },
        {
          stateMachineArn: ports.stateMachineArn,
          ...(executionArns === undefined ? {} : { executionArns }),
        },
      );
      ports.onApprovalAnswered?.(approve);
      return json({
        outcome: answered.outcome,
        note: answered.note,
        ...(answered.approval === undefined ? {} : { approval: approvalView(answered.approval) }),
      });
    } catch (error) {
      if (error instanceof ApprovalError) throw approvalProblem(error);
      throw error;
    }
  });

  app.get('/override-rate', async ({ req }) => {
    const query = parseWith(overrideRateQueryV1, Object.fromEntries(new URL(req.url).searchParams));
    const range = overrideRateRange(query.end === undefined ? now() : Date.parse(query.end), query.hours);
    const recorded = await ports.decisions.hourly(range.start, range.end);
    return json(overrideRate(recorded, range, ports.overrideRateThreshold));
  });

  app.get('/agents', async () => {
    const config = await ports.governance();
    const period = budgetPeriod(now());
    const agents = await Promise.all(
      ports.agents.map(async (name) =>
        agentStatus(
          name,
          config,
          period,
          hasBudget(config, name) ? await ports.budgets.spent(name, period) : 0,
        ),
      ),
    );
    return json({ agents });
  });

  app.errorHandler(OperatorProblem, (error, { req }) =>
    Promise.resolve(problemResponse(error.toProblem(new URL(req.url).pathname))),
  );
  app.notFound((_error, { req }) =>
    Promise.resolve(problemResponse(routeNotFound(req.method, new URL(req.url).pathname))),
  );
  app.methodNotAllowed((_error, { req }) =>
    Promise.resolve(
      problemResponse({ ...routeNotFound(req.method, new URL(req.url).pathname), status: 405 }),
    ),
  );
  // Registered last: the handlers above match their own errors first.
  app.errorHandler(Error, (error, { req, context }) => {
    ports.logger?.error('operator API request failed', { error });
    return Promise.resolve(
      problemResponse(internalProblem(new URL(req.url).pathname, context?.awsRequestId ?? 'unknown')),
    );
  });
  return app;
}
