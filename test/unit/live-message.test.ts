import {
  fitFrame,
  platformEventMessage,
  type PlatformEventMessage,
} from '../../lambdas/domain/contracts/live-message';

const envelope = (detail: Record<string, unknown>) => ({
  id: 'evt-1',
  time: '2026-11-20T10:46:00Z',
  source: 'proactive.planning',
  'detail-type': 'approval_requested',
  detail,
});
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;
const asIs = (message: PlatformEventMessage) => message;

/** The console's live message, shared by the sandbox's server-sent events and the AWS WebSocket push function. */
describe('platformEventMessage and fitFrame', () => {
  it('carries the incident, a summary and the detail without its task token', () => {
    const message = platformEventMessage(
      envelope({ correlationId: 'warehouse#WH-NYC#t', taskToken: 'secret', approvalId: 'a-1' }),
    );

    expect(message).toMatchObject({
      id: 'evt-1',
      detailType: 'approval_requested',
      correlationId: 'warehouse#WH-NYC#t',
      detail: { correlationId: 'warehouse#WH-NYC#t', approvalId: 'a-1' },
    });
    expect(JSON.stringify(message)).not.toContain('secret');
    expect(message.truncated).toBeUndefined();
  });

  it('leaves a message that fits as it is', () => {
    const message = platformEventMessage(envelope({ correlationId: 'c', evidence: ['one'] }));
    expect(fitFrame(message, asIs, 1024)).toBe(message);
  });

  it('keeps the most leading evidence lines that fit, clipping long ones, and says so', () => {
    const evidence = Array.from({ length: 50 }, (_, i) => `line ${i} ${'y'.repeat(5000)}`);
    const message = platformEventMessage(envelope({ correlationId: 'c', evidence }));

    const fitted = fitFrame(message, asIs, 20_000);

    expect(bytes(fitted)).toBeLessThanOrEqual(20_000);
    const kept = (fitted.detail as { evidence: string[] }).evidence;
    expect(kept.length).toBe(9);
    expect(kept[0]).toMatch(/^line 0 y+…$/);
    expect(kept[0]).toHaveLength(2000);
    // One more line would not have fitted.
    const oneMore = { ...fitted, detail: { ...(fitted.detail as object), evidence: [...kept, kept[0]] } };
    expect(bytes(oneMore)).toBeGreaterThan(20_000);
    expect(fitted.truncated).toMatch(/^detail\.evidence: 9 of 50 lines kept, long lines clipped/);
  });

  it('leaves the detail out when cutting the evidence is not enough, and refuses a limit too small for any event', () => {
    const message = platformEventMessage(envelope({ correlationId: 'c', blob: 'z'.repeat(10_000) }));

    const fitted = fitFrame(message, asIs, 2000);

    expect(fitted.detail).toEqual({});
    expect(fitted.truncated).toMatch(/^detail left out \(the event is \d+ bytes; a message may be 2000\)$/);
    expect(fitted.correlationId).toBe('c');
    expect(() => fitFrame(message, asIs, 100)).toThrow(/maxBytes 100 is too small for event evt-1/);
  });
});
