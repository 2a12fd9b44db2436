/**
 * Admission of calls to a backend: a bounded priority queue in front of the
 * backend's concurrency permits. A call leaves the queue only when a
 * permit is free, so under load priority decides the order of work: high
 * before normal before low, FIFO within a level, and each `agingInterval` a
 * call waits lifts it one level so low calls cannot starve.
 *
 * A waiting call is a small record holding its caller's resume, not a fiber
 * (nor a `Deferred`: the record is all the wait needs). There
 * is no dispatcher fiber either: whoever frees a permit (or leaves the
 * queue) hands free permits to the best waiters, synchronously. A waiter
 * whose caller is gone is marked and skipped when it reaches the head. A
 * call that finds a free permit and nobody waiting takes it at once, as a
 * plain function call (`take`). The permits are the queue's own count: it
 * is their only user, every hand-over happens here, and so a permit costs no
 * effect to take or give back.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Exit } from "effect"
import type { Priority } from "../domain/CallOptions.ts"
import { LlmError, QueueFull, type Reason } from "../LlmError.ts"
import * as Call from "./Call.ts"
import * as Expiry from "./Expiry.ts"
import * as Stage from "./Stage.ts"

const levelOf: Record<Priority, number> = { high: 0, normal: 1, low: 2 }

const WAITING = 0
const GRANTED = 1
const GONE = 2

interface Waiter extends Expiry.Timed {
  readonly level: number
  /** The call, whose `start` is when it joined (the same step). */
  readonly call: Call.Call
  state: typeof WAITING | typeof GRANTED | typeof GONE
  /** Waiting for room in the queue (`queueFull: "wait"`), not yet in a level. */
  overflow: boolean
  /** The caller's resume, once it waits; the grant or the expiry calls it. */
  resume: ((outcome: Effect.Effect<void, LlmError>) => void) | undefined
  /** How the wait ended, when that happened before the caller started waiting. */
  outcome: Effect.Effect<void, LlmError> | undefined
}

// Ends a wait: the caller resumes at once if it is waiting, else finds the outcome when it starts.
const settle = (waiter: Waiter, outcome: Effect.Effect<void, LlmError>) => {
  const resume = waiter.resume
  waiter.resume = undefined
  if (resume === undefined) waiter.outcome = outcome
  else resume(outcome)
}

/** A FIFO with O(1) push and peek; entries that left are skipped lazily. */
class Fifo {
  private items: Array<Waiter> = []
  private head = 0
  constructor(readonly overflow: boolean) {}
  private belongs(waiter: Waiter) {
    return waiter.state === WAITING && waiter.overflow === this.overflow
  }
  push(waiter: Waiter) {
    this.items.push(waiter)
  }
  /** The oldest entry still waiting here. */
  peek(): Waiter | undefined {
    while (this.head < this.items.length && !this.belongs(this.items[this.head]!)) this.head++
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return this.items[this.head]
  }
  /** Drops entries that left, once they are most of the list (callers gone in the middle). */
  sweep(live: number) {
    if (this.items.length - this.head > 64 && live * 2 < this.items.length - this.head) {
      this.items = this.items.filter((w, i) => i >= this.head && this.belongs(w))
      this.head = 0
    }
  }
}

/**
 * A call's place in the queue while it waits (opaque outside this module).
 *
 * @since 0.1.0
 */
export interface Place {
  readonly call: Call.Call
}

/**
 * A call that joined the queue: its place, the sweeper start to run
 * uninterruptibly first (when its expiry is now the earliest), and the
 * wait, to run interruptibly: it resumes holding a permit (`queueWaitMs`
 * set) or fails with `QueueFull` when no permit came within its bound.
 *
 * @since 0.1.0
 */
export interface Entered {
  readonly place: Place
  readonly start: Effect.Effect<void> | undefined
  readonly wait: Effect.Effect<void, LlmError>
}

/**
 * The queue and its permits.
 *
 * @since 0.1.0
 */
