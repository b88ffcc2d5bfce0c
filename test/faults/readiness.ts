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
}): Promise<{ readonly outcome: KillOutcome; readonly restarted: Role }> {
  await options.kill();
  const killedAt = Date.now();
  options.say(`killed (SIGKILL); the supervisor restarts it in ${options.restartDelayMs} ms`);
  await sleep(options.restartDelayMs);
  const restarted = options.restart();
  const restartedAt = Date.now();
  const greenAt = await options.ready.greenFrom(restartedAt, options.boundMs);
  const recoveryMs = greenAt === null ? Number.POSITIVE_INFINITY : greenAt - restartedAt;
  const redSamples = options.ready.redBetween(killedAt, greenAt ?? Date.now());
  options.say(
    `restarted; /ready green again ${recoveryMs} ms later (${redSamples} red samples since the kill)`,
  );
  return { outcome: { downtimeMs: restartedAt - killedAt, recoveryMs, redSamples }, restarted };
}
