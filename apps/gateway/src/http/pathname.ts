/**
 * The path of a request's absolute URL (`http://host/graphql?x` → `/graphql`), without building a URL object:
 * response hooks run on every request and need only the path. Same result as `new URL(url).pathname` for the URLs
 * the server adapter builds (scheme, host, then an already-normalised path).
 */
export function pathnameOf(url: string): string {
  const afterScheme = url.indexOf("//");
  const start = url.indexOf("/", afterScheme === -1 ? 0 : afterScheme + 2);
  if (start === -1) return "/";
  let end = url.length;
  const query = url.indexOf("?", start);
  if (query !== -1) end = query;
  const fragment = url.indexOf("#", start);
  if (fragment !== -1 && fragment < end) end = fragment;
  return url.slice(start, end);
}
