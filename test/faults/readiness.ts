import type { FaultReport } from './broker-outage.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ReadySample {
  readonly at: number;
  /** 200 from /ready; a 503, a refused connection (the process is gone) or no answer within 3 s is red */
  readonly ok: boolean;
}

/** GET <url> every `everyMs` from now until `stop`, as a load balancer or orchestrator would. */
export interface ReadyPoller {
  readonly samples: readonly ReadySample[];
  /** red samples in [from, to) */
  redBetween(from: number, to: number): number;
  /** the first green sample at or after `from`, waiting up to `timeoutMs` for it; null if none came */
  greenFrom(from: number, timeoutMs: number): Promise<number | null>;
  stop(): Promise<void>;
}

export function pollReady(url: string, everyMs = 200): ReadyPoller {
  const samples: ReadySample[] = [];
  let polling = true;
  const loop = (async () => {
    while (polling) {
      const ok = await fetch(url, { signal: AbortSignal.timeout(3_000) })
        .then(async (response) => {
          await response.arrayBuffer();
          return response.ok;
        })
        .catch(() => false);
      samples.push({ at: Date.now(), ok });
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    redBetween: (from, to) =>
      samples.filter((sample) => sample.at >= from && sample.at < to && !sample.ok).length,
    async greenFrom(from, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const green = samples.find((sample) => sample.at >= from && sample.ok);
        if (green) return green.at;
        if (Date.now() > deadline || !polling) return null;
        await sleep(everyMs);
      }
    },
    async stop() {
      polling = false;
      await loop;
    },
  };
}

export interface KillOutcome {
  /** from the SIGKILL to the supervisor starting the role again */
  readonly downtimeMs: number;
  /** from the restart to /ready answering 200 again */
  readonly recoveryMs: number;
  /** /ready was red (refused, 503) from the kill until it went green again */
  readonly redSamples: number;
  /** the role's progress read right after the SIGKILL, before the restart (where the kill landed); null unmeasured */
  readonly progress: number | null;
}

/**
 * SIGKILL a role by PID, then restart it after `restartDelayMs` the way a supervisor would (systemd
 * `Restart=always`, compose `restart: always`): the same command, no human step. Waits for its /ready
 * (polled over HTTP by `ready`) to be green again within `boundMs` (recovery Infinity when it never is).
 */
export async function killAndRestart<Role>(options: {
  readonly kill: () => Promise<void>;
  readonly restart: () => Role;
  readonly ready: ReadyPoller;
  readonly restartDelayMs: number;
  readonly boundMs: number;
  readonly say: (line: string) => void;
  /** the role's progress (committed input offsets), read after the kill */
  readonly progress?: () => Promise<number>;
}): Promise<{ readonly outcome: KillOutcome; readonly restarted: Role }> {
  await options.kill();
  const killedAt = Date.now();
  const progress = options.progress ? await options.progress() : null;
  options.say(
    `killed (SIGKILL)${progress === null ? '' : ` at ${progress} committed`}; the supervisor restarts it in ${options.restartDelayMs} ms`,
  );
  await sleep(Math.max(0, killedAt + options.restartDelayMs - Date.now()));
  const restarted = options.restart();
  const restartedAt = Date.now();
  const greenAt = await options.ready.greenFrom(restartedAt, options.boundMs);
  const recoveryMs = greenAt === null ? Number.POSITIVE_INFINITY : greenAt - restartedAt;
  const redSamples = options.ready.redBetween(killedAt, greenAt ?? Date.now());
  options.say(
    `restarted; /ready green again ${recoveryMs} ms later (${redSamples} red samples since the kill)`,
  );
  return { outcome: { downtimeMs: restartedAt - killedAt, recoveryMs, redSamples, progress }, restarted };
}

interface RoleProcess {
  readonly process: { readonly exitCode: number | null; readonly signalCode: NodeJS.Signals | null };
  kill(): Promise<void>;
  stop(): Promise<number | null>;
}

/** A role a supervisor keeps running: `kill` SIGKILLs the current process and starts the same command again. */
export interface Supervised<Role extends RoleProcess> {
  current(): Role;
  readonly outcomes: readonly KillOutcome[];
  /** a process of the role exited without being killed or stopped (nobody restarts that one in these cases) */
  exitedByItself(): boolean;
  /** kills and restarts, after any kill still in progress; the load may go on meanwhile */
  kill(): Promise<void>;
  /** a kill is in progress (killed, or restarted and not yet green) */
  busy(): boolean;
  /** resolves once no kill is in progress */
  settled(): Promise<void>;
  /** SIGTERM to the current process (after any kill in progress): its exit code */
  stop(): Promise<number | null>;
  /** SIGKILL whatever runs (cleanup) */
  abort(): Promise<void>;
}

export function supervise<Role extends RoleProcess>(options: {
  readonly start: () => Role;
  readonly ready: ReadyPoller;
  readonly restartDelayMs: number;
  readonly boundMs: number;
  readonly say: (line: string) => void;
  /** the role's progress (committed input offsets), read after each kill: where it landed */
  readonly progress?: () => Promise<number>;
}): Supervised<Role> {
  let role = options.start();
  let exited = false;
  let pending: Promise<void> = Promise.resolve();
  let inProgress = 0;
  const outcomes: KillOutcome[] = [];
  const noteExit = () => {
    if (role.process.exitCode !== null || role.process.signalCode !== null) exited = true;
  };
  return {
    current: () => role,
    outcomes,
    exitedByItself: () => exited,
    busy: () => inProgress > 0,
    settled: () => pending,
    kill() {
      inProgress += 1;
      pending = pending.then(async () => {
        noteExit();
        const killed = role;
        const { outcome, restarted } = await killAndRestart({
          ...options,
          kill: () => killed.kill(),
          restart: options.start,
        });
        outcomes.push(outcome);
        role = restarted;
        inProgress -= 1;
      });
      return pending;
    },
    async stop() {
      await pending;
      noteExit();
      return role.stop();
    },
    async abort() {
      await pending.catch(() => {});
      await role.kill();
    },
  };
}

/** True once per kill when `done` passes each of `kills` even steps of `total` (the kill points of a run). */
export function evenKillPoints(total: number, kills: number): (done: number) => boolean {
  let killed = 0;
  return (done) => {
    if (killed >= kills || done < (total * (killed + 1)) / (kills + 1)) return false;
    killed += 1;
    return true;
  };
}

/** The row of a SIGKILL case: downtime and recovery are the worst over its kills. */
export function killReport(
  fault: string,
  role: Supervised<RoleProcess>,
  run: {
    readonly kills: number;
    readonly boundMs: number;
    /** the last process's exit code on SIGTERM */
    readonly code: number | null;
    /** /ready's last sample before the comparison */
    readonly greenAtEnd: boolean;
    readonly equal: Readonly<Record<string, boolean>>;
    readonly duplicates: number;
    readonly recordsCompared: number;
    /** the input's size: a kill that landed at it (everything committed) was not mid-stream */
    readonly total: number;
  },
): FaultReport {
  const { outcomes } = role;
  const killsAt = outcomes.map((outcome) => outcome.progress ?? run.total);
  // a kill after everything was committed proves nothing about recovery: at least one must land mid-stream
  const midStream = killsAt.some((at) => at < run.total);
  const recoveryMs = Math.max(0, ...outcomes.map((outcome) => outcome.recoveryMs));
  const redWhileDown = outcomes.length === run.kills && outcomes.every((outcome) => outcome.redSamples > 0);
  const pass =
    Object.values(run.equal).every(Boolean) &&
    run.duplicates === 0 &&
    redWhileDown &&
    run.greenAtEnd &&
    !role.exitedByItself() &&
    run.code === 0 &&
    midStream &&
    recoveryMs <= run.boundMs;
  return {
    fault,
    downtimeMs: Math.max(0, ...outcomes.map((outcome) => outcome.downtimeMs)),
    recoveryMs,
    recordsCompared: run.recordsCompared,
    equal: run.equal,
    duplicates: run.duplicates,
    redWhileDown,
    exitedByItself: role.exitedByItself(),
    faultsAt: { done: killsAt, total: run.total },
    verdict: pass ? 'pass' : 'FAIL',
  };
}
