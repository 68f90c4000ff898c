import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  OperatorApi,
  type AgentStatus,
  type IncidentSummary,
  type OverrideRate,
  type PendingApproval,
} from './api';
import type { ConsoleConfig } from './config';
import type { ApiFetch } from './signed-fetch';
import { withListing } from './incident-listing';
import { newestFirst, withEvent, type LiveIncident } from './incidents';
import { subscribe } from './live';
import type { PlatformEventMessage } from './live-messages';
import { connectLiveSocket } from './live-socket';
import { pointOf, RatioWindows, type RatioPoint } from './ratio-windows';
import { AgentsPanel } from './views/agents';
import { OverrideRatePanel } from './views/override-rate';
import { ApprovalsInbox } from './views/approvals';
import { IncidentList } from './views/incident-list';
import { IncidentView } from './views/timeline';

/** Events after which the approvals inbox and the agents' spend are read again at once. */
const REFRESH_ON = new Set(['approval_requested', 'approval_decided', 'remediation_planned']);
/** How often the inbox and the agents are read anyway (an approval can lapse without an event here). */
const REFRESH_MS = 3000;
/** How often the override rate is read (hourly sums of metrics; GetMetricData is billed per metric read). */
const OVERRIDE_RATE_MS = 60_000;
/** The chart around an incident: two hours before the window it alarmed on, an hour after. */
const BEFORE_MS = 2 * 3600_000;
const AFTER_MS = 3600_000;

/**
 * How the console hears of new events: the sandbox's server-sent events (`eventsUrl`), the AWS WebSocket push channel
 * (`liveUrl`, with a presigner), or neither (it polls the API).
 */
type LiveChannel = 'stream' | 'socket' | 'poll';

