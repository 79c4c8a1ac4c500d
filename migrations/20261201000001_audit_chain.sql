-- Tamper-evident audit log: every row carries
--     hash = sha256(prev_hash ‖ canonical row)
-- as 64 lower-case hex digits, where prev_hash is the previous row's hash (the genesis value,
-- 64 zeros, for the first row) and the canonical row is the netstrings (`<byte length>:<bytes>,`)
-- of id (decimal), at, actor, kind and payload as stored. `leader_store::audit` computes the
-- hashes and `leader audit verify` walks the chain.
--
-- Rows written before this migration have no hash yet: SQL cannot compute sha256, so
-- `Store::open` chains them, in id order, right after migrating (one transaction). That
-- one-time chaining of the rows present now (ids up to the setting below) is the only
-- UPDATE the log accepts; a hash-less row added later is never chained, so verify reports it.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
INSERT INTO settings (key, value)
SELECT 'audit_chain_legacy_last_id', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM audit_log;

-- Rows enter only at the end of the chain: an explicit id one above the last, the last row's
-- hash as prev_hash (genesis for the first row), a well-formed hash. This also refuses
-- INSERT OR REPLACE (and upserts) of an existing id: a REPLACE deletes the old row without
-- firing DELETE triggers (recursive_triggers is off), but BEFORE INSERT triggers always fire.
CREATE TRIGGER audit_log_insert_at_chain_end BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT (SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log)
  OR NEW.prev_hash IS NOT COALESCE(
        (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1),
        CASE WHEN EXISTS (SELECT 1 FROM audit_log) THEN NULL
             ELSE '0000000000000000000000000000000000000000000000000000000000000000' END)
  OR NEW.hash IS NULL
  OR length(NEW.hash) <> 64
  OR NEW.hash GLOB '*[^0-9a-f]*'
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows are added at the end of the hash chain');
END;

-- UPDATE stays refused, except chaining a row written before this migration that has no
-- hash yet (see above), which must leave every other column as it was.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (OLD.hash IS NULL AND OLD.prev_hash IS NULL
          AND OLD.id <= (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'audit_chain_legacy_last_id')
          AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
          AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor
          AND NEW.kind IS OLD.kind AND NEW.payload IS OLD.payload)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
