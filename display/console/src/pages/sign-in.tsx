import { useState } from "preact/hooks";
import type { ApiError } from "../api.ts";
import { msg } from "../i18n/index.ts";
import { ErrorBox, Field } from "../ui.tsx";

/** A token (from ops, or `npm run token -- create`) is the sign-in; it is kept for this tab only. */
export function SignIn({
  store,
  onToken,
  error,
}: {
  store: string;
  onToken: (token: string) => void;
  error: ApiError | undefined;
}) {
  const [token, setToken] = useState("");
  return (
    <main id="main" class="sign-in">
      <h1>Shelfsync{store && <span class="muted"> · {store}</span>}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <Field id="token" label={msg.signIn.token} hint={msg.signIn.hint}>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="current-password"
            required
            // biome-ignore lint/a11y/noAutofocus: the only thing to do on this page
            autoFocus
            value={token}
            aria-describedby="token-hint"
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </Field>
        {error && error.code !== "signed_out" ? (
          <ErrorBox error={error} />
        ) : (
          error && <p role="status">{error.message}</p>
        )}
        <button type="submit" class="primary">
          {msg.signIn.submit}
        </button>
      </form>
    </main>
  );
}
