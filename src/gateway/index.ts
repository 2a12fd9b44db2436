/**
 * The OpenAI-compatible gateway (`effect-llm-backends/gateway`): config,
 * client keys, the server and its dashboard. Needs `@effect/platform-node`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Backends from "./Backends.ts"
/** @since 0.1.0 */
export * as Clients from "./Clients.ts"
/** @since 0.1.0 */
export * as Gateway from "./Gateway.ts"
/** @since 0.1.0 */
export * as GatewayConfig from "./GatewayConfig.ts"
/** @since 0.1.0 */
export * as OpenAiWire from "./OpenAiWire.ts"
