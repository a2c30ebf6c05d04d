/**
 * At most `size` tasks at once, across every caller: the others wait their turn in order.
 * (An embedder's concurrency is a limit on the server, not on one call.)
 */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {
    if (!(size >= 1)) throw new Error(`Slots needs a size of at least 1, got ${size}.`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
