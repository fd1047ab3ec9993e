/** Time as the scheduler sees it: injected, so tests move it by hand instead of waiting. */
export interface Clock {
  now(): number;
  /** Calls `fire` once at (or after) `at`; the returned function cancels it. */
  at(at: number, fire: () => void): () => void;
}

/** Node's timers cap a delay at 2^31 - 1 ms (~24.8 days); longer waits are re-armed in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  at(at, fire) {
    let timer: NodeJS.Timeout;
    const arm = () => {
      const delay = at - Date.now();
      timer = setTimeout(delay > MAX_DELAY_MS ? arm : fire, Math.min(Math.max(delay, 0), MAX_DELAY_MS));
      timer.unref();
    };
    arm();
    return () => clearTimeout(timer);
  },
};
