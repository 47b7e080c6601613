import { useState } from "preact/hooks";
import type { Role, TokenCreatedReply, TokenReply } from "../../../../schemas/index.ts";
import { type ApiError, api, get } from "../api.ts";
import { ago } from "../format.ts";
import { fill, msg } from "../i18n/index.ts";
import {
  asApiError,
  ConfirmButton,
  ErrorBox,
  Field,
  fieldError,
  PageTitle,
  Show,
  Table,
  useLoad,
} from "../ui.tsx";

const ROLES: Role[] = ["viewer", "staff", "manager", "ops", "bridge", "screen"];

/** API tokens (ops): who has one, with which role, when last used; create (shown once) and revoke. */
export function Tokens() {
  const list = useLoad((signal) => get<TokenReply[]>("/tokens", signal), []);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("staff");
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<TokenCreatedReply | null>(null);
  return (
    <section>
      <PageTitle>{msg.tokens.title}</PageTitle>
      <form
        class="card form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setCreated(null);
          try {
            setCreated(await api<TokenCreatedReply>("POST", "/tokens", { name: name.trim(), role }));
            setName("");
            list.reload();
          } catch (x) {
            setError(asApiError(x));
          }
        }}
      >
        <h2>{msg.tokens.create}</h2>
        <div class="row2">
          <Field
            id="token-name"
            label={msg.tokens.name}
            hint={msg.tokens.nameHint}
            error={fieldError(error, "name")}
          >
            <input
              id="token-name"
              required
              value={name}
              aria-describedby="token-name-hint"
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </Field>
          <Field id="token-role" label={msg.tokens.role}>
            <select id="token-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {msg.roles[r]}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <button type="submit" class="primary">
          {msg.tokens.createSubmit}
        </button>
      </form>
      {error && <ErrorBox error={error} />}
      {created && (
        <div class="card created" role="status">
          <p>
            {fill(msg.tokens.createdFor, {
              name: created.name,
              role: msg.roles[created.role] ?? created.role,
            })}
          </p>
          <p>
            <code class="token" data-testid="new-token">
              {created.token}
            </code>{" "}
            <button type="button" onClick={() => navigator.clipboard?.writeText(created.token)}>
              {msg.tokens.copy}
            </button>
          </p>
          <p class="warn">{msg.tokens.onlyOnce}</p>
        </div>
      )}
      <Show loaded={list}>
        {(tokens) => (
          <Table
            rows={tokens}
            empty={msg.tokens.none}
            columns={[msg.tokens.name, msg.tokens.role, msg.tokens.createdAt, msg.tokens.lastUsed]}
            actions
            row={(t) => (
              <tr key={t.name}>
                <td>{t.name}</td>
                <td>{msg.roles[t.role]}</td>
                <td>{ago(t.createdAt)}</td>
                <td>{t.lastUsedAt ? ago(t.lastUsedAt) : msg.tokens.never}</td>
                <td>
                  <ConfirmButton
                    question={fill(msg.tokens.confirmRevoke, { name: t.name })}
                    action={async () => {
                      await api("DELETE", `/tokens/${encodeURIComponent(t.name)}`);
                      list.reload();
                    }}
                    onError={setError}
                  >
                    {msg.tokens.revoke}
                  </ConfirmButton>
                </td>
              </tr>
            )}
          />
        )}
      </Show>
    </section>
  );
}
