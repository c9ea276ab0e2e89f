/** A concurrency limit for blob transfers: at most `n` of the functions given run at once. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export function createLimiter(n: number): Limiter {
  const max = Math.max(1, Math.floor(n));
  let running = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    if (running >= max) return;
    const start = queue.shift();
    if (start) {
      running++;
      start();
    }
  };
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        fn()
          .then(resolve, reject)
          .finally(() => {
            running--;
            next();
          });
      });
      next();
    });
}
