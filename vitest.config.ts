import { defineConfig } from "vitest/config"

// Under CI a JSON report is written too, so .ci/run can print its closing
// "N passed, N failed" line while running exactly `npm test`.
const ci = process.env["CI"] === "true" || process.env["CI"] === "1"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ci ? ["default", "json"] : ["default"],
    ...(ci ? { outputFile: { json: ".ci/results.json" } } : {})
  }
})
