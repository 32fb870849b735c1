// Preloaded into Prisma CLI processes: the wasm schema engine leaves a 10 s timer running after
// `migrate deploy`, which keeps the process alive for nothing. Long timers must not hold the process open.
const originalSetTimeout = global.setTimeout;
global.setTimeout = function setTimeoutUnrefLong(callback, delay, ...args) {
  const timer = originalSetTimeout(callback, delay, ...args);
  if (typeof delay === "number" && delay >= 10_000 && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
