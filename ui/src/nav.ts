// Navigation and app-wide state shared with the screens through context.

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { AppInfo } from "./bindings/AppInfo";
import type { PatientRecord } from "./bindings/PatientRecord";

export type Screen = "patients" | "composer" | "pharmacist" | "model" | "import" | "audit";

export const SCREENS: { id: Screen; label: string }[] = [
  { id: "patients", label: "Patients" },
  { id: "composer", label: "Visit composer" },
  { id: "pharmacist", label: "Pharmacist check" },
  { id: "model", label: "Model" },
  { id: "import", label: "Import" },
  { id: "audit", label: "Audit" },
];

/** Where the composer starts: a stored visit, or (null) a new ad-hoc visit. */
export interface ComposerSeed {
  record: PatientRecord;
  admission_id: string;
}

export interface Nav {
  go: (screen: Screen) => void;
  openComposer: (seed: ComposerSeed | null) => void;
  info: AppInfo | null;
  refreshInfo: () => Promise<void>;
}

export const NavContext = createContext<Nav>({
  go: () => {},
  openComposer: () => {},
  info: null,
  refreshInfo: async () => {},
});

export const useNav = () => useContext(NavContext);
