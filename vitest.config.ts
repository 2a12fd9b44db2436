import { defineConfig } from "vitest/config"

// Under CI a JSON report is written too, so .ci/run can print its closing
// "N passed, N failed" line while running exactly `npm test`.
const ci = process.env["CI"] === "true" || process.env["CI"] === "1"

export default defineConfig({
  // Examples import the package by name (as users do); tsconfig `paths` map it
  // for the typecheck and tsx, this maps it for tests that import examples.
  resolve: {
    alias: [
      { find: /^effect-llm-backends\/testing$/, replacement: new URL("./src/testing/index.ts", import.meta.url).pathname },
      { find: /^effect-llm-backends$/, replacement: new URL("./src/index.ts", import.meta.url).pathname }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ci ? ["default", "json"] : ["default"],
    ...(ci ? { outputFile: { json: ".ci/results.json" } } : {})
  }
})
