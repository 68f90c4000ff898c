import { useState } from 'preact/hooks';
import type { PendingApproval } from '../api';

export interface ApprovalsInboxProps {
  readonly approvals: readonly PendingApproval[];
  readonly onAnswer: (id: string, decision: 'approve' | 'reject', reason: string) => Promise<void>;
}

const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

/** The approvals the saga waits on now: what would run, why, and the answer (signed as the operator). */
export function ApprovalsInbox({ approvals, onAnswer }: ApprovalsInboxProps) {
  return (
    <section class="approvals" aria-label="Approvals">
      <h2>Approvals</h2>
      {approvals.length === 0 ? <p class="empty">Nothing waits for an answer.</p> : null}
      <ul data-testid="approvals">
        {approvals.map((approval) => (
          <ApprovalCard
            key={`${approval.id}#${approval.tier.index}`}
            approval={approval}
            onAnswer={onAnswer}
          />
        ))}
      </ul>
    </section>
  );
}

function ApprovalCard({
  approval,
  onAnswer,
}: {
  approval: PendingApproval;
  onAnswer: ApprovalsInboxProps['onAnswer'];
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const answer = (decision: 'approve' | 'reject') => {
    setBusy(true);
    void onAnswer(approval.id, decision, reason).finally(() => setBusy(false));
  };
  return (
    <li class="approval" data-approval-id={approval.id}>
      <p>
        <strong>{approval.taskType}</strong> for <code>{approval.incidentId}</code>
      </p>
      <p>
        cost {dollars(approval.costCents)}, risk {approval.risk}; tier {approval.tier.index + 1} (
        {approval.tier.name}, {approval.tier.approvers})
        {approval.expiresAt ? `, lapses ${approval.expiresAt.slice(11, 19)} UTC` : ''}
      </p>
      <p class="why">because: {approval.determiningPolicies.join(', ')}</p>
      <label>
        Reason{' '}
        <input
          value={reason}
          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          placeholder="optional"
        />
      </label>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => answer('approve')}>
          Approve
        </button>
        <button type="button" class="reject" disabled={busy} onClick={() => answer('reject')}>
          Reject
        </button>
      </div>
    </li>
  );
}
