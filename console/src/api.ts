import type { ConsoleConfig } from './config';
import type { ApiFetch } from './signed-fetch';

/*
 * What the console reads of the API's answers (the handler's `lambdas/domain/operator/*` shapes; the console, a
 * browser app, knows the API and its contracts only).
 */

/** `GET /incidents`: one incident episodic memory knows. */
export interface IncidentSummary {
  readonly id: string;
  readonly entity: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly status: string;
  readonly planner?: string;
  readonly summary?: string;
}

/** `GET /agents`: an agent's autonomy level and, when it has a daily ceiling, today's spend against it. */
export interface AgentStatus {
  readonly name: string;
  readonly autonomy: string;
  readonly autonomySource: 'configured' | 'default';
  readonly budget?: {
    readonly spentUsd: number;
    readonly ceilingUsd: number;
    /** Spend over ceiling; null when the ceiling is 0 yet something was spent. */
    readonly burn: number | null;
  };
  /** The KPIs the agent is held to (lambdas/domain/operator/kpis.ts): at most `target` `unit`. */
  readonly kpis?: readonly {
    readonly id: string;
    readonly description: string;
    readonly target: number;
    readonly unit: string;
  }[];
}

/** A pending approval as `GET /approvals` lists it (the task token stays with the saga). */
export interface PendingApproval {
  readonly id: string;
  readonly incidentId: string;
  readonly taskType: string;
  readonly parameters: Record<string, unknown>;
  readonly costCents: number;
  readonly risk: string;
  readonly determiningPolicies: readonly string[];
  readonly reasons: readonly string[];
  readonly tier: { readonly index: number; readonly name: string; readonly approvers: string };
  readonly requestedAt?: string;
  readonly expiresAt?: string;
}

/** An RFC 9457 problem the API answered, as an error the views can show. */
class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
  ) {
    super(`${status} ${title}${detail ? `: ${detail}` : ''}`);
  }
}

/** `GET /incidents/{id}/ratio`: the monitoring agent's counters of the incident's scope around it. */
export interface IncidentRatio {
  readonly scope: string;
  readonly windows: readonly {
    readonly start: string;
    readonly placed: number;
    readonly cancelled: number;
    readonly ratio: number | null;
  }[];
}

/** `GET /override-rate`: operator rejections over operator decisions, per hour and over the hours asked for. */
export interface OverrideRate {
  readonly hours: readonly {
    readonly start: string;
    readonly decisions: number;
    readonly overrides: number;
    readonly rate: number | null;
  }[];
  readonly decisions: number;
  readonly overrides: number;
  readonly rate: number | null;
  /** The hourly rate above which the override-rate alarm fires. */
  readonly threshold: number;
}

/** The operator HTTP API, as the console calls it (ids percent-encoded in paths, as the API asks). */
export class OperatorApi {
  /**
   * @param send how requests go out: plain `fetch` in the sandbox (its local server signs them), SigV4-signed with
   *   the signed-in operator's credentials on AWS (signed-fetch.ts)
   */
  constructor(
    private readonly config: ConsoleConfig,
    private readonly send: ApiFetch = (url, init) => fetch(url, init),
  ) {}

  async incidents(limit = 50): Promise<IncidentSummary[]> {
    return (await this.call<{ incidents: IncidentSummary[] }>('GET', `/incidents?limit=${limit}`)).incidents;
  }

  async approvals(): Promise<PendingApproval[]> {
    return (await this.call<{ approvals: PendingApproval[] }>('GET', '/approvals')).approvals;
  }

  async answer(
    id: string,
    decision: 'approve' | 'reject',
    reason?: string,
  ): Promise<{ outcome: string; note: string }> {
    return this.call('POST', `/approvals/${encodeURIComponent(id)}`, {
      decision,
      ...(reason ? { reason } : {}),
    });
  }

  async ratio(incidentId: string): Promise<IncidentRatio> {
    return this.call('GET', `/incidents/${encodeURIComponent(incidentId)}/ratio`);
  }

  /** The hours ending with the one that holds `end` (ISO 8601; the API's default: now). */
  async overrideRate(hours = 24, end?: string): Promise<OverrideRate> {
    const query = new URLSearchParams({ hours: String(hours), ...(end === undefined ? {} : { end }) });
    return this.call('GET', `/override-rate?${query.toString()}`);
  }

  async agents(): Promise<AgentStatus[]> {
    return (await this.call<{ agents: AgentStatus[] }>('GET', '/agents')).agents;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const base = this.config.apiBase.replace(/\/$/, '');
    const response = await this.send(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed = (text === '' ? undefined : JSON.parse(text)) as
      (T & { title?: string; detail?: string; message?: string }) | undefined;
    if (!response.ok) {
      throw new ApiProblem(
        response.status,
        parsed?.title ?? parsed?.message ?? response.statusText,
        parsed?.detail,
      );
    }
    return parsed as T;
  }
}
