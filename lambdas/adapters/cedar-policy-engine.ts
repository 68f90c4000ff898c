import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { GovernanceConfigurationInvalid } from '../domain/governance/errors';
import type { GovernanceConfig } from '../domain/governance/governance-config';
import type {
  PolicyEngine,
  PolicyEvaluationError,
  PolicyQuery,
  PolicySetAnswer,
} from '../domain/governance/policy-engine';
import { policySchema } from '../domain/governance/policy-schema';

type PolicySetName = keyof GovernanceConfig['policies'];

/** A policy's `@id`: no `:`, so it never collides with the decision point's built-in rule ids. */
const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The approval set's implicit permit: the set can only add approvals, never allow anything by itself. */
const IMPLICIT_PERMIT = 'implicit:no-approval-needed';

/** Cedar itself failed on a request (not a policy error): the request was built wrong. A bug, not bad input. */
class PolicyEngineFailure extends Error {
  override readonly name = 'PolicyEngineFailure';
}

const describe = (errors: readonly cedar.DetailedError[]): string =>
  errors.map((error) => (error.help ? `${error.message} (${error.help})` : error.message)).join('; ');

/** Policies of one set, keyed by their `@id`, after checking each parses and has a usable, unique id. */
function policiesById(name: PolicySetName, text: string, seen: Set<string>): Record<string, string> {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') {
    throw new GovernanceConfigurationInvalid(
      `policies.${name}`,
      `Cedar does not parse: ${describe(parts.errors)}`,
    );
  }
  if (parts.policy_templates.length > 0) {
    throw new GovernanceConfigurationInvalid(`policies.${name}`, 'policy templates are not supported');
  }
  const byId: Record<string, string> = {};
  parts.policies.forEach((policy, index) => {
    const json = cedar.policyToJson(policy);
    if (json.type === 'failure') {
      throw new GovernanceConfigurationInvalid(`policies.${name}[${index}]`, describe(json.errors));
    }
    const id = json.json.annotations?.id;
    if (id === undefined || !POLICY_ID.test(id)) {
      throw new GovernanceConfigurationInvalid(
        `policies.${name}[${index}]`,
        `every policy needs an @id("...") of letters, digits, '_', '.', '-' (got ${id === undefined ? 'none' : JSON.stringify(id)})`,
      );
    }
    if (seen.has(id)) throw new GovernanceConfigurationInvalid(`policies.${name}[${id}]`, 'duplicate @id');
    if (name === 'approval' && json.json.effect !== 'forbid') {
      throw new GovernanceConfigurationInvalid(
        `policies.approval[${id}]`,
        'approval policies are forbid policies: each one that matches requires approval',
      );
    }
    seen.add(id);
    byId[id] = policy;
  });
  return byId;
}

let engines = 0;

/**
 * The Cedar policy engine (`@cedar-policy/cedar-wasm`): `load` parses a configuration's two policy sets once,
 * validates them against the request model's schema (strict mode), and keeps them preparsed in Cedar's cache, so
 * each decision only evaluates. Each engine owns two cache slots, replaced by the next `load`: memory stays
 * bounded however many configuration versions a warm instance sees.
 */
export class CedarPolicyEngine implements PolicyEngine {
  private readonly slots: Record<PolicySetName, string>;
  private loaded = false;

  constructor() {
    engines += 1;
    this.slots = { authorization: `pdp-${engines}-authorization`, approval: `pdp-${engines}-approval` };
  }

  /**
   * Parses and validates `policies`, then replaces the engine's sets. Nothing is replaced when either set is
   * refused (GovernanceConfigurationInvalid naming the set and the policy).
   */
  load(policies: GovernanceConfig['policies'], thresholdNames: readonly string[]): void {
    const schema = policySchema(thresholdNames) as cedar.SchemaJson<string>;
    const seen = new Set<string>();
    const sets = {
      authorization: policiesById('authorization', policies.authorization, seen),
      approval: policiesById('approval', policies.approval, seen),
    };
    for (const name of ['authorization', 'approval'] as const) {
      const validation = cedar.validate({
        schema,
        policies: { staticPolicies: sets[name] },
        validationSettings: { mode: 'strict' },
      });
      if (validation.type === 'failure') {
        throw new GovernanceConfigurationInvalid(`policies.${name}`, describe(validation.errors));
      }
      const [first] = validation.validationErrors;
      if (first) {
        throw new GovernanceConfigurationInvalid(
          `policies.${name}[${first.policyId}]`,
          describe([first.error]),
        );
      }
    }
    const approval = { ...sets.approval, [IMPLICIT_PERMIT]: 'permit (principal, action, resource);' };
    for (const [name, staticPolicies] of [
      ['authorization', sets.authorization],
      ['approval', approval],
    ] as const) {
      const answer = cedar.preparsePolicySet(this.slots[name], { staticPolicies });
      if (answer.type === 'failure') {
        throw new GovernanceConfigurationInvalid(`policies.${name}`, describe(answer.errors));
      }
    }
    this.loaded = true;
  }

  authorize(query: PolicyQuery): PolicySetAnswer {
    return this.evaluate('authorization', query);
  }

  approval(query: PolicyQuery): PolicySetAnswer {
    const answer = this.evaluate('approval', query);
    return answer.decision === 'allow' ? { ...answer, determiningPolicies: [] } : answer;
  }

  private evaluate(name: PolicySetName, query: PolicyQuery): PolicySetAnswer {
    if (!this.loaded) throw new PolicyEngineFailure('no policies loaded');
    const answer = cedar.statefulIsAuthorized({
      principal: query.principal,
      action: query.action,
      resource: query.resource,
      context: { ...query.context, limits: { ...query.context.limits } },
      entities: [],
      preparsedPolicySetId: this.slots[name],
    });
    if (answer.type === 'failure') {
      throw new PolicyEngineFailure(`Cedar refused the ${name} request: ${describe(answer.errors)}`);
    }
    const { decision, diagnostics } = answer.response;
    const errors: PolicyEvaluationError[] = diagnostics.errors.map((error) => ({
      policyId: error.policyId,
      message: error.error.message,
    }));
    return { decision, determiningPolicies: [...diagnostics.reason].sort(), errors };
  }
}
