/** Teardown steps, run last-added first; every step runs even when an earlier one fails. */
export class Cleanup {
  readonly #steps: { what: string; run: () => Promise<void> | void }[] = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.#steps.push({ what, run });
  }

  /** Runs and forgets every step; returns the failures, each naming its step. */
  async run(): Promise<Error[]> {
    const failures: Error[] = [];
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        failures.push(new Error(`cleanup failed to ${step.what}: ${(error as Error).message}`, { cause: error }));
      }
    }
    return failures;
  }
}
