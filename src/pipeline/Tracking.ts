/**
 * A bounded ring of the most recent calls: ids, timings, outcome. No
 * payloads, no keys: safe to show on a dashboard or attach to a bug report.
 *
 * @since 0.1.0
 */
import type { Priority } from "../domain/CallOptions.ts"

/**
 * One finished call.
 *
 * @since 0.1.0
 */
export interface RecentCall {
  readonly requestId: string
  readonly provider: string
  readonly model: string | undefined
  /** `chat`, `stream`, `embed`, `models`, or an extra operation's name (e.g. `rerank`). */
  readonly operation: string
  readonly priority: Priority
  /** `cancelled`: a stream the caller stopped after content, before its finish. */
  readonly outcome: "success" | "failure" | "interrupted" | "cancelled"
  /** The failure reason's tag, for failures. */
  readonly reason: string | undefined
  /** Epoch millis when the call entered the pipeline. */
  readonly startedAt: number
  readonly queueWaitMs: number
  readonly durationMs: number
  /** HTTP attempts started (0 when rejected before any). */
  readonly attempts: number
  /** Of those, attempts the provider answered. */
  readonly attemptsAnswered: number
  /** Time to the first content chunk, for streams. */
  readonly firstTokenMs: number | undefined
}

/**
 * @since 0.1.0
 */
export class Ring {
  private readonly items: Array<RecentCall> = []
  private next = 0
  constructor(readonly capacity: number) {}

  add(call: RecentCall): void {
    if (this.items.length < this.capacity) this.items.push(call)
    else this.items[this.next] = call
    this.next = (this.next + 1) % this.capacity
  }

  /** Oldest first. */
  toArray(): ReadonlyArray<RecentCall> {
    return this.items.length < this.capacity
      ? this.items.slice()
      : [...this.items.slice(this.next), ...this.items.slice(0, this.next)]
  }

  clear(): void {
    this.items.length = 0
    this.next = 0
  }
}
