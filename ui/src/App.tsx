// Shell: header (active model, who is using the app, offline note), sidebar navigation, the
// current screen. On first start (no user yet) the "who is using the app" form comes first.

import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { appInfo } from "./api";
import { ErrorBanner, ModelKindBadge } from "./components";
import { type ComposerSeed, NavContext, type Nav, SCREENS, type Screen } from "./nav";
import { Audit } from "./screens/Audit";
import { Composer } from "./screens/Composer";
import { Import } from "./screens/Import";
import { Model } from "./screens/Model";
import { Patients } from "./screens/Patients";
import { Pharmacist } from "./screens/Pharmacist";
import type { AppInfo } from "./bindings/AppInfo";
import type { IpcError } from "./bindings/IpcError";
import type { User } from "./bindings/User";
import { USER_ROLE_LABEL, UserForm } from "./user/UserForm";
import { leaveComposer } from "./screens/composer/Record";

export function App() {
  const [screen, setScreen] = useState<Screen>("patients");
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [infoError, setInfoError] = useState<IpcError | null>(null);
  const [patientId, setPatientId] = useState<string | null>(null);
  const [seed, setSeed] = useState<{ key: number; seed: ComposerSeed | null }>({ key: 0, seed: null });
  const moved = useRef(false);
  const [changingUser, setChangingUser] = useState(false);

  const refreshInfo = useCallback(async () => {
    try {
      setInfo(await appInfo());
      setInfoError(null);
    } catch (e) {
      setInfoError(e as IpcError);
    }
  }, []);

  useEffect(() => {
    void refreshInfo();
  }, [refreshInfo]);

  // Leaving the composer with unrecorded choices asks first (the composer's guard).
  const go = useCallback(
    (s: Screen) =>
      leaveComposer(() => {
        moved.current = true;
        setScreen(s);
      }),
    [],
  );

  // Move focus to the new screen's heading so keyboard and screen-reader users land there.
  useEffect(() => {
    if (!moved.current) return;
    const h = document.querySelector<HTMLElement>("main h1");
    h?.focus();
  }, [screen, seed.key]);

  const nav: Nav = useMemo(
    () => ({
      go,
      info,
      refreshInfo,
      openComposer: (s: ComposerSeed | null) => {
        setSeed((old) => ({ key: old.key + 1, seed: s }));
        go("composer");
      },
    }),
    [go, info, refreshInfo],
  );

  const model = info?.model ?? null;
  // The backend refuses recommendations and decisions until someone is named: ask first.
  const firstStart = info !== null && info.user === null;
  const userChosen = (u: User) => {
    setInfo((old) => (old ? { ...old, user: u } : old));
    setChangingUser(false);
    void refreshInfo();
  };
  return (
    <NavContext.Provider value={nav}>
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <header class="app-header">
        <div class="brand">
          LEADER Rx <span class="brand-sub">medication decision support</span>
        </div>
        <div class="header-model" data-testid="active-model">
          {model ? (
            <>
              Active model: <strong>{model.id}</strong> <span class="mono">{model.version}</span>{" "}
              <ModelKindBadge kind={String(model.kind)} />
            </>
          ) : info ? (
            <>No model installed</>
          ) : (
            <>Loading…</>
          )}
        </div>
        {info?.user ? (
          <div class="header-user" data-testid="current-user">
            <span>
              <span class="sr-only">Using the app: </span>
              <strong data-testid="current-user-name">{info.user.name}</strong>{" "}
              <span class="user-role-tag" data-testid="current-user-role">
                {USER_ROLE_LABEL[info.user.role]}
              </span>
            </span>
            <button type="button" class="secondary small" onClick={() => setChangingUser(true)} data-testid="change-user">
              Change user
            </button>
          </div>
        ) : null}
        <div class="offline-note" data-testid="offline-note">
          <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
            <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="2" />
            <line x1="3" y1="13" x2="13" y2="3" stroke="currentColor" stroke-width="2" />
          </svg>
          Offline — no network used
        </div>
      </header>
      <div class="layout">
        <nav class="sidebar" aria-label="Main">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  class="nav-button"
                  aria-current={screen === s.id ? "page" : undefined}
                  data-testid={`nav-${s.id}`}
                  onClick={() => go(s.id)}
                >
                  {s.label}
                </button>
              </li>
            ))}
          </ul>
          {info ? (
            <p class="sidebar-foot small">
              App {info.version}
              <br />
              {info.stats.patients} patients · {info.stats.visits} visits
            </p>
          ) : null}
        </nav>
        <main id="main" tabIndex={-1}>
          <ErrorBanner error={infoError} />
          {firstStart ? (
            <p class="muted" data-testid="waiting-for-user">
              Say who is using the app to begin.
            </p>
          ) : (
            <Screens screen={screen} patientId={patientId} onSelect={setPatientId} seed={seed} />
          )}
        </main>
      </div>
      {info && (firstStart || changingUser) ? (
        <UserForm
          current={info.user}
          defaultName={info.default_user_name}
          onDone={userChosen}
          onCancel={() => setChangingUser(false)}
        />
      ) : null}
    </NavContext.Provider>
  );
}

function Screens({
  screen,
  patientId,
  onSelect,
  seed,
}: {
  screen: Screen;
  patientId: string | null;
  onSelect: (id: string | null) => void;
  seed: { key: number; seed: ComposerSeed | null };
}) {
  const setPatientId = onSelect;
  return (
    <>
          {screen === "patients" && <Patients selected={patientId} onSelect={setPatientId} />}
          {screen === "composer" && <Composer key={seed.key} seed={seed.seed} />}
          {screen === "pharmacist" && <Pharmacist />}
          {screen === "model" && <Model />}
          {screen === "import" && <Import />}
          {screen === "audit" && <Audit />}
    </>
  );
}
