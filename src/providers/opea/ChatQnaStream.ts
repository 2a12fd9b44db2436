/**
 * ChatQnA's SSE stream as our chunks. The gateway forwards what its LLM
 * microservice streams, which depends on the OPEA release: OpenAI
 * chat-completion chunks (current text-generation service), or Python
 * bytes literals such as `data: b' Paris'` (older services, and the
 * gateway's own re-tokenized output when a guardrail node follows the LLM),
 * each ended by `data: [DONE]`. Bytes literals are turned into content
 * deltas and the whole stream goes through the OpenAI-family decoder, so
 * `[DONE]`, in-stream errors and truncation mean the same as everywhere.
 *
 * @since 0.1.0
 */
import { Stream } from "effect"
import type { ChatChunk } from "../../domain/ChatChunk.ts"
import type * as LlmError from "../../LlmError.ts"
import type { SseEvent } from "../../transport/EventStream.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as StreamDecoder from "../openai-compat/StreamDecoder.ts"

const BYTES_LITERAL = /^b(['"])([\s\S]*)\1$/

const ESCAPES: Readonly<Record<string, number>> = {
  "\\": 0x5c,
  "'": 0x27,
  "\"": 0x22,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  v: 0x0b,
  "0": 0x00
}

const utf8 = new TextEncoder()
const text = new TextDecoder("utf-8")

/**
 * Reads a Python `repr(bytes)` literal (`b'caf\xc3\xa9'`) as UTF-8 text;
 * `undefined` when `data` is not one. Characters outside the escapes are
 * taken as they are: the gateway also wraps raw text in `b'...'` unescaped.
 *
 * @since 0.1.0
 */
export const bytesLiteral = (data: string): string | undefined => {
  const match = BYTES_LITERAL.exec(data)
  if (match === null) return undefined
  // By code point, so raw text outside the BMP is not split into halves.
  const body = Array.from(match[2]!)
  const bytes: Array<number> = []
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!
    if (char === "\\" && i + 1 < body.length) {
      const next = body[i + 1]!
      const hex = next === "x" ? /^[0-9a-fA-F]{2}$/.exec(body.slice(i + 2, i + 4).join(""))?.[0] : undefined
      if (hex !== undefined) {
        bytes.push(parseInt(hex, 16))
        i += 3
        continue
      }
      const escaped = ESCAPES[next]
      if (escaped !== undefined) {
        bytes.push(escaped)
        i += 1
        continue
      }
    }
    for (const byte of utf8.encode(char)) bytes.push(byte)
  }
  return text.decode(new Uint8Array(bytes))
}

// A bytes-literal frame becomes the chat-completion chunk it stands for.
const normalize = (event: SseEvent): SseEvent => {
  const decoded = bytesLiteral(event.data.trim())
  if (decoded === undefined) return event
  return { event: event.event, data: JSON.stringify({ choices: [{ index: 0, delta: { content: decoded } }] }) }
}

/**
 * Decodes ChatQnA's SSE events into chunks.
 *
 * @since 0.1.0
 */
export const decode = <R>(
  events: Stream.Stream<SseEvent, LlmError.LlmError, R>,
  http: ProviderHttp,
  call: CallContext,
  providerRequestId: string | undefined
): Stream.Stream<ChatChunk, LlmError.LlmError, R> =>
  StreamDecoder.decode(Stream.map(events, normalize), http, call, providerRequestId)
