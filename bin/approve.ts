#!/usr/bin/env node
/**
 * Answers an approval the remediation saga waits on (`approval_requested`): approve, or reject with --reject.
 *
 *   npm run approve -- <incident|token> [--reject] [--by <name>] [--comment <text>]
 *                      [--endpoint-url <url>] [--state-machine <arn>] [--region <region>]
 *
 * Against a running sandbox (`npm start`, found through endpoint.json in the sandbox directory: `.sandbox/` unless
 * PROACTIVE_AGENTS_SANDBOX_DIR names another) or, without one, AWS with the usual credentials and region.
 */
import { SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { endpointFile, runningSandboxEndpoint } from '../local/endpoint-file';
import { ApprovalError } from '../lambdas/adapters/approval-errors';
import {
  answerApproval,
  approvalTargetOf,
  type AnsweredApproval,
} from '../lambdas/adapters/step-functions-approvals';

const usage = `Usage: npm run approve -- <incident|token> [--reject] [--by <name>] [--comment <text>]
                         [--endpoint-url <url>] [--state-machine <arn>] [--region <region>]

Answers the approval the remediation saga waits on for an incident (its correlation id, as approval_requested
and the timeline show it), or for a task token: approves it (the task runs), or with --reject rejects it (what
the plan did is compensated).

Where: a running sandbox (npm start writes .sandbox/endpoint.json, or endpoint.json in the directory that
PROACTIVE_AGENTS_SANDBOX_DIR names), else AWS with the usual credentials and
region (states:ListStateMachines, ListExecutions, GetExecutionHistory, SendTaskSuccess, SendTaskFailure).

  --reject              reject instead of approving
  --by <name>           who answers (default: $USER)
  --comment <text>      why (default: "approved" / "rejected")
  --endpoint-url <url>  a Step Functions endpoint (e.g. a sandbox's), instead of the above
  --state-machine <arn> look only at this state machine (default: every one whose name contains RemediationSaga)
  --region <region>     the AWS region (default: from the environment)`;

const root = path.resolve(__dirname, '..');

/** The command line, checked: a bad value is an error naming its flag. */
const approveArguments = z.object({
  target: z.string().trim().min(1, 'give an incident (correlation id) or a task token'),
  reject: z.boolean(),
  by: z.string().trim().min(1).max(128),
  comment: z.string().trim().min(1).max(4096),
  endpointUrl: z.url().optional(),
  stateMachine: z
    .string()
    .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]+$/, 'must be a state machine ARN')
    .optional(),
  region: z.string().min(1).optional(),
});
type ApproveArguments = z.infer<typeof approveArguments>;

const FLAG_OF: Record<string, string> = {
  target: '<incident|token>',
  by: '--by',
  comment: '--comment',
  endpointUrl: '--endpoint-url',
  stateMachine: '--state-machine',
  region: '--region',
};

function parseCommandLine(argv: readonly string[]): ApproveArguments | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      reject: { type: 'boolean', default: false },
      by: { type: 'string' },
      comment: { type: 'string' },
      'endpoint-url': { type: 'string' },
      'state-machine': { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 1) {
    throw new ApprovalError(
      `one incident or token at a time, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  const parsed = approveArguments.safeParse({
    target: positionals[0] ?? '',
    reject: values.reject,
    by: values.by ?? defaultApprover(),
    comment: values.comment ?? (values.reject ? 'rejected' : 'approved'),
    endpointUrl: values['endpoint-url'],
    stateMachine: values['state-machine'],
    region: values.region,
  });
  if (!parsed.success) {
    // zod reports at least one issue; the fallbacks only keep the message whole.
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'target');
    throw new ApprovalError(`${FLAG_OF[field] ?? field}: ${issue?.message ?? 'invalid'}\n\n${usage}`);
  }
  return parsed.data;
}

function defaultApprover(): string {
  try {
    return process.env.USER ?? userInfo().username;
  } catch {
    // No passwd entry (some containers): the operator must say who they are.
    return '';
  }
}

/** The sandbox's loopback endpoint takes any signature; AWS needs the caller's own credentials. */
function clientConfig(args: ApproveArguments): { config: SFNClientConfig; where: string } {
  const sandboxCredentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
  const region = args.region === undefined ? {} : { region: args.region };
  if (args.endpointUrl !== undefined) {
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(args.endpointUrl).hostname);
    return {
      config: {
        endpoint: args.endpointUrl,
        ...(loopback ? { credentials: sandboxCredentials, region: 'us-east-1' } : {}),
        ...region,
      },
      where: args.endpointUrl,
    };
  }
  const sandbox = runningSandboxEndpoint(root);
  if (sandbox !== undefined) {
    return {
      config: {
        endpoint: sandbox.url,
        credentials: sandboxCredentials,
        region: sandbox.region ?? 'us-east-1',
        ...region,
      },
      where: `the sandbox at ${sandbox.url} (${path.relative(process.cwd(), endpointFile(root))}, pid ${sandbox.pid})`,
    };
  }
  return { config: region, where: 'AWS' };
}

function report(answered: AnsweredApproval, where: string): string {
  const { approval } = answered;
  if (approval === undefined)
    return `${answered.outcome} the task waiting on the token (${where}): ${answered.note}`;
  const { request } = approval;
  return `${answered.outcome} ${request.taskType} for ${request.correlationId} at tier ${request.tier.index + 1} (${request.tier.name}, asked of ${request.tier.approvers}), execution ${approval.executionName} (${where}): ${answered.note}`;
}

async function main(): Promise<number> {
  const args = parseCommandLine(process.argv.slice(2));
  if (args === 'help') {
    console.log(usage);
    return 0;
  }
  const { config, where } = clientConfig(args);
  if (where === 'AWS') {
    console.error(
      `No sandbox is running (no live ${path.relative(process.cwd(), endpointFile(root))}): asking AWS, with the region and credentials of the environment (--region to choose).`,
    );
  }
  const client = new SFNClient(config);
  try {
    const answered = await answerApproval(
      client,
      approvalTargetOf(args.target),
      { approve: !args.reject, by: args.by, comment: args.comment },
      args.stateMachine === undefined ? {} : { stateMachineArn: args.stateMachine },
    );
    console.log(report(answered, where));
    return 0;
  } finally {
    client.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Expected refusals say what to do; anything else keeps its stack.
    console.error(
      error instanceof ApprovalError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : error,
    );
    process.exit(error instanceof ApprovalError ? 2 : 1);
  },
);
