/** Wakes every waiter when the log changes (append, commit, abort), so idle consumers never poll. */
export class ChangeSignal {
  private pending: { promise: Promise<void>; resolve: () => void } | null = null;

  wait(): Promise<void> {
    if (this.pending === null) {
      let resolve = () => {};
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.pending = { promise, resolve };
    }
    return this.pending.promise;
  }

  notify(): void {
    const pending = this.pending;
    this.pending = null;
    pending?.resolve();
  }
}
