/** Calls `emit` at most every `everyMs` (plus forced calls), so progress reporting stays cheap. */
export class ProgressThrottle {
  private last = 0;
  constructor(
    private readonly emit: (done: number, message?: string) => void,
    private readonly everyMs = 250,
  ) {}
  report(done: number, message?: string, force = false): void {
    const now = performance.now();
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    this.emit(done, message);
  }
}
