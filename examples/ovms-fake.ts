/**
 * A tiny fake OpenVINO Model Server on 127.0.0.1, for trying the OVMS
 * example with no OVMS and no network. It serves one KServe v2 model,
 * `tiny-classifier` (version 1): input `pixels` FP32 [-1, 4], outputs
 * `scores` FP32 [n, 3] (a softmax) and `label` BYTES [n]; the health and
 * readiness probes; and `/v3/rerank` scoring documents by words shared with
 * the query. Errors come as KServe `{error}` bodies, as OVMS sends them.
 *
 *   npm run example examples/ovms-fake.ts      # serves on :8001 until Ctrl-C
 *   OVMS_API_URL=http://127.0.0.1:8001 npm run example examples/ovms-infer.ts
 */
import * as FakeHttp from "./support/FakeHttp.ts"

/** A running fake. */
export type Served = FakeHttp.Served

const MODEL = "tiny-classifier"
const LABELS = ["cat", "dog", "bird"]
const WEIGHTS = [[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1]]

const metadata = {
  name: MODEL,
  versions: ["1"],
  platform: "OpenVINO",
  inputs: [{ name: "pixels", datatype: "FP32", shape: [-1, 4] }],
  outputs: [{ name: "scores", datatype: "FP32", shape: [-1, 3] }, { name: "label", datatype: "BYTES", shape: [-1] }]
}

interface Input {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  readonly datatype: string
  readonly data: ReadonlyArray<number>
}

const classify = (rows: ReadonlyArray<ReadonlyArray<number>>) => {
  const scores: Array<number> = []
  const labels: Array<string> = []
  for (const row of rows) {
    const logits = WEIGHTS.map((w) => w.reduce((sum, wi, i) => sum + wi * row[i]!, 0))
    const top = Math.max(...logits)
    const exp = logits.map((l) => Math.exp(l - top))
    const total = exp.reduce((a, b) => a + b, 0)
    scores.push(...exp.map((e) => Math.round((e / total) * 1e4) / 1e4))
    labels.push(LABELS[logits.indexOf(top)]!)
  }
  return { scores, labels }
}

const infer = (body: { readonly inputs?: ReadonlyArray<Input> }) => {
  const input = body.inputs?.find((i) => i.name === "pixels")
  if (input === undefined) return [400, { error: "Missing input with specific name - Required input: pixels" }] as const
  if (input.datatype !== "FP32") return [400, { error: `Invalid input precision - Expected: FP32; Actual: ${input.datatype}` }] as const
  if (input.shape.length !== 2 || input.shape[1] !== 4) {
    return [400, { error: `Invalid input shape - Expected: (-1,4); Actual: (${input.shape.join(",")})` }] as const
  }
  const n = input.shape[0]!
  const rows = Array.from({ length: n }, (_, r) => input.data.slice(r * 4, r * 4 + 4))
  const { labels, scores } = classify(rows)
  return [200, {
    model_name: MODEL,
    model_version: "1",
    outputs: [
      { name: "scores", shape: [n, 3], datatype: "FP32", data: scores },
      { name: "label", shape: [n], datatype: "BYTES", data: labels }
    ]
  }] as const
}

const words = (text: string) => new Set(text.toLowerCase().split(/\W+/).filter((w) => w.length > 0))

const rerank = (body: { readonly query?: string; readonly documents?: ReadonlyArray<string> }) => {
  const query = words(body.query ?? "")
  const results = (body.documents ?? []).map((document, index) => {
    const shared = [...words(document)].filter((w) => query.has(w)).length
    return { index, relevance_score: query.size === 0 ? 0 : shared / query.size }
  })
  return [200, { results }] as const
}

const route = (method: string, path: string, body: Record<string, unknown>): readonly [number, unknown] => {
  if (method === "GET" && (path === "/v2/health/live" || path === "/v2/health/ready")) return [200, undefined]
  const model = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(path)
  if (model !== null) {
    const [, name, version, action] = model
    if (decodeURIComponent(name!) !== MODEL) return [404, { error: "Model with requested name is not found" }]
    if (version !== undefined && version !== "1") return [404, { error: "Model with requested version is not found" }]
    if (action === "/ready") return [200, undefined]
    if (action === "/infer" && method === "POST") return infer(body)
    if (action === undefined && method === "GET") return [200, metadata]
  }
  if (method === "POST" && path === "/v3/rerank") return rerank(body)
  return [404, { error: `no route ${method} ${path}` }]
}

/** Starts the fake; resolves once it listens. */
export const serve = (port = 0): Promise<Served> =>
  FakeHttp.serve(port, (req, res, text) => {
    let body: Record<string, unknown>
    try {
      body = FakeHttp.jsonBody(text)
    } catch {
      res.writeHead(400, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: "Invalid JSON in request body" }))
      return
    }
    const [status, reply] = route(req.method ?? "GET", (req.url ?? "/").split("?")[0]!, body)
    res.writeHead(status, { "content-type": "application/json" })
    res.end(reply === undefined ? "" : JSON.stringify(reply))
  })

if (import.meta.url === `file://${process.argv[1]}`) {
  serve(8001).then((served) => console.log(`fake OVMS on ${served.url} (model ${MODEL}); Ctrl-C to stop`))
}