export interface PriorityQueue {
  /**
   * A permit at once when one is free and nobody waits (`queueWaitMs` set to
   * 0); false, changing nothing, otherwise. The caller must `release` it.
   */
  readonly take: (call: Call.Call) => boolean
  /**
   * Joins the queue in the call's priority order, for at most `Call.bound`
   * of the call; or fails at once with `fail(call, QueueFull)` when the
   * queue is full (under `reject`) or the call has no time to wait. The
   * caller must `leave` the place unless the wait succeeded (then it holds
   * a permit to `release`). A waiting call holds no closures of its own here:
   * the place is a small record.
   */
  readonly enter: (call: Call.Call, now: number) => Entered | LlmError
  /** The caller is gone before its wait succeeded: leaves the queue, or passes on a permit granted meanwhile. */
  readonly leave: (place: Place, now: number) => void
  /** Gives a permit back and hands it to the best waiter (`now`: the caller's clock). */
  readonly release: (now: number) => void
  /** Calls waiting for a permit (including those waiting for room). */
  readonly depth: () => number
  /** Permits in use. */
  readonly inFlight: () => number
}

/**
 * @since 0.1.0
 */
export interface Options {
  readonly budget: Call.Budget
  readonly fail: (call: Call.Call, reason: Reason) => LlmError
  readonly maxConcurrent: number
  readonly capacity: number
  readonly whenFull: "reject" | "wait"
  readonly agingInterval: Duration.Duration
}

/**
 * Builds a queue.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  let free = options.maxConcurrent
  const levels = [new Fifo(false), new Fifo(false), new Fifo(false)] as const
  const overflow = new Fifo(true)
  const agingMs = Math.max(1, Duration.toMillis(options.agingInterval))
  let waiting = 0
  let overflowing = 0
  let inFlight = 0

  // Room freed in the queue: the longest-waiting overflow calls take it.
  const admitOverflow = () => {
    while (overflowing > 0 && waiting < options.capacity) {
      const next = overflow.peek()
      if (next === undefined) break
      // Flipping the flag takes it out of the overflow list (skipped there from now on).
      next.overflow = false
      overflowing--
      waiting++
      levels[next.level]!.push(next)
    }
  }

  const best = (now: number): Waiter | undefined => {
    let chosen: Waiter | undefined
    let chosenLevel = Infinity
    for (const fifo of levels) {
      const head = fifo.peek()
      if (head === undefined) continue
      const effective = Math.max(0, head.level - Math.floor((now - head.call.start) / agingMs))
      if (effective < chosenLevel || (effective === chosenLevel && head.call.start < chosen!.call.start)) {
        chosen = head
        chosenLevel = effective
      }
    }
    // With `queueSize: 0` every waiter is in overflow: serve it in arrival order.
    return chosen ?? overflow.peek()
  }

  const leave = (waiter: Waiter, state: typeof GRANTED | typeof GONE) => {
    waiter.state = state
    expiry.remove(waiter)
    if (waiter.overflow) overflowing--
    else waiting--
    admitOverflow()
  }

  // Hands free permits to the best waiters, one at a time.
  const drain = (now: number) => {
    while (free > 0 && (waiting > 0 || overflowing > 0)) {
      const waiter = best(now)
      if (waiter === undefined) return
      leave(waiter, GRANTED)
      free--
      inFlight++
      waiter.call.queueWaitMs = now - waiter.call.start
      settle(waiter, Exit.void)
    }
  }

  const release = (now: number) => {
    inFlight--
    free++
    drain(now)
  }

  // The caller is gone (interrupted or out of time): leave the queue, or
  // pass on a permit granted in the same instant.
  const leaveAt = (waiter: Waiter, now: number) => {
    if (waiter.state === GRANTED) release(now)
    else if (waiter.state === WAITING) {
      leave(waiter, GONE)
      ;(waiter.overflow ? overflow : levels[waiter.level]!).sweep(waiter.overflow ? overflowing : waiting)
      drain(now)
    }
  }

  const full = (detail: string) => new QueueFull({ capacity: options.capacity, detail })

  // No permit within the waiter's bound: it leaves with QueueFull.
  const expiry = Expiry.make<Waiter>((waiter) => {
    if (waiter.state !== WAITING) return
    leave(waiter, GONE)
    const waited = Duration.millis(waiter.expiresAt - waiter.call.start)
    settle(waiter, Exit.fail(options.fail(waiter.call, full(`no permit became free within ${Duration.format(waited)}`))))
  })

  const enter: PriorityQueue["enter"] = (call, now) => {
    const maxWaitMs = Call.bound(call, options.budget, now)
    const room = waiting < options.capacity
    if (!room && options.whenFull === "reject") return options.fail(call, full(`${options.capacity} calls already waiting`))
    if (maxWaitMs <= 0) return options.fail(call, full("no permit is free and the call has no time left to wait for one"))
    const level = levelOf[call.priority]
    const waiter: Waiter = {
      level,
      call,
      state: WAITING,
      overflow: !room,
      resume: undefined,
      outcome: undefined,
      expiresAt: now + maxWaitMs,
      heapIndex: -1
    }
    if (room) {
      waiting++
      levels[level]!.push(waiter)
    } else {
      overflowing++
      overflow.push(waiter)
    }
    drain(now)
    return {
      place: waiter,
      start: waiter.state === WAITING ? expiry.addNow(waiter) : undefined,
      wait: Effect.callback<void, LlmError>((resume) => {
        if (waiter.outcome === undefined) waiter.resume = resume
        else resume(waiter.outcome)
      })
    }
  }

  const take: PriorityQueue["take"] = (call) => {
    if (free === 0 || waiting > 0 || overflowing > 0) return false
    free--
    inFlight++
    call.queueWaitMs = 0
    return true
  }

  return {
    take,
    enter,
    leave: (place, now) => leaveAt(place as Waiter, now),
    release,
    depth: () => waiting + overflowing,
    inFlight: () => inFlight
  } satisfies PriorityQueue
})

/**
 * The admission stage: a permit waited for in priority order, for at most
 * what the call's budget allows (`Call.bound`), held until the call ends.
 * While the call waits it holds its place (what its release gives up);
 * once granted, the permit (`undefined`).
 *
 * @since 0.1.0
 */
