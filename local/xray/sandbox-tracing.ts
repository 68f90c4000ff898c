import type { IncidentTrace } from '../../console/src/trace-messages';
import type { VirtualClock } from '../clock';
import { TraceCollector, type TraceCollectorOptions } from './collector';
import { eventTracing, type EventTracing } from './event-segments';
import { stepFunctionsTracing, type StepFunctionsTracing } from './execution-segments';
import { functionTracing, type FunctionTracing, type TracingMode } from './lambda-segments';
import { incidentWaterfall } from './incident-waterfall';
import type { Waterfall } from './waterfall';

/** `GET /traces/<correlationId>`'s answer: the console's `IncidentTrace`, with the sandbox's whole waterfall. */
export interface IncidentTraceResponse extends IncidentTrace {
  readonly waterfall: Waterfall;
}

/**
 * X-Ray in the sandbox: the collector (the daemon the functions send to) and the segments AWS services record on
 * their own — Lambda's function segment per invocation, the EventBridge event, the Step Functions execution and
 * its Task states — with the trace header carried between them as AWS carries it.
 */
export class SandboxTracing {
  private constructor(
    readonly collector: TraceCollector,
    private readonly clock: VirtualClock,
  ) {}

  static async start(clock: VirtualClock, options: TraceCollectorOptions = {}): Promise<SandboxTracing> {
    return new SandboxTracing(await TraceCollector.listen(options), clock);
  }

  /**
   * What Lambda's runtime sets that turns the X-Ray SDK (and Powertools Tracer) on: the Lambda environment, the
   * daemon's address; `_X_AMZN_TRACE_ID` is set per invocation.
   */
  functionEnvironment(codeDir: string, handler: string): Record<string, string> {
    return {
      AWS_XRAY_DAEMON_ADDRESS: this.collector.address,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: handler,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    };
  }

  forFunction(fn: { functionName: string; functionArn: string }, mode: TracingMode): FunctionTracing {
    return functionTracing(this.collector, fn, mode, () => this.clock.now());
  }

  forBus(busName: string): EventTracing {
    return eventTracing(this.collector, busName, () => this.clock.now());
  }

  forStepFunctions(): StepFunctionsTracing {
    return stepFunctionsTracing(this.collector, () => this.clock.now());
  }

  /** The waterfall of an incident's trace(s), once the datagrams in flight have arrived. */
  async incident(correlationId: string): Promise<IncidentTraceResponse> {
    await this.collector.flush();
    return { correlationId, waterfall: incidentWaterfall(this.collector.documents(), correlationId) };
  }

  /** `GET /traces/<correlationId>` on the sandbox endpoint (the id URL-encoded: it holds `#` and `:`). */
  async handle(method: string, path: string): Promise<{ status: number; body: unknown; errorType?: string }> {
    const correlationId = decodeURIComponent(path.replace(/^\/+/, '').split('?')[0] ?? '');
    if (method !== 'GET' || correlationId === '') {
      return {
        status: 400,
        body: { message: 'GET /traces/<correlationId> (URL-encoded)' },
        errorType: 'ValidationException',
      };
    }
    const response = await this.incident(correlationId);
    if (response.waterfall.nodeCount === 0) {
      return {
        status: 404,
        body: { message: `no trace carries correlation id ${correlationId}` },
        errorType: 'ResourceNotFoundException',
      };
    }
    return { status: 200, body: response };
  }

  close(): Promise<void> {
    return this.collector.close();
  }
}
