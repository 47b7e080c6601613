import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    // Suites that spawn `npm start`, `npm run demo`, … run the built JavaScript: build it if stale.
    globalSetup: ["tests/support/build.ts"],
    // Integration suites start brokers, controllers and browsers: give them room, and keep the
    // file-level parallelism to the two cores the target machine has.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
