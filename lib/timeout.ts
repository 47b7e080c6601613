/**
 * `promise`'s value, or undefined once `ms` have passed without it (the work itself is not
 * cancelled). For steps that must not hold up a stop: a publish a broker never acknowledges, a
 * clean disconnect behind a long queue.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
