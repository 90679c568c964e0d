import { useEffect, useState } from 'preact/hooks';
import { admin, getToken, openDashboardSession, problemOf, setToken, type Problem } from '../api.js';
import { RunStatus, StageStatus, type Run } from '../gen/marquee/v1/pipeline_pb.js';
import { ProblemBox, Section, fmt } from '../ui.js';

export function RunsView() {
  const [token, setTokenState] = useState(getToken());
  if (!token) return <SignIn onToken={(t) => (setToken(t), setTokenState(t))} />;
  return <Runs onSignOut={() => (setToken(''), setTokenState(''))} />;
}

function SignIn({ onToken }: { onToken: (t: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <Section title="Pipeline runs">
      <p>Rebuilds and their progress need the admin token (MARQUEE_ADMIN_TOKEN). It is kept for this browser tab only.</p>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label>
          Token <input id="token" type="password" autocomplete="off" required value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </Section>
  );
}

function Runs({ onSignOut }: { onSignOut: () => void }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [watched, setWatched] = useState<Run | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [note, setNote] = useState('');
  const [tick, setTick] = useState(0);

  // the run list, and a live stream of the active (else latest) run
  useEffect(() => {
    const ac = new AbortController();
    (async () => {
      try {
        const list = await admin.listRuns({ limit: 10 }, { signal: ac.signal });
        setRuns(list.runs);
        setProblem(null);
        const target = list.activeRunId || list.runs[0]?.runId;
        if (!target) return;
        for await (const ev of admin.watchRun({ runId: target }, { signal: ac.signal })) {
          if (ev.run) setWatched(ev.run);
          if (ev.final) {
            const again = await admin.listRuns({ limit: 10 }, { signal: ac.signal });
            setRuns(again.runs);
          }
        }
      } catch (err) {
        if (!ac.signal.aborted) setProblem(problemOf(err));
      }
    })();
    return () => ac.abort();
  }, [tick]);

  const rebuild = async () => {
    try {
      const r = await admin.startRebuild({});
      setNote(r.created ? `Started run ${r.run?.runId.slice(0, 8)}.` : `A run is already in progress (${r.run?.runId.slice(0, 8)}); watching it.`);
      setTick((t) => t + 1);
    } catch (err) {
      setProblem(problemOf(err));
    }
  };

  const dashboard = async () => {
    try {
      await openDashboardSession();
      location.href = '/admin/queues';
    } catch (err) {
      setNote(`The queue dashboard refused: ${(err as Error).message}`);
    }
  };

  return (
    <>
      <Section title="Pipeline runs">
        <p class="toolbar">
          <button type="button" onClick={() => void rebuild()}>
            Start a rebuild
          </button>
          <button type="button" class="secondary" onClick={() => void dashboard()}>
            Queue dashboard
          </button>
          <button type="button" class="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </p>
        {note && <p class="note">{note}</p>}
        {problem && <ProblemBox problem={problem} />}
      </Section>
      {watched && <RunDetail run={watched} />}
      {runs && (
        <Section title="Recent runs">
          {runs.length === 0 ? (
            <p class="muted">No runs yet.</p>
          ) : (
            <table class="runs">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Status</th>
                  <th>Trigger</th>
                  <th>Started</th>
                  <th>Took</th>
                  <th>Version</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr>
                    <td>
                      <code>{r.runId.slice(0, 8)}</code>
                    </td>
                    <td class={`status-${RunStatus[r.status]}`}>{statusName(RunStatus[r.status])}</td>
                    <td>{r.trigger}</td>
                    <td>{r.startedAt ? new Date(r.startedAt).toLocaleString() : '–'}</td>
                    <td>{r.durationMs ? fmt.ms(r.durationMs) : '–'}</td>
                    <td>
                      <code>{r.publishedVersion || r.version}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      )}
    </>
  );
}

function statusName(s: string | undefined): string {
  return (s ?? '').replace(/^(RUN|STAGE)_STATUS_/, '').toLowerCase();
}

function RunDetail({ run }: { run: Run }) {
  return (
    <Section title={`Run ${run.runId.slice(0, 8)}: ${statusName(RunStatus[run.status])}`} id="run-detail">
      {run.error && <p class="problem">{run.error}</p>}
      <ul class="stages">
        {run.stages.map((s) => {
          const p = s.progress;
          const pct = s.status === StageStatus.COMPLETED ? 100 : (p?.percent ?? 0);
          return (
            <li class={`stage status-${StageStatus[s.status]}`}>
              <span class="stage-name">{s.name}</span>
              <span class="stage-status">{statusName(StageStatus[s.status])}</span>
              <progress max={100} value={pct} aria-label={`${s.name} progress`} />
              <span class="muted">
                {s.status === StageStatus.COMPLETED && s.durationMs ? fmt.ms(s.durationMs) : p?.message || ''}
                {s.attempt > 1 ? ` (attempt ${s.attempt} of ${s.maxAttempts})` : ''}
              </span>
            </li>
          );
        })}
      </ul>
    </Section>
  );
}
