import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./controller/store/schema.ts",
  out: "./controller/store/migrations",
});