export function App({
  config,
  send,
  presign,
  onSignOut,
}: {
  config: ConsoleConfig;
  send?: ApiFetch;
  /** On AWS: presigns the push channel's URL with the operator's credentials (SigV4 in the query string). */
  presign?: (url: string) => Promise<string>;
  /** On AWS: ends the operator's sign-in (the header shows a sign-out button). */
  onSignOut?: () => void;
}) {
  const api = useMemo(() => new OperatorApi(config, send), [config, send]);
  const channel: LiveChannel =
    config.eventsUrl !== undefined
      ? 'stream'
      : config.liveUrl !== undefined && presign !== undefined
        ? 'socket'
        : 'poll';
  // Whether the push channel is open now: the API's incident listing is read only while it is not.
  const socketOpen = useRef(false);
  const [incidents, setIncidents] = useState<ReadonlyMap<string, LiveIncident>>(new Map());
  const [selected, setSelected] = useState<string | undefined>();
  const [approvals, setApprovals] = useState<PendingApproval[]>([]);
  const [agents, setAgents] = useState<AgentStatus[]>([]);
  const [overrides, setOverrides] = useState<OverrideRate | undefined>();
  // On the live stream (the sandbox) the platform's time is its events' (a replay's virtual clock), not the wall's.
  const newestEventTime = useRef<string | undefined>(undefined);
  const [connected, setConnected] = useState(false);
  const [finished, setFinished] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [skipped, setSkipped] = useState(0);
  const ratios = useRef(new RatioWindows());
  const [ratioVersion, setRatioVersion] = useState(0);

  /** Reads the inbox and the agents; and the incidents when no channel brings their events (or to catch up). */
  const refresh = useCallback(
    async (catchUp = false) => {
      try {
        const [pending, agentList] = await Promise.all([api.approvals(), api.agents()]);
        setApprovals(pending);
        setAgents(agentList);
        if (channel === 'poll' || (channel === 'socket' && (catchUp || !socketOpen.current))) {
          const listed: IncidentSummary[] = await api.incidents();
          setIncidents((current) => withListing(current, listed));
        }
      } catch (error) {
        setNotice((error as Error).message);
      }
    },
    [api, channel],
  );

  const refreshOverrides = useCallback(async () => {
    try {
      setOverrides(await api.overrideRate(24, newestEventTime.current));
    } catch (error) {
      setNotice((error as Error).message);
    }
  }, [api]);

  useEffect(() => {
    void refreshOverrides();
    const timer = setInterval(() => void refreshOverrides(), OVERRIDE_RATE_MS);
    return () => clearInterval(timer);
  }, [refreshOverrides]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(
      () => void refresh(),
      channel === 'stream' ? REFRESH_MS : (config.pollSeconds ?? 10) * 1000,
    );
    return () => clearInterval(timer);
  }, [refresh, config, channel]);

  /** One platform event, from either channel, into the incident fold. */
  const onPlatform = useCallback(
    (event: PlatformEventMessage) => {
      if (event.time > (newestEventTime.current ?? '')) newestEventTime.current = event.time;
      setIncidents((current) => withEvent(current, event));
      if (event.correlationId !== undefined) setSelected((current) => current ?? event.correlationId);
      if (REFRESH_ON.has(event.detailType)) void refresh();
      if (event.detailType === 'approval_decided') void refreshOverrides();
    },
    [refresh, refreshOverrides],
  );

  useEffect(() => {
    const { liveUrl } = config;
    if (channel !== 'socket' || liveUrl === undefined || presign === undefined) return undefined;
    return connectLiveSocket(() => presign(liveUrl), {
      platform: onPlatform,
      connected: (open) => {
        socketOpen.current = open;
        setConnected(open);
        // What happened while the socket was down (or before it opened) is read from the API once.
        if (open) void refresh(true);
      },
      problem: (error) => setNotice(error.message),
    });
  }, [config, channel, presign, onPlatform, refresh]);

  useEffect(() => {
    if (config.eventsUrl === undefined) return undefined;
    // The chart redraws at most twice a second, however fast orders arrive.
    let redraw: ReturnType<typeof setTimeout> | undefined;
    return subscribe(config.eventsUrl, {
      platform: onPlatform,
      input: (event) => {
        ratios.current.add(event);
        redraw ??= setTimeout(() => {
          redraw = undefined;
          setRatioVersion((v) => v + 1);
        }, 500);
      },
      skipped: (message) => setSkipped((n) => n + message.inputs),
      finished: () => setFinished(true),
      connected: setConnected,
    });
  }, [config, onPlatform]);

  const answer = useCallback(
    async (id: string, decision: 'approve' | 'reject', reason: string) => {
      try {
        const answered = await api.answer(id, decision, reason.trim() || undefined);
        setNotice(`${answered.outcome}: ${answered.note}`);
      } catch (error) {
        setNotice((error as Error).message);
      }
      await Promise.all([refresh(), refreshOverrides()]);
    },
    [api, refresh, refreshOverrides],
  );

  const list = newestFirst(incidents);
  const incident = selected === undefined ? undefined : incidents.get(selected);
  // The monitoring agent's own counters (GET /incidents/{id}/ratio), read again every 10 s while the incident is
  // shown; until they arrive (or where the API cannot be reached) what the stream showed this browser.
  const [counted, setCounted] = useState<{ id: string; points: RatioPoint[] } | undefined>(undefined);
  useEffect(() => {
    if (incident?.spike === undefined) return undefined;
    const id = incident.id;
    let live = true;
    const read = () =>
      api
        .ratio(id)
        .then((answer) => {
          if (live) setCounted({ id, points: answer.windows.map(pointOf) });
        })
        .catch(() => undefined);
    void read();
    const timer = setInterval(() => void read(), 10_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, incident?.id, incident?.spike]);
  const ratio = useMemo(() => {
    const spike = incident?.spike;
    if (spike === undefined) return [];
    if (counted !== undefined && counted.id === incident?.id) return counted.points;
    const start = Date.parse(spike.window.start);
    const end = Date.parse(spike.window.end);
    return ratios.current.series(`${spike.scope.type}#${spike.scope.id}`, start - BEFORE_MS, end + AFTER_MS);
    // ratioVersion: the windows changed (they are kept in a ref, not in state).
  }, [incident?.spike, incident?.id, counted, ratioVersion]);

  return (
    <div class="console">
      <header class="top">
        <h1>Proactive Agents — operator console</h1>
        <span class="environment">{config.environment}</span>
        {channel === 'poll' ? (
          <span class="live">polling every {config.pollSeconds ?? 10} s</span>
        ) : channel === 'socket' ? (
          <span class={`live ${connected ? 'on' : 'off'}`} data-testid="live-status">
            {connected ? 'live' : `reconnecting… (polling every ${config.pollSeconds ?? 10} s)`}
          </span>
        ) : (
          <span class={`live ${connected ? 'on' : 'off'}`} data-testid="live-status">
            {connected ? (finished ? 'live · replay finished' : 'live') : 'reconnecting…'}
          </span>
        )}
        {onSignOut === undefined ? null : (
          <button type="button" class="sign-out" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      {notice === undefined ? null : (
        <p class="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      {skipped > 0 ? (
        <p class="notice">{skipped.toLocaleString()} order events not shown here (the console fell behind)</p>
      ) : null}
      <main>
        <IncidentList incidents={list} selected={selected} onSelect={setSelected} />
        {incident === undefined ? (
          <section class="incident empty">Select an incident.</section>
        ) : (
          <IncidentView config={config} incident={incident} ratio={ratio} />
        )}
        <aside>
          <ApprovalsInbox approvals={approvals} onAnswer={answer} />
          <AgentsPanel agents={agents} />
          <OverrideRatePanel rate={overrides} />
        </aside>
      </main>
    </div>
  );
}
