// The script index.html runs first, inline (the build bundles it and the gateway's Content-Security-Policy allows it
// by hash): it starts the first screen's requests before the application's script has loaded (first-requests.ts).
import { startFirstRequests } from "./first-requests";

/** Persisted hash by operation name, for the operations of FIRST_OPERATIONS (written in by the build). */
declare const __FIRST_OPERATION_HASHES__: Record<string, string>;

startFirstRequests(window.location.pathname, __FIRST_OPERATION_HASHES__);
