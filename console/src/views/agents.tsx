import type { AgentStatus } from '../api';

/** Each agent's autonomy level, today's model spend against its ceiling, and the KPIs it is held to. */
export function AgentsPanel({ agents }: { agents: readonly AgentStatus[] }) {
  return (
    <section class="agents" aria-label="Agents">
      <h2>Agents</h2>
      <table data-testid="agents">
        <thead>
          <tr>
            <th>agent</th>
            <th>autonomy</th>
            <th>budget today</th>
            <th>KPI</th>
          </tr>
        </thead>
        <tbody>
          {agents.map((agent) => (
            <tr key={agent.name}>
              <td>{agent.name}</td>
              <td class={`autonomy autonomy-${agent.autonomy}`}>
                {agent.autonomy}
                {agent.autonomySource === 'default' ? ' (default)' : ''}
              </td>
              <td>
                {agent.budget === undefined ? (
                  '–'
                ) : (
                  <BudgetBurn
                    spent={agent.budget.spentUsd}
                    ceiling={agent.budget.ceilingUsd}
                    burn={agent.budget.burn}
                  />
                )}
              </td>
              <td class="kpis">
                {(agent.kpis ?? []).length === 0
                  ? '–'
                  : (agent.kpis ?? []).map((kpi) => (
                      <span key={kpi.id} title={kpi.description}>
                        {kpi.id} ≤ {kpi.target} {kpi.unit}
                      </span>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function BudgetBurn({ spent, ceiling, burn }: { spent: number; ceiling: number; burn: number | null }) {
  const share = Math.min(1, burn ?? 1);
  return (
    <span class="burn" title={`$${spent.toFixed(4)} of $${ceiling.toFixed(2)}`}>
      <meter min={0} max={1} value={share} high={0.8} />${spent.toFixed(4)} / ${ceiling.toFixed(2)}
    </span>
  );
}
