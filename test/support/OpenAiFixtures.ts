/**
 * OpenAI-format bodies written by us from the documented format (not copied
 * from recordings), for the core wire suite that must run without ../shared.
 */
export const completion = (options: {
  readonly content?: string | null
  readonly toolCalls?: ReadonlyArray<{ readonly id: string; readonly name: string; readonly arguments: string }>
  readonly finish?: string
  readonly usage?: Record<string, unknown>
  readonly refusal?: string | null
  readonly model?: string
}) => ({
  id: "chatcmpl-fake1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: options.model ?? "gpt-4o-mini-2024-07-18",
  choices: [{
    index: 0,
    message: {
      role: "assistant",
      content: options.content === undefined ? "Hello there." : options.content,
      refusal: options.refusal ?? null,
      ...(options.toolCalls === undefined ? {} : {
        tool_calls: options.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.arguments }
        }))
      })
    },
    logprobs: null,
    finish_reason: options.finish ?? "stop"
  }],
  usage: options.usage ?? {
    prompt_tokens: 12,
    completion_tokens: 3,
    total_tokens: 15,
    prompt_tokens_details: { cached_tokens: 4 },
    completion_tokens_details: { reasoning_tokens: 0 }
  }
})

export const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-fake2",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: "gpt-4o-mini-2024-07-18",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  ...extra
})

export const usageChunk = (prompt: number, completion: number) => ({
  id: "chatcmpl-fake2",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: "gpt-4o-mini-2024-07-18",
  choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
})

export const errorBody = (message: string, type: string, code: string | null = null, param: string | null = null) => ({
  error: { message, type, param, code }
})
