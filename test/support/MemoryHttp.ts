/**
 * An `HttpClient` that answers from memory with a body delivered in the given
 * byte pieces: replays without sockets, so a recording can be split at every
 * byte boundary cheaply.
 */
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"

export const layer = (
  pieces: () => ReadonlyArray<Uint8Array>,
  options?: { readonly status?: number; readonly contentType?: string }
): Layer.Layer<HttpClient.HttpClient> =>
  Layer.succeed(HttpClient.HttpClient)(
    HttpClient.make((request) =>
      Effect.sync(() => {
        const parts = pieces()
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (const part of parts) controller.enqueue(part)
            controller.close()
          }
        })
        return HttpClientResponse.fromWeb(
          request,
          new Response(body, {
            status: options?.status ?? 200,
            headers: { "content-type": options?.contentType ?? "text/event-stream" }
          })
        )
      })
    )
  )
