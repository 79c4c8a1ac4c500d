-- The patient list, materialised: one row per patient with the visit count and the latest
-- admission, in list order (synthetic first, then id). Derived data only: rebuilt from
-- `patients` and `visits` by the store after every import that writes them, and whenever
-- its stamp (settings 'patient_summaries': the id of the latest `import` audit event it
-- reflects) is behind the audit log. Never edited otherwise.
CREATE TABLE patient_summaries (
    position    INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,
    source      TEXT NOT NULL,
    sex         TEXT NOT NULL,
    birth_year  INTEGER,
    synthetic   INTEGER NOT NULL,
    visits      INTEGER NOT NULL,
    last_visit  TEXT
) STRICT;
