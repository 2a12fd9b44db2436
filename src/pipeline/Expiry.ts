/**
 * Deadlines for many waiting records, served by one sleeping fiber instead
 * of a timer fiber per record (`Effect.timeout` races two fibers per call):
 * records sit in a binary heap by expiry time; one detached fiber sleeps
 * (on Effect's `Clock`, so `TestClock` drives it) until the earliest one,
 * expires what is due and sleeps again, and ends when nothing is left. A
 * record that stops waiting is removed at once, so nothing is retained.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, type Fiber } from "effect"

/**
 * What a record carries for its place in the heap.
 *
 * @since 0.1.0
 */
export interface Timed {
  /** Epoch millis when it expires. */
  expiresAt: number
  /** Its index in the heap (-1 when not in it). */
  heapIndex: number
}

/**
 * @since 0.1.0
 */
export interface Expiry<T extends Timed> {
  /**
   * Starts timing `item` (its `expiresAt` set), at once but for starting the
   * sweeper when `item` is now the earliest: that effect comes back, to run
   * uninterruptibly right after.
   */
  readonly addNow: (item: T) => Effect.Effect<void> | undefined
  /** Stops timing `item` (it stopped waiting). */
  readonly remove: (item: T) => void
}

/**
 * @since 0.1.0
 */
export const make = <T extends Timed>(expire: (item: T) => void): Expiry<T> => {
  const heap: Array<T> = []
  let nextWake: number | undefined
  // The sweeper sleeping until `nextWake`. Stopped as soon as nothing is left
  // to time (or an earlier time supersedes it): a sleeping timer would keep
  // the process alive for up to the longest wait after the work is done.
  let sleeper: Fiber.Fiber<void> | undefined
  const stopSleeper = () => {
    sleeper?.interruptUnsafe()
    sleeper = undefined
  }

  const swap = (i: number, j: number) => {
    const a = heap[i]!
    const b = heap[j]!
    heap[i] = b
    heap[j] = a
    b.heapIndex = i
    a.heapIndex = j
  }
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.expiresAt <= heap[i]!.expiresAt) return
      swap(i, parent)
      i = parent
    }
  }
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let least = i
      if (l < heap.length && heap[l]!.expiresAt < heap[least]!.expiresAt) least = l
      if (r < heap.length && heap[r]!.expiresAt < heap[least]!.expiresAt) least = r
      if (least === i) return
      swap(i, least)
      i = least
    }
  }
  const remove = (item: T) => {
    const i = item.heapIndex
    if (i < 0) return
    const last = heap.pop()!
    item.heapIndex = -1
    if (heap.length === 0) {
      nextWake = undefined
      stopSleeper()
    }
    if (i === heap.length) return
    heap[i] = last
    last.heapIndex = i
    up(i)
    down(last.heapIndex)
  }

  // Only the sweeper that owns `nextWake` keeps going; one woken by a
  // superseded time just expires what is due and ends.
  const sweep = (at: number): Effect.Effect<void> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.andThen(
        Effect.sleep(Duration.millis(Math.max(0, at - now))),
        Effect.flatMap(Clock.currentTimeMillis, (woke) => {
          while (heap.length > 0 && heap[0]!.expiresAt <= woke) {
            const due = heap[0]!
            remove(due)
            expire(due)
          }
          if (nextWake !== at) return Effect.void
          nextWake = heap.length > 0 ? heap[0]!.expiresAt : undefined
          return nextWake === undefined ? Effect.void : sweep(nextWake)
        })
      ))

  const addNow = (item: T): Effect.Effect<void> | undefined => {
    item.heapIndex = heap.length
    heap.push(item)
    up(item.heapIndex)
    if (nextWake !== undefined && item.expiresAt >= nextWake) return undefined
    nextWake = item.expiresAt
    stopSleeper()
    return Effect.map(Effect.forkDetach(sweep(item.expiresAt)), (fiber) => {
      sleeper = fiber
    })
  }
  return { addNow, remove }
}
