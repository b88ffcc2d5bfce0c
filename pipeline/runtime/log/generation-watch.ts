import { NexuralError } from '../../../schemas/errors.js';
import type { GroupGeneration } from '../../../schemas/ports/stream-log.js';

/**
 * The generation of a member's current assignment: pending from the start of a rebalance until the member
 * is assigned again, rejected once it closes.
 */
export class GenerationWatch {
  private known: Promise<GroupGeneration>;
  private settle: ((generation: GroupGeneration) => void) | null = null;
  private fail: (error: Error) => void = () => {};
  private over: Error | null = null;

  constructor() {
    this.known = this.pending();
  }

  current(): Promise<GroupGeneration> {
    return this.over === null ? this.known : Promise.reject(this.over);
  }

  /** The assignment is going: callers wait for the next generation from now on. */
  rebalancing(): void {
    if (this.settle === null && this.over === null) this.known = this.pending();
  }

  joined(generation: GroupGeneration): void {
    if (this.settle === null) this.known = Promise.resolve(generation);
    else this.settle(generation);
    this.settle = null;
  }

  closed(groupId: string): void {
    if (this.over !== null) return;
    // a closed consumer is no member of the group: what waited for its generation was moved on from
    this.over = new NexuralError(
      'NXR_GROUP_MOVED',
      `the consumer of group "${groupId}" closed; it is no member of the group and has no generation`,
      { groupId },
    );
    this.fail(this.over);
    this.settle = null;
  }

  private pending(): Promise<GroupGeneration> {
    const promise = new Promise<GroupGeneration>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    // a pending generation nobody asked for must not be an unhandled rejection when the consumer closes
    promise.catch(() => {});
    return promise;
  }
}
