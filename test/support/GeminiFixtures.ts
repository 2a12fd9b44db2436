/**
 * Gemini-format bodies written by us from the documented format (ai.google.dev
 * API reference; not copied from recordings), for the core wire suites that
 * must run without ../shared.
 */

/** A key shaped like a real Gemini key (`AIza` + 35), so scrubbing patterns are exercised too. */
export const KEY = "AIzaSyTEST-SECRET-0123456789abcdefXYZ"

export const usageMetadata = (prompt: number, candidates: number, extra: Record<string, number> = {}) => ({
  promptTokenCount: prompt,
  candidatesTokenCount: candidates,
  totalTokenCount: prompt + candidates + (extra["thoughtsTokenCount"] ?? 0) + (extra["toolUsePromptTokenCount"] ?? 0),
  promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
  ...extra
})

export const response = (options: {
  readonly parts?: ReadonlyArray<Record<string, unknown>>
  readonly finish?: string | null
  readonly usage?: Record<string, unknown> | null
  readonly model?: string
  readonly id?: string
  readonly finishMessage?: string
} = {}) => ({
  candidates: [{
    content: { parts: options.parts ?? [{ text: "Hello there." }], role: "model" },
    ...(options.finish === null ? {} : { finishReason: options.finish ?? "STOP" }),
    ...(options.finishMessage === undefined ? {} : { finishMessage: options.finishMessage }),
    index: 0,
    safetyRatings: [{ category: "HARM_CATEGORY_HARASSMENT", probability: "NEGLIGIBLE" }]
  }],
  ...(options.usage === null ? {} : { usageMetadata: options.usage ?? usageMetadata(12, 3) }),
  modelVersion: options.model ?? "gemini-2.0-flash-001",
  responseId: options.id ?? "resp_fake_1"
})

export const functionCall = (name: string, args: Record<string, unknown>, id?: string) => ({
  functionCall: { name, args, ...(id === undefined ? {} : { id }) }
})

/** A prompt blocked before any generation: no candidates, only feedback. */
export const blocked = (reason = "SAFETY") => ({
  promptFeedback: {
    blockReason: reason,
    safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }]
  },
  usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
  modelVersion: "gemini-2.0-flash-001",
  responseId: "resp_blocked"
})

/** SSE frames as Gemini sends them: `data: <json>` each followed by a blank line, CRLF line ends. */
export const sse = (payloads: ReadonlyArray<unknown>, eol = "\r\n"): Array<string> =>
  payloads.map((payload) => `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}${eol}${eol}`)

/** One streamed frame: usage rides on every frame, growing. */
export const frame = (parts: ReadonlyArray<Record<string, unknown>>, finish?: string, usage: Record<string, unknown> = usageMetadata(7, 0)) => ({
  candidates: [{ content: { parts, role: "model" }, ...(finish === undefined ? {} : { finishReason: finish }), index: 0 }],
  usageMetadata: usage,
  modelVersion: "gemini-2.0-flash-001",
  responseId: "resp_stream_1"
})

export const errorBody = (code: number, status: string, message: string, details: ReadonlyArray<unknown> = []) => ({
  error: { code, message, status, ...(details.length === 0 ? {} : { details }) }
})

export const apiKeyInvalid = errorBody(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
  {
    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
    reason: "API_KEY_INVALID",
    domain: "googleapis.com",
    metadata: { service: "generativelanguage.googleapis.com" }
  },
  { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: "API key not valid. Please pass a valid API key." }
])

export const rateLimited = (retryDelay: string) =>
  errorBody(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details.", [
    {
      "@type": "type.googleapis.com/google.rpc.QuotaFailure",
      violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests", quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier" }]
    },
    { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay }
  ])

export const overloaded = errorBody(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")

export const modelsPage = (names: ReadonlyArray<string>, nextPageToken?: string) => ({
  models: names.map((name) => ({
    name: `models/${name}`,
    version: "001",
    displayName: name.toUpperCase(),
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 8_192,
    supportedGenerationMethods: ["generateContent", "countTokens"]
  })),
  ...(nextPageToken === undefined ? {} : { nextPageToken })
})
