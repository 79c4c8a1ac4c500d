-- What this hospital prescribes within each medication class: the statistics of past
-- practice behind a suggestion's concrete candidates ("ceftriaxone IV: 71% of J01D orders
-- at visits with J18.9 in this store, n = 45"). Derived data only: rebuilt from
-- `prescriptions` and `diagnoses` by the store after every import and after an ATC map
-- import (which re-maps prescriptions), and whenever its stamp (settings 'class_practice':
-- the id of the latest `import` audit event it reflects) is behind the audit log.
--
-- Counts are of visits, not prescription rows: a visit that ordered ceftriaxone IV ten
-- times counts once. Only prescriptions mapped to an ATC level-5 code (an ingredient)
-- count; a class is that code's level-3 (4 characters) or level-4 (5 characters) prefix.
--   diagnosis   'SYSTEM:CODE' of a diagnosis the visit carries; '' = every visit
--   ingredient  ATC level-5 code; '' = the class's total (visits with any order in it)
--   route       the order's route, upper-cased ('' when not recorded, and in totals)
-- Rows of a (class, diagnosis) with fewer than 5 visits in all are not kept: too few to
-- give a share, the class's overall rows are used instead.
CREATE TABLE class_practice (
    class_code  TEXT NOT NULL,
    diagnosis   TEXT NOT NULL,
    ingredient  TEXT NOT NULL,
    route       TEXT NOT NULL,
    visits      INTEGER NOT NULL,
    PRIMARY KEY (diagnosis, class_code, ingredient, route)
) STRICT, WITHOUT ROWID;
