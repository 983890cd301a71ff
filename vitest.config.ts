import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "test/**/*.test.ts"],
    // Integration tests start Dovecot, SMTP peers and pollers: two cores, so two at a time.
    maxWorkers: 2,
    // Bounds that catch a hang, not a speed target: a loaded 2-core CI machine runs
    // several CLI processes per test, each starting through tsx.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
