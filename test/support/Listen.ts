/**
 * A test server's lifetime: listening on an ephemeral port of 127.0.0.1 for
 * the enclosing scope, every connection closed when the scope ends (a kept-alive
 * client would hold `close` open otherwise).
 */
import { Effect, type Scope } from "effect"
import type * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** Listens with `server`; succeeds with its base URL (`http://127.0.0.1:<port>`). */
export const local = (server: Http.Server): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<string>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed(`http://127.0.0.1:${port}`))
      })
    }),
    () =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )
