/**
 * The legacy TF-Serving `:predict` (OVMS before 2026.3): off unless asked
 * for; row format; input names from the model's metadata (the predecessor
 * hard-coded `data`); the version in the path (it put it in the body);
 * metadata read once per model, version and signature.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type * as OvmsApi from "../../../src/providers/ovms/OvmsApi.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import { bodyOf, setup } from "./setup.ts"

// Written from the TF-Serving-era OVMS doc's metadata example.
const signature = (inputs: ReadonlyArray<string>) => ({
  modelSpec: { name: "person-detection", version: "1" },
  metadata: {
    signature_def: {
      "@type": "type.googleapis.com/tensorflow.serving.SignatureDefMap",
      signatureDef: {
        serving_default: {
          inputs: Object.fromEntries(inputs.map((name) => [name, {
            name: `${name}_2:0`,
            dtype: "DT_FLOAT",
            tensorShape: { dim: [{ size: "1" }, { size: "3" }] }
          }])),
          outputs: { detection_out: { name: "detection_out_2:0", dtype: "DT_FLOAT", tensorShape: { dim: [{ size: "1" }] } } },
          methodName: "tensorflow/serving/predict"
        }
      }
    }
  }
})

const tfs = (inputs: ReadonlyArray<string>): FakeServer.Handler => (request) =>
  request.url.endsWith("/metadata")
    ? { kind: "json", body: signature(inputs) }
    : request.url.endsWith(":predict")
    ? { kind: "json", body: { predictions: (request.json as { instances: ReadonlyArray<unknown> }).instances.map((_, i) => [i, 0.5]) } }
    : { kind: "json", status: 404, body: { error: "Model with requested name is not found" } }

describe("OVMS legacy TF-Serving predict", () => {
  it.live("is Unsupported unless tfServing is set, and then sends nothing", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(tfs(["image"]))
      const error = yield* Effect.flip(api.predict("m", [[1, 2, 3]]))
      assert.strictEqual(error.reason._tag === "Unsupported" ? error.reason.capability : error.reason._tag, "tfServing")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("names a bare row by the model's one input from metadata, puts the version in the path, reads metadata once", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(tfs(["image"]), { tfServing: true })
      const first = yield* api.predict("person detection", [[1, 2, 3], [4, 5, 6]], { version: 2 })
      yield* api.predict("person detection", [{ b64: "aW1hZ2U=" }], { version: 2 })
      assert.deepStrictEqual(server.requests.map((r) => `${r.method} ${r.url}`), [
        "GET /v1/models/person%20detection/versions/2/metadata",
        "POST /v1/models/person%20detection/versions/2:predict",
        "POST /v1/models/person%20detection/versions/2:predict"
      ])
      assert.deepStrictEqual(bodyOf(server, 1), { instances: [{ image: [1, 2, 3] }, { image: [4, 5, 6] }] })
      assert.deepStrictEqual(bodyOf(server, 2), { instances: [{ image: { b64: "aW1hZ2U=" } }] })
      assert.deepStrictEqual(first.predictions, [[0, 0.5], [1, 0.5]])
      assert.strictEqual(first.version, "2")
    }))

  it.live("rows for a multi-input model must name each input the metadata lists", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(tfs(["a", "b"]), { tfServing: true })
      const cases = [
        [[[1, 2]], "instances[0]", "2 inputs"],
        [[{ a: 1 }], "instances[0].b", "missing"],
        [[{ a: 1, b: 2, data: 3 }], "instances[0].data", "no input"],
        [[{ a: 1, b: "x" }], "instances[0].b", "not a number"],
        [[], "instances", "non-empty"]
      ] as const
      for (const [rows, field, words] of cases) {
        // Untyped callers too: the row type would refuse some of these at compile time.
        const error = yield* Effect.flip(api.predict("m", rows as unknown as ReadonlyArray<OvmsApi.Row>))
        assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : error.reason._tag, field)
        assert.include(error.reason.detail ?? "", words)
      }
      yield* api.predict("m", [{ a: 1, b: [2, 3] }], { signatureName: "serving_default" })
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/v1/models/m/metadata", "/v1/models/m:predict"], "only the valid row was sent")
      assert.deepStrictEqual(bodyOf(server, 1), { signature_name: "serving_default", instances: [{ a: 1, b: [2, 3] }] })
      const missing = yield* Effect.flip(api.predict("m", [{ a: 1, b: 2 }], { signatureName: "other" }))
      assert.strictEqual(missing.reason._tag === "InvalidRequest" ? missing.reason.field : missing.reason._tag, "signatureName")
    }))

  it.live("an unknown model is NotFound from its metadata request", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(() => ({ kind: "json", status: 404, body: { error: "Model with requested name is not found" } }), {
        tfServing: true
      })
      const error = yield* Effect.flip(api.predict("nope", [[1]]))
      assert.strictEqual(error.reason._tag, "NotFound")
      assert.strictEqual(server.requests.length, 1)
    }))
})
