/**
 * Admission of calls to a backend: a bounded priority queue in front of a
 * `Semaphore` of concurrency permits. A call leaves the queue only when a
 * permit is free, so under load priority decides the order of work: high
 * before normal before low, FIFO within a level, and each `agingInterval` a
 * call waits lifts it one level so low calls cannot starve.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, type Scope, Semaphore } from "effect"
import type { Priority } from "../domain/CallOptions.ts"
import { QueueFull } from "../LlmError.ts"

const levelOf: Record<Priority, number> = { high: 0, normal: 1, low: 2 }

interface Waiter {
  readonly level: number
  readonly enqueuedAt: number
  resume: ((effect: Effect.Effect<void>) => void) | undefined
  granted: boolean
}

/** A FIFO with O(1) push and shift, and removal of an arbitrary entry. */
class Fifo {
  private items: Array<Waiter | undefined> = []
  private head = 0
  size = 0
  push(waiter: Waiter) {
    this.items.push(waiter)
    this.size++
  }
  peek(): Waiter | undefined {
    while (this.head < this.items.length && this.items[this.head] === undefined) this.head++
    return this.items[this.head]
  }
  shift(): Waiter | undefined {
    const waiter = this.peek()
    if (waiter !== undefined) {
      this.items[this.head++] = undefined
      this.size--
      this.compact()
    }
    return waiter
  }
  remove(waiter: Waiter): boolean {
    const index = this.items.indexOf(waiter, this.head)
    if (index < 0) return false
    this.items[index] = undefined
    this.size--
    this.compact()
    return true
  }
  private compact() {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }
}

/**
 * The queue and its permits.
 *
 * @since 0.1.0
 */
export interface PriorityQueue {
  /**
   * Waits for a permit, in priority order; the permit is held until the
   * scope closes. Succeeds with the time waited in the queue (millis).
   */
  readonly acquire: (priority: Priority) => Effect.Effect<number, QueueFull, Scope.Scope>
  /** Calls waiting for a permit (including those waiting for room). */
  readonly depth: () => number
  /** Permits in use. */
  readonly inFlight: () => number
}

/**
 * @since 0.1.0
 */
export interface Options {
  readonly maxConcurrent: number
  readonly capacity: number
  readonly whenFull: "reject" | "wait"
  readonly agingInterval: Duration.Duration
  /** Called whenever depth or in-flight change (for gauges). */
  readonly onChange?: ((depth: number, inFlight: number) => void) | undefined
}

/**
 * Builds a queue.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const permits = yield* Semaphore.make(options.maxConcurrent)
  const levels = [new Fifo(), new Fifo(), new Fifo()] as const
  const overflow = new Fifo()
  const agingMs = Math.max(1, Duration.toMillis(options.agingInterval))
  let waiting = 0
  let inFlight = 0
  const changed = () => options.onChange?.(waiting + overflow.size, inFlight)

  // Room freed in the queue: the longest-waiting overflow call takes it.
  const admitOverflow = () => {
    const next = overflow.shift()
    if (next !== undefined) {
      levels[next.level]!.push(next)
      waiting++
    }
  }

  const best = (now: number): Waiter | undefined => {
    let chosen: Waiter | undefined
    let chosenLevel = Infinity
    for (const fifo of levels) {
      const head = fifo.peek()
      if (head === undefined) continue
      const effective = Math.max(0, head.level - Math.floor((now - head.enqueuedAt) / agingMs))
      if (effective < chosenLevel || (effective === chosenLevel && head.enqueuedAt < chosen!.enqueuedAt)) {
        chosen = head
        chosenLevel = effective
      }
    }
    return chosen
  }

  // Hands free permits to the best waiters, one at a time.
  const drain: Effect.Effect<void> = Effect.suspend(() => {
    if (waiting === 0) return Effect.void
    return Effect.flatMap(permits.takeIfAvailable(1), (ok) => {
      if (!ok) return Effect.void
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const waiter = best(now)
        if (waiter === undefined) return permits.release(1)
        levels[waiter.level]!.remove(waiter)
        waiting--
        admitOverflow()
        inFlight++
        waiter.granted = true
        changed()
        const resume = waiter.resume
        waiter.resume = undefined
        resume?.(Effect.void)
        return drain
      })
    })
  })

  const release: Effect.Effect<void> = Effect.suspend(() => {
    inFlight--
    changed()
    return Effect.andThen(permits.release(1), drain)
  })

  // Leaves the queue without a permit (interrupted), or passes on a permit
  // granted in the same instant the waiter was interrupted.
  const abandon = (waiter: Waiter): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (waiter.granted) return release
      if (levels[waiter.level]!.remove(waiter)) {
        waiting--
        admitOverflow()
      } else {
        overflow.remove(waiter)
      }
      changed()
      return drain
    })

  const wait = (level: number): Effect.Effect<number, QueueFull> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const waiter: Waiter = { level, enqueuedAt: now, resume: undefined, granted: false }
      if (waiting < options.capacity) {
        levels[level]!.push(waiter)
        waiting++
      } else if (options.whenFull === "wait") {
        overflow.push(waiter)
      } else {
        return Effect.fail(new QueueFull({ capacity: options.capacity, detail: `${options.capacity} calls already waiting` }))
      }
      changed()
      const granted = Effect.callback<void>((resume) => {
        if (waiter.granted) resume(Effect.void)
        else waiter.resume = resume
      })
      return drain.pipe(
        Effect.andThen(granted),
        // Covers interruption anywhere in the wait, not only inside the callback.
        Effect.onInterrupt(() => abandon(waiter)),
        Effect.andThen(Effect.map(Clock.currentTimeMillis, (later) => later - now))
      )
    })

  const acquire: PriorityQueue["acquire"] = (priority) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const take: Effect.Effect<number, QueueFull> = waiting === 0 && overflow.size === 0
          ? Effect.flatMap(permits.takeIfAvailable(1), (ok) => {
            if (!ok) return wait(levelOf[priority])
            inFlight++
            changed()
            return Effect.succeed(0)
          })
          : wait(levelOf[priority])
        return Effect.tap(restore(take), () => Effect.addFinalizer(() => release))
      })
    )

  return {
    acquire,
    depth: () => waiting + overflow.size,
    inFlight: () => inFlight
  } satisfies PriorityQueue
})
