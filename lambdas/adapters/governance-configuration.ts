import { createHash } from 'node:crypto';
import { GovernanceConfigurationInvalid } from '../domain/governance/errors';
import { parseGovernanceConfigText, type GovernanceConfig } from '../domain/governance/governance-config';
import type { PolicyEngine } from '../domain/governance/policy-engine';
import { CedarPolicyEngine } from './cedar-policy-engine';

/** The configuration document as its store returns it (Powertools' AppConfigProvider gives bytes). */
export type ConfigurationDocument = Uint8Array | string | undefined;

/** The configuration in force, its policies parsed. */
export interface GovernanceSnapshot {
  readonly config: GovernanceConfig;
  readonly engine: PolicyEngine;
  /** `sha256:<12 hex>` of the document: which version decided, in every decision and event. */
  readonly version: string;
  /** Whether this call parsed a new version (false when the document was the one already loaded). */
  readonly reloaded: boolean;
}

const bytesOf = (document: Uint8Array | string): Uint8Array =>
  typeof document === 'string' ? Buffer.from(document, 'utf8') : document;

const sameDocument = (a: Uint8Array, b: Uint8Array): boolean =>
  a === b || (a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b)));

/**
 * The governance configuration of a warm instance: `read` fetches the document (cached by its store, e.g. for
 * 30 s), and a document is validated and its Cedar policies parsed only when it differs from the one loaded —
 * once per configuration version. A version that fails validation fails every decision (closed) until a valid
 * one is deployed; it is not parsed again while it stays current.
 */
export class GovernanceConfiguration {
  private current: { bytes: Uint8Array; config: GovernanceConfig; version: string } | undefined;
  private refused: { bytes: Uint8Array; error: Error } | undefined;
  private readonly engine: CedarPolicyEngine;

  constructor(
    private readonly read: () => Promise<ConfigurationDocument>,
    engine?: CedarPolicyEngine,
  ) {
    this.engine = engine ?? new CedarPolicyEngine();
  }

  async load(): Promise<GovernanceSnapshot> {
    const document = await this.read();
    if (document === undefined || document.length === 0) {
      throw new GovernanceConfigurationInvalid('(document)', 'the configuration store returned no document');
    }
    const bytes = bytesOf(document);
    if (this.current && sameDocument(bytes, this.current.bytes)) {
      return { ...this.current, engine: this.engine, reloaded: false };
    }
    if (this.refused && sameDocument(bytes, this.refused.bytes)) throw this.refused.error;
    try {
      const config = parseGovernanceConfigText(Buffer.from(bytes).toString('utf8'));
      this.engine.load(config.policies, Object.keys(config.thresholds));
      const version = `sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
      this.current = { bytes, config, version };
      this.refused = undefined;
      return { ...this.current, engine: this.engine, reloaded: true };
    } catch (error) {
      if (error instanceof GovernanceConfigurationInvalid) {
        // The engine still holds the previous sets, but they no longer describe the configuration in force.
        this.current = undefined;
        this.refused = { bytes, error };
      }
      throw error;
    }
  }
}
