#!/usr/bin/env node
// Runs the Prisma CLI offline: the wasm schema engine through prisma.config.ts, no engine download
// (see the README, "Prisma offline"). Usage: node scripts/prisma.mjs <prisma args…>
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

export function prismaEnvironment(extra = {}) {
  const schema = path.join(root, "prisma", "schema.prisma");
  const preload = path.join(root, "scripts", "unref-long-timers.cjs");
  const nodeOptions = [process.env.NODE_OPTIONS, `--require ${preload}`].filter(Boolean).join(" ");
  return {
    ...process.env,
    PRISMA_QUERY_ENGINE_LIBRARY: schema,
    PRISMA_SCHEMA_ENGINE_BINARY: schema,
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    NODE_OPTIONS: nodeOptions,
    // Generators (prisma-pothos-types) are found on PATH, also when this script is run with plain `node`.
    PATH: [path.join(root, "node_modules", ".bin"), process.env.PATH].filter(Boolean).join(path.delimiter),
    // prisma.config.ts reads DATABASE_URL; `generate` needs none, so give it a harmless value.
    DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://unused@127.0.0.1:1/unused",
    ...extra,
  };
}

export function runPrisma(args, { env = {}, capture = false } = {}) {
  const cli = require.resolve("prisma/build/index.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      env: prismaEnvironment(env),
      stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`prisma ${args.join(" ")} exited with ${code}\n${stdout}${stderr}`));
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runPrisma(process.argv.slice(2)).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
