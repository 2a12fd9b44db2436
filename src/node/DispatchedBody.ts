/**
 * The body of one response dispatched on undici, as the socket hands it over:
 * chunks kept until a reader takes them, the connection paused while more
 * than a high-water mark waits unread (a server cannot fill our memory faster
 * than we read), and aborted when the reader lets go before the end.
 *
 * It holds no reference to the response object wrapping it, so a
 * `FinalizationRegistry` keyed on that response can hold this body and abort
 * the exchange when an unread response is collected.
 *
 * @since 0.1.0
 * @internal
 */
/** What undici's dispatch hands a handler to steer the exchange (its `DispatchController`). */
export interface Controller {
  readonly aborted: boolean
  readonly paused: boolean
  abort(reason: Error): void
  pause(): void
  resume(): void
}

/** Unread bytes past which the connection is paused until a reader takes them (undici's own default). */
export const HIGH_WATER_MARK = 64 * 1024

/** Why a body stopped before its end, when we stopped it. */
export class Released extends Error {
  constructor(readonly why: string) {
    super(why)
    this.name = "Released"
  }
}

/**
 * One response body in flight.
 *
 * @internal
 */
export class DispatchedBody {
  private chunks: Array<Uint8Array> = []
  private size = 0
  private ended = false
  private failure: unknown = undefined
  private waiters: Array<() => void> = []
  /** Read whole: nothing pauses, everything is kept until the end. */
  private whole = false
  /** A reader has started (it owns the body's fate from then on). */
  private claimed = false
  /** Told once the body has settled (e.g. to stop watching the fiber that asked for it). */
  onSettled: (() => void) | undefined = undefined

  constructor(private readonly controller: Controller) {}

  /** The body finished (cleanly or not): nothing more arrives. */
  get settled(): boolean {
    return this.ended || this.failure !== undefined
  }

  push(chunk: Uint8Array): void {
    if (this.settled) return
    this.chunks.push(chunk)
    this.size += chunk.length
    if (!this.whole && this.size >= HIGH_WATER_MARK && !this.controller.paused) this.controller.pause()
    this.wake()
  }

  end(): void {
    if (this.settled) return
    this.ended = true
    this.settle()
  }

  fail(cause: unknown): void {
    if (this.settled) return
    this.failure = cause
    this.chunks = []
    this.settle()
  }

  /** Lets go of the exchange unless a reader has started (it then decides). */
  abandon(why: string): void {
    if (!this.claimed) this.release(why)
  }

  /** Lets go of the exchange before its end (a reader stopped, or nobody will read). */
  release(why: string): void {
    if (this.settled) return
    const reason = new Released(why)
    this.fail(reason)
    if (!this.controller.aborted) this.controller.abort(reason)
  }

  /**
   * What a stream reader gets now: chunks waiting, the end, the failure, or
   * `undefined` when it must wait (`onReady`, when given, is called once
   * something changes).
   */
  take(onReady?: () => void): { readonly chunks: ReadonlyArray<Uint8Array> } | "end" | { readonly failure: unknown } | undefined {
    this.claimed = true
    if (this.failure !== undefined) return { failure: this.failure }
    if (this.chunks.length > 0) {
      const chunks = this.chunks
      this.chunks = []
      this.size = 0
      if (this.controller.paused) this.controller.resume()
      return { chunks }
    }
    if (this.ended) return "end"
    if (onReady !== undefined) this.waiters.push(onReady)
    return undefined
  }

  /**
   * The whole body once it has ended, or `undefined` while it has not
   * (`onReady` is called once it has, or failed). From the first call on,
   * the connection is never paused; every later call gets the same bytes.
   */
  collect(onReady: () => void): { readonly bytes: Uint8Array } | { readonly failure: unknown } | undefined {
    this.claimed = true
    if (this.failure !== undefined) return { failure: this.failure }
    if (!this.whole) {
      this.whole = true
      if (this.controller.paused) this.controller.resume()
    }
    if (!this.ended) {
      this.waiters.push(onReady)
      return undefined
    }
    return { bytes: this.concat() }
  }

  /** Stops waiting (the reader was interrupted). */
  forget(onReady: () => void): void {
    const at = this.waiters.indexOf(onReady)
    if (at >= 0) this.waiters.splice(at, 1)
  }

  private concat(): Uint8Array {
    const chunks = this.chunks
    if (chunks.length === 1 && chunks[0]!.byteOffset === 0 && chunks[0]!.byteLength === chunks[0]!.buffer.byteLength) {
      return chunks[0]!
    }
    const whole = new Uint8Array(this.size)
    let at = 0
    for (const chunk of chunks) {
      whole.set(chunk, at)
      at += chunk.length
    }
    this.chunks = [whole]
    return whole
  }

  private settle(): void {
    const settled = this.onSettled
    this.onSettled = undefined
    settled?.()
    this.wake()
  }

  private wake(): void {
    if (this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter()
  }
}
