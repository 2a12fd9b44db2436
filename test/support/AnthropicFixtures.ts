/**
 * Anthropic Messages API bodies and SSE frames written by us from the
 * documented format (not copied from recordings), for the wire suites that
 * must run without ../shared.
 */

export type Block = Record<string, unknown>

export const text = (value: string): Block => ({ type: "text", text: value })

export const toolUse = (id: string, name: string, input: unknown): Block => ({ type: "tool_use", id, name, input })

export const thinking = (value: string): Block => ({ type: "thinking", thinking: value, signature: "c2lnbmF0dXJl" })

export const usage = (input: number, output: number, cache?: { readonly creation: number; readonly read: number }) => ({
  input_tokens: input,
  output_tokens: output,
  ...(cache === undefined ? {} : { cache_creation_input_tokens: cache.creation, cache_read_input_tokens: cache.read })
})

/** A `POST /messages` reply. */
export const message = (options: {
  readonly content?: ReadonlyArray<Block>
  readonly stop?: string | null
  readonly usage?: Record<string, unknown>
  readonly model?: string
} = {}) => ({
  id: "msg_fake_01",
  type: "message",
  role: "assistant",
  model: options.model ?? "claude-sonnet-4-5-20250929",
  content: options.content ?? [text("Hello there.")],
  stop_reason: options.stop === undefined ? "end_turn" : options.stop,
  stop_sequence: null,
  usage: options.usage ?? usage(12, 3)
})

/** An error body: `{type:"error", error:{type, message}}`. */
export const errorBody = (type: string, message: string) => ({ type: "error", error: { type, message } })

/** One SSE frame as Anthropic sends it: `event:` then `data:`. */
export const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`

export const messageStart = (input: number, extra: Record<string, unknown> = {}) =>
  frame("message_start", {
    type: "message_start",
    message: {
      id: "msg_fake_stream",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: input, output_tokens: 1, ...extra }
    }
  })

export const blockStart = (index: number, block: Block) =>
  frame("content_block_start", { type: "content_block_start", index, content_block: block })

export const textDelta = (index: number, value: string) =>
  frame("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: value } })

export const jsonDelta = (index: number, partial: string) =>
  frame("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: partial } })

export const thinkingDelta = (index: number, value: string) =>
  frame("content_block_delta", { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: value } })

export const signatureDelta = (index: number) =>
  frame("content_block_delta", { type: "content_block_delta", index, delta: { type: "signature_delta", signature: "c2ln" } })

export const blockStop = (index: number) => frame("content_block_stop", { type: "content_block_stop", index })

export const messageDelta = (stop: string, output: number, extra: Record<string, unknown> = {}) =>
  frame("message_delta", {
    type: "message_delta",
    delta: { stop_reason: stop, stop_sequence: null },
    usage: { output_tokens: output, ...extra }
  })

export const messageStop = frame("message_stop", { type: "message_stop" })

export const ping = frame("ping", { type: "ping" })

export const errorEvent = (type: string, message: string) => frame("error", errorBody(type, message))

/** A whole text answer streamed in `pieces`. */
export const textStream = (pieces: ReadonlyArray<string>, input = 9, output = 2): Array<string> => [
  messageStart(input),
  blockStart(0, text("")),
  ping,
  ...pieces.map((piece) => textDelta(0, piece)),
  blockStop(0),
  messageDelta("end_turn", output),
  messageStop
]

/** Some text, then one tool call whose input arrives in `pieces`. */
export const toolStream = (id: string, name: string, pieces: ReadonlyArray<string>): Array<string> => [
  messageStart(20),
  blockStart(0, text("")),
  textDelta(0, "Let me check."),
  blockStop(0),
  blockStart(1, toolUse(id, name, {})),
  jsonDelta(1, ""),
  ...pieces.map((piece) => jsonDelta(1, piece)),
  blockStop(1),
  messageDelta("tool_use", 8),
  messageStop
]
