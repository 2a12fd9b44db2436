/**
 * A tiny fake generic model server on 127.0.0.1 for running the LLVM
 * example offline: `GET /models`, `GET /models/{id}`, `POST
 * /models/{id}/infer` and `/batch_infer` with a toy sentiment model, and an
 * OpenAI-style `/v1/completions` route. Written from the contract in the
 * README; no real product speaks exactly this.
 */
import * as FakeHttp from "./FakeHttp.ts"

/** A running fake. */
export type Served = FakeHttp.Served

const sentiment = (input: unknown) => {
  const text = typeof input === "object" && input !== null && "text" in input ? String(input.text) : String(input)
  const score = (text.match(/love|great|good|fine/gi)?.length ?? 0) - (text.match(/hate|bad|awful/gi)?.length ?? 0)
  return { label: score > 0 ? "positive" : score < 0 ? "negative" : "neutral", score }
}

/** Starts the fake on `port` (0: any free port). */
export const serve = (port = 0): Promise<Served> =>
  FakeHttp.serve(port, (req, res, text) => {
    const body = FakeHttp.jsonBody(text)
    const json = (value: unknown, status = 200) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(JSON.stringify(value))
    }
    const path = req.url ?? "/"
    const model = /^\/models\/([^/]+)/.exec(path)?.[1]
    const known = model === undefined || decodeURIComponent(model) === "sentiment"
    if (req.method === "GET" && path === "/models") return json({ models: [{ id: "sentiment", owned_by: "fake" }] })
    if (!known) return json({ detail: `model ${decodeURIComponent(model!)} not found` }, 404)
    if (req.method === "GET" && model !== undefined) return json({ id: "sentiment", inputs: { text: "string" }, outputs: ["label", "score"] })
    if (path.endsWith("/batch_infer")) return json({ results: (body["inputs"] as Array<unknown>).map(sentiment) })
    if (path.endsWith("/infer")) return json({ result: sentiment(body["input"]) })
    if (path === "/v1/completions") {
      return json({ id: "cmpl-1", model: "sentiment", choices: [{ index: 0, text: " a small honest client.", finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } })
    }
    return json({ detail: "Not Found" }, 404)
  })
