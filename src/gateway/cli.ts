#!/usr/bin/env node
/**
 * The gateway's command line (`effect-llm-backends`, on `effect/cli`):
 *
 * - `serve --config gateway.json [--port N]` serves until SIGTERM/SIGINT, then
 *   shuts down gracefully (stops accepting, drains up to `shutdownGraceMs`,
 *   cancels the rest);
 * - `serve --config gateway.json --check` validates the file and the
 *   backends' settings (keys present, URLs valid) and exits;
 * - `hash-key <key>` prints the `sha256:` hash a config stores for a key;
 *   `hash-key --generate` makes a fresh random key and prints both.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Context, Effect, Layer, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { HttpServer } from "effect/http"
import { randomBytes } from "node:crypto"
import { hashKey } from "./Clients.ts"
import * as Gateway from "./Gateway.ts"
import * as GatewayConfig from "./GatewayConfig.ts"
import * as UndiciHttpClient from "../node/UndiciHttpClient.ts"

const config = Flag.String("config").pipe(Flag.withAlias("c"), Flag.withDescription("The gateway's JSON config file"))
const port = Flag.Int("port").pipe(Flag.withAlias("p"), Flag.withDescription("Port (overrides listen.port)"), Flag.optional)
const check = Flag.Boolean("check").pipe(Flag.withDescription("Validate the config and exit"), Flag.withDefault(false))

const serve = Command.make("serve", { config, port, check }, (input) =>
  Effect.gen(function*() {
    const loaded = yield* GatewayConfig.load(input.config)
    const gateway = yield* Gateway.make(loaded)
    if (input.check) {
      yield* Console.log(`${input.config}: OK (${loaded.backends.length} backends, ${loaded.routes?.length ?? 0} routes, ${loaded.clients?.length ?? 0} clients)`)
      return
    }
    const chosen = Option.getOrUndefined(input.port)
    const host = loaded.listen?.host ?? "127.0.0.1"
    yield* Effect.scoped(Effect.gen(function*() {
      const served = yield* Layer.build(Gateway.layer(gateway, { port: chosen }))
      const address = Context.get(served, HttpServer.HttpServer).address
      yield* Console.log(`gateway listening on http://${host}:${address._tag === "UnixPathAddress" ? address.path : address.port}`)
      return yield* Effect.never
    }))
  }).pipe(
    Effect.catchTag("BackendConfigError", (error) => Effect.andThen(Console.error(error.message), Effect.sync(() => (process.exitCode = 1))))
  )).pipe(Command.withDescription("Serve the OpenAI-compatible gateway"))

const hash = Command.make("hash-key", {
  key: Argument.String("key").pipe(Argument.withDescription("The client or admin key to hash"), Argument.optional),
  generate: Flag.Boolean("generate").pipe(Flag.withDescription("Make a random key"), Flag.withDefault(false))
}, ({ generate, key }) =>
  Effect.gen(function*() {
    if (generate) {
      const fresh = `gk-${randomBytes(24).toString("base64url")}`
      yield* Console.log(`key:  ${fresh}\nhash: ${hashKey(fresh)}`)
      return
    }
    if (Option.isNone(key)) {
      yield* Console.error("give a key, or --generate")
      process.exitCode = 1
      return
    }
    yield* Console.log(hashKey(key.value))
  })).pipe(Command.withDescription("Print the sha256 hash a gateway config stores for a key"))

const root = Command.make("effect-llm-backends").pipe(
  Command.withDescription("effect-llm-backends gateway"),
  Command.withSubcommands([serve, hash])
)

root.pipe(
  Command.run({ version: "0.1.0" }),
  // Upstream calls go out on the lean undici client (the fastest correct transport the benchmarks measured).
  Effect.provide(Layer.mergeAll(NodeServices.layer, UndiciHttpClient.layer)),
  NodeRuntime.runMain
)
