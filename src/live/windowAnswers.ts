/** A window that leaves a round trip unanswered this long is taken to be gone. */
export const SILENT_AFTER_MS = 6_000;

/**
 * Whether the window that shows the extension still answers it. A code-server tab whose browser
 * went away (crashed, laptop closed, network lost) leaves the extension host running for hours:
 * `window.state` keeps saying "focused" and the view "visible", and no API event tells. A round
 * trip to the window (`ask`, a cheap command the workbench runs) does tell: it stays unanswered
 * until a browser reconnects. Asked once per refresh, at most one question at a time.
 */
export class WindowAnswers {
  private askedAt: number | undefined;
  private answeringValue = true;

  constructor(
    /** A round trip to the window; settles when the window has run it. */
    private readonly ask: () => PromiseLike<unknown>,
    /** The window fell silent (false) or answered again after that (true). */
    private readonly onChange: (answering: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get answering(): boolean {
    return this.answeringValue;
  }

  /** Asks again unless a question is pending; a question pending too long makes the window silent. */
  check(): void {
    if (this.askedAt !== undefined) {
      if (this.answeringValue && this.now() - this.askedAt >= SILENT_AFTER_MS) this.set(false);
      return;
    }
    const askedAt = this.now();
    this.askedAt = askedAt;
    // A refused question is an answer too: the window is there to refuse it.
    const answered = () => {
      if (this.askedAt !== askedAt) return;
      this.askedAt = undefined;
      this.set(true);
    };
    this.ask().then(answered, answered);
  }

  private set(answering: boolean): void {
    if (answering === this.answeringValue) return;
    this.answeringValue = answering;
    this.onChange(answering);
  }
}
