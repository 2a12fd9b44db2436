/**
 * KServe v2 tensors on the wire: every datatype round-trips through a fake
 * that echoes its inputs; BYTES carry any UTF-8 text; a mismatch between
 * shape, data and datatype is refused before anything is sent (the fake
 * server sees no request at all); replies are checked the same way.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Tensor from "../../../src/providers/ovms/Tensor.ts"
import type * as OvmsApi from "../../../src/providers/ovms/OvmsApi.ts"
import * as Fixtures from "./fixtures.ts"
import { bodyOf, route, setup } from "./setup.ts"

const samples: ReadonlyArray<Tensor.Tensor> = [
  Tensor.make("b", "BOOL", [2, 2], [true, false, false, true]),
  Tensor.make("u8", "UINT8", [3], [0, 128, 255]),
  Tensor.make("u16", "UINT16", [2], [0, 65535]),
  Tensor.make("u32", "UINT32", [2], [0, 4294967295]),
  Tensor.make("u64", "UINT64", [2], [0, Number.MAX_SAFE_INTEGER]),
  Tensor.make("i8", "INT8", [2], [-128, 127]),
  Tensor.make("i16", "INT16", [2], [-32768, 32767]),
  Tensor.make("i32", "INT32", [1, 2], [-2147483648, 2147483647]),
  Tensor.make("i64", "INT64", [2], [Number.MIN_SAFE_INTEGER, 42]),
  Tensor.make("f16", "FP16", [3], [0.5, -2, 65504]),
  Tensor.make("f32", "FP32", [2, 1], [0.1, -3.4028234663852886e38]),
  Tensor.make("f64", "FP64", [2], [Math.PI, -1e300]),
  Tensor.make("s", "BYTES", [3], ["hello", "wörld ✓ 日本", ""]),
  Tensor.make("empty", "FP32", [0, 3], [])
]

describe("OVMS tensors", () => {
  it.live("every datatype round-trips: sent exactly as given, read back typed", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      const result = yield* api.infer("echo", { inputs: samples, id: "req-42" })
      assert.strictEqual(server.requests.length, 1)
      assert.strictEqual(server.requests[0]!.url, "/v2/models/echo/infer")
      const sent = bodyOf(server)["inputs"] as ReadonlyArray<Record<string, unknown>>
      assert.deepStrictEqual(sent, samples.map((t) => ({ name: t.name, shape: t.shape, datatype: t.datatype, data: t.data })))
      assert.strictEqual(bodyOf(server)["id"], "req-42")
      assert.strictEqual(result.id, "req-42")
      assert.strictEqual(result.model, "echo")
      assert.strictEqual(result.modelVersion, "1")
      for (const input of samples) {
        const output = Tensor.find(result.outputs, `out_${input.name}`, input.datatype)
        assert.deepStrictEqual(output, { name: `out_${input.name}`, datatype: input.datatype, shape: input.shape, data: input.data })
      }
    }))

  it.live("BYTES tensors carry UTF-8 text, and find narrows the element type", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      const words = ["naïve", "emoji 😀", "tab\tand \"quotes\"", "\u0000nul"]
      const result = yield* api.infer("echo", { inputs: [Tensor.make("text", "BYTES", [2, 2], words)] })
      const text: ReadonlyArray<string> | undefined = Tensor.find(result.outputs, "out_text", "BYTES")?.data
      assert.deepStrictEqual(text, words)
      assert.include(server.requests[0]!.body, "emoji 😀")
      assert.isUndefined(Tensor.find(result.outputs, "out_text", "FP32"), "a datatype that does not match finds nothing")
    }))

  it.live("requested outputs, parameters and a version go where KServe wants them", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      yield* api.infer("my model/v", {
        inputs: [Tensor.make("x", "FP32", [1], [1], { content_type: "fp" })],
        outputs: ["out_x", { name: "other", parameters: { classification: 2 } }],
        parameters: { sequence_id: 7 }
      }, { version: 3, priority: "high" })
      assert.strictEqual(server.requests[0]!.url, "/v2/models/my%20model%2Fv/versions/3/infer")
      assert.deepStrictEqual(bodyOf(server), {
        parameters: { sequence_id: 7 },
        inputs: [{ name: "x", shape: [1], datatype: "FP32", parameters: { content_type: "fp" }, data: [1] }],
        outputs: [{ name: "out_x" }, { name: "other", parameters: { classification: 2 } }]
      })
    }))

  // Each refused before anything is sent: [what, request, field, words in the detail].
  const refusals: ReadonlyArray<readonly [string, unknown, string, string]> = [
    ["shape × data length", { inputs: [{ name: "x", datatype: "FP32", shape: [2, 2], data: [1, 2, 3] }] }, "inputs[\"x\"].data", "holds 4"],
    ["a string in INT32", { inputs: [{ name: "ids", datatype: "INT32", shape: [2], data: [1, "2"] }] }, "inputs[\"ids\"].data[1]", "not a number"],
    ["a fraction in INT64", { inputs: [{ name: "ids", datatype: "INT64", shape: [1], data: [1.5] }] }, "inputs[\"ids\"].data[0]", "not an integer"],
    ["UINT8 out of range", { inputs: [{ name: "px", datatype: "UINT8", shape: [2], data: [255, 256] }] }, "inputs[\"px\"].data[1]", "0..255"],
    ["a negative UINT32", { inputs: [{ name: "u", datatype: "UINT32", shape: [1], data: [-1] }] }, "inputs[\"u\"].data[0]", "outside"],
    ["INT64 beyond 2^53", { inputs: [{ name: "big", datatype: "INT64", shape: [1], data: [2 ** 60] }] }, "inputs[\"big\"].data[0]", "exactly"],
    ["NaN in FP32", { inputs: [{ name: "f", datatype: "FP32", shape: [1], data: [Number.NaN] }] }, "inputs[\"f\"].data[0]", "finite"],
    ["FP16 overflow", { inputs: [{ name: "h", datatype: "FP16", shape: [1], data: [70000] }] }, "inputs[\"h\"].data[0]", "largest FP16"],
    ["a number in BOOL", { inputs: [{ name: "m", datatype: "BOOL", shape: [1], data: [1] }] }, "inputs[\"m\"].data[0]", "not a boolean"],
    ["a number in BYTES", { inputs: [{ name: "t", datatype: "BYTES", shape: [1], data: [7] }] }, "inputs[\"t\"].data[0]", "not a string"],
    ["an unknown datatype", { inputs: [{ name: "x", datatype: "FLOAT", shape: [1], data: [1] }] }, "inputs[\"x\"].datatype", "FP32"],
    ["a negative dimension", { inputs: [{ name: "x", datatype: "FP32", shape: [-1], data: [] }] }, "inputs[\"x\"].shape", ">= 0"],
    ["nested data", { inputs: [{ name: "x", datatype: "FP32", shape: [1, 2], data: [[1, 2]] }] }, "inputs[\"x\"].data", "flat"],
    ["no inputs", { inputs: [] }, "inputs", "non-empty"],
    ["an unnamed input", { inputs: [{ name: " ", datatype: "FP32", shape: [1], data: [1] }] }, "inputs[0].name", "non-empty"],
    ["a duplicate input", {
      inputs: [{ name: "x", datatype: "FP32", shape: [1], data: [1] }, { name: "x", datatype: "FP32", shape: [1], data: [2] }]
    }, "inputs[\"x\"].name", "twice"],
    ["a duplicate output", { inputs: [{ name: "x", datatype: "FP32", shape: [1], data: [1] }], outputs: ["y", { name: "y" }] }, "outputs[\"y\"]", "twice"]
  ]

  it.live("mismatches are refused before any request, naming the tensor and the field", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(route)
      for (const [what, request, field, words] of refusals) {
        const error = yield* Effect.flip(api.infer("m", request as OvmsApi.InferRequest))
        assert.strictEqual(error.reason._tag, "InvalidRequest", what)
        const reason = error.reason as { readonly field?: string; readonly detail?: string }
        assert.strictEqual(reason.field, field, what)
        assert.include(reason.detail ?? "", words, what)
      }
      const bad = [["", undefined, "model"], ["..", undefined, "model"], ["m", -1, "version"], ["m", " ", "version"]] as const
      for (const [model, version, field] of bad) {
        const error = yield* Effect.flip(api.infer(model, { inputs: [Tensor.make("x", "FP32", [1], [1])] }, { version }))
        assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : error.reason._tag, field)
      }
      assert.strictEqual(server.requests.length, 0, "the server saw nothing")
      assert.strictEqual((yield* backend.monitor.stats).total_requests, 0, "nor was anything queued")
    }))

  it.live("a reply whose outputs break their datatype or shape is InvalidResponse; nested outputs are flattened", () =>
    Effect.gen(function*() {
      const replies = [
        Fixtures.inferReply([{ name: "o", datatype: "INT32", shape: [2], data: [1, 2.5] }]),
        Fixtures.inferReply([{ name: "o", datatype: "FP32", shape: [3], data: [1, 2] }]),
        Fixtures.inferReply([{ name: "o", datatype: "BF17", shape: [1], data: [1] }]),
        Fixtures.inferReply([{ name: "o", datatype: "FP32", shape: [2], parameters: { binary_data_size: 8 } }]),
        Fixtures.inferReply([{ name: "o", datatype: "INT64", shape: [1], data: [2 ** 62] }]),
        Fixtures.inferReply([{ name: "o", datatype: "FP32", shape: [2, 2], data: [[1, 2], [3, 4]] }])
      ]
      const { api, server } = yield* setup((_, i) => replies[i]!)
      const input = { inputs: [Tensor.make("x", "FP32", [1], [1])] }
      const details: Array<string> = []
      for (let i = 0; i < 5; i++) {
        const error = yield* Effect.flip(api.infer("m", input))
        assert.strictEqual(error.reason._tag, "InvalidResponse")
        details.push(error.reason.detail ?? "")
      }
      assert.include(details[0]!, "data[1]")
      assert.include(details[1]!, "holds 3")
      assert.include(details[2]!, "unknown datatype")
      assert.include(details[3]!, "binary")
      assert.include(details[4]!, "exactly")
      const nested = yield* api.infer("m", input)
      assert.deepStrictEqual(nested.outputs[0], { name: "o", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] })
      assert.strictEqual(server.requests.length, 6)
    }))
})
