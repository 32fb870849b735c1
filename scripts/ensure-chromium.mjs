#!/usr/bin/env node
// Part of the test command: the browser tests drive Debian's Chromium. When it is missing and this runs as root on
// a Debian-like system (CI, a fresh container), it is installed with apt-get; otherwise this says how, and the
// browser tests fail with the same instruction.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (!existsSync(chromium)) {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (root && apt) {
    console.log(`Chromium is missing at ${chromium}: installing Debian's chromium package for the browser tests`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    for (const args of [["update", "-qq"], ["install", "-y", "-qq", "chromium"]]) {
      const run = spawnSync("apt-get", args, { stdio: "inherit", env });
      if (run.status !== 0) {
        console.error(`apt-get ${args.join(" ")} failed (exit ${run.status}): the browser tests will fail until Chromium is installed`);
        break;
      }
    }
  } else {
    console.error(
      `Chromium is missing at ${chromium}: the browser tests need it. Install it with \`sudo apt-get install -y chromium\`, or set CHROMIUM_PATH.`,
    );
  }
}
