/**
 * Which stream ids of the peer's parity have been opened.
 *
 * Ids are allocated in order but SYNs need not arrive in order: hashicorp/yamux takes an id and
 * sends the SYN later, so two goroutines opening at once can put id 7 on the wire before id 5.
 * A plain "highest id seen" would call the late SYN a reopen and kill the session, so the ids
 * skipped over are remembered (a bounded number of them) until their SYN turns up.
 */
export class RemoteIdTracker {
  private highest = 0;
  /** Ids below `highest` whose SYN has not arrived yet, oldest first. */
  private readonly skipped = new Set<number>();

  constructor(
    /** 1 for odd ids, 0 for even ones. */
    private readonly parity: 0 | 1,
    /** How many skipped ids to remember; older ones count as used. */
    private readonly maxSkipped: number,
  ) {}

  /** Records a SYN; false if that id was opened before (or is too far in the past to tell). */
  open(id: number): boolean {
    if (id > this.highest) {
      const first = Math.max(this.highest === 0 ? this.parity || 2 : this.highest + 2, id - 2 * this.maxSkipped);
      for (let skipped = first; skipped < id; skipped += 2) this.remember(skipped);
      this.highest = id;
      return true;
    }
    return this.skipped.delete(id);
  }

  /** True for an id whose SYN never arrived: a frame on it without SYN breaks the protocol. */
  neverOpened(id: number): boolean {
    return id > this.highest || this.skipped.has(id);
  }

  private remember(id: number): void {
    this.skipped.add(id);
    if (this.skipped.size > this.maxSkipped) {
      const oldest = this.skipped.values().next().value as number;
      this.skipped.delete(oldest);
    }
  }
}
