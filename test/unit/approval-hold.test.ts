import { ApprovalHold } from '../../local/approval-hold';
import type { PendingTaskToken } from '../../local/stepfunctions/task-tokens';

/** The sandbox's human-in-the-loop hold, on real time (short waits) with the pending tokens stood in for. */
describe('ApprovalHold', () => {
  const approval: PendingTaskToken = {
    token: 'AQ-approval',
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:RemediationSaga:exec-1',
    stateName: 'RequestApproval',
    deadline: Date.parse('2026-11-20T10:51:04Z'),
  };
  const command: PendingTaskToken = { ...approval, token: 'AQ-command', stateName: 'RunTask' };
  const settle = jest.fn(() => Promise.resolve());

  beforeEach(() => settle.mockClear());

  it('waits while an approval is pending and reports that it was answered, announcing it once', async () => {
    let pending: PendingTaskToken[] = [approval];
    const announced: string[] = [];
    const hold = new ApprovalHold(
      {
        stateNames: ['RequestApproval'],
        realSeconds: 30,
        pollMs: 10,
        onPending: (p) => announced.push(p.token),
      },
      () => pending,
    );
    setTimeout(() => (pending = []), 100);

    const started = Date.now();
    const answered = await hold.wait(settle);

    expect(answered).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(announced).toEqual(['AQ-approval']);
    expect(settle).toHaveBeenCalled();
  });

  it('gives up on an approval after realSeconds, and no longer holds the clock for it', async () => {
    const lapsed: string[] = [];
    const hold = new ApprovalHold(
      {
        stateNames: ['RequestApproval'],
        realSeconds: 0.15,
        pollMs: 10,
        onLapsed: (p) => lapsed.push(p.token),
      },
      () => [approval],
    );

    const first = Date.now();
    expect(await hold.wait(settle)).toBe(false);
    const waited = Date.now() - first;
    const second = Date.now();
    expect(await hold.wait(settle)).toBe(false);

    expect(waited).toBeGreaterThanOrEqual(140);
    expect(Date.now() - second).toBeLessThan(50);
    expect(lapsed).toEqual(['AQ-approval']);
  });

  it('never holds for callback tasks of other states (an agent answers those)', async () => {
    const onPending = jest.fn();
    const hold = new ApprovalHold({ stateNames: ['RequestApproval'], realSeconds: 30, onPending }, () => [
      command,
    ]);

    expect(await hold.wait(settle)).toBe(false);
    expect(onPending).not.toHaveBeenCalled();
  });

  it('refuses a negative wait, naming the option', () => {
    expect(() => new ApprovalHold({ stateNames: ['RequestApproval'], realSeconds: -1 }, () => [])).toThrow(
      'holdForApprovals.realSeconds must be a number of seconds >= 0, got -1',
    );
  });
});
