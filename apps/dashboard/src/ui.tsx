import { useEffect, useRef, useState, type ReactNode } from "react";
import type { CombinedError } from "urql";

/** An error result of a mutation (`... on Error { code message field }`): the server's words and the field. */
export interface PayloadErrorShape {
  code: string;
  message: string;
  field?: string | null;
}

/** The server's message for each error of a request, with the input field it names. */
export function ErrorNotice({ error }: { error: CombinedError | undefined | null }) {
  if (!error) return null;
  const items = error.graphQLErrors.length
    ? error.graphQLErrors.map((graphQLError) => ({
        message: graphQLError.message,
        code: typeof graphQLError.extensions?.code === "string" ? graphQLError.extensions.code : null,
        field: typeof graphQLError.extensions?.field === "string" ? graphQLError.extensions.field : null,
      }))
    : [{ message: error.networkError?.message ?? error.message, code: "NETWORK", field: null }];
  return (
    <div className="notice notice-error" role="alert">
      {items.map((item, index) => (
        <p key={index}>
          {item.message}
          {item.field ? (
            <>
              {" "}
              <span className="field">(field: <code>{item.field}</code>)</span>
            </>
          ) : null}
          {item.code ? <span className="code"> {item.code}</span> : null}
        </p>
      ))}
    </div>
  );
}

export function PayloadError({ error }: { error: PayloadErrorShape | null | undefined }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      <p>
        {error.message}
        {error.field ? (
          <>
            {" "}
            <span className="field">(field: <code>{error.field}</code>)</span>
          </>
        ) : null}
        <span className="code"> {error.code}</span>
      </p>
    </div>
  );
}

/** A placeholder of the size of what it waits for, so nothing jumps when the answer arrives. */
export function Loading({ label = "Loading…", rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: rows }, (_, index) => (
        <div key={index} className="skeleton" aria-hidden="true" />
      ))}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Badge({ value, tone }: { value: string; tone?: "ok" | "warn" | "bad" | "neutral" }) {
  const inferred =
    tone ??
    (/^(OK|DONE|ACTIVE|LINKED|ACCEPTED|DOP_REMOVED|SSO_ACTIVE)$/.test(value)
      ? "ok"
      : /^(BLOCKED|MISSING_MEMBERSHIP|REMOVED_WITHOUT_SSO|EXPIRED|REVOKED)$/.test(value)
        ? "bad"
        : /^(IN_PROGRESS|MISSING_PERMISSIONS|INVITED|PENDING|ABOUT_TO_EXPIRE|DRAFT)$/.test(value)
          ? "warn"
          : "neutral");
  return <span className={`badge badge-${inferred}`}>{value.replaceAll("_", " ")}</span>;
}

/** Copies a value to the clipboard and says so (for screen readers too). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          navigator.clipboard.writeText(text).then(
            () => setCopied("copied"),
            () => setCopied("failed"),
          );
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => setCopied("idle"), 3000);
        }}
      >
        {label}
      </button>
      <span className="copy-status" role="status" aria-live="polite">
        {copied === "copied" ? "Copied" : copied === "failed" ? "Copy failed: select the text and copy it" : ""}
      </span>
    </>
  );
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  return new Date(value).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export function Refused({ children }: { children: ReactNode }) {
  return (
    <div className="notice notice-error" role="alert">
      {children}
    </div>
  );
}

/**
 * "Previous page" / "Next page" over a connection: `cursors` holds the `after` cursor of every page up to the one
 * shown (the first is null); Next pushes the page's end cursor, Previous pops.
 */
export function Pager({
  cursors,
  onChange,
  pageInfo,
  fetching,
}: {
  cursors: (string | null)[];
  onChange: (cursors: (string | null)[]) => void;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null } | null | undefined;
  fetching: boolean;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="secondary" disabled={cursors.length <= 1 || fetching} onClick={() => onChange(cursors.slice(0, -1))}>
        Previous page
      </button>
      <span>Page {cursors.length}</span>
      <button
        type="button"
        className="secondary"
        disabled={!pageInfo?.hasNextPage || fetching}
        onClick={() => onChange([...cursors, pageInfo?.endCursor ?? null])}
      >
        Next page
      </button>
    </nav>
  );
}