export const stage = (
  queue: PriorityQueue,
  hooks: {
    readonly acquired: (call: Call.Call, fiber: Stage.AnyFiber) => void
    /** A call joined the queue to wait. */
    readonly entered: (fiber: Stage.AnyFiber) => void
    readonly released: (fiber: Stage.AnyFiber) => void
  }
): Stage.Stage<Place | undefined> => {
  const enqueue: NonNullable<Stage.Stage<Place | undefined>["enqueue"]> = (call, fiber) => {
    const entered = queue.enter(call, Stage.now(fiber))
    if (entered instanceof LlmError) return entered
    hooks.entered(fiber)
    // The wait resumes with no value: the permit is `undefined`.
    return { placeholder: entered.place, start: entered.start, wait: entered.wait as Effect.Effect<undefined, LlmError> }
  }
  return {
    take: (call, fiber) => {
      if (!queue.take(call)) return Stage.busy
      hooks.acquired(call, fiber)
      return undefined
    },
    enqueue,
    // Alone (outside a sequence): the same wait, with its own cleanup.
    acquire: (call, restore) =>
      Effect.withFiber((fiber): Effect.Effect<Place | undefined, LlmError> => {
        if (queue.take(call)) return Effect.succeed(undefined)
        const entered = queue.enter(call, Stage.now(fiber))
        if (entered instanceof LlmError) return Effect.fail(entered)
        hooks.entered(fiber)
        const wait = Effect.as(restore(entered.wait), undefined)
        return Effect.onExit(
          entered.start === undefined ? wait : Effect.andThen(entered.start, wait),
          (exit) =>
            Exit.isSuccess(exit) ? Effect.void : Effect.withFiber((later) => {
              queue.leave(entered.place, Stage.now(later))
              return Effect.void
            })
        )
      }),
    acquired: (_, call) =>
      Effect.withFiber((fiber) => {
        hooks.acquired(call, fiber)
        return Effect.void
      }),
    release: (held, _, __, fiber) => {
      if (held === undefined) queue.release(Stage.now(fiber))
      else queue.leave(held, Stage.now(fiber))
      hooks.released(fiber)
      return undefined
    }
  }
}
