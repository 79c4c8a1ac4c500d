// Who is using the app: a name (the OS account name by default) and a role, asked once on first
// start and again from the header's "Change user". The backend keeps them and writes them into
// every later audit event; there are no accounts or passwords.

import { useEffect, useRef, useState } from "preact/hooks";
import { setUser } from "../api";
import type { IpcError } from "../bindings/IpcError";
import type { User } from "../bindings/User";
import type { UserRole } from "../bindings/UserRole";

export const USER_ROLE_LABEL: Record<UserRole, string> = {
  clinician: "Clinician",
  pharmacist: "Pharmacist",
  it: "Hospital IT",
};

const ROLE_HINT: Record<UserRole, string> = {
  clinician: "decides on suggestions for a visit",
  pharmacist: "checks interactions and a visit's orders",
  it: "imports data, installs models, keeps backups",
};

const ROLES: UserRole[] = ["clinician", "pharmacist", "it"];

/** The longest name the backend accepts (characters). */
const MAX_NAME = 80;

/** The backend's refusal of a name, as a sentence for the person typing it. */
export function userErrorText(e: IpcError): string {
  const m = e.message.toLowerCase();
  if (e.code === "invalid_input") {
    if (m.includes("give a name")) return "Enter your name: it is written beside each of your decisions in the audit log.";
    if (m.includes("at most")) return `That name is too long: use at most ${MAX_NAME} characters.`;
    if (m.includes("control character"))
      return "The name contains a line break or another invisible character: type it on one line.";
    return `That name cannot be used: ${e.message}.`;
  }
  return `Your name and role could not be saved (${e.message}). Try again; if it keeps failing, ask hospital IT.`;
}

/**
 * The modal form. `current` null: first start (no Cancel, Escape does nothing). `onDone` gets
 * the user the backend kept.
 */
export function UserForm({
  current,
  defaultName,
  onDone,
  onCancel,
}: {
  current: User | null;
  defaultName: string;
  onDone: (u: User) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(current?.name ?? defaultName);
  const [role, setRole] = useState<UserRole | null>(current?.role ?? null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const nameBox = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    nameBox.current?.focus();
    nameBox.current?.select();
  }, []);

  const submit = async () => {
    const typed = nameBox.current?.value ?? name;
    if (!typed.trim()) {
      setError("Enter your name: it is written beside each of your decisions in the audit log.");
      nameBox.current?.focus();
      return;
    }
    if (!role) {
      setError("Choose your role.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onDone(await setUser(typed, role));
    } catch (e) {
      setError(userErrorText(e as IpcError));
      nameBox.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const first = current === null;
  return (
    <dialog
      ref={dialog}
      class="user-dialog"
      aria-labelledby="user-form-h"
      aria-describedby="user-form-about"
      data-testid="user-form"
      onCancel={(e) => {
        e.preventDefault();
        if (!first) onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2 id="user-form-h">{first ? "Who is using LEADER Rx?" : "Change user"}</h2>
        <p id="user-form-about" class="small muted">
          Your name and role are written with every recommendation and decision in the audit log, so that each one
          can be traced to who made it. They stay on this computer; there is no password.
        </p>
        <div class="field">
          <label for="user-name">Name</label>
          <input
            id="user-name"
            ref={nameBox}
            type="text"
            autoComplete="name"
            value={name}
            aria-invalid={error !== null && error !== "Choose your role."}
            aria-describedby={error ? "user-form-error" : undefined}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
            data-testid="user-name"
          />
        </div>
        <fieldset class="user-roles">
          <legend>Role</legend>
          {ROLES.map((r) => (
            <label key={r} class="user-role">
              <input
                type="radio"
                name="user-role"
                value={r}
                checked={role === r}
                onChange={() => setRole(r)}
                data-testid={`user-role-${r}`}
              />{" "}
              <strong>{USER_ROLE_LABEL[r]}</strong> <span class="small muted">— {ROLE_HINT[r]}</span>
            </label>
          ))}
        </fieldset>
        {error ? (
          <p id="user-form-error" class="user-form-error" role="alert" data-testid="user-form-error">
            {error}
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} data-testid="user-continue">
            {busy ? "Saving…" : "Continue"}
          </button>
          {first ? null : (
            <button type="button" class="secondary" onClick={onCancel} data-testid="user-cancel">
              Cancel
            </button>
          )}
        </div>
      </form>
    </dialog>
  );
}
