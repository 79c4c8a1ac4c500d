-- LEADER Rx patient store, first schema. Forward-only: never edit once landed.
-- Times are TEXT `YYYY-MM-DD HH:MM:SS` in the source's own (possibly shifted) calendar.
-- Codes are stored as (system, value) with the spellings of leader_core::CodeSystem.

CREATE TABLE patients (
    id          TEXT PRIMARY KEY NOT NULL,          -- the source's de-identified id
    source      TEXT NOT NULL,                      -- mimic-iv | mimic-iii | synthea | demo
    sex         TEXT NOT NULL CHECK (sex IN ('F', 'M', 'U')),
    birth_year  INTEGER,
    synthetic   INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1))
) STRICT;

CREATE TABLE visits (
    id              INTEGER PRIMARY KEY,
    admission_id    TEXT NOT NULL UNIQUE,           -- the source's admission id (hadm_id)
    patient_id      TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    admit_time      TEXT NOT NULL,
    discharge_time  TEXT,
    admission_type  TEXT,
    insurance       TEXT,
    language        TEXT,
    marital_status  TEXT,
    race            TEXT
) STRICT;
CREATE INDEX visits_patient ON visits (patient_id, admit_time);

CREATE TABLE diagnoses (
    visit_id  INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    seq_num   INTEGER NOT NULL,
    system    TEXT NOT NULL,
    code      TEXT NOT NULL
) STRICT;
CREATE INDEX diagnoses_visit ON diagnoses (visit_id, seq_num);
CREATE INDEX diagnoses_code ON diagnoses (system, code);

CREATE TABLE procedures (
    visit_id   INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    seq_num    INTEGER NOT NULL,
    system     TEXT NOT NULL,
    code       TEXT NOT NULL,
    chart_date TEXT
) STRICT;
CREATE INDEX procedures_visit ON procedures (visit_id, seq_num);

-- Raw prescription rows as the source wrote them, plus the medication code they were
-- normalised to (the finest code the mapping tables give, e.g. ATC level 5, or the
-- cohort's own RxNorm code). med_code is NULL when nothing maps: never guessed.
CREATE TABLE prescriptions (
    id             INTEGER PRIMARY KEY,
    visit_id       INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    drug           TEXT NOT NULL,
    drug_key       TEXT NOT NULL,                   -- leader_core::drug::normalise_drug_name(drug)
    ndc            TEXT,
    gsn            TEXT,
    formulary_code TEXT,
    route          TEXT,
    start_time     TEXT,
    stop_time      TEXT,
    med_system     TEXT,
    med_code       TEXT,
    map_method     TEXT CHECK (map_method IN ('gsn', 'ndc', 'name', 'native')),
    CHECK ((med_system IS NULL) = (med_code IS NULL))
) STRICT;
CREATE INDEX prescriptions_visit ON prescriptions (visit_id);
CREATE INDEX prescriptions_unmapped ON prescriptions (drug_key) WHERE med_code IS NULL;

-- Titles of codes (ICD dictionaries, SNOMED/RxNorm descriptions, our own demo titles).
CREATE TABLE code_titles (
    system TEXT NOT NULL,
    code   TEXT NOT NULL,
    title  TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (system, code)
) STRICT, WITHOUT ROWID;

-- Drug -> ATC mapping tables, loaded by `leader import atc-map`. `rank` keeps the file
-- order so that a key mapped to several ATC codes always resolves to the same one.
CREATE TABLE atc_map (
    kind   TEXT NOT NULL CHECK (kind IN ('gsn', 'ndc', 'name')),
    key    TEXT NOT NULL,
    atc    TEXT NOT NULL,
    rank   INTEGER NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (kind, key, atc)
) STRICT, WITHOUT ROWID;
CREATE INDEX atc_map_lookup ON atc_map (kind, key, rank);

-- Interaction knowledge: each source (our curated list, TWOSIDES-derived tables, ...)
-- keeps its own pairs. code_a < code_b so each unordered pair is stored once.
CREATE TABLE ddi_sources (
    name        TEXT PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    licence     TEXT NOT NULL,
    loaded_at   TEXT NOT NULL
) STRICT;

CREATE TABLE ddi_pairs (
    source     TEXT NOT NULL REFERENCES ddi_sources (name) ON DELETE CASCADE,
    system     TEXT NOT NULL,
    code_a     TEXT NOT NULL,
    code_b     TEXT NOT NULL,
    severity   TEXT NOT NULL CHECK (severity IN ('contraindicated', 'major', 'moderate', 'unknown')),
    mechanism  TEXT,
    management TEXT,
    reference  TEXT,
    PRIMARY KEY (source, system, code_a, code_b),
    CHECK (code_a < code_b)
) STRICT, WITHOUT ROWID;
CREATE INDEX ddi_pairs_b ON ddi_pairs (system, code_b);

-- Installed model bundles; exactly one may be active.
CREATE TABLE models (
    id           TEXT PRIMARY KEY NOT NULL,
    version      TEXT NOT NULL,
    path         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    manifest     TEXT NOT NULL CHECK (json_valid(manifest))
) STRICT;
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;

-- Store-wide settings (e.g. the ATC level of the medication vocabulary).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
INSERT INTO settings (key, value) VALUES ('medication_atc_level', '3');

-- Append-only audit log: one row per event. Rows can be added, never changed or removed.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload))
) STRICT;
CREATE INDEX audit_log_kind ON audit_log (kind, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
